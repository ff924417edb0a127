"""What a reader says about an input it cannot turn into an article."""

from __future__ import annotations

from dataclasses import dataclass


class UnreadableError(Exception):
    """Raised inside a reader; the message is the reason shown to the user."""


@dataclass(frozen=True, slots=True)
class ReadError:
    """One input that gave no article: where it was and why (recorded, never fatal)."""

    location: str
    reason: str
    raw: bytes | None = None

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"

"""One place in an article's text where a name stands, as the rules found it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Mention:
    form: str
    kind: str
    start: int
    end: int
    weak: bool
    # A dictionary word the tags only suggest is a name (see below): it counts only as
    # the short form of a full name in the same article (拉塞尔 after 马丁·拉塞尔).
    guess: bool = False

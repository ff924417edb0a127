"""Exporters: the archive's articles written out in other formats.

`EXPORTERS` maps a format name (``newsarchive export --format NAME``) to an `Exporter`.
Each exporter writes every article (latest version) to `out`, or to standard output
when `out` is None and the format allows it, and returns how many articles it wrote.
Other stages add their formats to the registry with `register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from newsarchive.export.jsonl import export_jsonl

if TYPE_CHECKING:
    from newsarchive.archive import Archive


@dataclass(frozen=True, slots=True)
class Exporter:
    name: str
    description: str
    run: Callable[[Archive, Path | None], int]
    # Formats that write a folder or binary file cannot go to standard output.
    needs_path: bool = False


EXPORTERS: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    EXPORTERS[exporter.name] = exporter
    return exporter


register(
    Exporter(
        "jsonl",
        "one JSON object per article (latest version, version count, captures)",
        export_jsonl,
    )
)

__all__ = ["EXPORTERS", "Exporter", "register"]

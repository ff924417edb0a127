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
from newsarchive.export.mirrors import write_mirror
from newsarchive.export.tabular import write_csv, write_parquet
from newsarchive.export.warc import write_warc

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


def _to_path(write: Callable[[Archive, Path], int]) -> Callable[[Archive, Path | None], int]:
    def run(archive: Archive, out: Path | None) -> int:
        assert out is not None  # needs_path: the command refuses to run without -o
        return write(archive, out)

    return run


def _mirror(fmt: str) -> Callable[[Archive, Path | None], int]:
    return _to_path(lambda archive, out: write_mirror(archive, fmt, out))


register(
    Exporter(
        "csv",
        "one row per article with its plain text (UTF-8 with BOM)",
        _to_path(write_csv),
        needs_path=True,
    )
)
register(
    Exporter(
        "parquet",
        "one row per article with text and HTML (zstd Parquet)",
        _to_path(write_parquet),
        needs_path=True,
    )
)
register(
    Exporter(
        "warc",
        "every stored raw capture as a gzipped WARC/1.1 record",
        _to_path(write_warc),
        needs_path=True,
    )
)
register(
    Exporter(
        "jekyll",
        "a folder of Jekyll posts (_posts/), the NodeBE4/waimei mirror format",
        _mirror("jekyll"),
        needs_path=True,
    )
)
register(
    Exporter(
        "feedx",
        "a folder of feed-item Markdown (articles/<outlet>/), the feedx format",
        _mirror("feedx"),
        needs_path=True,
    )
)
register(
    Exporter(
        "gfw-breaker",
        "a folder of mirror pages (pages/<channel>/), the gfw-breaker format",
        _mirror("gfw-breaker"),
        needs_path=True,
    )
)

__all__ = ["EXPORTERS", "Exporter", "register"]

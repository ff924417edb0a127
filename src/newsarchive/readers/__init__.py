"""Readers for the mirror formats: files, folders and archives to (Draft, Capture) pairs.

Each file's format is detected from its content (the folder it sits in is only a hint
for the outlet): Jekyll posts, feed-item Markdown (feedx) and gfw-breaker mirror pages.
A file that is none of them, or that cannot be read, becomes a `ReadError` with the
reason; nothing is raised to the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from newsarchive.model import Capture, Draft
from newsarchive.readers import feedx, gfwbreaker, jekyll
from newsarchive.readers.decode import decode_text
from newsarchive.readers.errors import ReadError, UnreadableError
from newsarchive.readers.exported import find_record, parse_exported
from newsarchive.readers.sources import RawFile, iter_files

__all__ = ["RawFile", "ReadError", "detect_format", "parse_file", "read_path"]

_PARSERS: dict[str, Callable[[str, str], Draft]] = {
    jekyll.FORMAT: jekyll.parse,
    feedx.FORMAT: feedx.parse,
    gfwbreaker.FORMAT: gfwbreaker.parse,
}


def detect_format(text: str) -> str | None:
    if jekyll.looks_like(text):
        return jekyll.FORMAT
    if feedx.looks_like(text):
        return feedx.FORMAT
    if gfwbreaker.looks_like(text):
        return gfwbreaker.FORMAT
    return None


def parse_file(raw: RawFile) -> tuple[Draft, Capture] | ReadError:
    """One file to its article, or the reason it has none. Never raises for bad input."""
    try:
        text = decode_text(raw.data)
        fmt = detect_format(text)
        if fmt is None:
            raise UnreadableError(
                "unrecognised format (not a Jekyll post, feed item or gfw-breaker page)"
            )
        # A file newsarchive exported carries its article's fields in a record of its
        # own: read them back as they were, not guessed again from the format.
        record = find_record(text)
        draft = parse_exported(record, text) if record else _PARSERS[fmt](text, raw.member)
    except UnreadableError as exc:
        return ReadError(raw.location, str(exc), raw.data)
    except (ValueError, LookupError, TypeError) as exc:
        # A reader bug on a strange file must not stop an import of thousands.
        return ReadError(raw.location, f"could not parse: {type(exc).__name__}: {exc}", raw.data)
    return draft, Capture(raw=raw.data, format=fmt, location=raw.location)


def read_path(path: str | Path) -> Iterator[tuple[Draft, Capture] | ReadError]:
    """Every article in a file, folder or .tar.xz/.tar.gz/.zip archive."""
    for item in iter_files(Path(path)):
        yield item if isinstance(item, ReadError) else parse_file(item)

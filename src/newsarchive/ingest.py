"""Importing mirror files into the archive: the `newsarchive import` job.

Files are read in a stable order and stored in transactions of `batch_size` files, so a
process killed at any moment loses at most the batch in flight, and running the same
import again skips every stored capture (the archive recognises the same bytes from the
same location) and completes the rest.

Parsing (lxml + nh3) is the expensive part; with ``workers > 1`` it runs in a process
pool while this process reads the input stream and is the archive's only writer.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import chain, islice
from pathlib import Path

from newsarchive.archive import Archive, IngestOutcome
from newsarchive.model import Capture, Draft
from newsarchive.readers import RawFile, ReadError, parse_file
from newsarchive.readers.sources import iter_files

BATCH_SIZE = 500
# Files handed to a worker at a time: large enough to amortise pickling, small enough
# that a progress bar moves and a kill loses little.
_CHUNK = 16

Parsed = tuple[Draft, Capture] | ReadError


@dataclass(slots=True)
class ImportSummary:
    """What an import did. ``files = articles + new_versions + unchanged + errors``:
    `articles` are new articles, `new_versions` new contents of known articles,
    `unchanged` files whose content was already stored (identical bytes, or the same
    article seen again elsewhere), `errors` files that gave no article."""

    files: int = 0
    articles: int = 0
    new_versions: int = 0
    unchanged: int = 0
    errors: int = 0

    def to_json(self) -> dict[str, int]:
        return asdict(self)


def default_workers() -> int:
    """Parsing processes: one per core beyond the one that reads and writes."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) - 1) if (cores or 1) > 2 else (cores or 1)


def import_paths(
    archive: Archive,
    paths: Sequence[Path],
    *,
    on_file: Callable[[str], None] | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
) -> ImportSummary:
    """Import every file under `paths` (files, folders, .tar.xz/.tar.gz/.zip)."""
    summary = ImportSummary()
    inputs: Iterator[RawFile | ReadError] = chain.from_iterable(iter_files(Path(p)) for p in paths)
    n = default_workers() if workers is None else workers
    if n <= 1:
        _store_all(archive, map(_parse, inputs), summary, on_file, batch_size)
        return summary
    # fork: workers start in milliseconds and need no importable __main__ (callers are
    # often small scripts without a main guard). They only parse; the archive's
    # connection is used by this process alone.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(n) as pool:
        results = pool.imap(_parse, inputs, chunksize=_CHUNK)
        _store_all(archive, results, summary, on_file, batch_size)
    return summary


def _parse(item: RawFile | ReadError) -> Parsed:
    return item if isinstance(item, ReadError) else parse_file(item)


def _store_all(
    archive: Archive,
    results: Iterable[Parsed],
    summary: ImportSummary,
    on_file: Callable[[str], None] | None,
    batch_size: int,
) -> None:
    it = iter(results)
    while batch := list(islice(it, batch_size)):
        with archive.transaction():
            for result in batch:
                _store_one(archive, result, summary)
        # Report only what is committed, so a progress bar never runs ahead of the disk.
        if on_file:
            for result in batch:
                on_file(result.location if isinstance(result, ReadError) else result[1].location)


def _store_one(archive: Archive, result: Parsed, summary: ImportSummary) -> None:
    summary.files += 1
    if isinstance(result, ReadError):
        archive.record_error(result.location, result.reason, result.raw)
        summary.errors += 1
        return
    draft, capture = result
    outcome = archive.ingest(draft, capture).outcome
    if outcome is IngestOutcome.NEW_ARTICLE:
        summary.articles += 1
    elif outcome is IngestOutcome.NEW_VERSION:
        summary.new_versions += 1
    else:
        summary.unchanged += 1

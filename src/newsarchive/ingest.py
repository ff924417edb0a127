"""Importing mirror files into the archive: the `newsarchive import` job.

Files are read in a stable order and stored in transactions of `batch_size` files, so a
process killed at any moment loses at most the batch in flight, and running the same
import again skips every stored capture (the archive recognises the same bytes from the
same location) and completes the rest.

Parsing (lxml + nh3) is the expensive part; with ``workers > 1`` it runs in a process
pool while this process reads the input stream and is the archive's only writer.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import chain, islice
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import TypeVar, cast

from newsarchive.archive import (
    Address,
    Archive,
    ArchiveHook,
    IngestOutcome,
    pack_blob,
    prepare_draft,
    prepare_drafts,
)
from newsarchive.model import Capture, Draft
from newsarchive.readers import RawFile, ReadError, parse_file
from newsarchive.readers.sources import iter_files
from newsarchive.workers import hook_modules, init_worker, worker_context, worker_hooks

_T = TypeVar("_T")

BATCH_SIZE = 500
# Files handed to a worker at a time. A worker takes a chunk through each step in turn
# (parse all, then each hook's preparation of all, then compress all), which keeps each
# step's code and tables in the CPU caches: 125 files a step cost 1.8 ms a file, 16
# files 2.0 ms, file by file 2.3-2.5 ms (in one process, 1,500 corpus files). A batch
# of 500 is four chunks, and the next batch is already queued, so both workers stay
# busy.
_CHUNK = 125


@dataclass(frozen=True, slots=True)
class Known:
    """A file whose exact bytes at this location are already stored (as an article's
    capture or as an error): a re-run skips it without parsing."""

    location: str
    was_error: bool


@dataclass(frozen=True, slots=True)
class Unseen:
    """A file to parse, with the sha256 of its bytes (computed once, by the reader
    thread, to check whether it is known)."""

    raw: RawFile
    digest: str


Parsed = tuple[Draft, Capture] | ReadError | Known


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
    raw_inputs = chain.from_iterable(iter_files(Path(p)) for p in paths)
    # Reading (xz/gzip, tar) and hashing run in a thread: both release the GIL, so they
    # overlap with this thread's storing and the workers' parsing.
    inputs = _prefetch(_skip_known(archive.address, raw_inputs), 2 * batch_size)
    n = default_workers() if workers is None else workers
    if n <= 1:
        hooks = archive.hooks
        _store_all(archive, (_parse(i, hooks) for i in inputs), summary, on_file, batch_size)
        return summary
    ctx = worker_context(["newsarchive.readers", *hook_modules(archive.hooks)])
    # The workers prepare for this archive's own hooks (none, for a bare import).
    with ctx.Pool(n, initializer=init_worker, initargs=(archive.hooks,)) as pool:
        _store_all(archive, _parse_in_pool(pool, inputs, batch_size), summary, on_file, batch_size)
    return summary


def _parse_in_pool(
    pool: Pool, inputs: Iterator[Unseen | ReadError | Known], batch_size: int
) -> Iterator[Parsed]:
    """Parse batch by batch in the pool, in input order, with two batches in flight:
    the workers parse one while this process reads the next and stores the last.
    Reading never runs ahead by more than that, so memory stays bounded however big
    the input is (Pool.imap would queue the whole input)."""
    in_flight: deque[tuple[list[Unseen | ReadError | Known], AsyncResult[list[list[_Slim]]]]] = (
        deque()
    )

    def submit() -> bool:
        batch = list(islice(inputs, batch_size))
        if not batch:
            return False
        todo = [item.raw for item in batch if isinstance(item, Unseen)]
        chunks = [todo[i : i + _CHUNK] for i in range(0, len(todo), _CHUNK)]
        in_flight.append((batch, pool.map_async(_parse_chunk, chunks, chunksize=1)))
        return True

    submit()
    submit()
    while in_flight:
        batch, pending = in_flight.popleft()
        slims = chain.from_iterable(pending.get())
        submit()
        for item in batch:
            if not isinstance(item, Unseen):
                yield item
                continue
            slim = next(slims)
            raw = item.raw
            if isinstance(slim, str):  # the reason it could not be read
                yield ReadError(raw.location, slim, raw.data)
            else:
                draft, fmt, packed = slim
                yield draft, Capture(raw.data, fmt, raw.location, digest=item.digest, packed=packed)


# What a worker sends back: the draft, its format and the raw bytes as stored
# (compressed), or the reason for an error. The raw bytes themselves stay in this process.
_Slim = tuple[Draft, str, tuple[str, bytes]] | str


def _parse_chunk(items: list[RawFile]) -> list[_Slim]:
    """A worker's task: the chunk's files parsed, prepared and compressed, one step at a
    time over the whole chunk (see `_CHUNK`)."""
    parsed = [parse_file(item) for item in items]
    prepare_drafts([r[0] for r in parsed if not isinstance(r, ReadError)], worker_hooks())
    return [
        r.reason if isinstance(r, ReadError) else (r[0], r[1].format, pack_blob(item.data))
        for r, item in zip(parsed, items, strict=True)
    ]


_END = object()


def _prefetch(items: Iterator[_T], depth: int) -> Iterator[_T]:
    """Run `items` in a background thread, at most `depth` ahead of the consumer."""
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_END)
        except BaseException as exc:  # re-raised in the consumer
            q.put(_Failed(exc))

    thread = threading.Thread(target=produce, name="newsarchive-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield cast(_T, item)
    finally:
        stop.set()
        thread.join(timeout=5)


@dataclass(frozen=True, slots=True)
class _Failed:
    exc: BaseException


def _skip_known(
    address: Address, items: Iterable[RawFile | ReadError]
) -> Iterator[Unseen | ReadError | Known]:
    """Mark files already stored byte for byte at the same location, so a re-run
    neither parses nor sends them to a worker. It reads through its own read-only
    connection (this generator runs in the prefetch thread), which sees committed
    batches: all a re-run needs."""
    known = Archive.open(address, schemas=(), readonly=True, create=False)
    try:
        for item in items:
            if isinstance(item, ReadError):
                yield item
                continue
            digest = hashlib.sha256(item.data).hexdigest()
            if known.has_capture(item.location, digest):
                yield Known(item.location, was_error=False)
            elif known.has_error(item.location, digest):
                yield Known(item.location, was_error=True)
            else:
                yield Unseen(item, digest)
    finally:
        known.close()


def _parse(item: Unseen | ReadError | Known, hooks: Sequence[ArchiveHook]) -> Parsed:
    """Serial parsing (one worker): the same work as `_parse_chunk`, in this process."""
    if isinstance(item, ReadError | Known):
        return item
    result = parse_file(item.raw)
    if isinstance(result, ReadError):
        return result
    draft, capture = result
    capture.digest = item.digest
    return prepare_draft(draft, hooks), capture


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
                on_file(result[1].location if isinstance(result, tuple) else result.location)


def _store_one(archive: Archive, result: Parsed, summary: ImportSummary) -> None:
    summary.files += 1
    if isinstance(result, Known):
        if result.was_error:
            summary.errors += 1
        else:
            summary.unchanged += 1
        return
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

"""Importing mirror files into the archive: the `newsarchive import` job.

Files are read in a stable order and stored in transactions of `batch_size` files (fewer
when they are big: see `BATCH_BYTES`), so a process killed at any moment loses at most
the batch in flight, and running the same import again skips every stored capture (the
archive recognises the same bytes from the same location) and completes the rest.

Parsing (lxml + nh3) is the expensive part; with ``workers > 1`` it runs in a process
pool while this process reads the input stream and is the archive's only writer.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import chain
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
from newsarchive.workers import (
    GC_THRESHOLD,
    hook_modules,
    init_worker,
    worker_context,
    worker_hooks,
)

_T = TypeVar("_T")

BATCH_SIZE = 500
# Raw input bytes one batch may hold. Batches are cut in the reader thread, by count or
# by bytes, and at most five exist at once (one being read, one queued, two with the
# workers, one being stored), so an import holds at most 5 x 4 MiB of input, plus what
# parsing makes of it (a big article's draft, with its search tokens, is ~6 times its
# raw size), whatever the files' sizes. Cut by count alone, 500-file batches of 15 MB
# files held 1.3 GB in the importer. Mirror files average 5-11 KB: batches of them are
# cut by count, as before, or a little sooner.
BATCH_BYTES = 4 * 1024 * 1024
# Files handed to a worker at a time. A worker takes a chunk through each step in turn
# (parse all, then each hook's preparation of all, then compress all), which keeps each
# step's code and tables in the CPU caches: 125 files a step cost 1.8 ms a file, 16
# files 2.0 ms, file by file 2.3-2.5 ms (in one process, 1,500 corpus files). A batch
# of 500 is four chunks, and the next batch is already queued, so both workers stay
# busy. A chunk also holds at most `_CHUNK_BYTES`, so that a batch of big files is
# shared among the workers and no worker parses a whole batch of them at once.
_CHUNK = 125
_CHUNK_BYTES = 2 * 1024 * 1024


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
    batch_bytes: int = BATCH_BYTES,
    on_read: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import every file under `paths` (files, folders, .tar.xz/.tar.gz/.zip).

    `on_file(location)` is told about each file stored; `on_read(count)` about each file
    read (from the reading thread), which runs a batch ahead of storing: a progress bar
    fed by both shows real counts from the first second."""
    summary = ImportSummary()
    raw_inputs: Iterable[RawFile | ReadError] = chain.from_iterable(
        iter_files(Path(p)) for p in paths
    )
    if on_read is not None:
        raw_inputs = _counted(raw_inputs, on_read)
    # Reading (xz/gzip, tar), hashing and cutting into batches run in a thread: reading
    # and hashing release the GIL, so they overlap with this thread's storing and the
    # workers' parsing. The thread is one batch ahead (see `BATCH_BYTES`).
    inputs = _skip_known(archive.address, raw_inputs)
    batches = _prefetch(_cut(inputs, batch_size, batch_bytes, _raw_size), 1)
    n = default_workers() if workers is None else workers
    with _fewer_collections():
        if n <= 1:
            hooks = archive.hooks
            parsed = ([_parse(i, hooks) for i in b] for b in batches)
            _store_all(archive, parsed, summary, on_file)
        else:
            ctx = worker_context(["newsarchive.readers", *hook_modules(archive.hooks)])
            # The workers prepare for this archive's own hooks (none, for a bare import).
            with ctx.Pool(n, initializer=init_worker, initargs=(archive.hooks,)) as pool:
                _store_all(archive, _parse_in_pool(pool, batches), summary, on_file)
    archive.settle()
    return summary


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """The workers' garbage-collector threshold (`workers.GC_THRESHOLD`) in this process
    for the import's duration: unpickling and storing every draft allocates like
    parsing does. Time in the collector, 2,000 Jekyll files with every hook: 0.085 ->
    0.045 ms a file (/work/runs/hookspeed/maingc.py)."""
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _counted(items: Iterable[_T], report: Callable[[int], None]) -> Iterator[_T]:
    for count, item in enumerate(items, 1):
        report(count)
        yield item


def _cut(
    items: Iterable[_T], count: int, nbytes: int, size: Callable[[_T], int]
) -> Iterator[list[_T]]:
    """`items` in order, in lists of at most `count` items and `nbytes` bytes (an item
    bigger than that alone)."""
    batch: list[_T] = []
    total = 0
    for item in items:
        n = size(item)
        if batch and total + n > nbytes:
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += n
        if len(batch) >= count:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def _raw_size(item: Unseen | ReadError | Known) -> int:
    if isinstance(item, Unseen):
        return len(item.raw.data)
    return len(item.raw) if isinstance(item, ReadError) and item.raw is not None else 0


def _parse_in_pool(
    pool: Pool, batches: Iterator[list[Unseen | ReadError | Known]]
) -> Iterator[list[Parsed]]:
    """Parse batch by batch in the pool, in input order, with two batches in flight:
    the workers parse one while this process stores the last and the reader thread
    reads the next. Reading never runs ahead by more than that, so memory stays
    bounded however big the input is (Pool.imap would queue the whole input). Yields
    each batch's results as one list: one transaction."""
    in_flight: deque[tuple[list[Unseen | ReadError | Known], AsyncResult[list[list[_Slim]]]]] = (
        deque()
    )

    def submit() -> None:
        batch = next(batches, None)
        if batch is None:
            return
        todo = [item.raw for item in batch if isinstance(item, Unseen)]
        chunks = list(_cut(todo, _CHUNK, _CHUNK_BYTES, lambda raw: len(raw.data)))
        in_flight.append((batch, pool.map_async(_parse_chunk, chunks, chunksize=1)))

    submit()
    submit()
    while in_flight:
        batch, pending = in_flight.popleft()
        slims = chain.from_iterable(pending.get())
        submit()
        yield [_joined(item, slims) for item in batch]


def _joined(item: Unseen | ReadError | Known, slims: Iterator[_Slim]) -> Parsed:
    """A worker's answer for `item` (the next of `slims`) with the raw bytes it left here."""
    if not isinstance(item, Unseen):
        return item
    slim = next(slims)
    raw = item.raw
    if isinstance(slim, str):  # the reason it could not be read
        return ReadError(raw.location, slim, raw.data)
    draft, fmt, packed = slim
    return draft, Capture(raw.data, fmt, raw.location, digest=item.digest, packed=packed)


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
    batches: Iterable[list[Parsed]],
    summary: ImportSummary,
    on_file: Callable[[str], None] | None,
) -> None:
    for batch in batches:  # one transaction each
        # Pipelined (PostgreSQL): an article's statements whose answers are not read
        # (the hooks' deletes and inserts) go out without a round trip each.
        with archive.transaction() as tx, tx.pipelined():
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

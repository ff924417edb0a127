"""Article extraction and the archive hooks' preparation, off the fetching process.

`extract_page` (lxml + trafilatura) and the hooks' `prepare` (search segmentation,
duplicate signatures) are pure-Python CPU work, ~12 ms an article together: more than
everything else a pass does per article. In the fetching process they would hold the
interpreter lock against the fetch threads and the archive writer, so a pass runs them
in worker processes, like the importer (`newsarchive.ingest`), and the fetching process
only fetches, schedules and stores drafts the workers have already prepared.

Workers come from a fork server, never a plain fork: forking the fetching process would
copy locks held by its threads, and a child forked from a process that has already
segmented hangs in jieba-rs on its first cut (see ingest.py).
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext

from newsarchive.archive import ArchiveHook, default_hooks, prepare_draft
from newsarchive.extract import ExtractionError, extract_page
from newsarchive.model import Draft

Extractor = Callable[[bytes, str], Draft]

# A prepared draft, or the reason there is none (for the fetch-error log).
Extracted = Draft | str

# The reason given for pages lost with a worker that died; the pass resubmits them once.
WORKER_DIED = "extraction worker died (killed, or crashed on a hostile page)"

# Modules the fork server imports once, so each worker starts with them loaded.
_PRELOAD = ["newsarchive.extract", "newsarchive.search.index", "newsarchive.dedup.index"]

# The hooks whose `prepare` a worker runs: the archive's default ones.
_WORKER_HOOKS: list[ArchiveHook] = []


def worker_context() -> BaseContext:
    """forkserver where the platform has it (see the module docstring), else spawn."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def init_worker() -> None:
    """Process-pool initializer. Ctrl-C reaches the whole process group; the fetching
    process decides how to stop (finish what is in flight), so workers ignore it
    rather than die mid-page and break the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_HOOKS[:] = default_hooks()


def extract_and_prepare(raw: bytes, url: str, extract: Extractor | None = None) -> Extracted:
    """Run in a worker. Exceptions are turned into reasons here: a bug triggered by one
    hostile page costs that page, not the pass."""
    draft = extract_only(raw, url, extract)
    if isinstance(draft, str):
        return draft
    try:
        return prepare_draft(draft, _WORKER_HOOKS)
    except Exception as exc:
        # The writer would fail on the same text inside its transaction.
        return f"preparing for the index failed: {type(exc).__name__}: {exc}"


class ExtractionPool:
    """`submit(raw, url)` → a Future of `Extracted`.

    With `processes=0` the work runs at once in the calling thread (small passes and
    tests) and the archive's hooks do their own preparation when storing."""

    def __init__(self, processes: int, extract: Extractor | None = None) -> None:
        self.processes = processes
        self.extract = extract
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=worker_context(), initializer=init_worker
            )
        return self._pool

    def submit(self, raw: bytes, url: str) -> Future[Extracted]:
        if self.processes <= 0:
            fut: Future[Extracted] = Future()
            try:
                fut.set_result(extract_only(raw, url, self.extract))
            except BaseException as exc:  # pragma: no cover - extract_only catches
                fut.set_exception(exc)
            return fut
        try:
            return self._executor().submit(extract_and_prepare, raw, url, self.extract)
        except BrokenProcessPool:
            # A worker died (say, killed by the OOM killer on a hostile page): every page
            # the pool held fails with WORKER_DIED; start a fresh pool for the rest.
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            return self._executor().submit(extract_and_prepare, raw, url, self.extract)


def extract_only(raw: bytes, url: str, extract: Extractor | None = None) -> Extracted:
    try:
        return (extract or extract_page)(raw, url)
    except ExtractionError as exc:
        return str(exc)
    except Exception as exc:
        return f"extractor failed: {type(exc).__name__}: {exc}"


def outcome_of(fut: Future[Extracted]) -> Extracted:
    """The result of a finished extraction; a dead worker becomes a reason too."""
    try:
        return fut.result()
    except BrokenProcessPool:
        return WORKER_DIED
    except Exception as exc:  # e.g. a draft that could not be pickled back
        return f"extraction failed in the worker: {type(exc).__name__}: {exc}"

"""Building the search index in a second process while the pages are rendered.

Both halves of a full build cost about the same CPU (tokenising 50,000 articles vs.
rendering 50,000 pages), so on a machine with two cores the index is built alongside the
pages instead of after them. The job opens its own read-only connection to the archive
and its own `SiteWriter`; the parent adopts the files it wrote into the manifest.

The process dies with publish: a SIGKILLed publish used to leave it running for good
(150-330 MB, still writing into search/; a pool worker waits on a queue whose write end
it holds itself). On Linux the kernel kills it when its parent dies
(PR_SET_PDEATHSIG); everywhere it also checks its parent every half second. publish
kills it too when it stops on an error before asking for the result.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from newsarchive.archive import Address
from newsarchive.components import open_archive
from newsarchive.publish import searchindex
from newsarchive.publish.output import OutputStats, SiteWriter
from newsarchive.publish.tokens import terms


@dataclass(slots=True)
class IndexResult:
    state: dict[str, Any]
    full_rebuild: bool
    files: dict[str, dict[str, str]]  # manifest records of every search/ file kept or written
    stats: OutputStats


def build_search_files(
    db_path: Address,
    outdir: Path,
    docs: list[searchindex.DocEntry],
    previous: dict[str, Any] | None,
    old_files: dict[str, dict[str, str]],
) -> IndexResult:
    archive = open_archive(db_path, readonly=True, create=False)
    try:
        writer = SiteWriter(outdir, old_files)

        def doc_terms(d: searchindex.DocEntry) -> set[str]:
            rec = archive.article(d.article_id)
            return terms(rec.title + "\n" + rec.text) if rec else set()

        state, full = searchindex.build_index(
            docs,
            doc_terms,
            emit=lambda path, text: writer.write(path, text, "search"),
            keep=writer.keep_prefix,
            previous=searchindex.IndexState.from_json(previous),
        )
        return IndexResult(state.to_json(), full, writer.produced(), writer.stats)
    finally:
        archive.close()


_PR_SET_PDEATHSIG = 1
PARENT_CHECK_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Make this (forked) process end when `parent_pid`, its parent, does."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the polling below still applies
    if os.getppid() != parent_pid:  # died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _run_in_child(parent_pid: int, conn: Connection, args: tuple[Any, ...]) -> None:
    die_with_parent(parent_pid)
    try:
        conn.send(("ok", build_search_files(*args)))
    except BaseException as exc:  # reported to the parent, which raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    finally:
        conn.close()


class IndexJobError(RuntimeError):
    """The search index process failed; the message carries its traceback."""


class IndexJob:
    """`build_search_files` in a forked process when the platform can fork, else in
    this process when `result()` is asked for."""

    def __init__(
        self,
        db_path: Address,
        outdir: Path,
        docs: list[searchindex.DocEntry],
        previous: dict[str, Any] | None,
        old_files: dict[str, dict[str, str]],
        parallel: bool = True,
    ) -> None:
        self._args = (db_path, outdir, docs, previous, old_files)
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        if parallel and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            self._conn, child_end = ctx.Pipe(duplex=False)
            self._proc = ctx.Process(
                target=_run_in_child,
                args=(os.getpid(), child_end, self._args),
                name="newsarchive-search-index",
                daemon=True,  # also ended by multiprocessing when the parent exits
            )
            self._proc.start()
            child_end.close()

    def result(self) -> IndexResult:
        if self._proc is None or self._conn is None:
            return build_search_files(*self._args)
        try:
            kind, value = self._conn.recv()
        except EOFError:
            self._proc.join()
            raise IndexJobError(
                f"the search index process died (exit code {self._proc.exitcode})"
            ) from None
        finally:
            self._conn.close()
        self._proc.join()
        self._proc = None
        if kind != "ok":
            raise IndexJobError(value)
        assert isinstance(value, IndexResult)
        return value

    def close(self) -> None:
        """Kill the process if its result was never asked for (publish stopped early)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.join()
            self._proc = None
        if self._conn is not None:
            self._conn.close()

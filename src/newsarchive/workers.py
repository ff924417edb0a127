"""Worker processes for the CPU-bound part of bringing articles in: parsing or
extracting, then `prepare_draft` (search tokens, duplicate signatures, identity, the
raw bytes' compressed form). The importer (`newsarchive.ingest`) and the fetcher
(`newsarchive.collect.extraction`) both use them; the process that starts them stays
the archive's only writer.

Workers come from a fork server, never a plain fork: a child forked from a process that
has already segmented hangs in jieba-rs on its first cut (its native state does not
survive fork; seen in tests/readers/test_import.py), and forking a fetcher would copy
locks held by its threads. Workers forked from a clean server load their own segmenter.
Python's fork server ignores the parent's `sys.path`: workers import newsarchive from
the installed package or `PYTHONPATH`.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Sequence
from multiprocessing.context import BaseContext

from newsarchive.archive import ArchiveHook

# Workers run at a lower CPU priority. Importing and fetching are bulk work that may
# take minutes; the same machine often serves the web app, whose requests must not wait
# behind it (a search answered in 5 ms idle took 0.5-2.5 s while an import's workers
# held both cores). With nothing else running, niceness costs nothing; the writing
# process keeps normal priority, so the workers never starve it.
WORKER_NICENESS = 10

# The cyclic garbage collector in a worker: its young generation is collected after
# this many new container objects instead of Python's 700. A worker allocates millions
# of short-lived objects a minute (tokens, tags, mentions) that reference counting frees;
# collecting every 700 of them walked the survivors again and again, and each full
# collection walked the tables the hooks load (lexicon, memos): 0.12 ms of CPU a file
# in all, 0.05 with this threshold and the preloaded modules frozen (`init_worker`),
# measured on 1,500 Jekyll files through every hook's `prepare` in one process.
# Garbage in reference cycles waits a little longer; the memory it holds is bounded
# by the threshold.
GC_THRESHOLD = (10_000, 10, 10)

# The hooks whose `prepare` a worker runs: those of the archive being written (none
# for a bare archive), set by `init_worker`.
_HOOKS: list[ArchiveHook] = []


def worker_context(preload: Sequence[str]) -> BaseContext:
    """A fork server that has imported `preload` once (so each worker starts with those
    modules loaded), or spawn where the platform has no fork server."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(list(preload))
    return ctx


def init_worker(hooks: Sequence[ArchiveHook]) -> None:
    """Pool initializer. Ctrl-C reaches the whole process group; the parent decides how
    to stop (finish what is in flight, or terminate the pool), so workers ignore it
    rather than die mid-file and break the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _HOOKS[:] = hooks
    # What the fork server preloaded (modules, their tables) lives as long as the
    # worker: out of the collector's walks (`GC_THRESHOLD`).
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    with contextlib.suppress(OSError):  # not permitted here: normal priority then
        os.nice(WORKER_NICENESS)
    _exit_with_parent()


def _exit_with_parent() -> None:
    """End this worker when the process that started it ends, however it ends.

    A pool stops its workers on a normal exit, but a writer killed by SIGKILL (the OOM
    killer, a power-cut test) cannot: its workers then waited forever on their task
    queue (they hold both ends of its pipe), and kept the fork server and resource
    tracker alive with them; tests/reliability/test_crash_matrix.py found three to four
    such processes left by each killed `fetch`. The parent's sentinel is a pipe the
    parent holds open for its whole life (multiprocessing's own mechanism, for fork
    server, spawn and fork workers alike), so it becomes readable exactly when the
    parent is gone; a worker started after that sees it at once."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return
    sentinel = parent.sentinel

    def wait_for_parent() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)  # nobody is left to receive a result or run cleanups for

    threading.Thread(target=wait_for_parent, name="exit-with-parent", daemon=True).start()


def worker_hooks() -> list[ArchiveHook]:
    return _HOOKS


def hook_modules(hooks: Sequence[ArchiveHook]) -> list[str]:
    """The modules defining `hooks`, for a worker fork server to preload (their
    `prepare` loads dictionaries and tables once, not in every worker)."""
    return list(dict.fromkeys(type(h).__module__ for h in hooks))

"""Recomputing stories in a child process, for long-lived processes that must stay
responsive (the web server).

Clustering 50,000 articles into stories is tens of seconds of mostly Python work. Run
on the web server's writer thread it held the GIL that long, and every request waited
behind it. A child process does it instead (from the same fork server as the import
workers, at their lower CPU priority); the calling thread only waits for it, which
releases the GIL. The child writes through its own connection, as any other writer
would (`rebuild_stories` holds the write lock only to swap its result in).
"""

from __future__ import annotations

import contextlib
import os
import signal
from typing import Any

from newsarchive.archive import Archive
from newsarchive.dedup.story_pass import rebuild_stories, stories_stale
from newsarchive.workers import WORKER_NICENESS, worker_context


def refresh_stories_in_child(archive: Archive, timeout: float | None = None) -> bool:
    """Recompute the stories of `archive` in a child process if they are stale; returns
    whether they were. Raises RuntimeError if the child fails or takes longer than
    `timeout` seconds (it is then stopped; the stories stay stale)."""
    if not stories_stale(archive.session):
        return False
    # The child opens its own connection: a file path or a postgresql:// URL (which may
    # hold a password: messages name the archive by `archive.name`, which hides it).
    address, name = str(archive.address), archive.name
    # (typeshed's BaseContext lacks Process; every concrete context has it)
    ctx: Any = worker_context(["newsarchive.dedup"])
    child = ctx.Process(target=_rebuild, args=(address,), name="newsarchive-stories")
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        raise RuntimeError(f"recomputing the stories of {name} took over {timeout} s")
    if child.exitcode != 0:
        raise RuntimeError(
            f"recomputing the stories of {name} failed (exit code {child.exitcode};"
            " its error is in the server's log)"
        )
    return True


def _rebuild(address: str) -> None:
    # Ctrl-C reaches the whole process group; the parent decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):  # not permitted here: normal priority then
        os.nice(WORKER_NICENESS)
    # Imported here: the composition root imports this package.
    from newsarchive.components import open_archive

    with open_archive(address) as archive:
        if stories_stale(archive.session):
            rebuild_stories(archive)

"""Fixtures for the collection tests: a live test server and small fetch bounds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from newsarchive.archive import Archive
from newsarchive.collect import FetchSettings, list_sources, remove_source
from tests.collect.server import LocalServer, running

# extract_page (owned by the extract stage) still passes trafilatura's deprecated
# `as_dict`; not ours to fix, and not a reason to fail collection tests.
IGNORE_EXTRACT_DEPRECATION = pytest.mark.filterwarnings("ignore:.*as_dict.*:DeprecationWarning")


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with running(LocalServer()) as s:
        yield s


@pytest.fixture
def settings() -> FetchSettings:
    """Bounds small enough that every misbehaving endpoint ends within seconds, yet
    loose enough for a well-behaved in-process server on a loaded 2-core machine (the
    server shares the interpreter lock with the extracting fetch threads)."""
    return FetchSettings(
        connect_timeout=2.0,
        read_timeout=3.0,
        total_timeout=4.0,
        max_bytes=2_000_000,
        max_redirects=3,
        workers=32,
        host_concurrency=32,
        host_rate=1000.0,
        retries=1,
        backoff=0.1,
        max_retry_wait=2.0,
        min_interval=1.0,
        max_interval=60.0,
        extract_processes=0,  # in-thread; one test covers the process pool
    )


@pytest.fixture
def empty_archive(archive: Archive) -> Archive:
    """An archive without the builtin (real, remote) sources: tests never reach the
    internet."""
    for s in list_sources(archive):
        remove_source(archive, s.name)
    return archive

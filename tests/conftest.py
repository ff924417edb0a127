"""Fixtures every test may use: the shared corpus (skipped cleanly when absent) and a
fresh archive."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from tests.pgcluster import Cluster, ClusterUnavailable

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSARCHIVE_SHARED", ROOT.parent / "shared"))
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def shared() -> Path:
    """`../shared` beside the repository (or $NEWSARCHIVE_SHARED)."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"shared corpus not found at {SHARED} (set NEWSARCHIVE_SHARED)")
    return SHARED


# The storage backends every storage test runs on. NEWSARCHIVE_TEST_BACKENDS=sqlite
# narrows a local run; CI runs both.
BACKENDS = [
    b for b in os.environ.get("NEWSARCHIVE_TEST_BACKENDS", "sqlite,postgres").split(",") if b
]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster for the whole run, with a template database
    that holds every component's tables."""
    try:
        cluster = Cluster().start()
    except ClusterUnavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    try:
        template = cluster.new_database()
        open_archive(template).close()  # migrate every component once
        cluster.template = template.rsplit("/", 1)[-1]
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh, migrated PostgreSQL archive database for one test."""
    url = pg_cluster.new_database(pg_cluster.template)
    try:
        yield url
    finally:
        pg_cluster.drop_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_address(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a test's archive lives, on each backend: a file, or a postgresql:// URL.
    A string either way, as `--db` takes it."""
    if backend == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "test.db")


@pytest.fixture
def new_db_address(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], str]]:
    """`new_db_address(name)`: the address of another fresh archive on the test's
    backend, for tests that need more than one (an import compared with another)."""
    made: list[tuple[Cluster, str]] = []

    def make(name: str) -> str:
        if backend == "sqlite":
            return str(tmp_path / f"{name}.db")
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        made.append((cluster, cluster.new_database(cluster.template)))
        return made[-1][1]

    yield make
    for cluster, url in made:
        cluster.drop_database(url)


@pytest.fixture
def archive(db_address: str) -> Iterator[Archive]:
    a = open_archive(db_address)
    try:
        yield a
    finally:
        a.close()


@pytest.fixture(autouse=True)
def _allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests serve everything from 127.0.0.1; the fetcher refuses that by default."""
    monkeypatch.setenv("NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES", "1")

"""Fixtures every test may use: the shared corpus (skipped cleanly when absent) and a
fresh archive."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSARCHIVE_SHARED", ROOT.parent / "shared"))
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def shared() -> Path:
    """`../shared` beside the repository (or $NEWSARCHIVE_SHARED)."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"shared corpus not found at {SHARED} (set NEWSARCHIVE_SHARED)")
    return SHARED


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    a = open_archive(tmp_path / "test.db")
    try:
        yield a
    finally:
        a.close()


@pytest.fixture(autouse=True)
def _allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests serve everything from 127.0.0.1; the fetcher refuses that by default."""
    monkeypatch.setenv("NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES", "1")

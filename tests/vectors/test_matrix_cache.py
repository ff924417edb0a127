"""The vector matrix's disk cache (vectors/matrix_cache.py): a new process takes the
matrix from it instead of the database, and only when it provably describes the
archive (both backends)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newsarchive.archive import Archive
from newsarchive.vectors import matrix_cache, query, semantic_hits
from newsarchive.vectors.model import article_input, embed_one, quantise
from tests.vectors.test_vectors import ARTICLES, _draft, _ingest


@pytest.fixture
def cached(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Archive, list[int]]:
    """An archive whose matrix one "process" loaded and cached; rows read from the
    database afterwards are counted in `loaded`."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(matrix_cache, "MIN_ROWS", 1)
    monkeypatch.setattr(query, "_cache", {})
    ids = [_ingest(archive, _draft(a)) for a in ARTICLES[:8]]
    query.vector_matrix(archive)
    assert list((tmp_path / "newsarchive" / "matrices").glob("*.mat.npy"))
    return archive, ids


def _new_process(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Forget the in-memory matrix; returns the list that collects rows read from the
    database."""
    monkeypatch.setattr(query, "_cache", {})
    loaded: list[int] = []
    real = query._load_after

    def counting(archive: Archive, matrix: query._Matrix, after: int, upto: int) -> int:
        n = real(archive, matrix, after, upto)
        loaded.append(n)
        return n

    monkeypatch.setattr(query, "_load_after", counting)
    return loaded


def _same_as_database(archive: Archive) -> None:
    got = query.vector_matrix(archive)
    rows = archive.session.all("SELECT article_id, vec FROM vectors ORDER BY seq")
    assert sorted(got.ids[: got.n].tolist()) == sorted(r[0] for r in rows)
    for article_id, blob in rows:
        stored = np.frombuffer(bytes(blob), dtype=np.int8).astype(np.float32)
        stored /= np.linalg.norm(stored)
        assert np.allclose(got.mat[got.row_of[article_id]], stored, atol=1e-6)


def test_a_new_process_takes_the_matrix_from_the_cache(
    cached: tuple[Archive, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, _ = cached
    before = semantic_hits(archive, "chip export controls", 5)
    loaded = _new_process(monkeypatch)
    assert semantic_hits(archive, "chip export controls", 5) == before
    assert loaded == []  # nothing read from the database
    _same_as_database(archive)


def test_new_articles_are_read_past_the_cache(
    cached: tuple[Archive, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, _ = cached
    added = _ingest(archive, _draft(ARTICLES[9]))
    loaded = _new_process(monkeypatch)
    assert query.vector_matrix(archive).n == 9
    assert loaded == [1]
    _same_as_database(archive)
    assert added in query.vector_matrix(archive).row_of


def test_a_rewritten_or_removed_vector_makes_a_full_load(
    cached: tuple[Archive, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, ids = cached
    # A new version of a cached article: its row up to the cache's seq went away.
    _ingest(archive, _draft(ARTICLES[0], text="完全不同的内容：零售业营业额创下新高。"))
    loaded = _new_process(monkeypatch)
    _same_as_database(archive)
    assert loaded == [8]
    archive.remove_article(ids[1])  # bumps the epoch
    loaded = _new_process(monkeypatch)
    _same_as_database(archive)
    assert loaded == [7]


def test_a_cache_of_another_history_is_refused(
    cached: tuple[Archive, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a copy of the archive that went another way looks like: the same counts,
    # epoch and seq, other vectors in the last rows.
    archive, _ = cached
    other = quantise(embed_one(article_input("零售业营业额创新高", "百货公司周年庆")))
    with archive.transaction() as tx:
        last = tx.scalar("SELECT max(seq) FROM vectors")
        tx.execute("UPDATE vectors SET vec = ? WHERE seq = ?", (other, last))
    loaded = _new_process(monkeypatch)
    _same_as_database(archive)
    assert loaded == [8]


def test_a_cache_that_cannot_be_written_changes_nothing(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(matrix_cache, "MIN_ROWS", 1)
    monkeypatch.setattr(query, "_cache", {})
    for a in ARTICLES[:3]:
        _ingest(archive, _draft(a))
    _same_as_database(archive)

"""Search by meaning: the stored vectors held in memory, brute-force cosine over them.

Why brute force (numpy) and not a graph index (hnswlib, usearch): it is exact, it
needs no build step before the first query (an HNSW graph over 51k x 512 takes tens of
seconds to build, paid by every one-shot CLI search unless stored), it updates in
place, and one matrix-vector product over 51k rows took a few ms (bench/vectors.py).

The matrix is loaded on first use and cached per archive; before each query the
archive's vector generation (``vectors_meta.epoch`` and the highest ``vectors.seq``,
two index lookups) is compared: new or rewritten vectors are loaded incrementally
(only rows past the seq seen), removals or a rebuild (a new epoch) reload all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from newsarchive.vectors.model import DIM, MODEL_ID, dequantise, embed_one

if TYPE_CHECKING:
    from newsarchive.archive import Archive

# Longest query embedded (characters): the model reads a sentence, not a document.
MAX_QUERY_CHARS = 500
_LOAD_BATCH = 5000


class VectorsOutdatedError(RuntimeError):
    """The stored vectors were made by another model or input recipe."""


@dataclass
class _Matrix:
    epoch: str
    seq: int
    ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    mat: npt.NDArray[np.float32] = field(
        default_factory=lambda: np.zeros((0, DIM), dtype=np.float32)
    )
    n: int = 0
    row_of: dict[int, int] = field(default_factory=dict)

    def put(self, article_ids: list[int], vecs: npt.NDArray[np.float32]) -> None:
        for aid, vec in zip(article_ids, vecs, strict=True):
            row = self.row_of.get(aid)
            if row is None:
                if self.n == len(self.ids):
                    self._grow()
                row = self.row_of[aid] = self.n
                self.ids[row] = aid
                self.n += 1
            self.mat[row] = vec

    def _grow(self) -> None:
        size = max(1024, 2 * len(self.ids))
        ids = np.zeros(size, dtype=np.int64)
        mat = np.zeros((size, DIM), dtype=np.float32)
        ids[: self.n] = self.ids[: self.n]
        mat[: self.n] = self.mat[: self.n]
        self.ids, self.mat = ids, mat

    def scores(self, vec: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return self.mat[: self.n] @ vec

    def top(self, vec: npt.NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        if self.n == 0 or k <= 0:
            return []
        scores = self.scores(vec)
        k = min(k, self.n)
        part = np.argpartition(-scores, k - 1)[:k]
        best = part[np.argsort(-scores[part], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in best]


_lock = threading.RLock()
_cache: dict[str, _Matrix] = {}


def _generation(archive: Archive) -> tuple[str, int]:
    conn = archive.session
    if archive.readonly and not conn.table_exists("vectors_meta"):
        return "none", 0  # an archive not migrated since vectors came: none stored
    epoch = conn.scalar("SELECT value FROM vectors_meta WHERE key = 'epoch'")
    seq = conn.scalar("SELECT max(seq) FROM vectors")
    return str(epoch), int(seq or 0)


def _load_after(archive: Archive, matrix: _Matrix, after: int) -> None:
    conn = archive.session
    while True:
        rows = conn.execute(
            "SELECT seq, article_id, vec FROM vectors WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, _LOAD_BATCH),
        ).fetchall()
        if not rows:
            return
        matrix.put([int(r[1]) for r in rows], dequantise([bytes(r[2]) for r in rows]))
        after = int(rows[-1][0])


def coverage(archive: Archive) -> tuple[int, int]:
    """(articles with a vector, articles): less than all means `newsarchive reindex`
    (the model was missing when some were stored, or the archive predates vectors)."""
    n_articles = int(
        archive.session.scalar("SELECT count(*) FROM articles WHERE latest_version_id IS NOT NULL")
        or 0
    )
    with _lock:
        return vector_matrix(archive).n, n_articles


def vector_matrix(archive: Archive) -> _Matrix:
    """The archive's vectors in memory, brought up to date."""
    key = str(archive.address)
    with _lock:
        epoch, seq = _generation(archive)
        cached = _cache.get(key)
        if cached is not None and cached.epoch == epoch and cached.seq == seq:
            return cached
        if cached is None or cached.epoch != epoch or seq < cached.seq:
            model = archive.session.scalar("SELECT value FROM vectors_meta WHERE key = 'model'")
            if model is not None and model != MODEL_ID:
                raise VectorsOutdatedError(
                    f"the vectors of {archive.name} were made by {model}, this newsarchive"
                    f" uses {MODEL_ID}: run `newsarchive reindex`"
                )
            cached = _Matrix(epoch, 0)
        if seq > cached.seq:
            _load_after(archive, cached, cached.seq)
        cached.seq = seq
        _cache[key] = cached
        return cached


def semantic_hits(archive: Archive, query: str, limit: int = 50) -> list[tuple[int, float]]:
    """Articles whose latest version is nearest in meaning to `query` (any language
    the model knows): (article_id, cosine), best first. Raises `ModelMissingError`
    when the model is not installed."""
    text = " ".join(query.split())[:MAX_QUERY_CHARS]
    if not text:
        return []
    vec = embed_one(text)
    return nearest(archive, vec, limit)


def nearest(archive: Archive, vec: npt.NDArray[np.float32], limit: int) -> list[tuple[int, float]]:
    """The `limit` stored vectors nearest to `vec`: (article_id, cosine), best first."""
    with _lock:  # the matrix may grow under a concurrent refresh
        return vector_matrix(archive).top(vec, limit)


def article_vector(archive: Archive, article_id: int) -> npt.NDArray[np.float32] | None:
    """The stored vector of `article_id` (None when it has none)."""
    with _lock:
        matrix = vector_matrix(archive)
        row = matrix.row_of.get(article_id)
        return None if row is None else matrix.mat[row].copy()

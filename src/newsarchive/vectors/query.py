"""Search by meaning: the stored vectors held in memory, brute-force cosine over them.

Why brute force (numpy) and not a graph index (hnswlib, usearch): it is exact and
needs no build step before the first query. Measured on the 51k archive
(bench/vectors.py index, 2 cores at load 13-20): numpy 20-60 ms p50 a query, hnswlib
0.35 ms at recall@10 0.97 but 74 s to build its graph (one thread), which every
one-shot CLI search would pay unless the graph were stored as well; see
docs/vectors.md for the next step.

The matrix is loaded on first use and cached per archive; before each query the
archive's vector generation (``vectors_meta.epoch`` and the highest ``vectors.seq``,
two index lookups) is compared: new or rewritten vectors are loaded incrementally
(only rows past the seq seen), removals or a rebuild (a new epoch) reload all.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from newsarchive.vectors import matrix_cache
from newsarchive.vectors.model import DIM, MODEL_ID, dequantise, embed_one
from newsarchive.vectors.snapshot import blas_controller

if TYPE_CHECKING:
    from newsarchive.archive import Archive

# Longest query embedded (characters): the model reads a sentence, not a document.
MAX_QUERY_CHARS = 500
_LOAD_BATCH = 5000
# Rows read from the database past which the matrix is written to the disk cache.
_RESAVE_ROWS = 1000


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
        """Set the rows of `article_ids` (distinct ids), adding the new ones. Vectorised:
        50,000 rows in steps of 5,000 took 58-77 ms row by row, 31-33 ms so."""
        row_of = self.row_of
        rows = [row_of.get(aid, -1) for aid in article_ids]
        new = [i for i, row in enumerate(rows) if row < 0]
        if new:
            self.reserve(self.n + len(new))
            first = self.n
            for offset, i in enumerate(new):
                rows[i] = row_of[article_ids[i]] = first + offset
            self.ids[first : first + len(new)] = [article_ids[i] for i in new]
            self.n += len(new)
        self.mat[rows] = vecs

    def adopt(self, ids: npt.NDArray[np.int64], mat: npt.NDArray[np.float32]) -> None:
        """Take `ids` and their rows (distinct ids) as the contents of an empty matrix,
        without copying them."""
        assert self.n == 0
        self.ids, self.mat, self.n = ids.astype(np.int64, copy=False), mat, len(ids)
        self.row_of = dict(zip(ids.tolist(), range(self.n), strict=True))

    def reserve(self, rows: int) -> None:
        """Room for `rows` rows (a full load allocates once, not by doublings that
        would leave up to half the matrix unused)."""
        if rows > len(self.ids):
            self._grow(rows)

    def _grow(self, size: int = 0) -> None:
        size = max(size, 1024, len(self.ids) + len(self.ids) // 4)
        ids = np.zeros(size, dtype=np.int64)
        mat = np.zeros((size, DIM), dtype=np.float32)
        ids[: self.n] = self.ids[: self.n]
        mat[: self.n] = self.mat[: self.n]
        self.ids, self.mat = ids, mat

    def scores(self, vec: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        with _one_blas_thread():
            return self.mat[: self.n] @ vec

    def top(self, vec: npt.NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        if self.n == 0 or k <= 0:
            return []
        scores = self.scores(vec)
        k = min(k, self.n)
        part = np.argpartition(-scores, k - 1)[:k]
        best = part[np.argsort(-scores[part], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in best]


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """BLAS limited to one thread for the product: on 2 busy cores its own threads
    only wait for each other (51k rows, 200 queries, load ~13: p99 44 -> 29 ms)."""
    controller = blas_controller()
    if controller is None:  # without threadpoolctl, BLAS keeps its default
        return contextlib.nullcontext()
    limited: contextlib.AbstractContextManager[object] = controller.limit(limits=1, user_api="blas")
    return limited


_lock = threading.RLock()
_cache: dict[str, _Matrix] = {}


def _generation(archive: Archive) -> tuple[str, int]:
    conn = archive.session
    if archive.readonly and not conn.table_exists("vectors_meta"):
        return "none", 0  # an archive not migrated since vectors came: none stored
    epoch = conn.scalar("SELECT value FROM vectors_meta WHERE key = 'epoch'")
    seq = conn.scalar("SELECT max(seq) FROM vectors")
    return str(epoch), int(seq or 0)


def _load_after(archive: Archive, matrix: _Matrix, after: int, upto: int) -> int:
    """Load the rows with `after` < seq <= `upto` (in seq order); returns how many."""
    conn = archive.session
    loaded = 0
    while True:
        rows = conn.execute(
            "SELECT seq, article_id, vec FROM vectors WHERE seq > ? AND seq <= ?"
            " ORDER BY seq LIMIT ?",
            (after, upto, _LOAD_BATCH),
        ).fetchall()
        if not rows:
            return loaded
        matrix.put([int(r[1]) for r in rows], dequantise([bytes(r[2]) for r in rows]))
        loaded += len(rows)
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
            on_disk = matrix_cache.load(archive, epoch)
            if on_disk is not None:
                ids, mat, cached.seq = on_disk
                cached.adopt(ids, mat)
            else:
                cached.reserve(int(archive.session.scalar("SELECT count(*) FROM vectors") or 0))
        if seq > cached.seq:
            before = cached.n
            loaded = _load_after(archive, cached, cached.seq, seq)
            # Rows are in seq order, each article once (a rewrite removed its row up to
            # the cache's seq, which the cache's checks refuse): worth keeping when the
            # database gave much of the matrix.
            if before == 0 or loaded > max(_RESAVE_ROWS, before // 10):
                matrix_cache.save(
                    archive, epoch, seq, cached.ids[: cached.n], cached.mat[: cached.n]
                )
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

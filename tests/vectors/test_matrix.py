"""The in-memory matrix of `vectors.query`: rows added and rewritten in batches."""

from __future__ import annotations

import numpy as np

from newsarchive.vectors.model import DIM
from newsarchive.vectors.query import _Matrix


def _unit(seed: int, n: int) -> np.ndarray:
    vecs = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def test_a_batch_mixing_new_and_rewritten_articles_lands_in_the_right_rows() -> None:
    matrix = _Matrix("1", 0)
    first = _unit(1, 3000)
    matrix.put(list(range(10, 3010)), first)
    second = _unit(2, 4)
    # 11 and 3000 are rewritten (their rows keep their place), 5000 and 7 are new.
    matrix.put([5000, 11, 7, 3000], second)
    assert matrix.n == 3002
    assert matrix.ids[: matrix.n].tolist() == [*range(10, 3010), 5000, 7]
    assert {a: matrix.row_of[a] for a in (11, 3000, 5000, 7)} == {
        11: 1,
        3000: 2990,
        5000: 3000,
        7: 3001,
    }
    expected = np.vstack([first, second[[0, 2]]])
    expected[1], expected[2990] = second[1], second[3]
    assert np.array_equal(matrix.mat[: matrix.n], expected)
    assert matrix.top(second[2], 1) == [(7, matrix.top(second[2], 1)[0][1])]
    assert matrix.top(first[0], 2)[0][0] == 10

"""Cores of different candidate clusters that are one event, merged (docs/dedup.md,
session 13).

The time-ordered pass (`story_pass._cluster`) puts each article in the candidate it is
most like when it comes, among candidates still active. An event's first reports can
join an older candidate of a neighbouring topic (a PLA drill announced while a US
envoy visits Taiwan) and its later reports start a new one; or a candidate stops
taking articles four days after its first, and the last reports of an event that began
inside it start another. Cutting candidates into cores cannot rejoin such halves: it
looks inside one candidate only. Here cores of any candidates that are alike by the
cores' own rule (average cosine between their members, medoids alike, other
occurrences not alike) are merged, best pair first.

Measured on bench/stories.py (50k jekyll archive): stories.json pair recall 0.419 →
0.435 with the merge alone; with the far-member rule of `story_pass._cores` it buys
purity back without losing recall.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse


@dataclass(frozen=True, slots=True)
class MergeRule:
    min_avg: float  # average cosine between two cores' members needed to merge them
    medoid_min: float  # cosine between their medoids
    far_hours: float  # medoids further apart than this ...
    far_medoid: float  # ... need this cosine instead
    window_hours: float  # only cores whose medoids are this close are compared
    span_hours: float  # a merged core spans at most this long


def _medoid(core: list[int], x: sparse.csr_matrix) -> int:
    import numpy as np

    if len(core) == 1:
        return core[0]
    sims = (x[core] @ x[core].T).toarray()
    return core[int(np.argmax(sims.sum(axis=1)))]


def _close_pairs(
    cores: list[list[int]], x: sparse.csr_matrix, medoid_hours: np.ndarray, rule: MergeRule
) -> list[tuple[float, int, int]]:
    """(average cosine, i, j) for cores i (the earlier medoid) and j whose medoids are
    within the window and whose members are alike on average (one sparse product per
    day of medoids), best first."""
    import numpy as np
    from scipy import sparse

    n = len(cores)
    sizes = np.array([len(c) for c in cores], dtype=np.float64)
    rows = np.repeat(np.arange(n), sizes.astype(np.int64))
    cols = np.concatenate([np.asarray(c, dtype=np.int64) for c in cores])
    # mean member vector of each core: the dot product of two is the average cosine
    means = sparse.csr_matrix((1.0 / sizes[rows], (rows, cols)), shape=(n, x.shape[0])) @ x
    order = np.argsort(medoid_hours, kind="stable")
    by_time = sparse.csr_matrix(means)[order]
    at = medoid_hours[order]
    pairs = []
    start = 0
    while start < n:
        end = max(int(np.searchsorted(at, at[start] + 24.0)), start + 1)
        stop = int(np.searchsorted(at, at[start] + 24.0 + rule.window_hours))
        block = (by_time[start:end] @ by_time[start:stop].T).tocoo()
        for r, c, v in zip(block.row, block.col, block.data, strict=True):
            i, j = start + int(r), start + int(c)
            if j > i and v >= rule.min_avg and at[j] - at[i] <= rule.window_hours:
                # the earlier core first: it takes the later one in
                pairs.append((float(v), int(order[i]), int(order[j])))
        start = end
    pairs.sort(key=lambda p: (-p[0], -p[1], -p[2]))
    return pairs


def merge_cores(
    cores: list[list[int]],
    x: sparse.csr_matrix,
    hours: np.ndarray,
    apart: Callable[[list[int]], np.ndarray],
    rule: MergeRule,
) -> list[list[int]]:
    """Merge cores (lists of rows of `x`; `hours` their time) that are one event.

    Pairs are taken best first; each is checked again on the cores as merged so far
    (average cosine between their members with `apart` pairs counted as unlike,
    medoids alike, span), so that merging does not chain."""
    if len(cores) < 2:
        return cores
    medoids = [_medoid(c, x) for c in cores]
    parent = list(range(len(cores)))
    members = {i: list(c) for i, c in enumerate(cores)}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, i, j in _close_pairs(cores, x, hours[medoids], rule):
        a, b = root(i), root(j)
        if a == b:
            continue
        joined = members[a] + members[b]
        at = hours[joined]
        if at.max() - at.min() > rule.span_hours:
            continue
        ma, mb = medoids[a], medoids[b]
        need = rule.far_medoid if abs(hours[ma] - hours[mb]) > rule.far_hours else rule.medoid_min
        if float((x[ma] @ x[mb].T).toarray()[0, 0]) < need:
            continue
        # the costly check last: members alike on average, other occurrences not alike
        sims = (x[joined] @ x[joined].T).toarray()
        sims[apart(joined)] = 0.0
        if sims[: len(members[a]), len(members[a]) :].mean() < rule.min_avg:
            continue
        parent[b] = a
        members[a] = joined
        medoids[a] = _medoid(joined, x)
        del members[b]
    return [sorted(m) for m in members.values()]

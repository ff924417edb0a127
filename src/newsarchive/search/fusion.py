"""One ranking from two: the lexical ranking (words, variants, aliases) fused with the
semantic one (`newsarchive.vectors.semantic_hits`) by weighted reciprocal-rank fusion.

RRF (Cormack et al. 2009) scores an article by the sum over rankings of
weight / (K + rank): it needs no score calibration between BM25 and cosine, which
live on unrelated scales, and it is what Elasticsearch and OpenSearch hybrid search
use. The weights and the floor below were chosen on bench/search.py (docs/search.md
gives the runs): the semantic ranking weighs `SEMANTIC_WEIGHT` of the lexical one, so
a known item found as typed keeps its place (the MRR@10 of title queries must not
drop), and only semantic hits at or above `MIN_COSINE` take part: below it the
nearest articles of a query with nothing near it are noise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from newsarchive.archive import Archive

Mode = Literal["lexical", "semantic", "hybrid"]
MODES: tuple[Mode, ...] = ("lexical", "semantic", "hybrid")
DEFAULT_MODE: Mode = "hybrid"

# RRF's constant (the paper's 60: flattens the head so that one ranking's first place
# does not decide alone).
K = 60
SEMANTIC_WEIGHT = 0.5
MIN_COSINE = 0.3
# Semantic hits fetched at least (more when the page asks deeper).
SEMANTIC_DEPTH = 50

# (archive, query, limit) -> [(article_id, cosine)], best first.
SemanticFn = Callable[["Archive", str, int], list[tuple[int, float]]]


class SemanticUnavailable(RuntimeError):
    """Search by meaning cannot run on this archive (model not installed, vectors
    made by another model); the message says what to do."""


def default_semantic() -> SemanticFn:
    from newsarchive.vectors import semantic_hits

    return semantic_hits


_warming = threading.Lock()


def _model_ready() -> bool:
    """Whether the embedding model is loaded in this process; if not, its loading is
    started in a background thread (once). Loading takes 3-9 s on these 2 busy cores:
    a server answers by words meanwhile rather than keep every reader waiting (the
    web reliability test saw 60 s searches while an import ran)."""
    from newsarchive.vectors import model

    if model._model is not None:
        return True

    def load() -> None:
        try:
            model._load()
        except model.ModelMissingError:
            pass  # reported by the next search that waits for the model
        finally:
            _warming.release()

    if _warming.acquire(blocking=False):
        threading.Thread(target=load, name="load-embedding-model", daemon=True).start()
    return False


def semantic_ready(mode: str) -> bool:
    """Whether a `mode` search can fuse meaning now (lexical: nothing to wait for)."""
    return mode == "lexical" or _model_ready()


def semantic_ranking(
    archive: Archive,
    query: str,
    limit: int,
    semantic: SemanticFn | None,
    *,
    wait_for_model: bool = True,
) -> list[tuple[int, float]]:
    """The semantic hits of `query`, or `SemanticUnavailable` with the reason.
    `wait_for_model` False: unavailable while the model is still loading."""
    from newsarchive.vectors import ModelMissingError, VectorsOutdatedError

    if semantic is None and not wait_for_model and not _model_ready():
        raise SemanticUnavailable("the embedding model is still loading")
    fn = semantic or default_semantic()
    try:
        return fn(archive, query, limit)
    except (ModelMissingError, VectorsOutdatedError) as exc:
        raise SemanticUnavailable(str(exc)) from exc


def fuse(
    lexical: Sequence[int],
    semantic: Sequence[tuple[int, float]],
    *,
    weight: float = SEMANTIC_WEIGHT,
    min_cosine: float = MIN_COSINE,
    k: int = K,
) -> list[tuple[int, float]]:
    """(article_id, fused score) best first: each id scores weight / (k + rank) per
    ranking it is in (lexical weight 1, ranks from 1). Ties keep the lexical order,
    then the semantic one."""
    scores: dict[int, float] = {}
    order: dict[int, int] = {}
    for rank, article_id in enumerate(lexical, 1):
        scores[article_id] = scores.get(article_id, 0.0) + 1.0 / (k + rank)
        order.setdefault(article_id, len(order))
    kept = [(i, c) for i, c in semantic if c >= min_cosine]
    for rank, (article_id, _) in enumerate(kept, 1):
        scores[article_id] = scores.get(article_id, 0.0) + weight / (k + rank)
        order.setdefault(article_id, len(order))
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))

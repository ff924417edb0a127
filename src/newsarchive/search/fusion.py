"""One ranking from two: the lexical ranking (words, variants, aliases) fused with the
semantic one (`newsarchive.vectors.semantic_hits`) by weighted reciprocal-rank fusion.

RRF (Cormack et al. 2009) scores an article by the sum over rankings of
weight / (K + rank): it needs no score calibration between BM25 and cosine, which
live on unrelated scales, and it is what Elasticsearch and OpenSearch hybrid search
use.

The semantic weight depends on the query's script (`fusion_params`):
- A query with Chinese characters: weight 0, so the words' order is kept and meaning
  only adds, after every lexical hit, the articles words did not find (a paraphrase
  that lexical search misses entirely still gets a page). Any weight above 0 let
  meaning move known items down: at the flat head of RRF (K=60) a semantic first place
  (0.1/61) outweighs four lexical places.
- A query without them (English, pinyin) on this Chinese archive: weight 0.5 and a
  lower cosine floor (0.25): its words match only aliases and the odd English text,
  while meaning crosses languages.
Measured with offline fusion of the same lexical and semantic rankings of the 51k
archive (bench/search_vocab.py's rankings; the held-out judged queries are
`HELD_OUT` there, written before these weights were chosen): judged precision@10
tune 0.85 / held-out 0.78 (previous single weight 0.1, floor 0.35: 0.78 / 0.72);
known-item MRR@10 tune 0.926 / held-out 0.931 = lexical's (previous 0.907 / 0.907).
The tune set did not separate a Latin weight of 0.5 from 1.0 (both 0.85; held-out 0.78
and 0.76); floors 0.2 and 0.25 scored the same, 0.3 lost one query (0.72 held-out).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

from newsarchive.text.segment import CJK_CLASS

if TYPE_CHECKING:
    from newsarchive.archive import Archive

Mode = Literal["lexical", "semantic", "hybrid"]
MODES: tuple[Mode, ...] = ("lexical", "semantic", "hybrid")
DEFAULT_MODE: Mode = "hybrid"

# RRF's constant (the paper's 60: flattens the head so that one ranking's first place
# does not decide alone).
K = 60
# (semantic weight, cosine floor) for a query with Chinese characters, and without.
HAN_WEIGHT, HAN_MIN_COSINE = 0.0, 0.35
LATIN_WEIGHT, LATIN_MIN_COSINE = 0.5, 0.25
# An English query's translation into Chinese words (`search.english`): a ranking by
# words, as sure as the typed words' own.
TRANSLATED_WEIGHT = 1.0
# Han ideographs (unified, extension A, compatibility, the supplementary planes).
_HAN = re.compile(f"[{CJK_CLASS}]")
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
            from newsarchive.search.english import warm

            warm()  # the first English query would load its table and names (0.4 s)
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


def fusion_params(query: str) -> tuple[float, float]:
    """(semantic weight, cosine floor) for `query` (see the module's docstring)."""
    if _HAN.search(query):
        return HAN_WEIGHT, HAN_MIN_COSINE
    return LATIN_WEIGHT, LATIN_MIN_COSINE


def fuse(
    lexical: Sequence[int],
    semantic: Sequence[tuple[int, float]],
    *,
    query: str = "",
    weight: float | None = None,
    min_cosine: float | None = None,
    k: int = K,
    translated: Sequence[int] = (),
) -> list[tuple[int, float]]:
    """(article_id, fused score) best first: each id scores weight / (k + rank) per
    ranking it is in (lexical weight 1, ranks from 1). Ties keep the lexical order,
    then the translated one, then the semantic one (so at weight 0 meaning's hits
    follow all of the words'). `translated`: the ids an English query's Chinese words
    find (weight `TRANSLATED_WEIGHT`). `weight` and `min_cosine` default to
    `fusion_params(query)`."""
    default_weight, default_floor = fusion_params(query)
    weight = default_weight if weight is None else weight
    min_cosine = default_floor if min_cosine is None else min_cosine
    scores: dict[int, float] = {}
    order: dict[int, int] = {}
    kept = [i for i, c in semantic if c >= min_cosine]
    for ranking, w in ((lexical, 1.0), (translated, TRANSLATED_WEIGHT), (kept, weight)):
        for rank, article_id in enumerate(ranking, 1):
            scores[article_id] = scores.get(article_id, 0.0) + w / (k + rank)
            order.setdefault(article_id, len(order))
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))

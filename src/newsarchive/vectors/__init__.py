"""Search by meaning: one multilingual sentence embedding per article, so an English or
paraphrased query finds Chinese articles that say it in other words, and every article
has its "more like this". See docs/vectors.md.

The embeddings are derived data, kept in step by `VectorHook` inside the archive's
transactions and rebuilt by `reindex_vectors` (`newsarchive reindex`).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from newsarchive.lazy import exports

# OpenBLAS starts a thread per core when numpy loads, and they spin waiting for work:
# 50 ms of CPU and ~0.1 s of wall time of a one-shot hybrid `newsarchive search` on 2
# busy cores (bench/startup.py), for threads nothing uses: every BLAS call here (the
# model's encode, `query`'s product) runs limited to one thread, and the story pass's
# products are sparse (no BLAS). Before numpy is imported, unless the user chose.
if "numpy" not in sys.modules:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

if TYPE_CHECKING:
    from newsarchive.vectors.index import VectorHook, reindex_vectors
    from newsarchive.vectors.model import MODEL_ID, ModelMissingError
    from newsarchive.vectors.query import VectorsOutdatedError, semantic_hits
    from newsarchive.vectors.similar import SimilarArticle, more_like_this, similar_articles

# Imported on first use (PEP 562): the composition root imports `vectors.schema`, and
# every command (a lexical search, `--version`) must not pay for numpy and the model.
_WHERE: dict[str, str] = {
    "VectorHook": "newsarchive.vectors.index",
    "reindex_vectors": "newsarchive.vectors.index",
    "MODEL_ID": "newsarchive.vectors.model",
    "ModelMissingError": "newsarchive.vectors.model",
    "VectorsOutdatedError": "newsarchive.vectors.query",
    "semantic_hits": "newsarchive.vectors.query",
    "SimilarArticle": "newsarchive.vectors.similar",
    "more_like_this": "newsarchive.vectors.similar",
    "similar_articles": "newsarchive.vectors.similar",
}


__getattr__ = exports(__name__, _WHERE)


__all__ = [
    "MODEL_ID",
    "ModelMissingError",
    "SimilarArticle",
    "VectorHook",
    "VectorsOutdatedError",
    "more_like_this",
    "reindex_vectors",
    "semantic_hits",
    "similar_articles",
]

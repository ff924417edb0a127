"""Search by meaning: one multilingual sentence embedding per article, so an English or
paraphrased query finds Chinese articles that say it in other words, and every article
has its "more like this". See docs/vectors.md.

The embeddings are derived data, kept in step by `VectorHook` inside the archive's
transactions and rebuilt by `reindex_vectors` (`newsarchive reindex`).
"""

from newsarchive.vectors.index import VectorHook, reindex_vectors
from newsarchive.vectors.model import MODEL_ID, ModelMissingError
from newsarchive.vectors.query import VectorsOutdatedError, semantic_hits
from newsarchive.vectors.similar import similar_articles

__all__ = [
    "MODEL_ID",
    "ModelMissingError",
    "VectorHook",
    "VectorsOutdatedError",
    "reindex_vectors",
    "semantic_hits",
    "similar_articles",
]

""" "More like this": the articles nearest in meaning to one article, across outlets and
scripts, without its own duplicates.

Near-duplicates (the same text under another URL, the other script's edition) are what
the dedup stage groups; they are the nearest vectors of all but not "more" of anything,
so the article's own group is left out and every other group is shown once, by its
best-scoring member.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsarchive.dedup import representative_of
from newsarchive.vectors.model import article_input, embed_one
from newsarchive.vectors.query import article_vector, nearest

if TYPE_CHECKING:
    from newsarchive.archive import Archive

# Candidates fetched per wanted result: room for the duplicates that are dropped.
_OVERFETCH = 3


def similar_articles(archive: Archive, article_id: int, limit: int = 10) -> list[tuple[int, float]]:
    """(article_id, cosine) of the articles most like `article_id`, best first; [] for
    an article that does not exist."""
    vec = article_vector(archive, article_id)
    if vec is None:  # stored before the model was installed, or not yet reindexed
        record = archive.article(article_id)
        if record is None:
            return []
        vec = embed_one(article_input(record.title, record.text))
    own_group = representative_of(archive, article_id)
    want = limit * _OVERFETCH + 1
    while True:
        hits = nearest(archive, vec, want)
        seen = {own_group}
        out: list[tuple[int, float]] = []
        for hit_id, score in hits:
            if hit_id == article_id:
                continue
            group = representative_of(archive, hit_id)
            if group in seen:
                continue
            seen.add(group)
            out.append((hit_id, score))
            if len(out) == limit:
                return out
        if len(hits) < want:  # every stored vector was looked at
            return out
        want *= 4

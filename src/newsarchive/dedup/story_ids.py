"""Story ids that survive a rebuild: a link to /stories/7 keeps showing that story.

The story pass recomputes every story from scratch. Numbering them 1..n each time
(as before) gave a story another story's id whenever one appeared or split earlier in
the order, so saved links and published pages pointed at unrelated stories. Here each
new story keeps the id of the previous story it holds most of: it inherits that id
when it holds at least half of the old story's remaining members, so an old link still
shows most of what it showed. Stories that inherit nothing get ids never used before
(a counter kept in `dedup_state`): the link of a story that dissolved then finds no
story rather than an unrelated one. Ids depend only on the previous stories and the
new clusters, so both backends give the same ids for the same history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from newsarchive.archive.session import Session

_NEXT_KEY = "story_next_id"


def previous_members(conn: Session) -> dict[int, int]:
    """article id -> story id of the stories now stored (articles still in the archive)."""
    return {
        int(r[0]): int(r[1])
        for r in conn.execute(
            "SELECT sa.article_id, sa.story_id FROM story_articles sa"
            " JOIN articles a ON a.id=sa.article_id"
        )
    }


def assign_ids(
    conn: Session, previous: dict[int, int], stories: Sequence[Sequence[int]]
) -> list[int]:
    """An id for each of `stories` (member article ids, in the order given, which must
    be deterministic): inherited from `previous` (article -> old story id) or new."""
    old_sizes = Counter(previous.values())
    claims: list[tuple[int, int, int]] = []  # (-overlap, new index, old id)
    for k, members in enumerate(stories):
        overlap = Counter(previous[a] for a in members if a in previous)
        for old_id, n in overlap.items():
            if 2 * n >= old_sizes[old_id]:
                claims.append((-n, k, old_id))
    ids: list[int | None] = [None] * len(stories)
    taken: set[int] = set()
    for _, k, old_id in sorted(claims):  # largest overlap first; ties by order given
        if ids[k] is None and old_id not in taken:
            ids[k] = old_id
            taken.add(old_id)
    row = conn.execute("SELECT value FROM dedup_state WHERE key=?", (_NEXT_KEY,)).fetchone()
    next_id = max(int(row[0]) if row else 1, max(old_sizes, default=0) + 1)
    out: list[int] = []
    for given in ids:
        if given is None:
            given, next_id = next_id, next_id + 1
        out.append(given)
    conn.execute(
        "INSERT INTO dedup_state(key, value) VALUES(?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (_NEXT_KEY, str(next_id)),
    )
    return out

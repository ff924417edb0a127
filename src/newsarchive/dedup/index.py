"""Incremental near-duplicate index, kept in step with the archive by `DedupHook`.

For each new latest version: fingerprint the text, look up articles sharing an LSH
bucket (or the simplified/traditional edition key), verify each candidate on the exact
shingle sets, store verified links and merge groups. Cost is a handful of indexed
lookups plus one verification per candidate; no pass over all articles.

A new version of an article replaces its fingerprint and its links: versions of one
article are never linked to each other (they share one article id).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable

from newsarchive.dedup.fingerprint import Fingerprint, fingerprint, similarity
from newsarchive.model import Draft
from newsarchive.urls import edition_key

# Matching text = body; the title is left out so a changed headline does not hide a
# duplicate. Title-only items (no body) are matched on their title.
_MAX_CANDIDATES = 200
_CONTAINED_TIE = 0.02  # containers this close to the best one are as good a match
_MAX_CONTAINERS = 3  # contained as well in more articles than this: boilerplate  # a bucket this crowded is boilerplate, not a duplicate cluster


def matching_text(title: str, text: str) -> str:
    return text if text.strip() else title


class DedupHook:
    """ArchiveHook: near-duplicate signatures, links and groups."""

    def on_version(
        self, conn: sqlite3.Connection, article_id: int, version_id: int, draft: Draft
    ) -> None:
        index_article(
            conn,
            article_id,
            version_id,
            url=draft.url,
            text=matching_text(draft.title, draft.text),
            published_ts=draft.published.timestamp() if draft.published else None,
        )
        mark_stories_stale(conn)

    def on_remove(self, conn: sqlite3.Connection, article_id: int) -> None:
        forget_article(conn, article_id)
        conn.execute("DELETE FROM story_articles WHERE article_id=?", (article_id,))
        mark_stories_stale(conn)


def mark_stories_stale(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO dedup_state(key, value) VALUES('stories_stale', '1')"
        " ON CONFLICT(key) DO UPDATE SET value='1'"
    )


def index_article(
    conn: sqlite3.Connection,
    article_id: int,
    version_id: int,
    *,
    url: str | None,
    text: str,
    published_ts: float | None,
) -> None:
    if conn.execute("SELECT 1 FROM dedup_signatures WHERE article_id=?", (article_id,)).fetchone():
        forget_article(conn, article_id)
    fp = fingerprint(text)
    ekey = edition_key(url) if url else None
    links = _verified_links(conn, article_id, fp, ekey)
    conn.execute(
        "INSERT INTO dedup_signatures(article_id, version_id, shingles, form_length,"
        " published_ts, edition_key) VALUES(?,?,?,?,?,?)",
        (article_id, version_id, fp.size, fp.form_length, published_ts, ekey),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO dedup_bands(key, article_id) VALUES(?,?)",
        [(k, article_id) for k in fp.keys],
    )
    if links:
        conn.executemany(
            "INSERT OR REPLACE INTO dedup_links(a, b, similarity, kind) VALUES(?,?,?,?)",
            [(min(article_id, o), max(article_id, o), sim, kind) for o, sim, kind in links],
        )
        _merge_groups(conn, article_id, [o for o, _, _ in links])


def _verified_links(
    conn: sqlite3.Connection, article_id: int, fp: Fingerprint, ekey: str | None
) -> list[tuple[int, float, str]]:
    candidates: set[int] = set()
    if fp.keys:
        marks = ",".join("?" * len(fp.keys))
        rows = conn.execute(
            f"SELECT DISTINCT article_id FROM dedup_bands WHERE key IN ({marks}) LIMIT ?",
            (*fp.keys, _MAX_CANDIDATES),
        ).fetchall()
        candidates.update(r[0] for r in rows)
    editions: set[int] = set()
    if ekey:
        editions = {
            r[0]
            for r in conn.execute(
                "SELECT article_id FROM dedup_signatures WHERE edition_key=?", (ekey,)
            )
        }
    candidates |= editions
    candidates.discard(article_id)
    if not candidates:
        return []
    links: list[tuple[int, float, str]] = []
    contained: list[tuple[int, float]] = []
    for other, title, text in _texts(conn, candidates):
        other_fp = fingerprint(matching_text(title, text))
        found = similarity(fp, other_fp)
        if other in editions:
            # The outlet says these are one article in two scripts: link even when one
            # copy is too short to verify (a feed summary of the other edition).
            links.append((other, found[0] if found else 0.0, "edition"))
        elif found is not None and found[1] == "contained":
            contained.append((other, found[0]))
        elif found is not None:
            links.append((other, found[0], "text"))
    links += [(o, s, "contained") for o, s in _best_containers(contained)]
    return links


def _best_containers(found: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """A short text contained in several articles is a copy of the one that contains it
    best; contained equally in many, it is boilerplate (a standard disclaimer as an
    Economist 'summary'), not a copy of any of them."""
    if not found:
        return []
    best = max(s for _, s in found)
    top = [(o, s) for o, s in found if s >= best - _CONTAINED_TIE]
    return top if len(top) <= _MAX_CONTAINERS else []


def _texts(conn: sqlite3.Connection, ids: Iterable[int]) -> list[tuple[int, str, str]]:
    id_list = sorted(ids)
    marks = ",".join("?" * len(id_list))
    return [
        (r[0], r[1], r[2])
        for r in conn.execute(
            "SELECT a.id, v.title, v.text FROM articles a JOIN versions v"
            f" ON v.id=a.latest_version_id WHERE a.id IN ({marks})",
            id_list,
        )
    ]


def _merge_groups(conn: sqlite3.Connection, article_id: int, others: list[int]) -> None:
    members = [article_id, *others]
    marks = ",".join("?" * len(members))
    existing = {
        r[0]: r[1]
        for r in conn.execute(
            f"SELECT article_id, group_id FROM dedup_members WHERE article_id IN ({marks})",
            members,
        )
    }
    groups = set(existing.values())
    target = min([*groups, *members])
    if groups - {target}:
        gmarks = ",".join("?" * len(groups))
        conn.execute(
            f"UPDATE dedup_members SET group_id=? WHERE group_id IN ({gmarks})",
            (target, *groups),
        )
    conn.executemany(
        "INSERT OR REPLACE INTO dedup_members(article_id, group_id) VALUES(?,?)",
        [(m, target) for m in members],
    )


def forget_article(conn: sqlite3.Connection, article_id: int) -> None:
    """Drop an article's fingerprint and links; split its group if that disconnects it."""
    row = conn.execute(
        "SELECT group_id FROM dedup_members WHERE article_id=?", (article_id,)
    ).fetchone()
    conn.execute("DELETE FROM dedup_bands WHERE article_id=?", (article_id,))
    conn.execute("DELETE FROM dedup_signatures WHERE article_id=?", (article_id,))
    conn.execute("DELETE FROM dedup_links WHERE a=? OR b=?", (article_id, article_id))
    conn.execute("DELETE FROM dedup_members WHERE article_id=?", (article_id,))
    if row is not None:
        _regroup(conn, row[0])


def _regroup(conn: sqlite3.Connection, group_id: int) -> None:
    """Recompute the connected components of what is left of one group."""
    members = [
        r[0]
        for r in conn.execute("SELECT article_id FROM dedup_members WHERE group_id=?", (group_id,))
    ]
    conn.execute("DELETE FROM dedup_members WHERE group_id=?", (group_id,))
    if not members:
        return
    marks = ",".join("?" * len(members))
    adj: dict[int, set[int]] = defaultdict(set)
    for a, b in conn.execute(
        f"SELECT a, b FROM dedup_links WHERE a IN ({marks})", members
    ).fetchall():
        adj[a].add(b)
        adj[b].add(a)
    seen: set[int] = set()
    for start in members:
        if start in seen or start not in adj:
            continue
        comp, todo = [], [start]
        seen.add(start)
        while todo:
            node = todo.pop()
            comp.append(node)
            for nb in adj[node] - seen:
                seen.add(nb)
                todo.append(nb)
        gid = min(comp)
        conn.executemany(
            "INSERT INTO dedup_members(article_id, group_id) VALUES(?,?)",
            [(m, gid) for m in comp],
        )


def rebuild_index(
    conn: sqlite3.Connection,
    *,
    batch: int = 500,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Recompute every fingerprint, link and group from the stored articles, in id
    (arrival) order: the same incremental steps the hook takes. For archives filled
    before the hook existed, or after a change of fingerprint parameters. Runs inside
    the caller's transaction; returns the number of articles indexed."""
    for table in ("dedup_links", "dedup_members", "dedup_bands", "dedup_signatures"):
        conn.execute(f"DELETE FROM {table}")
    last, count = 0, 0
    while True:
        rows = conn.execute(
            "SELECT a.id, a.url, v.id, v.title, v.text, v.published_ts FROM articles a"
            " JOIN versions v ON v.id=a.latest_version_id WHERE a.id>? ORDER BY a.id LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            return count
        for aid, url, vid, title, text, pts in rows:
            index_article(
                conn,
                aid,
                vid,
                url=None if url.startswith("urn:") else url,
                text=matching_text(title, text),
                published_ts=pts,
            )
            count += 1
        last = rows[-1][0]
        if progress is not None:
            progress(count)

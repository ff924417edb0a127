"""Incremental near-duplicate index, kept in step with the archive by `DedupHook`.

For each new latest version: fingerprint the text, look up articles sharing an LSH
bucket (or the simplified/traditional edition key), verify each candidate on the exact
shingle sets, store verified links and merge groups. Cost is a handful of indexed
lookups plus one verification per candidate; no pass over all articles.

A new version of an article replaces its fingerprint and its links: versions of one
article are never linked to each other (they share one article id).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from newsarchive.archive.session import Session
from newsarchive.dedup import postgres
from newsarchive.dedup.fingerprint import Fingerprint, fingerprint, shingle_set, similarity
from newsarchive.model import Draft
from newsarchive.urls import edition_key

_MAX_CANDIDATES = 200  # a bucket this crowded is boilerplate, not a duplicate cluster
_CONTAINED_TIE = 0.02  # containers this close to the best one are as good a match
_MAX_CONTAINERS = 3  # contained as well in more articles than this: boilerplate
_DERIVED_KEY = "dedup.signature"


def matching_text(title: str, text: str) -> str:
    """Matching text = body; the title is left out so a changed headline does not hide
    a duplicate. Title-only items (no body) are matched on their title."""
    return text if text.strip() else title


@dataclass(frozen=True, slots=True)
class Signature:
    """What the writer needs to index one text, computed ahead (in parse workers): the
    LSH bucket keys and sizes. The full shingle set is recomputed in the writer only
    when a bucket has candidates to verify (a minority of articles), so workers send a
    few hundred bytes per article instead of the shingles."""

    keys: tuple[int, ...]
    shingles: int
    form_length: int
    edition_key: str | None


def signature(url: str | None, text: str) -> tuple[Signature, Fingerprint]:
    fp = fingerprint(text)
    ekey = edition_key(url) if url and not url.startswith("urn:") else None
    return Signature(tuple(fp.keys), fp.size, fp.form_length, ekey), fp


class DedupHook:
    """ArchiveHook: near-duplicate signatures, links and groups."""

    def __init__(self) -> None:
        # Connections whose open transaction has marked the stories stale already: the
        # mark is one row set to '1', written once a transaction instead of once an
        # article (an upsert, 0.003 ms of the writer's ~0.5 ms a file).
        self._marked: set[Session] = set()

    def __getstate__(self) -> dict[str, object]:
        return {}  # sent to parse workers, which never write

    def __setstate__(self, state: dict[str, object]) -> None:
        self._marked = set()

    def before_commit(self, conn: Session) -> None:
        self._marked.discard(conn)

    def on_rollback(self, conn: Session) -> None:
        self._marked.discard(conn)

    def prepare(self, draft: Draft) -> None:
        """Fingerprint ahead of storing (in the importer's parse workers)."""
        draft.derived[_DERIVED_KEY] = signature(draft.url, matching_text(draft.title, draft.text))[
            0
        ]

    def on_version(self, conn: Session, article_id: int, version_id: int, draft: Draft) -> None:
        prepared = draft.derived.get(_DERIVED_KEY)
        index_article(
            conn,
            article_id,
            version_id,
            url=draft.url,
            text=matching_text(draft.title, draft.text),
            published_ts=draft.published.timestamp() if draft.published else None,
            prepared=prepared if isinstance(prepared, Signature) else None,
        )
        if conn not in self._marked:
            mark_stories_stale(conn)
            self._marked.add(conn)

    def on_remove(self, conn: Session, article_id: int) -> None:
        forget_article(conn, article_id)
        conn.execute("DELETE FROM story_articles WHERE article_id=?", (article_id,))
        mark_stories_stale(conn)


def mark_stories_stale(conn: Session) -> None:
    conn.execute(
        "INSERT INTO dedup_state(key, value) VALUES('stories_stale', '1')"
        " ON CONFLICT(key) DO UPDATE SET value='1'"
    )


@cache
def _insert_bands_sql(n: int) -> str:
    # One statement for all of an article's keys: executemany paid ~2 us of Python and
    # statement reset per row, 26 rows per article.
    return (
        "INSERT INTO dedup_bands(key, article_id) VALUES"
        + ",".join(["(?,?)"] * n)
        + " ON CONFLICT DO NOTHING"
    )


def index_article(
    conn: Session,
    article_id: int,
    version_id: int,
    *,
    url: str | None,
    text: str,
    published_ts: float | None,
    prepared: Signature | None = None,
) -> None:
    fp: Fingerprint | None = None
    if prepared is None:
        prepared, fp = signature(url, text)
    found = store_signature(conn, article_id, version_id, prepared, published_ts)
    if found.old is not None:
        _forget_replaced(conn, article_id, *found.old, keep=prepared.keys)
    editions = set(found.editions)
    links = _verified_links(conn, article_id, set(found.candidates), editions, fp, text)
    if links:
        conn.executemany(
            "INSERT INTO dedup_links(a, b, similarity, kind) VALUES(?,?,?,?) ON CONFLICT(a, b)"
            " DO UPDATE SET similarity=excluded.similarity, kind=excluded.kind",
            [(min(article_id, o), max(article_id, o), sim, kind) for o, sim, kind in links],
        )
        _merge_groups(conn, article_id, [o for o, _, _ in links])


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing an article's fingerprint found: its previous fingerprint's (band
    keys, version id), if it had one, and the articles sharing a bucket (in the order
    of `_bucket_query`) or its edition key with it."""

    old: tuple[bytes | None, int] | None
    candidates: list[int]
    editions: list[int]


def store_signature(
    conn: Session,
    article_id: int,
    version_id: int,
    sig: Signature,
    published_ts: float | None,
) -> Stored:
    """Replace the article's fingerprint and look up its bucket and edition mates.

    These steps need no answer from one another: on PostgreSQL they are one call of a
    function that runs them (`postgres.store_signature`: a round trip per statement
    was most of the hook's cost there); on SQLite the same statements in turn. The old
    fingerprint's buckets and links are the caller's to drop (`_forget_replaced`)."""
    row = (
        article_id,
        version_id,
        sig.shingles,
        sig.form_length,
        published_ts,
        sig.edition_key,
        np.array(sig.keys, dtype="<i8").tobytes(),
    )
    if conn.dialect == "postgres":
        old, candidates, editions = postgres.store_signature(conn, row, sig.keys, _MAX_CANDIDATES)
        return Stored(old, candidates, editions)
    # A new version replaces the article's fingerprint (a new article has none; the
    # DELETE is the lookup).
    gone = conn.execute(
        "DELETE FROM dedup_signatures WHERE article_id=? RETURNING band_keys, version_id",
        (article_id,),
    ).fetchall()
    candidates = [r[0] for r in conn.all(*_bucket_query(sig.keys, article_id))] if sig.keys else []
    editions = (
        [
            r[0]
            for r in conn.all(
                "SELECT article_id FROM dedup_signatures WHERE edition_key=?", (sig.edition_key,)
            )
        ]
        if sig.edition_key
        else []
    )
    conn.execute(
        "INSERT INTO dedup_signatures(article_id, version_id, shingles, form_length,"
        " published_ts, edition_key, band_keys) VALUES(?,?,?,?,?,?,?)",
        row,
    )
    if sig.keys:
        params: list[int] = []
        for k in sig.keys:
            params += (k, article_id)
        conn.execute(_insert_bands_sql(len(sig.keys)), params)
    return Stored((gone[0][0], gone[0][1]) if gone else None, candidates, editions)


def _verified_links(
    conn: Session,
    article_id: int,
    candidates: set[int],
    editions: set[int],
    fp: Fingerprint | None,
    text: str,
) -> list[tuple[int, float, str]]:
    candidates = (candidates | editions) - {article_id}
    if not candidates:
        return []
    # Verification compares shingle sets only; the bucket keys were looked up already.
    if fp is None:
        fp = shingle_set(text)
    links: list[tuple[int, float, str]] = []
    contained: list[tuple[int, float]] = []
    for other, title, text in _texts(conn, candidates):
        other_fp = shingle_set(matching_text(title, text))
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


def _bucket_query(keys: Sequence[int], article_id: int) -> tuple[str, Sequence[object]]:
    """SQL and parameters for the articles other than `article_id` that share a bucket
    with `keys`, at most `_MAX_CANDIDATES` of them.

    Which ones a crowded bucket gives must not depend on the backend's query plan: the
    first in (key, article id) order, as SQLite's ``DISTINCT ... LIMIT`` over the
    primary key gave them before the order was written out. The article's own rows
    (its previous version's) take no place among them."""
    return (
        f"SELECT article_id FROM dedup_bands WHERE key IN ({','.join('?' * len(keys))})"
        " AND article_id<>? GROUP BY article_id ORDER BY min(key), article_id LIMIT ?",
        (*keys, article_id, _MAX_CANDIDATES),
    )


def _best_containers(found: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """A short text contained in several articles is a copy of the one that contains it
    best; contained equally in many, it is boilerplate (a standard disclaimer as an
    Economist 'summary'), not a copy of any of them."""
    if not found:
        return []
    best = max(s for _, s in found)
    top = [(o, s) for o, s in found if s >= best - _CONTAINED_TIE]
    return top if len(top) <= _MAX_CONTAINERS else []


def _texts(conn: Session, ids: Iterable[int]) -> list[tuple[int, str, str]]:
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


def _merge_groups(conn: Session, article_id: int, others: list[int]) -> None:
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
    # An upsert, not INSERT OR REPLACE: the same rows, but REPLACE's delete-and-insert
    # cost ~6 ms of CPU per call inside a large import transaction (foreign keys on),
    # 0.9 s of the writer's 12 s on 5,000 corpus files; the upsert costs ~20 us.
    conn.executemany(
        "INSERT INTO dedup_members(article_id, group_id) VALUES(?,?)"
        " ON CONFLICT(article_id) DO UPDATE SET group_id=excluded.group_id",
        [(m, target) for m in members],
    )


def forget_article(conn: Session, article_id: int) -> None:
    """Drop an article's fingerprint and links; split its group if that disconnects it."""
    old = conn.execute(
        "DELETE FROM dedup_signatures WHERE article_id=? RETURNING band_keys, version_id",
        (article_id,),
    ).fetchall()
    if old:
        _forget_replaced(conn, article_id, old[0][0], old[0][1])


def _forget_replaced(
    conn: Session,
    article_id: int,
    band_keys: bytes | None,
    version_id: int,
    keep: Sequence[int] = (),
) -> None:
    """Remove the bucket rows, links and group membership of an article whose signature
    row was just deleted, except the bucket rows of `keep` (its new version's keys,
    already stored). Bucket rows are deleted by their keys (dedup_bands has no index
    by article: it cost 26 index inserts per article); rows indexed before the keys
    were stored get them recomputed from the indexed version's text."""
    if band_keys is not None:
        keys = [int(k) for k in np.frombuffer(band_keys, dtype="<i8")]
    else:
        row = conn.execute("SELECT title, text FROM versions WHERE id=?", (version_id,)).fetchone()
        keys = fingerprint(matching_text(row[0], row[1])).keys if row else []
    gone = sorted(set(keys) - set(keep))
    if gone:
        # One statement, not one per key: a round trip each on PostgreSQL.
        conn.execute(
            f"DELETE FROM dedup_bands WHERE article_id=? AND key IN ({','.join('?' * len(gone))})",
            (article_id, *gone),
        )
    row = conn.execute(
        "SELECT group_id FROM dedup_members WHERE article_id=?", (article_id,)
    ).fetchone()
    conn.execute("DELETE FROM dedup_links WHERE a=? OR b=?", (article_id, article_id))
    conn.execute("DELETE FROM dedup_members WHERE article_id=?", (article_id,))
    if row is not None:
        _regroup(conn, row[0])


def _regroup(conn: Session, group_id: int) -> None:
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
    conn: Session,
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

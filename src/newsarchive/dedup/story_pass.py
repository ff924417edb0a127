"""Stories: different outlets' articles about one event, in a batch pass.

Each article (one per duplicate group: members follow their representative) becomes a
TF-IDF vector of character bigrams of its matching form (script-folded, punctuation
removed): the title counts three times, then the lead. Bigrams need no segmenter and keep
names (孟晚舟 -> 孟晚, 晚舟), which is what tells one event from another.

Clustering runs in time order: an article's neighbours are earlier articles within
`WINDOW_DAYS` with cosine >= `EDGE_MIN` (one sparse product per day against the window,
never all pairs); it joins the cluster it is most similar to on average (average link
>= `JOIN_MIN`), else starts one. Average link, unlike connected components, does not
chain a week of COVID-19 updates into one story. Clusters reported by at least two
outlets are stories. Constants were tuned on bench/data/stories.json (docs/dedup.md).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from newsarchive.dedup.fingerprint import matching_codes
from newsarchive.text.normalize import fold_for_matching

if TYPE_CHECKING:
    from scipy import sparse

    from newsarchive.archive import Archive

WINDOW_DAYS = 3.0
EDGE_MIN = 0.2
JOIN_MIN = 0.12
TITLE_WEIGHT = 3  # the title names the event; the lead adds its particulars
LEAD_CHARS = 300
MAX_DF = 0.02  # bigrams in more than 2% of articles (中国, 美国, 表示) carry no event
MIN_DF_CUTOFF = 5
_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Story:
    id: int
    label: str
    first: datetime
    last: datetime
    outlets: list[str]
    articles: list[int]
    first_outlet: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "label": self.label,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "outlets": self.outlets,
            "articles": self.articles,
            "first_outlet": self.first_outlet,
        }


@dataclass(slots=True)
class _Doc:
    id: int
    outlet: str | None
    ts: float
    title: str
    rep: int  # representative of its duplicate group (itself if none)


def _bigrams(text: str) -> np.ndarray:
    codes = matching_codes(text).astype(np.int64)
    if codes.size < 2:
        return np.empty(0, dtype=np.int64)
    return (codes[:-1] << 21) | codes[1:]


def _load(conn: sqlite3.Connection) -> tuple[list[_Doc], list[np.ndarray]]:
    reps = {r[0]: r[1] for r in conn.execute("SELECT article_id, group_id FROM dedup_members")}
    docs: list[_Doc] = []
    grams: list[np.ndarray] = []
    rows = conn.execute(
        "SELECT a.id, a.outlet, a.first_seen, v.title, v.text, v.published_ts"
        " FROM articles a JOIN versions v ON v.id=a.latest_version_id ORDER BY a.id"
    )
    for aid, outlet, first_seen, title, text, pts in rows:
        ts = pts if pts is not None else datetime.fromisoformat(first_seen).timestamp()
        docs.append(_Doc(aid, outlet, ts, title, reps.get(aid, aid)))
        title_grams = _bigrams(title)
        grams.append(np.concatenate([title_grams] * TITLE_WEIGHT + [_bigrams(text[:LEAD_CHARS])]))
    return docs, grams


def _tfidf(grams: list[np.ndarray]) -> sparse.csr_matrix:
    # scipy costs ~0.5 s to import: only the story pass needs it, not every import job.
    from scipy import sparse

    lengths = np.array([g.size for g in grams])
    allg = np.concatenate(grams) if grams else np.empty(0, dtype=np.int64)
    vocab, cols = np.unique(allg, return_inverse=True)
    rows = np.repeat(np.arange(len(grams)), lengths)
    m = sparse.csr_matrix(
        (np.ones(allg.size, dtype=np.float32), (rows, cols)), shape=(len(grams), vocab.size)
    )
    m.sum_duplicates()
    m.data = 1.0 + np.log(m.data)
    df = np.bincount(m.indices, minlength=vocab.size)
    n = max(len(grams), 1)
    idf = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)  # smoothed, as sklearn
    # Too common, or seen once: no evidence. The floor keeps small archives usable.
    idf[(df > max(MAX_DF * n, MIN_DF_CUTOFF)) | (df < 2)] = 0.0
    m = m.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ m)


def _cluster(docs: list[_Doc], x: sparse.csr_matrix) -> list[list[int]]:
    """Time-ordered average-link clustering; returns clusters as lists of doc indexes."""
    order = sorted(range(len(docs)), key=lambda i: docs[i].ts)
    ts = np.array([docs[i].ts for i in order])
    xo = x[order]
    cluster_of = np.full(len(order), -1)
    clusters: list[list[int]] = []
    day_start = 0
    while day_start < len(order):
        day_end = int(np.searchsorted(ts, ts[day_start] + _DAY, side="left"))
        day_end = max(day_end, day_start + 1)
        win_start = int(np.searchsorted(ts, ts[day_start] - WINDOW_DAYS * _DAY, side="left"))
        sims = (xo[day_start:day_end] @ xo[win_start:day_end].T).tocsr()
        for i in range(day_start, day_end):
            row = sims.getrow(i - day_start)
            score: dict[int, float] = defaultdict(float)
            for j, s in zip(row.indices, row.data, strict=True):
                jj = win_start + int(j)
                if jj >= i or s < EDGE_MIN or ts[i] - ts[jj] > WINDOW_DAYS * _DAY:
                    continue
                score[int(cluster_of[jj])] += float(s)
            best, best_avg = -1, 0.0
            for c, total in score.items():
                avg = total / len(clusters[c])
                if avg > best_avg:
                    best, best_avg = c, avg
            if best >= 0 and best_avg >= JOIN_MIN:
                clusters[best].append(i)
                cluster_of[i] = best
            else:
                cluster_of[i] = len(clusters)
                clusters.append([i])
        day_start = day_end
    return [[order[i] for i in c] for c in clusters]


def rebuild_stories(archive: Archive) -> int:
    """Recompute every story from the archive; returns how many there are."""
    with archive.transaction() as conn:
        docs, grams = _load(conn)
        conn.execute("DELETE FROM story_articles")
        conn.execute("DELETE FROM stories")
        index = {d.id: k for k, d in enumerate(docs)}
        # One vector per duplicate group: reprints must not make a story on their own.
        lead = [k for k, d in enumerate(docs) if d.rep == d.id or d.rep not in index]
        followers: dict[int, list[int]] = defaultdict(list)
        for k, d in enumerate(docs):
            if d.rep != d.id and d.rep in index:
                followers[index[d.rep]].append(k)
        count = 0
        if lead:
            x = _tfidf([grams[k] for k in lead])
            for cluster in _cluster([docs[k] for k in lead], x):
                members = [lead[c] for c in cluster]
                members += [f for m in members for f in followers.get(m, [])]
                if _store(conn, [docs[m] for m in members]):
                    count += 1
        conn.execute(
            "INSERT INTO dedup_state(key, value) VALUES('stories_stale', '0')"
            " ON CONFLICT(key) DO UPDATE SET value='0'"
        )
        return count


def _store(conn: sqlite3.Connection, members: list[_Doc]) -> bool:
    members.sort(key=lambda d: (d.ts, d.id))
    outlets = list(dict.fromkeys(d.outlet for d in members if d.outlet))
    if len(outlets) < 2:
        return False
    label = members[0].title
    first = datetime.fromtimestamp(members[0].ts, UTC)
    last = datetime.fromtimestamp(members[-1].ts, UTC)
    sid = conn.execute(
        "INSERT INTO stories(label, first, last, first_ts, last_ts, outlets, first_outlet)"
        " VALUES(?,?,?,?,?,?,?)",
        (
            label,
            first.isoformat(),
            last.isoformat(),
            members[0].ts,
            members[-1].ts,
            json.dumps(outlets, ensure_ascii=False),
            members[0].outlet,
        ),
    ).lastrowid
    conn.executemany(
        "INSERT INTO story_articles(story_id, article_id) VALUES(?,?)",
        [(sid, d.id) for d in members],
    )
    return True


def _stale(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT value FROM dedup_state WHERE key='stories_stale'").fetchone()
    return row is not None and row[0] == "1"


def _refresh_if_stale(archive: Archive) -> None:
    if not _stale(archive.conn):
        return
    try:
        rebuild_stories(archive)
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc):
            raise
        # A read-only reader (web) serves the last computed stories.


def _row_to_story(conn: sqlite3.Connection, row: sqlite3.Row) -> Story:
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT sa.article_id FROM story_articles sa JOIN versions v"
            " ON v.id=(SELECT latest_version_id FROM articles WHERE id=sa.article_id)"
            " WHERE sa.story_id=? ORDER BY coalesce(v.published_ts, 0), sa.article_id",
            (row["id"],),
        )
    ]
    return Story(
        id=row["id"],
        label=row["label"],
        first=datetime.fromisoformat(row["first"]),
        last=datetime.fromisoformat(row["last"]),
        outlets=json.loads(row["outlets"]),
        articles=ids,
        first_outlet=row["first_outlet"],
    )


def stories(
    archive: Archive,
    *,
    query: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    refresh: bool = True,
) -> list[Story]:
    """Stories overlapping [since, until], newest first; with `query`, those whose
    articles' titles contain every word of it (script- and case-folded). Recomputes
    the stories first when articles changed since the last pass (`refresh`)."""
    if refresh:
        _refresh_if_stale(archive)
    conn = archive.conn
    sql = "SELECT * FROM stories WHERE 1=1"
    args: list[object] = []
    if since is not None:
        sql += " AND last_ts >= ?"
        args.append(since.timestamp())
    if until is not None:
        sql += " AND first_ts <= ?"
        args.append(until.timestamp())
    sql += " ORDER BY first_ts DESC, id"
    out = [_row_to_story(conn, r) for r in conn.execute(sql, args).fetchall()]
    if query:
        words = [fold_for_matching(w) for w in query.split()]
        out = [s for s in out if _matches(conn, s, words)]
    return out


def _matches(conn: sqlite3.Connection, story: Story, words: list[str]) -> bool:
    marks = ",".join("?" * len(story.articles))
    titles = " ".join(
        r[0]
        for r in conn.execute(
            "SELECT v.title FROM articles a JOIN versions v ON v.id=a.latest_version_id"
            f" WHERE a.id IN ({marks})",
            story.articles,
        )
    )
    folded = fold_for_matching(titles)
    return all(w in folded for w in words)


def story_of(archive: Archive, article_id: int) -> Story | None:
    """The story `article_id` belongs to, if any (as of the last story pass)."""
    row = archive.conn.execute(
        "SELECT s.* FROM stories s JOIN story_articles sa ON sa.story_id=s.id"
        " WHERE sa.article_id=?",
        (article_id,),
    ).fetchone()
    return _row_to_story(archive.conn, row) if row else None

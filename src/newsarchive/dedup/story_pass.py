"""Stories: different outlets' articles about one event, in a batch pass.

Each article (one per duplicate group: members follow their representative) becomes a
TF-IDF vector of its words: `segment_for_index` tokens (script-folded jieba words, the
search segmentation) of the title, counted `TITLE_WEIGHT` times, and of the lead. jieba
cuts names it does not know into single characters (黎/智/英, 菅/义/伟): runs of single
characters contribute their bigrams (黎智, 智英) so an unknown name still matches
itself. Spelling variants of names across outlets (川普/特朗普) are mapped to one form
(`profiles/name_variants.toml`). Document frequencies are the archive's own; words in
more than `MAX_DF` of articles (中国, 表示) or in only one carry no weight.

The time-ordered pass below proposes candidate clusters; each is then cut into cores
that hold together (`_cores`: grown from the medoid), so that one shared word does not
chain unrelated events into one story (docs/dedup.md, bench/stories.py), and cores of
different candidates that are one event are merged (`story_merge`).

Candidates, in time order: an article joins the cluster whose members it is most
similar to on average (average link >= `JOIN_MIN`), among clusters still active: last
article within `ACTIVE_DAYS`, first within `SPAN_DAYS` (so a month of COVID-19 updates
does not chain into one story); else it starts one. Similarities come from one sparse
product per day against the window, never all pairs. Clusters reported by at least two
outlets are stories. Constants were tuned on half of bench/data/stories.json and
checked on the other half (docs/dedup.md).
"""

from __future__ import annotations

import json
import os
import re
import time
import tomllib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING

from newsarchive.archive.session import Row, Session
from newsarchive.dedup import postgres, sqlite
from newsarchive.dedup.story_ids import assign_ids, previous_members
from newsarchive.dedup.story_merge import MergeRule, merge_cores
from newsarchive.text.normalize import fold_for_matching
from newsarchive.text.segment import fold, is_cjk, segment_folded

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

    from newsarchive.archive import Archive

ACTIVE_DAYS = 2.0  # a story takes new articles while its last one is this recent
SPAN_DAYS = 4.0  # ... and its first one no older than this
JOIN_MIN = 0.10  # average cosine to a candidate cluster's members needed to join it
# A candidate cluster is then cut into cores (`_cores`): from its medoid, members join
# while their average cosine to the core is >= CORE_AVG and to the medoid >= CORE_MEDOID.
CORE_AVG = 0.15
CORE_MEDOID = 0.10
TITLE_WEIGHT = 6  # the title names the event; the lead adds its particulars
LEAD_CHARS = 160  # characters of the body segmented for the lead
LEAD_TOKENS = 60
# Words in more than 30% of articles (中国, 表示) carry no event. At 5% the names of the
# biggest events (特朗普, 拜登, 新冠) weighed nothing and their articles fell apart.
MAX_DF = 0.3
MIN_DF_CUTOFF = 5
# A report of one kind on another day with other numbers is another occurrence: a daily
# market close, case count or oil price report repeats yesterday's words with today's
# figures, which bag-of-words likeness cannot tell apart. Two members this many hours
# apart are not alike when both cite figures (the entities component's, at least
# FIGURES_MIN each) and share none, or when one outlet's two titles both hold numbers
# and share none (its daily report; across outlets a count differs with the source:
# 6 arrested / 8 arrested). Measured on bench/stories.py (docs/dedup.md).
FIGURES_APART_HOURS = 12.0
FIGURES_MIN = 2
TITLE_NUMBERS_APART_HOURS = 18.0
# The same for the entities each article names (the entities component's, accepted by
# its two-outlet rule): two members this many hours apart that name no entity in common
# are other occurrences (mainland and Hong Kong case counts; a report and a column on
# its field days later). Entities in more than ENTITIES_MAX_DF of articles (中国, 美国)
# are left out: every report of a kind names them. Measured on bench/stories.py's proxy
# (docs/dedup.md, session 11): 5% cut more recall, 2% more still.
ENTITIES_APART_HOURS = 12.0
ENTITIES_MAX_DF = 0.1
# A member more than FAR_HOURS from its core's medoid joins only if it is like the
# medoid itself by FAR_MEDOID (not just CORE_MEDOID): the next stage of an affair days
# later (sanctions announced, then new sanctions; a court's hearing, then its ruling)
# shares the affair's words with the core but less with its centre. Cores of different
# candidates that are one event are then merged (`story_merge`: the time-ordered pass
# splits some events across candidates) by the cores' own rule: average cosine
# >= CORE_AVG between their members, medoids alike, medoids at most MERGE_WINDOW_HOURS
# apart, the merged core spanning at most SPAN_DAYS. Measured on bench/stories.py
# (docs/dedup.md, session 13).
FAR_HOURS = 48.0
FAR_MEDOID = 0.3
MERGE_WINDOW_HOURS = 48.0
MERGE = True
_DAY = 86400.0
# A number, unless it is a date (12日, 9月, 2020年): the date says when, not what.
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(?![\d.])(?![日号號月年])")


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
    figures: frozenset[tuple[float, str]] = frozenset()  # (value, unit) it cites
    numbers: frozenset[str] = frozenset()  # digit runs in its title
    entities: frozenset[str] = frozenset()  # ids of the entities it names (not the commonest)


def title_numbers(title: str) -> frozenset[str]:
    """The numbers written in a title, dates left out (full-width digits folded):
    12日新增１９例 -> {"19"}."""
    return frozenset(_NUMBER.findall(unicodedata.normalize("NFKC", title)))


@cache
def _variants() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    raw = resources.files("newsarchive.profiles").joinpath("name_variants.toml").read_text("utf-8")
    table = {fold(k): fold(v) for k, v in tomllib.loads(raw).get("variants", {}).items()}
    if not table:
        return None, table
    return re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True)))), table


def story_terms(text: str) -> list[str]:
    """Words of `text` for story matching: folded, name variants unified, jieba words
    of two or more characters, and bigrams of runs of single characters."""
    rx, table = _variants()
    folded = fold(text)
    if rx is not None:
        folded = rx.sub(lambda m: table[m.group()], folded)
    out: list[str] = []
    run: list[str] = []
    for tok in [*segment_folded(folded), ""]:
        if len(tok) == 1 and is_cjk(tok):
            run.append(tok)
            continue
        out.extend(x + y for x, y in pairwise(run))
        run.clear()
        if len(tok) >= 2:
            out.append(tok)
    return out


def _figures(conn: Session) -> dict[int, frozenset[tuple[float, str]]]:
    """Each article's cited figures, where the entities component stores them."""
    if not conn.table_exists("entity_figures"):
        return {}
    found: dict[int, set[tuple[float, str]]] = defaultdict(set)
    for aid, value, unit in conn.execute("SELECT article_id, value, unit FROM entity_figures"):
        # rounded: the same figure parsed from 1,434亿 and 1434亿 is one value
        found[aid].add((float(f"{value:.6g}"), unit))
    return {aid: frozenset(f) for aid, f in found.items()}


def _entities(conn: Session) -> dict[int, frozenset[str]]:
    """Each article's entities, without those named in more than ENTITIES_MAX_DF of the
    archive's articles (at least MIN_DF_CUTOFF: a small archive keeps its names)."""
    # Imported here: `show` imports this module to read a story and needs no entities.
    from newsarchive.entities.queries import accepted_entity_ids

    found = accepted_entity_ids(conn)
    n = int(conn.scalar("SELECT count(*) FROM articles") or 0)
    df = Counter(e for ids in found.values() for e in ids)
    common = {e for e, k in df.items() if k > max(ENTITIES_MAX_DF * n, MIN_DF_CUTOFF)}
    return {aid: ids - common for aid, ids in found.items()}


def _load(conn: Session) -> tuple[list[_Doc], list[list[str]]]:
    reps = {r[0]: r[1] for r in conn.execute("SELECT article_id, group_id FROM dedup_members")}
    figures = _figures(conn)
    entities = _entities(conn)
    docs: list[_Doc] = []
    terms: list[list[str]] = []
    rows = conn.execute(
        "SELECT a.id, a.outlet, a.first_seen, v.title, substr(v.text, 1, ?), v.published_ts"
        " FROM articles a JOIN versions v ON v.id=a.latest_version_id ORDER BY a.id",
        (LEAD_CHARS,),
    )
    for aid, outlet, first_seen, title, lead, pts in rows:
        ts = pts if pts is not None else datetime.fromisoformat(first_seen).timestamp()
        docs.append(
            _Doc(
                aid,
                outlet,
                ts,
                title,
                reps.get(aid, aid),
                figures.get(aid, frozenset()),
                title_numbers(title),
                entities.get(aid, frozenset()),
            )
        )
        terms.append(story_terms(title) * TITLE_WEIGHT + story_terms(lead)[:LEAD_TOKENS])
    return docs, terms


def _tfidf(terms: list[list[str]]) -> sparse.csr_matrix:
    # scipy costs ~0.5 s to import: only the story pass needs it, not every import job.
    # numpy too is imported by the pass only: `show` reads a story (`story_of`) and
    # must not pay 0.1 s for it at every start (issue #20).
    import numpy as np
    from scipy import sparse

    vocab: dict[str, int] = {}
    cols = np.fromiter(
        (vocab.setdefault(t, len(vocab)) for doc in terms for t in doc), dtype=np.int64
    )
    lengths = np.array([len(doc) for doc in terms], dtype=np.int64)
    rows = np.repeat(np.arange(len(terms)), lengths)
    m = sparse.csr_matrix(
        (np.ones(cols.size, dtype=np.float32), (rows, cols)), shape=(len(terms), len(vocab))
    )
    m.sum_duplicates()
    m.data = 1.0 + np.log(m.data)
    df = np.bincount(m.indices, minlength=len(vocab))
    n = max(len(terms), 1)
    # Smoothed as sklearn's (+1): in a small archive a word shared by all articles still
    # counts (measured on the labelled events: F1 0.625 with, 0.630 without).
    idf = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)
    # Too common, or seen once: no evidence. The floor keeps small archives usable.
    idf[(df > max(MAX_DF * n, MIN_DF_CUTOFF)) | (df < 2)] = 0.0
    m = m.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ m)


def _cluster(docs: list[_Doc], x: sparse.csr_matrix) -> list[list[int]]:
    """Time-ordered average-link clustering; returns clusters as lists of doc indexes."""
    import numpy as np

    order = sorted(range(len(docs)), key=lambda i: docs[i].ts)
    ts = np.array([docs[i].ts for i in order])
    xo = x[order].tocsr()
    n = len(order)
    cluster_of = np.full(n, -1, dtype=np.int64)
    size = np.zeros(n)
    first = np.zeros(n)
    last = np.zeros(n)
    count = 0
    day_start = 0
    while day_start < n:
        day_end = max(int(np.searchsorted(ts, ts[day_start] + _DAY)), day_start + 1)
        win_start = int(np.searchsorted(ts, ts[day_start] - SPAN_DAYS * _DAY))
        sims = (xo[day_start:day_end] @ xo[win_start:day_end].T).tocsr()
        for i in range(day_start, day_end):
            lo, hi = sims.indptr[i - day_start], sims.indptr[i - day_start + 1]
            earlier = sims.indices[lo:hi] + win_start
            keep = earlier < i
            found = _best_cluster(
                cluster_of[earlier[keep]], sims.data[lo:hi][keep], ts[i], size, first, last
            )
            if found < 0:
                found = count
                count += 1
                first[found] = ts[i]
            cluster_of[i] = found
            size[found] += 1
            last[found] = ts[i]
        day_start = day_end
    clusters: list[list[int]] = [[] for _ in range(count)]
    for i, c in enumerate(cluster_of):
        clusters[c].append(order[i])
    return clusters


def _best_cluster(
    clusters: np.ndarray,
    sims: np.ndarray,
    now: float,
    size: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
) -> int:
    """The active cluster with the best average similarity, if >= JOIN_MIN, else -1."""
    import numpy as np

    active = (last[clusters] >= now - ACTIVE_DAYS * _DAY) & (
        first[clusters] >= now - SPAN_DAYS * _DAY
    )
    if not active.any():
        return -1
    ids, inverse = np.unique(clusters[active], return_inverse=True)
    avg = np.bincount(inverse, weights=sims[active]) / size[ids]
    best = int(np.argmax(avg))
    return int(ids[best]) if avg[best] >= JOIN_MIN else -1


def rebuild_stories(archive: Archive) -> int:
    """Recompute every story from the archive; returns how many there are.

    Clustering 50,000 articles takes tens of seconds. It runs on a read snapshot, and
    the write lock is held only to swap the result in: an import or fetch running
    meanwhile is not kept waiting (past the busy timeout it would have failed). Their
    commits mark the stories stale again, so the next refresh picks them up."""
    if archive.session.in_transaction:  # inside a caller's transaction: one step, as asked
        docs, terms = _load(archive.session)
        return _swap_in(archive.session, docs, _clusters(docs, terms), token=None)
    token = f"rebuilding {os.getpid()} {time.time_ns()}"
    with archive.transaction() as conn:
        _set_stale(conn, token)  # any commit from now on sets it back to '1'
    conn = archive.session
    # A read snapshot; writers go on.
    conn.execute(sqlite.READ_SNAPSHOT if conn.dialect == "sqlite" else postgres.READ_SNAPSHOT)
    try:
        docs, terms = _load(conn)
    finally:
        conn.execute("COMMIT")
    clusters = _clusters(docs, terms)
    with archive.transaction() as conn:
        return _swap_in(conn, docs, clusters, token)


def _clusters(docs: list[_Doc], terms: list[list[str]]) -> list[list[int]]:
    """Indexes into `docs` of each cluster's members (reprints follow their original)."""
    index = {d.id: k for k, d in enumerate(docs)}
    # One vector per duplicate group: reprints must not make a story on their own.
    lead = [k for k, d in enumerate(docs) if d.rep == d.id or d.rep not in index]
    followers: dict[int, list[int]] = defaultdict(list)
    for k, d in enumerate(docs):
        if d.rep != d.id and d.rep in index:
            followers[index[d.rep]].append(k)
    if not lead:
        return []
    import numpy as np

    x = _tfidf([terms[k] for k in lead])
    lead_docs = [docs[k] for k in lead]
    hours = np.array([d.ts for d in lead_docs]) / 3600.0
    cores: list[list[int]] = []
    for candidate in _cluster(lead_docs, x):
        apart = _apart([lead_docs[c] for c in candidate]) if len(candidate) > 1 else None
        cores.extend(_cores(candidate, x, apart, hours[candidate]))
    if MERGE:
        rule = MergeRule(
            min_avg=CORE_AVG,
            medoid_min=CORE_MEDOID,
            far_hours=FAR_HOURS,
            far_medoid=FAR_MEDOID,
            window_hours=MERGE_WINDOW_HOURS,
            span_hours=SPAN_DAYS * 24.0,
        )
        cores = merge_cores(cores, x, hours, lambda c: _apart([lead_docs[i] for i in c]), rule)
    out = []
    for core in cores:
        members = [lead[c] for c in core]
        members += [f for m in members for f in followers.get(m, [])]
        out.append(members)
    return out


def _disjoint(sets: Sequence[frozenset[object]]) -> np.ndarray:
    """n x n: True where both sets are non-empty and share nothing."""
    import numpy as np

    # Pairwise over the members that have a set: candidates are small (at most about a
    # hundred members on the 50k archive), and building a sparse incidence matrix for
    # each of ~19,000 candidates cost more (16 s CPU) than the comparisons.
    out = np.zeros((len(sets), len(sets)), dtype=bool)
    having = [i for i, s in enumerate(sets) if s]
    for k, i in enumerate(having):
        for j in having[k + 1 :]:
            if sets[i].isdisjoint(sets[j]):
                out[i, j] = out[j, i] = True
    return out


def _apart(members: list[_Doc]) -> np.ndarray:
    """n x n: True for two members that are other occurrences of one kind of report
    (another day, other numbers or no entity in common: see FIGURES_APART_HOURS,
    ENTITIES_APART_HOURS)."""
    import numpy as np

    hours = np.array([d.ts for d in members]) / 3600.0
    gap = np.abs(hours[:, None] - hours[None, :])
    figures = [d.figures if len(d.figures) >= FIGURES_MIN else frozenset() for d in members]
    apart = (gap > FIGURES_APART_HOURS) & _disjoint(figures)
    outlets = np.array([d.outlet or "" for d in members])
    one_outlet = (outlets[:, None] == outlets[None, :]) & (outlets[:, None] != "")
    apart |= (
        (gap > TITLE_NUMBERS_APART_HOURS) & one_outlet & _disjoint([d.numbers for d in members])
    )
    apart |= (gap > ENTITIES_APART_HOURS) & _disjoint([d.entities for d in members])
    return apart


def _cores(
    members: list[int],
    x: sparse.csr_matrix,
    apart: np.ndarray | None = None,
    hours: np.ndarray | None = None,
) -> list[list[int]]:
    """Cut a candidate cluster (rows of `x`) into groups that hold together; `apart`
    (n x n over `members`) marks pairs that are never alike (other occurrences);
    `hours` (the members' times), when given, asks members more than FAR_HOURS from
    the medoid to be like it by FAR_MEDOID.

    Time-ordered average link chains: an article joins on its average to a cluster that
    is still small, and a later one joins on its likeness to that article (locusts in
    India beside an Indian police death). Here each group grows from the medoid (the
    member most like all others), taking the member most like the group while it is
    like the group on average and like the medoid itself; the rest start new groups."""
    import numpy as np

    if len(members) < 2:
        return [members]
    sims = (x[members] @ x[members].T).toarray()
    if apart is not None:
        sims[apart] = 0.0
    np.fill_diagonal(sims, 0.0)
    left = list(range(len(members)))
    out = []
    while left:
        medoid = left[int(np.argmax(sims[np.ix_(left, left)].sum(axis=1)))]
        need = np.full(len(members), CORE_MEDOID)
        if hours is not None:
            need[np.abs(hours - hours[medoid]) > FAR_HOURS] = max(FAR_MEDOID, CORE_MEDOID)
        core = [medoid]
        rest = np.array([i for i in left if i != medoid], dtype=np.int64)
        to_core = sims[medoid].copy()  # each member's summed likeness to the core
        while rest.size:
            avg = to_core[rest] / len(core)
            fits = (avg >= CORE_AVG) & (sims[rest, medoid] >= need[rest])
            if not fits.any():
                break
            pick = int(np.argmax(np.where(fits, avg, -1.0)))
            core.append(int(rest[pick]))
            to_core += sims[rest[pick]]
            rest = np.delete(rest, pick)
        out.append(sorted(members[i] for i in core))
        taken = set(core)
        left = [i for i in left if i not in taken]
    return out


def _swap_in(conn: Session, docs: list[_Doc], clusters: list[list[int]], token: str | None) -> int:
    previous = previous_members(conn)
    conn.execute("DELETE FROM story_articles")
    conn.execute("DELETE FROM stories")
    stored = [s for members in clusters if (s := _story_rows([docs[m] for m in members]))]
    # In time order, so that new ids grow with time (and are the same on both backends).
    stored.sort(key=lambda s: (s[0][3], s[1][0]))
    # Ids given here rather than by the database: kept from the previous pass where a
    # story goes on (story_ids.py), and the same on both backends.
    ids = assign_ids(conn, previous, [members for _, members in stored])
    conn.executemany(
        "INSERT INTO stories(id, label, first, last, first_ts, last_ts, outlets, first_outlet)"
        " VALUES(?,?,?,?,?,?,?,?)",
        [(sid, *story) for sid, (story, _) in zip(ids, stored, strict=True)],
    )
    conn.executemany(
        "INSERT INTO story_articles(story_id, article_id) VALUES(?,?)",
        [(sid, aid) for sid, (_, members) in zip(ids, stored, strict=True) for aid in members],
    )
    count = len(stored)
    # An article removed since the snapshot must not reappear in a story.
    conn.execute("DELETE FROM story_articles WHERE article_id NOT IN (SELECT id FROM articles)")
    if token is None:
        _set_stale(conn, "0")
    else:  # fresh only if nothing was committed while clustering
        conn.execute(
            "UPDATE dedup_state SET value='0' WHERE key='stories_stale' AND value=?", (token,)
        )
    return count


def _set_stale(conn: Session, value: str) -> None:
    conn.execute(
        "INSERT INTO dedup_state(key, value) VALUES('stories_stale', ?)"
        " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (value,),
    )


def _story_rows(members: list[_Doc]) -> tuple[tuple[object, ...], list[int]] | None:
    """A cluster's `stories` row (without its id) and member ids, or None if it is no
    story (fewer than two outlets)."""
    members.sort(key=lambda d: (d.ts, d.id))
    outlets = list(dict.fromkeys(d.outlet for d in members if d.outlet))
    if len(outlets) < 2:
        return None
    first = datetime.fromtimestamp(members[0].ts, UTC)
    last = datetime.fromtimestamp(members[-1].ts, UTC)
    row = (
        members[0].title,
        first.isoformat(),
        last.isoformat(),
        members[0].ts,
        members[-1].ts,
        json.dumps(outlets, ensure_ascii=False),
        members[0].outlet,
    )
    return row, [d.id for d in members]


def stories_stale(conn: Session) -> bool:
    """Whether articles changed since the stories were last computed."""
    # '1' (marked by a commit) or a rebuild's token (one that did not finish)
    row = conn.execute("SELECT value FROM dedup_state WHERE key='stories_stale'").fetchone()
    return row is not None and row[0] != "0"


def _refresh_if_stale(archive: Archive) -> None:
    # A read-only reader (the web's) serves the last computed stories: the writer
    # recomputes them after each import or fetch.
    if archive.readonly or not stories_stale(archive.session):
        return
    rebuild_stories(archive)


def _row_to_story(conn: Session, row: Row) -> Story:
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
    conn = archive.session
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


def _matches(conn: Session, story: Story, words: list[str]) -> bool:
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
    row = archive.session.execute(
        "SELECT s.* FROM stories s JOIN story_articles sa ON sa.story_id=s.id"
        " WHERE sa.article_id=?",
        (article_id,),
    ).fetchone()
    return _row_to_story(archive.session, row) if row else None


def story_by_id(archive: Archive, story_id: int) -> Story | None:
    """The story with this id (as of the last story pass), or None."""
    row = archive.session.execute("SELECT * FROM stories WHERE id=?", (story_id,)).fetchone()
    return _row_to_story(archive.session, row) if row else None

"""Known-item search benchmark on the jekyll-waimei mirror (~51,000 articles).

    PYTHONPATH=src /work/venv/bin/python bench/search.py [--sample 500] [--db ARCHIVE] [--no-baselines]

1. Imports ../shared/corpus/mirrors/jekyll-waimei.tar.xz into a fresh archive with the
   readers' `import_paths` (the search hook indexes during import) and reports
   import + index files/s and the share of that time spent in the search hook.
2. Draws a fixed random sample of articles (seed 20260101). For each, the query is its
   3 most distinctive words by TF-IDF over the archive ((1 + log tf) x idf, document
   frequencies from the index itself), once in the article's own script and once
   converted to the other one (simplified <-> traditional).
3. Runs every query through `newsarchive.search.search` and through two baselines built
   in the same run from the same articles:
   - trigram: FTS5 `trigram` over the raw text, words shorter than 3 characters via
     LIKE (what a typical SQLite-based tool does);
   - jieba: the same jieba segmenter over the raw, unfolded text in FTS5 `unicode61`.
   A query is answered correctly at rank r if the article, or one with identical
   content (the mirrors carry exact duplicates under other URLs), is at rank r.
4. Prints MRR@10 and recall@10 per system and query kind, latency p50/p95/p99 of our
   search (measured inside `search`: parsing, matching, ranking, snippets), and the
   index size against the plain text size.

Regional words, names, modes (lexical / semantic / hybrid) and phrase-span latency
(issue #15) are measured on an existing archive by bench/search_vocab.py, which reuses
this file's known-item queries.
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.search import search
from newsarchive.search.index import SearchIndexHook
from newsarchive.text.script import detect_script, to_traditional
from newsarchive.text.segment import _segmenter, is_cjk, segment_for_index

ROOT = Path(__file__).resolve().parent.parent
TARBALL = ROOT.parent / "shared" / "corpus" / "mirrors" / "jekyll-waimei.tar.xz"
SEED = 20260101
QUERY_WORDS = 3


class TimedHook(SearchIndexHook):
    """The real hook, timed (wall clock and CPU), to report what indexing costs."""

    wall = 0.0
    cpu = 0.0

    def on_version(self, *args: Any) -> None:
        t, c = time.perf_counter(), time.process_time()
        super().on_version(*args)
        TimedHook.wall += time.perf_counter() - t
        TimedHook.cpu += time.process_time() - c


def build(db: Path) -> tuple[Archive, int, float, float]:
    """Import the tarball; returns the archive, files, wall seconds and the importing
    process's CPU seconds (parsing runs in worker processes besides)."""
    from newsarchive.ingest import import_paths  # the readers' importer

    archive = open_archive(db, hooks=[TimedHook()])
    t, c = time.perf_counter(), time.process_time()
    summary = import_paths(archive, [TARBALL])
    return archive, summary.files, time.perf_counter() - t, time.process_time() - c


def make_queries(archive: Archive, n: int) -> list[tuple[int, str, str]]:
    """(article id, query in the article's own script, query in the other script) for a
    fixed random sample of articles."""
    conn = archive.session
    conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, search_fts, 'row')")
    df = dict(conn.execute("SELECT term, doc FROM temp.vocab"))
    n_docs = conn.execute("SELECT count(*) FROM search_docs").fetchone()[0]
    ids = [r[0] for r in conn.execute("SELECT article_id FROM search_docs ORDER BY article_id")]
    rng = random.Random(SEED)
    out = []
    for article_id in rng.sample(ids, min(n, len(ids))):
        rec = archive.article(article_id)
        assert rec is not None
        tf = Counter(segment_for_index(rec.title + "\n" + rec.text))
        # Words, not single characters, numbers or punctuation; CJK or Latin.
        words = [t for t in tf if len(t) >= 2 and (is_cjk(t) or t.isalpha())]
        # Sublinear tf (1 + log tf): raw counts favour a story's frequent generic words.
        words.sort(key=lambda t: -(1 + math.log(tf[t])) * math.log(n_docs / df.get(t, 1)))
        if len(words) >= 2:
            simplified = " ".join(words[:QUERY_WORDS])
            traditional = to_traditional(simplified)
            if detect_script(rec.title + rec.text) == "traditional":
                out.append((article_id, traditional, simplified))
            else:
                out.append((article_id, simplified, traditional))
    return out


def build_baselines(archive: Archive, path: Path) -> sqlite3.Connection:
    base = sqlite3.connect(path, isolation_level=None)
    base.execute("PRAGMA journal_mode=OFF")
    base.execute("CREATE VIRTUAL TABLE tri USING fts5(title, body, tokenize='trigram')")
    base.execute("CREATE VIRTUAL TABLE jb USING fts5(title, body, content='')")
    seg = _segmenter()
    base.execute("BEGIN")
    for rec in archive.iter_articles():
        base.execute(
            "INSERT INTO tri(rowid, title, body) VALUES(?,?,?)", (rec.id, rec.title, rec.text)
        )
        base.execute(
            "INSERT INTO jb(rowid, title, body) VALUES(?,?,?)",
            (rec.id, _jb(seg, rec.title), _jb(seg, rec.text)),
        )
    base.execute("COMMIT")
    return base


def _jb(seg: Any, text: str) -> str:
    return " ".join(seg.cut(text.lower(), False))


def _q(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


class Trigram:
    """FTS5 trigram for words of 3+ characters, substring filtering (the LIKE '%w%'
    fallback) for shorter ones. The LIKE is done in Python over the texts held in memory:
    same result set as SQLite's LIKE, without its seconds-long table scan per query
    (measured 4.3 s for one pattern here), which would make this run take hours."""

    def __init__(self, base: sqlite3.Connection) -> None:
        self.base = base
        self.texts = dict(base.execute("SELECT rowid, lower(title || ' ' || body) FROM tri"))

    def search(self, query: str) -> list[int]:
        words = query.lower().split()
        long_ = [w for w in words if len(w) >= 3]
        short = [w for w in words if len(w) < 3]
        if long_:
            expr = " AND ".join(_q(w) for w in long_)
            ranked = [
                r[0]
                for r in self.base.execute(
                    "SELECT rowid FROM tri WHERE tri MATCH ? ORDER BY bm25(tri, 4.0, 1.0)",
                    [expr],
                )
            ]
        else:  # LIKE alone: no ranking, archive order
            ranked = list(self.texts)
        out = []
        for rowid in ranked:
            if all(w in self.texts[rowid] for w in short):
                out.append(rowid)
                if len(out) == 10:
                    break
        return out


def jieba_search(base: sqlite3.Connection, query: str) -> list[int]:
    seg = _segmenter()
    toks = [t for w in query.split() for t in seg.cut(w.lower(), False) if t.strip()]
    expr = " AND ".join(_q(t) for t in toks)
    sql = "SELECT rowid FROM jb WHERE jb MATCH ? ORDER BY bm25(jb, 4.0, 1.0) LIMIT 10"
    return [r[0] for r in base.execute(sql, [expr])]


def evaluate(
    name: str,
    run: Callable[[str], list[int]],
    queries: list[tuple[int, str, str]],
    same: dict[int, str],
) -> None:
    for kind in ("own script", "other script"):
        rr, found = [], 0
        for article_id, q, k in queries:
            if k != kind:
                continue
            ranked = run(q)[:10]
            rank = next(
                (i for i, r in enumerate(ranked, 1) if same.get(r) == same[article_id]), None
            )
            rr.append(1 / rank if rank else 0.0)
            found += rank is not None
        print(f"{name} {kind}: MRR@10 {statistics.mean(rr):.3f}  recall@10 {found / len(rr):.3f}")


def index_bytes(conn: sqlite3.Connection) -> int:
    try:
        return int(
            conn.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search\\_%' ESCAPE '\\'"
            ).fetchone()[0]
        )
    except sqlite3.OperationalError:  # dbstat not compiled in: payload bytes instead
        q = conn.execute
        return int(
            q("SELECT sum(length(block)) FROM search_fts_data").fetchone()[0]
            + q("SELECT sum(length(sz)) FROM search_fts_docsize").fetchone()[0]
            + q("SELECT count(*) * 16 FROM search_fts_idx").fetchone()[0]
            + q("SELECT count(*) * 16 FROM search_docs").fetchone()[0]
        )


def pasted_spans(archive: Archive, article_ids: list[int], seed: int = SEED) -> list[str]:
    """12 characters from the middle of each article (letters and digits only, so they
    cut words in half), as typed and quoted: what a reader copies and pastes."""
    rng = random.Random(seed)
    spans = []
    for article_id in article_ids:
        rec = archive.article(article_id)
        if rec and len(rec.text) > 200:
            at = rng.randrange(50, len(rec.text) - 60)
            span = "".join(c for c in rec.text[at : at + 12] if c.isalnum())
            if len(span) >= 6:
                spans += [span, f'"{span}"']
    return spans


def span_latency(archive: Archive, article_ids: list[int]) -> None:
    """Latency of copy-pasted spans (issue #15 item 6): 12 characters from the middle of
    each sampled article, letters and digits only (so they cut words in half), as typed
    and quoted; inside `search` (wall) and the process's CPU time, which the machine's
    load inflates less."""
    spans = pasted_spans(archive, article_ids)
    walls, cpus = [], []
    for q in spans:
        cpu = time.process_time()
        walls.append(search(archive, q, limit=10).took_ms)
        cpus.append((time.process_time() - cpu) * 1000)
    w, c = statistics.quantiles(walls, n=100), statistics.quantiles(cpus, n=100)
    print(
        f"spans ({len(spans)} queries): latency p50 {w[49]:.1f} ms  p99 {w[98]:.1f} ms;"
        f" CPU p50 {c[49]:.1f} ms  p99 {c[98]:.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--db", type=Path, default=None, help="reuse this archive (skip import)")
    ap.add_argument("--baselines-db", type=Path, default=None, help="reuse built baselines")
    ap.add_argument(
        "--no-baselines", action="store_true", help="skip the peers (their LIKE scans are slow)"
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-search-"))
    _segmenter()  # dictionary load (~1 s) is not part of any measurement below

    if args.db:
        # Read-only: a shared benchmark archive is never migrated or written by a run.
        archive = open_archive(args.db, readonly=True, create=False)
        print(f"archive: {args.db} (import not measured)")
    else:
        archive, files, secs, cpu = build(tmp / "bench.db")
        print(f"import+index: {files} files in {secs:.1f} s = {files / secs:.0f} files/s (wall)")
        print(
            f"importing process CPU: {cpu * 1000 / files:.2f} ms/file, of which search hook"
            f" {TimedHook.cpu * 1000 / files:.2f} ms/file (wall in hook"
            f" {TimedHook.wall / secs:.0%} of import)"
        )
        archive.session.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")
    conn = archive.session
    n_articles = conn.execute("SELECT count(*) FROM search_docs").fetchone()[0]
    plain = conn.execute(
        "SELECT sum(length(CAST(v.title AS BLOB)) + length(CAST(v.text AS BLOB))) FROM articles a"
        " JOIN versions v ON v.id = a.latest_version_id"
    ).fetchone()[0]
    idx = index_bytes(conn)
    print(f"articles indexed: {n_articles}")
    print(f"index size: {idx / 1e6:.1f} MB vs plain text {plain / 1e6:.1f} MB = {idx / plain:.2f}x")

    same = {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT a.id, v.content_hash FROM articles a JOIN versions v ON v.id=a.latest_version_id"
        )
    }
    picked = make_queries(archive, args.sample)
    queries = [(a, q, "own script") for a, q, _ in picked]
    queries += [(a, q, "other script") for a, _, q in picked]
    print(f"queries: {len(picked)} articles x 2 scripts, e.g. {picked[0][1]!r}")

    took: list[float] = []
    cpus: list[float] = []

    def ours(q: str) -> list[int]:
        cpu = time.process_time()
        page = search(archive, q, limit=10)
        cpus.append((time.process_time() - cpu) * 1000)
        took.append(page.took_ms)
        return [h.id for h in page.hits]

    evaluate("newsarchive", ours, queries, same)
    p, c = statistics.quantiles(took, n=100), statistics.quantiles(cpus, n=100)
    print(
        f"newsarchive latency: p50 {p[49]:.1f} ms  p95 {p[94]:.1f} ms  p99 {p[98]:.1f} ms;"
        f" CPU p50 {c[49]:.1f} ms  p99 {c[98]:.1f} ms"
    )
    span_latency(archive, [a for a, _, _ in picked])

    if args.no_baselines:
        return
    if args.baselines_db:
        base = sqlite3.connect(args.baselines_db)
    else:
        t = time.perf_counter()
        base = build_baselines(archive, tmp / "baselines.db")
        print(f"baselines built in {time.perf_counter() - t:.0f} s")
    evaluate("trigram+LIKE", Trigram(base).search, queries, same)
    evaluate("jieba unfolded", lambda q: jieba_search(base, q), queries, same)
    print(f"(work files in {tmp})", file=sys.stderr)


if __name__ == "__main__":
    main()

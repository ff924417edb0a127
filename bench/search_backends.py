"""Search on both storage backends, side by side: the same archive in SQLite and in
PostgreSQL, the same queries, one run.

    PYTHONPATH=src python bench/search_backends.py --sqlite ARCHIVE.db --postgres URL
                                                   [--sample 500] [--passes 2]

Both archives must hold the same articles (e.g. the 51,570-file Jekyll tarball imported
into each, or an SQLite archive and its `copy` to PostgreSQL); articles are matched
across them by URL. Two query sets:

- known-item: bench/search.py's queries (3 most distinctive words of a sampled
  article, in its own script and in the other one), made from the SQLite archive;
- popular: bench/web.py's 54 words (美国, 疫情, ...: up to 22,000 matches each).

Each query runs on SQLite, then on PostgreSQL, `--passes` times (the first pass reads
from disk what the second finds cached). Prints, per backend and pass: latency p50/p95/
p99 as `search` measures it (parsing, matching, ranking, snippets; limit 10), MRR@10 of
the known-item queries, for how many queries both found as many matches (the matching
is meant to be identical; tests/search/test_backends.py checks the sets) and the same
first page (the rankings differ: BM25 against ts_rank), and the index sizes.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
from pathlib import Path
from typing import Any

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.search import SearchPage, search
from newsarchive.text.segment import _segmenter

BENCH = Path(__file__).resolve().parent


def _bench_module(name: str) -> Any:
    """A sibling benchmark script as a module (one definition of its query set)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pcts(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"p50 {q[49]:6.1f} ms  p95 {q[94]:6.1f} ms  p99 {q[98]:6.1f} ms"


def index_size(archive: Archive) -> int:
    conn = archive.session
    if archive.dialect == "postgres":
        return int(conn.scalar("SELECT pg_total_relation_size('search_docs')"))
    return int(
        conn.scalar("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search\\_%' ESCAPE '\\'")
    )


def identities(archive: Archive) -> tuple[dict[int, str], dict[int, str]]:
    """({article id: url}, {article id: content hash}) of every article."""
    rows = archive.session.execute(
        "SELECT a.id, a.url, v.content_hash FROM articles a"
        " JOIN versions v ON v.id = a.latest_version_id"
    ).fetchall()
    return {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sqlite", type=Path, required=True)
    ap.add_argument("--postgres", required=True, help="postgresql://... of the same archive")
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--passes", type=int, default=2)
    args = ap.parse_args()
    _segmenter()  # dictionary load (~1 s) is not part of any measurement

    lite = open_archive(args.sqlite, readonly=True)
    pg = open_archive(args.postgres, readonly=True)
    backends = {"sqlite": lite, "postgres": pg}
    urls = {name: identities(a)[0] for name, a in backends.items()}
    hashes = {name: identities(a)[1] for name, a in backends.items()}
    n = {name: len(u) for name, u in urls.items()}
    print(f"articles: sqlite {n['sqlite']}, postgres {n['postgres']}")
    if set(urls["sqlite"].values()) != set(urls["postgres"].values()):
        print("warning: the two archives do not hold the same URLs", file=sys.stderr)
    for name, a in backends.items():
        print(f"index size {name}: {index_size(a) / 1e6:.0f} MB")

    picked = _bench_module("search").make_queries(lite, args.sample)
    known = [(a, q) for a, q, _ in picked] + [(a, q) for a, _, q in picked]
    popular: list[str] = _bench_module("web").QUERIES
    print(f"queries: {len(known)} known-item ({len(picked)} articles x 2 scripts), "
          f"{len(popular)} popular")  # fmt: skip

    for p in range(1, args.passes + 1):
        took: dict[str, dict[str, list[float]]] = {
            name: {"known": [], "popular": []} for name in backends
        }
        rr: dict[str, list[float]] = {name: [] for name in backends}
        same_total = same_page = 0
        for kind, queries in (("known", known), ("popular", [(0, q) for q in popular])):
            for article_id, q in queries:
                pages: dict[str, SearchPage] = {}
                for name, archive in backends.items():
                    page = search(archive, q, limit=10)
                    pages[name] = page
                    took[name][kind].append(page.took_ms)
                    if kind == "known":
                        target = hashes["sqlite"][article_id]
                        ranks = [
                            i
                            for i, h in enumerate(page.hits, 1)
                            if hashes[name].get(h.id) == target
                        ]
                        rr[name].append(1 / ranks[0] if ranks else 0.0)
                found = {
                    name: {urls[name][h.id] for h in page.hits} for name, page in pages.items()
                }
                same_total += pages["sqlite"].total == pages["postgres"].total
                same_page += found["sqlite"] == found["postgres"]
        print(f"pass {p}:")
        for name in backends:
            print(f"  {name:8} known-item  {pcts(took[name]['known'])}"
                  f"  MRR@10 {statistics.mean(rr[name]):.3f}")  # fmt: skip
            print(f"  {name:8} popular     {pcts(took[name]['popular'])}")
        asked = len(known) + len(popular)
        print(f"  same number of matches on both: {same_total} of {asked} queries;"
              f" same first page (as a set): {same_page}")  # fmt: skip


if __name__ == "__main__":
    main()

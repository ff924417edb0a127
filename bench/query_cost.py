"""What a long query costs: one word repeated, and many distinct words.

Usage: PYTHONPATH=src python bench/query_cost.py --db ARCHIVE [--runs 3] [--cap 60]

Times `search()` (first page, as the web app asks it) and `timeline()` (the search
page's chart) for queries of 1, 10, 100, 300 and 1,000 words, in two shapes:

- repeated: one common word (美国) N times, the query that made the cost grow with
  the square of N (issue #19, F1);
- distinct: N different words drawn from the archive's own vocabulary (words of its
  titles, shuffled with a fixed seed), so that every word matches something.

The peer, in the same run and process: the plain one-word query 美国. Each figure is the
median and the worst of `--runs` runs, in wall-clock ms (and CPU ms of this process,
which the machine's load inflates less), on a read-only connection. `search (cold)`
forgets remembered rankings before each run (`search.rankings`: every run ranks
afresh); `search (kept)` is a search after the same compiled query was ranked (the
repeated-word variants after the peer, as an attacker sends them).
A run still going after `--cap` seconds is stopped (SQLite's progress handler) and
reported as "> cap": the code before the fix took minutes at 1,000 words.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsarchive.archive import Archive
from newsarchive.archive.sqlite import driver
from newsarchive.components import open_archive
from newsarchive.search import rankings, search, timeline
from newsarchive.text.segment import fold, is_cjk, segment_folded

COMMON = "美国"
COUNTS = (1, 10, 100, 300, 1000)


def vocabulary(archive: Archive, need: int, seed: int = 19) -> list[str]:
    """`need` distinct words (two or more CJK characters) from the archive's titles."""
    words: dict[str, None] = {}
    rows = archive.session.execute(
        "SELECT v.title FROM articles a JOIN versions v ON v.id = a.latest_version_id"
        " ORDER BY a.id LIMIT 20000"
    )
    for (title,) in rows:
        for token in segment_folded(fold(title or "")):
            if len(token) >= 2 and all(is_cjk(c) for c in token):
                words.setdefault(token, None)
    found = sorted(words)
    random.Random(seed).shuffle(found)
    if len(found) < need:
        raise SystemExit(f"the archive's titles hold only {len(found)} distinct words")
    return found[:need]


class Capped(Exception):
    pass


def timed(conn: sqlite3.Connection, fn: Callable[[], Any], cap: float) -> tuple[float, float, Any]:
    """(wall ms, CPU ms of this process, result) of fn(); raises Capped past `cap`
    seconds of SQLite work. The handler is set before each run: the engine may install
    (and remove) its own. CPU time is what the machine's load does not inflate."""
    deadline = time.perf_counter() + cap
    conn.set_progress_handler(lambda: int(time.perf_counter() > deadline), 10_000)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        result = fn()
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise Capped from exc
        raise
    except Exception as exc:  # QueryError wrapping an interrupt
        if "interrupted" in str(exc):
            raise Capped from exc
        raise
    finally:
        conn.set_progress_handler(None, 0)
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, result


def _cold(fn: Callable[[], Any]) -> Any:
    """fn() with no ranking remembered from earlier searches (`search.rankings`): every
    run ranks afresh, as the first search of a query in a process does."""
    rankings.clear()
    return fn()


def measure(
    archive: Archive, label: str, query: str, runs: int, cap: float
) -> tuple[str, float | None]:
    parts = []
    worst_of_all: float | None = 0.0
    for name, fn in (
        ("search (cold)", lambda: _cold(lambda: search(archive, query, limit=20))),
        ("search (kept)", lambda: search(archive, query, limit=20)),
        ("timeline", lambda: timeline(archive, query, interval="month")),
    ):
        times: list[float] = []
        cpus: list[float] = []
        result: Any = None
        try:
            for _ in range(runs):
                ms, cpu, result = timed(driver(archive.session), fn, cap)
                times.append(ms)
                cpus.append(cpu)
        except Capped:
            parts.append(f"{name} > {cap * 1000:,.0f} ms (stopped)")
            worst_of_all = None
            continue
        extra = ""
        if name.startswith("search"):
            extra = f", total {result.total:,}"
            if getattr(result, "complete", True) is False:
                extra += " (budget reached: partial)"
        else:
            extra = f", {sum(b.count for b in result):,} dated matches"
        parts.append(
            f"{name} median {statistics.median(times):7.1f} ms max {max(times):7.1f}"
            f" (CPU median {statistics.median(cpus):6.1f} max {max(cpus):6.1f}){extra}"
        )
        if worst_of_all is not None:
            worst_of_all = max(worst_of_all, max(times))
    print(f"{label:<24} {len(query.encode()):>6,} B   " + "; ".join(parts), flush=True)
    return label, worst_of_all


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cap", type=float, default=60.0, help="seconds before a run is stopped")
    ap.add_argument("--counts", type=int, nargs="*", default=list(COUNTS))
    args = ap.parse_args()
    archive = open_archive(args.db, readonly=True, create=False)
    articles = archive.session.scalar("SELECT count(*) FROM articles")
    words = vocabulary(archive, max(args.counts))
    print(f"{args.db}: {articles:,} articles; {args.runs} runs a figure, wall ms")
    # Warm the page cache, jieba and OpenCC before timing; the first timeline of a
    # process reads the doc values (search.docvalues) once: reported, not hidden.
    search(archive, COMMON)
    ms, cpu, _ = timed(driver(archive.session), lambda: timeline(archive, COMMON), args.cap)
    print(f"first timeline of the process (reads the doc values): {ms:.1f} ms, CPU {cpu:.1f} ms")
    results = [measure(archive, f"peer: {COMMON}", COMMON, args.runs, args.cap)]
    for n in args.counts:
        results.append(
            measure(archive, f"{COMMON} x{n}", " ".join([COMMON] * n), args.runs, args.cap)
        )
    for n in args.counts:
        results.append(measure(archive, f"distinct x{n}", " ".join(words[:n]), args.runs, args.cap))
    worst = [w for _, w in results[1:]]
    if any(w is None for w in worst):
        print(f"worst long query: > {args.cap * 1000:,.0f} ms (stopped)")
    else:
        label = max(results[1:], key=lambda r: r[1] or 0.0)[0]
        print(
            f"worst long query: {max(w or 0.0 for w in worst):.1f} ms ({label});"
            f" peer {results[0][1]:.1f} ms"
        )
    archive.close()


if __name__ == "__main__":
    main()

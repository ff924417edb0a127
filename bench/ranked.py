"""Bringing search rankings up to date after an import commit, against ranking afresh.

Usage: PYTHONPATH=src python bench/ranked.py --db ARCHIVE [--batches 5] [--batch 300]

Copies ARCHIVE (e.g. the 51,000-article archive `bench/import.py --keep` leaves), ranks
the 54 queries of bench/web.py (plus the same with `offset=20` and with an outlet
filter), then imports files of `gfw-breaker-pages.tar.xz` in batches of `--batch`, one
commit each, as the importer does. After each commit every query is answered twice in
this process: `search(previous=last page)` (the update) and `search()` (the peer: a full
ranking). Prints CPU ms per query for both (p50/p99/mean), their ratio, and how many
updated pages equal the full ranking's page (same ids in the same order, same total).
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from newsarchive.components import open_archive  # noqa: E402
from newsarchive.readers import RawFile, parse_file  # noqa: E402
from newsarchive.readers.sources import iter_files  # noqa: E402
from newsarchive.search import SearchPage, ranked, search  # noqa: E402
from web import OUTLETS, QUERIES  # noqa: E402  (the web benchmark's query set)

TARBALL = ROOT.parent / "shared" / "corpus" / "mirrors" / "gfw-breaker-pages.tar.xz"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def cpu_ms(fn: Any) -> tuple[Any, float]:
    started = time.process_time()
    result = fn()
    return result, (time.process_time() - started) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--batch", type=int, default=300)
    args = ap.parse_args()
    if not TARBALL.exists():
        sys.exit(f"{TARBALL} not found: the shared corpus must be beside the repository")
    work = Path(tempfile.mkdtemp(prefix="bench-ranked-")) / "archive.db"
    shutil.copyfile(args.db, work)
    archive = open_archive(work)
    searches: list[dict[str, Any]] = []
    for q in QUERIES:
        searches += [{"query": q}, {"query": q, "offset": 20}, {"query": q, "outlet": OUTLETS[0]}]
    pages: dict[int, SearchPage] = {i: search(archive, **s) for i, s in enumerate(searches)}
    outcomes: list[bool] = []
    real_update = ranked.update

    def counted(*a: Any, **kw: Any) -> Any:
        result = real_update(*a, **kw)
        outcomes.append(result is not None)
        return result

    ranked.update = counted
    files = iter_files(TARBALL)
    update_ms: list[float] = []
    full_ms: list[float] = []
    same = total = 0
    for batch in range(args.batches):
        stored = 0
        with archive.transaction():
            for raw in itertools.islice(files, args.batch):
                if not isinstance(raw, RawFile):
                    continue  # unreadable member: nothing to store
                parsed = parse_file(raw)
                if isinstance(parsed, tuple):
                    archive.ingest(*parsed)
                    stored += 1
        for i, s in enumerate(searches):
            # Alternate which goes first: the second one finds the pages in SQLite's cache.
            if i % 2:
                full, f = cpu_ms(lambda s=s: search(archive, **s))
            updated, u = cpu_ms(lambda s=s, i=i: search(archive, **s, previous=pages[i]))
            if not i % 2:
                full, f = cpu_ms(lambda s=s: search(archive, **s))
            update_ms.append(u)
            full_ms.append(f)
            total += 1
            same += [h.id for h in updated.hits] == [h.id for h in full.hits] and (
                updated.total == full.total
            )
            pages[i] = updated
        print(f"batch {batch + 1}: {stored} files stored and committed", flush=True)
    for name, values in (("update", update_ms), ("full ranking", full_ms)):
        print(
            f"{name}: p50 {pct(values, 50):.1f} ms, p99 {pct(values, 99):.1f} ms,"
            f" mean {statistics.fmean(values):.1f} ms CPU per search ({len(values)} searches)"
        )
    print(
        f"ratio full / update, mean CPU: {statistics.fmean(full_ms) / statistics.fmean(update_ms):.1f}x"
    )
    print(f"updated pages equal to the full ranking's: {same} of {total}")
    print(
        f"incremental: {sum(outcomes)} of {len(outcomes)} updates (the rest fell back to a"
        " full ranking: a filter with revised articles, or too many revisions)"
    )
    archive.close()
    shutil.rmtree(work.parent)


if __name__ == "__main__":
    main()

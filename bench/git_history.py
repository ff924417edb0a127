"""Importing a mirror repository's history against importing the same files as a tarball.

Builds a git repository from the Jekyll tarball (/work/shared/corpus/mirrors/
jekyll-waimei.tar.xz, 51,570 files) the way the mirror grew: files added day by day
(each day split into several commits, >= 2,000 commits in all), moved from `_posts/` to
`archived/<day>/` after two weeks, with edits (every 20th file, two days later) and
deletions (every 50th file, three days later) sprinkled in. `git fast-import` builds it
in seconds. Then, in the same run, times `newsarchive import` of the tarball and of the
repository (each into a fresh SQLite archive, default workers) and reports commits/s,
files/s and each importer's peak RSS (wait4's ru_maxrss: the largest process of its
tree). Target (issue #18): history files/s >= 0.5 x tarball files/s, RSS <= 1 GiB.

    PYTHONPATH=src python bench/git_history.py [--limit N] [--commits 2500] [--keep]

`--limit N` uses the tarball's first N members (the machine is shared: say which ran).
Temporary files live under ./tmp/git-history-bench and are deleted unless --keep.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

TARBALL = Path("/work/shared/corpus/mirrors/jekyll-waimei.tar.xz")
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})-")


def _quote(path: str) -> str:
    if "\n" in path or path.startswith('"') or "\\" in path:
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return path


def build(limit: int | None, commits: int, repo: Path, subset: Path) -> dict[str, int]:
    """The repository (and, with a limit, the subset tarball the plain import reads)."""
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    fi = subprocess.Popen(["git", "-C", str(repo), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    assert fi.stdin is not None
    out = fi.stdin
    files: list[tuple[str, str, int, int | None]] = []  # name, day, mark, edited mark
    mark = 0
    # Closed below, once the loop has added every member.
    sub = tarfile.open(subset, "w:gz", compresslevel=1) if limit else None  # noqa: SIM115
    with tarfile.open(TARBALL) as tar:
        for n, member in enumerate(tar):
            if limit is not None and n >= limit:
                break
            fh = tar.extractfile(member)
            if fh is None:
                continue
            data = fh.read()
            if sub is not None:
                sub.addfile(member, io.BytesIO(data))
            name = member.name.rsplit("/", 1)[-1]
            m = _DAY.match(name)
            day = m[1] if m else "2020-01-01"
            mark += 1
            out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(data)) + data + b"\n")
            edited = None
            if len(files) % 20 == 19 and b"<p>" in data:
                new = data.replace(b"<p>", "<p>（更新）".encode(), 1)
                mark += 1
                edited = mark
                out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(new)) + new + b"\n")
            files.append((name, day, mark if edited is None else mark - 1, edited))
            tar.members = []
    if sub is not None:
        sub.close()
    by_day: dict[str, list[int]] = defaultdict(list)
    for i, (_, day, _, _) in enumerate(files):
        by_day[day].append(i)
    days = sorted(by_day)
    # Files per commit such that the days' commits add up to about `commits`.
    per_commit = max(1, len(files) // commits)
    where: dict[int, str] = {}
    edited_now: set[int] = set()
    # Scheduled work by day: moves after 14 days, edits after 2, deletions after 3.
    later: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for i, (_, day, _, edited) in enumerate(files):
        d = date.fromisoformat(day)
        later[(d + timedelta(days=14)).isoformat()].append(("move", i))
        if edited is not None:
            later[(d + timedelta(days=2)).isoformat()].append(("edit", i))
        elif i % 50 == 49:
            later[(d + timedelta(days=3)).isoformat()].append(("delete", i))
    all_days = sorted(set(days) | set(later))
    made = 0
    for day in all_days:
        todo = by_day.get(day, [])
        parts = max(1, math.ceil(len(todo) / per_commit))
        chunks = [todo[k::parts] for k in range(parts)] if todo else [[]]
        for k, chunk in enumerate(chunks):
            ops: list[str] = []
            for i in chunk:
                where[i] = f"_posts/{files[i][0]}"
                ops.append(f"M 100644 :{files[i][2]} {_quote(where[i])}")
            if k == len(chunks) - 1:
                for what, i in later.get(day, []):
                    if i not in where:
                        continue
                    if what == "move" and where[i].startswith("_posts/"):
                        new = f"archived/{files[i][1]}/{files[i][0]}"
                        ops.append(f"D {_quote(where[i])}")
                        blob = files[i][3] if files[i][3] and i in edited_now else files[i][2]
                        ops.append(f"M 100644 :{blob} {_quote(new)}")
                        where[i] = new
                    elif what == "edit":
                        ops.append(f"M 100644 :{files[i][3]} {_quote(where[i])}")
                        edited_now.add(i)
                    elif what == "delete":
                        ops.append(f"D {_quote(where.pop(i))}")
            if not ops:
                continue
            when = int(time.mktime(date.fromisoformat(day).timetuple())) + 60 * k
            msg = f"mirror update {day} #{k}".encode()
            out.write(
                b"commit refs/heads/main\ncommitter Mirror Bot <bot@example.org> %d +0000\n"
                b"data %d\n%s\n" % (when, len(msg), msg)
            )
            out.write(("\n".join(ops) + "\n\n").encode("utf-8"))
            made += 1
    out.close()
    if fi.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(repo), "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
    return {"files": len(files), "commits": made, "days": len(all_days)}


def timed_import(path: Path, db: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": "src"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsarchive", "import", str(path), "--db", str(db), "--json"],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"import of {path} failed ({status})")
    summary = json.loads(output)
    return {**summary, "seconds": round(seconds, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=None, help="only the first N tarball members")
    ap.add_argument("--commits", type=int, default=2500, help="commits to aim for (>= 2000)")
    ap.add_argument("--keep", action="store_true", help="keep ./tmp/git-history-bench")
    args = ap.parse_args()
    work = Path("tmp/git-history-bench")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        t0 = time.perf_counter()
        subset = work / "subset.tar.gz"
        built = build(args.limit, args.commits, work / "waimei.git", subset)
        built_s = time.perf_counter() - t0
        print(f"built {built} in {built_s:.1f} s", flush=True)
        tarball = subset if args.limit else TARBALL
        plain = timed_import(tarball, work / "tarball.db")
        print(f"tarball import: {plain}", flush=True)
        hist = timed_import(work / "waimei.git", work / "history.db")
        print(f"history import: {hist}", flush=True)
        # The history reads more file events than the tarball has files (edits, moves):
        # compared on the same corpus files, i.e. the tarball's count over each time.
        files_s = built["files"] / hist["seconds"]
        plain_s = plain["files"] / plain["seconds"]
        report = {
            "limit": args.limit,
            "repository": built,
            "tarball": {**plain, "files_per_s": round(plain_s, 1)},
            "history": {
                **hist,
                "file_events_per_s": round(hist["files"] / hist["seconds"], 1),
                "corpus_files_per_s": round(files_s, 1),
                "commits_per_s": round(hist["commits"] / hist["seconds"], 1),
            },
            "ratio_files_per_s": round(files_s / plain_s, 2),
        }
        print(json.dumps(report, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

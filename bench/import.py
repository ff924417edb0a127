"""Import benchmark: the Jekyll tarball (51,570 files) into a fresh archive.

    PYTHONPATH=src python bench/import.py [--tarball PATH] [--workers N] [--limit N]
                                          [--keep PATH] [--hooks search,dedup,...]

Prints one figure per line: the floor (only streaming and decompressing the tarball),
the import (seconds, files/s, ratio to the floor) and peak RSS of the importing
process and of its parsing workers. Targets on the 2-core dev machine: >= 1,000
files/s and peak RSS <= 1 GiB. `--keep PATH` leaves the archive there (other stages
build their 51k-article benchmark archives this way). `--hooks` keeps only the named
default hooks (by component: search, dedup, vectors, entities, history, names), to price
one configuration, e.g. issue #15's "import with the vector hook" without the entities.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tarfile
import tempfile
import time
from itertools import islice
from pathlib import Path

from newsarchive.archive import ArchiveHook
from newsarchive.components import default_hooks, open_archive
from newsarchive.ingest import default_workers, import_paths
from proctree import TreeMonitor

DEFAULT_TARBALL = (
    Path(__file__).resolve().parent.parent.parent / "shared/corpus/mirrors/jekyll-waimei.tar.xz"
)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def stream_only(tarball: Path, limit: int | None) -> tuple[int, float]:
    """The floor: read every member's bytes and do nothing with them."""
    start = time.perf_counter()
    n = 0
    with tarfile.open(tarball, "r|*") as tar:
        for member in islice((m for m in tar if m.isfile()), limit):
            fh = tar.extractfile(member)
            if fh is not None:
                fh.read()
                n += 1
    return n, time.perf_counter() - start


def limited_copy(tarball: Path, limit: int, into: Path) -> Path:
    """The first `limit` files as their own tarball (for quick runs)."""
    out = into / f"first-{limit}.tar"
    with tarfile.open(tarball, "r|*") as src, tarfile.open(out, "w") as dst:
        for member in islice((m for m in src if m.isfile()), limit):
            dst.addfile(member, src.extractfile(member))
    return out


def component(hook: ArchiveHook) -> str:
    """A hook's component: `newsarchive.search.index` -> search."""
    return type(hook).__module__.split(".")[1]


def chosen_hooks(names: str) -> list[ArchiveHook]:
    """The default hooks of the components in `names` (comma-separated)."""
    wanted = {n.strip() for n in names.split(",") if n.strip()}
    hooks = default_hooks()
    unknown = wanted - {component(h) for h in hooks}
    if unknown:
        known = ", ".join(component(h) for h in hooks)
        sys.exit(f"--hooks: no such hook {', '.join(sorted(unknown))} (known: {known})")
    return [h for h in hooks if component(h) in wanted]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--limit", type=int, default=None, help="only the first N files")
    ap.add_argument("--keep", type=Path, default=None, help="write the archive here")
    ap.add_argument(
        "--no-hooks",
        action="store_true",
        help="import without the archive hooks (search indexing), to see their share",
    )
    ap.add_argument(
        "--hooks",
        default=None,
        help="only these default hooks, comma-separated (search,dedup,vectors,entities,...)",
    )
    args = ap.parse_args()
    if not args.tarball.exists():
        sys.exit(f"{args.tarball}: not found (pass --tarball)")
    workers = args.workers if args.workers is not None else default_workers()

    with tempfile.TemporaryDirectory() as tmp:
        tarball = limited_copy(args.tarball, args.limit, Path(tmp)) if args.limit else args.tarball
        floor_files, floor_s = stream_only(tarball, None)
        print(f"floor: stream+decompress only      {floor_s:8.1f} s  ({floor_files:,} files)")

        db = Path(tmp) / "bench.db"
        hooks_wanted = [] if args.no_hooks else None
        if args.hooks is not None and not args.no_hooks:
            hooks_wanted = chosen_hooks(args.hooks)
        archive = open_archive(db, hooks=hooks_wanted)
        hooks = ", ".join(type(h).__name__ for h in archive.hooks) or "none"
        print(f"archive hooks: {hooks}")
        cpu_self0 = _cpu(resource.RUSAGE_SELF)
        with TreeMonitor() as workers_seen:
            start = time.perf_counter()
            summary = import_paths(archive, [tarball], workers=workers)
            seconds = time.perf_counter() - start
        archive.close()
        cpu_main = _cpu(resource.RUSAGE_SELF) - cpu_self0 - workers_seen.own_cpu
        # The parsing workers are fork-server children: sampled from /proc.
        cpu_workers = workers_seen.cpu_seconds
        rate = summary.files / seconds if seconds else 0.0
        print(f"import: workers={workers}                 {seconds:8.1f} s")
        print(f"import: files/s                    {rate:8.0f}")
        print(f"import: ratio to floor             {seconds / floor_s:8.1f} x")
        print(
            f"import: files {summary.files:,}, articles {summary.articles:,}, "
            f"new versions {summary.new_versions:,}, unchanged {summary.unchanged:,}, "
            f"errors {summary.errors:,}"
        )
        # The dev machine is shared: CPU seconds say what the import costs whatever
        # else runs, and bound what two idle cores would do (the main process and the
        # workers overlap; the busier side sets the pace).
        print(f"cpu: importer (read + store)       {cpu_main:8.1f} s")
        print(f"cpu: parsing workers               {cpu_workers:8.1f} s")
        bound = max(cpu_main, (cpu_main + cpu_workers) / 2)
        print(f"projected files/s on 2 idle cores  {summary.files / bound:8.0f}")
        self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child_mb = workers_seen.largest_peak_rss_mib
        print(f"peak RSS: importer (main process)  {self_mb:8.0f} MiB")
        print(
            f"peak RSS: largest parsing worker   {child_mb:8.0f} MiB"
            f"  ({workers_seen.processes} processes seen)"
        )
        print(f"archive size                       {db.stat().st_size / 2**20:8.0f} MiB")
        if args.keep:
            args.keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(db, args.keep)
            print(f"archive kept at {args.keep}")


if __name__ == "__main__":
    main()

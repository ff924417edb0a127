"""Import memory under hostile archives (issue #19, F3): peak RSS whatever the input.

    PYTHONPATH=src python bench/import_memory.py [--workers N] [--keep DIR] [--only NAME]

Builds, in a temporary folder, archives that are small on disk and large once read:

- `members-35x15MB.tar.xz`: 35 members of 15 MB of text each (~80 KB compressed);
- `members-70x15MB.zip`: 70 such members, deflated (~1 MB);
- `lying-member.zip`: one member that declares 100 bytes and inflates to 1 GB;
- `members-250x4MB.zip`: 250 members just under the per-file limit (~1 MB), all read;
- `members-100k-empty.tar.xz`: 100,000 empty members (~150 KB): tarfile keeps every
  header it reads;
- `articles-8x3.9MB.tar.xz`: 8 real-looking Jekyll posts just under the per-file limit,
  which are parsed and indexed (the parsing workers' worst case);

and, as the peer, `normal-35.tar.xz`: the first 35 files of the Jekyll corpus tarball
(the seed articles when the corpus is absent). Each is imported into a fresh archive by
a child `newsarchive import --json` (default hooks: search and dedup), and one line per
archive gives the child's peak RSS (`ru_maxrss` from wait4), the largest parsing
worker's peak RSS (VmHWM sampled from /proc) and the files/errors the import counted.
Target: importer and every worker <= 500 MB whatever the input.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import lzma
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from itertools import islice
from pathlib import Path

from proctree import TreeMonitor

ROOT = Path(__file__).resolve().parent.parent
CORPUS_TARBALL = ROOT.parent.parent / "shared/corpus/mirrors/jekyll-waimei.tar.xz"
SEEDS = ROOT / "tests/data/readers/seeds"
MB = 1_000_000

# Text that decodes but is no mirror format (read, hashed, sent to a worker, refused),
# and deflates about 1,000 to 1, as much as deflate can.
_FILLER_LINE = b"a" * 1000
_ARTICLE_PARAGRAPH = (
    "<p>中国芯片产业在美国出口管制下加速发展，记者报道。Chips and export controls.</p>\n"
)


def _filler(size: int) -> bytes:
    return (_FILLER_LINE * (size // len(_FILLER_LINE) + 1))[:size]


def _article(size: int, n: int) -> bytes:
    head = (
        "---\nlayout: post\n"
        f'title: "芯片 {n}"\ndate: 2022-01-01T00:00:00Z\nauthor: 自由亚洲电台\n'
        f"from: https://www.rfa.org/mandarin/a-{n}.html\ntags: [ 自由亚洲电台 ]\n---\n"
        "<!--1644019142000-->\n"
        f"[芯片 {n}](https://www.rfa.org/mandarin/a-{n}.html)\n------\n<div>"
    ).encode()
    paragraph = _ARTICLE_PARAGRAPH.encode()
    count = (size - len(head) - 7) // len(paragraph)
    return head + paragraph * count + b"</div>\n"


def _tar_xz(path: Path, members: Sequence[tuple[str, Callable[[], bytes]]]) -> None:
    with tarfile.open(path, "w:xz", preset=1) as tar:
        for name, make in members:
            data = make()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def build_normal(out: Path) -> None:
    if CORPUS_TARBALL.exists():
        with tarfile.open(CORPUS_TARBALL, "r|*") as src, tarfile.open(out, "w:xz") as dst:
            for member in islice((m for m in src if m.isfile()), 35):
                dst.addfile(member, src.extractfile(member))
        return
    seeds = sorted(SEEDS.iterdir())
    _tar_xz(out, [(f"seeds/{p.name}", p.read_bytes) for p in seeds])


def build_tar(out: Path) -> None:
    data = _filler(15 * MB)
    _tar_xz(out, [(f"m/{i:02}.md", lambda: data) for i in range(35)])


def build_zip(out: Path) -> None:
    data = _filler(15 * MB)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in range(70):
            zf.writestr(f"m/{i:02}.md", data)


def build_zip_under_limit(out: Path) -> None:
    """As many members as the last, each just under the per-file limit: all are read."""
    data = _filler(4 * 1024 * 1024 - 1)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in range(250):
            zf.writestr(f"m/{i:03}.md", data)


def build_lying_zip(out: Path) -> None:
    """One deflated member of 1 GB whose headers say 100 bytes (with the CRC of those
    100 bytes, so that only reading past them can tell)."""
    chunk = _filler(MB)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("lie.md", "w") as fh,
    ):
        for _ in range(1000):
            fh.write(chunk)
    raw = bytearray(out.read_bytes())
    crc = zlib.crc32(chunk[:100])
    local = raw.index(b"PK\x03\x04")
    central = raw.index(b"PK\x01\x02")
    struct.pack_into("<I", raw, local + 14, crc)
    struct.pack_into("<I", raw, local + 22, 100)
    struct.pack_into("<I", raw, central + 16, crc)
    struct.pack_into("<I", raw, central + 24, 100)
    out.write_bytes(bytes(raw))


def build_many_members(out: Path) -> None:
    with lzma.open(out, "wb", preset=1) as tar:
        for i in range(100_000):
            tar.write(tarfile.TarInfo(f"m/{i:06}.md").tobuf())  # a header, no data
        tar.write(bytes(1024))  # the end-of-archive marker


def build_articles(out: Path) -> None:
    size = int(3.9 * MB)
    members = [
        (f"_posts/2022-01-01-a{i}.md", functools.partial(_article, size, i)) for i in range(8)
    ]
    _tar_xz(out, members)


def run_import(
    path: Path, db: Path, workers: int | None
) -> tuple[dict[str, int] | str, float, float]:
    """The import's summary (or its last line of stderr when it failed), the child's
    peak RSS in MiB (`ru_maxrss` from wait4) and the largest worker's (sampled)."""
    cmd = [sys.executable, "-m", "newsarchive", "import", "--db", str(db), "--json", str(path)]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    with tempfile.TemporaryFile() as err, TreeMonitor(interval=0.05) as tree:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        out = proc.stdout.read()
        # Reaped here, not by Popen.wait, to get this child's own rusage.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        last_error = (err.read().decode(errors="replace").strip().splitlines() or [""])[-1]
    workers_peak = max(
        (mib for pid, mib in tree.peaks_by_pid().items() if pid != proc.pid), default=0.0
    )
    child_peak = usage.ru_maxrss / 1024
    # Exit 1 with a summary is the honest CLI's "nothing imported, files failed" (every
    # member of a hostile archive refused): the memory figures are what count here.
    if proc.returncode not in (0, 1) or not out.strip():
        return f"exit {proc.returncode}: {last_error[:100]}", child_peak, workers_peak
    return json.loads(out), child_peak, workers_peak


# Each archive's name and how to write it.
ARCHIVES: list[tuple[str, Callable[[Path], None]]] = [
    ("normal-35.tar.xz", build_normal),
    ("members-35x15MB.tar.xz", build_tar),
    ("members-70x15MB.zip", build_zip),
    ("lying-member.zip", build_lying_zip),
    ("members-250x4MB.zip", build_zip_under_limit),
    ("members-100k-empty.tar.xz", build_many_members),
    ("articles-8x3.9MB.tar.xz", build_articles),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--workers", type=int, default=None, help="passed to newsarchive import")
    ap.add_argument(
        "--keep", type=Path, default=None, help="build the archives in DIR (reused if there)"
    )
    ap.add_argument(
        "--only", default="", help="only the archives whose name contains this (and the peer)"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        into = args.keep or Path(tmp)
        into.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        archives = []
        for name, build in ARCHIVES:
            if args.only not in name and build is not build_normal:  # the peer always runs
                continue
            if not (into / name).exists():  # reused from an earlier run with --keep
                build(into / name)
            archives.append(into / name)
        print(f"built {len(archives)} archives in {time.perf_counter() - start:.0f} s")
        print(
            f"{'archive':28} {'on disk':>9} {'files':>6} {'errors':>6} "
            f"{'importer':>10} {'worker':>8} {'seconds':>8}"
        )
        for path in archives:
            db = Path(tmp) / f"{path.name}.db"
            start = time.perf_counter()
            summary, child, worker = run_import(path, db, args.workers)
            seconds = time.perf_counter() - start
            label = path.name + (" (peer)" if path.name.startswith("normal") else "")
            if isinstance(summary, str):
                print(f"{label:28} FAILED after {seconds:.0f} s, peak {child:.0f} MiB: {summary}")
                continue
            print(
                f"{label:28} {path.stat().st_size / 1024:7.0f} K {summary['files']:6} "
                f"{summary['errors']:6} {child:6.0f} MiB {worker:4.0f} MiB {seconds:8.1f}"
            )
            for leftover in Path(tmp).glob(f"{path.name}.db*"):
                leftover.unlink()
            os.sync()


if __name__ == "__main__":
    main()

"""Build samples/chips-sample.tar.gz: the bundled demo sample.

    PYTHONPATH=src python scripts/make_sample.py [--mirrors DIR] [--seeds DIR]

How the articles are chosen (deterministic, re-running gives the same bytes):
- the five seed files (../shared/corpus/seeds), all about China's chip industry;
- from each mirror tarball, in tarball order, the files whose *title* names the chip
  story (芯片 / 晶片 / 半导体 / 半導體 / 中芯 / 华为 / 華為 / 台积电 / 台積電 / 光刻 / 集成电路),
  that the readers turn into an article: up to 130 Jekyll posts and 50 gfw-breaker
  pages; the feed-item tarball (June 2020) has no such title, so its first 15 items
  that mention the story anywhere in the text are taken. Every format is represented
  (200 files in all).
Files are stored byte for byte under `<tarball name>/<member path>` and `seeds/<name>`.
"""

from __future__ import annotations

import argparse
import gzip
import io
import re
import tarfile
from pathlib import Path

from newsarchive.readers import RawFile, ReadError, parse_file

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = re.compile("芯片|晶片|半导体|半導體|中芯|华为|華為|台积电|台積電|光刻|集成电路")
TITLE = re.compile(r"^(?:title:\s*(.+)|\[(.+)\]\(|#{3}\s+(.+))$", re.MULTILINE)
# tarball: (how many, match the title only?)
QUOTAS = {
    "jekyll-waimei.tar.xz": (130, True),
    "gfw-breaker-pages.tar.xz": (50, True),
    "feedx-articles.tar.xz": (15, False),
}


def title_of(data: bytes) -> str:
    m = TITLE.search(data[:2000].decode("utf-8", "replace"))
    return next((g for g in m.groups() if g), "") if m else ""


def pick(tarball: Path, quota: int, by_title: bool) -> list[tuple[str, bytes]]:
    chosen: list[tuple[str, bytes]] = []
    with tarfile.open(tarball, "r|*") as tar:
        for member in tar:
            if len(chosen) >= quota:
                break
            if not member.isfile():
                continue
            fh = tar.extractfile(member)
            if fh is None:
                continue
            data = fh.read()
            where = title_of(data) if by_title else data.decode("utf-8", "replace")
            if not KEYWORDS.search(where):
                continue
            name = f"{tarball.name.split('.')[0]}/{member.name}"
            if not isinstance(parse_file(RawFile(name, member.name, data)), ReadError):
                chosen.append((name, data))
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mirrors", type=Path, default=ROOT.parent / "shared/corpus/mirrors")
    ap.add_argument("--seeds", type=Path, default=ROOT.parent / "shared/corpus/seeds")
    ap.add_argument("--out", type=Path, default=ROOT / "samples/chips-sample.tar.gz")
    args = ap.parse_args()
    files = [(f"seeds/{p.name}", p.read_bytes()) for p in sorted(args.seeds.iterdir())]
    for tarball, (quota, by_title) in QUOTAS.items():
        picked = pick(args.mirrors / tarball, quota, by_title)
        print(f"{tarball}: {len(picked)} files")
        files += picked
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0  # reproducible bytes
            tar.addfile(info, io.BytesIO(data))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(buf.getvalue())
    print(f"{args.out}: {len(files)} files, {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

"""Measure outlet boilerplate in the mirror corpus and write `profiles/mirror_junk.json`.

    PYTHONPATH=src python scripts/measure_mirror_junk.py [--cache /tmp/edges.jsonl]

Reads every file of the corpus tarballs with the readers, the junk profile turned off,
and keeps per article its outlet, title and first and last text lines (`--cache` keeps
them in a JSON-lines file, and reuses it when it exists: parsing ~64,000 files takes
minutes). Then, per outlet (see `newsarchive.readers.junk` for how they are applied):

- title suffixes: what follows a separator (` – `, ` - `, ` | `, `｜`, `_`) and recurs
  after at least `--min-count` titles and 2 % of the outlet's titles;
- edge lines among the first and last three lines of the text: whole lines (digits
  masked) recurring in at least `--min-count` articles and 3 % (first lines) or 1 %
  (last lines) of the outlet's; among the last lines, a label ending in a colon
  (``Post tags:``, in 10 % of them) or a fixed 24-character ending (5 %). Lines that
  credit people (editors, reporters, translators, sources) are the outlet's attribution and datelines its dates, and a long line with several numbers
  is a templated report (daily exchange rates): they never become patterns.

It prints what it found with the counts; review the diff of the JSON before committing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsarchive.readers import junk, parse_file
from newsarchive.readers.dates import DATELINE
from newsarchive.readers.errors import ReadError
from newsarchive.readers.sources import RawFile

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "mirrors"
OUT = Path(__file__).resolve().parents[1] / "src" / "newsarchive" / "profiles" / junk.PROFILE_FILE
EDGE = 3
SEPARATORS = re.compile(r"\s+[–—|\-_]\s+|｜|\s*_\s*")
CREDIT = re.compile(
    r"编辑|編輯|记者|記者|报导|報導|报道|報道|编译|編譯|译者|譯者|审校|審校|核稿|发稿|發稿|"
    r"撰稿|作者[:：]|综合|綜合|翻译|翻譯|校对|校對|主编|主編|责编|責編|整理|来源|來源"
)
LABEL = re.compile(r"^([^:：]{2,20}[:：])\s*\S")
SUFFIX_CHARS = 24
MIN_CHARS = 4
TEMPLATE_CHARS = 40


def _rows(corpus: Path) -> Iterator[dict[str, Any]]:
    junk.OVERRIDE = {}  # measure the bodies as they come
    for tarball in sorted(corpus.glob("*.tar.xz")):
        with tarfile.open(tarball) as tf:
            for member in tf:
                fh = tf.extractfile(member) if member.isfile() else None
                if fh is None:
                    continue
                raw = RawFile(f"{tarball.name}/{member.name}", member.name, fh.read())
                result = parse_file(raw)
                if isinstance(result, ReadError):
                    continue
                draft, _capture = result
                lines = [line for line in draft.text.split("\n") if line.strip()]
                yield {
                    "o": draft.outlet,
                    "t": draft.title,
                    "head": lines[:EDGE],
                    "tail": lines[-EDGE:],
                }


def load_rows(corpus: Path, cache: Path | None) -> list[dict[str, Any]]:
    if cache is not None and cache.exists():
        return [json.loads(line) for line in cache.open(encoding="utf-8")]
    rows = list(_rows(corpus))
    if not rows:
        raise SystemExit(f"no mirror articles found in {corpus}/*.tar.xz (use --corpus)")
    if cache is not None:
        with cache.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return rows


def title_suffixes(titles: list[str], min_count: int) -> list[str]:
    counts: Counter[str] = Counter()
    for title in titles:
        seen = {title[m.start() :] for m in SEPARATORS.finditer(title) if m.start() > 0}
        counts.update(seen)
    floor = max(min_count, 0.02 * len(titles))
    return sorted((s for s, n in counts.items() if n >= floor), key=len, reverse=True)


def edge_patterns(rows: list[dict[str, Any]], min_count: int) -> dict[str, list[str]]:
    """Whole lines from both ends; labels and endings from the last lines only (an
    opening ``编者按：`` or ``Editor's note:`` is the outlet's text, a closing
    ``Post tags:`` line is the platform's). An opening line must recur in 3 % of the
    outlet's articles (a series' standing introduction is text), a closing one in 1 %."""
    heads: Counter[str] = Counter()
    tails: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    endings: Counter[str] = Counter()
    for row in rows:
        head = {s for line in row["head"][:EDGE] if (s := _candidate(line))}
        tail = {s for line in row["tail"][-EDGE:] if (s := _candidate(line))}
        heads.update(head)
        tails.update(tail)
        labels.update({m[1] for s in tail if (m := LABEL.match(s))})
        endings.update({s[-SUFFIX_CHARS:] for s in tail if len(s) > SUFFIX_CHARS})
    n = len(rows)
    lines = {s for s, c in heads.items() if c >= max(min_count, 0.03 * n)}
    lines |= {s for s, c in tails.items() if c >= max(min_count, 0.01 * n)}
    return {
        "lines": sorted(lines),
        "prefixes": sorted(s for s, c in labels.items() if c >= max(min_count, 0.1 * n)),
        "suffixes": sorted(
            s
            for s, c in endings.items()
            if c >= max(min_count, 0.05 * n) and not s.endswith(("。", "」", "”", "）"))
        ),
    }


def _candidate(line: str) -> str | None:
    """The line's shape, unless it is too short to judge, credits people, or is the
    outlet's dateline (【大纪元2020年9月22日讯】: the article's date)."""
    s = junk.shape(line)
    if len(s.replace(" ", "")) < MIN_CHARS or CREDIT.search(s) or DATELINE.search(line):
        return None
    if s.count("0") >= 2 and len(s) > TEMPLATE_CHARS:
        return None  # a templated sentence (daily rates, case counts): its numbers are news
    return s


def measure(rows: list[dict[str, Any]], min_count: int) -> dict[str, Any]:
    by_outlet: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("o"):
            by_outlet[row["o"]].append(row)
    outlets: dict[str, Any] = {}
    for outlet, group in sorted(by_outlet.items()):
        entry: dict[str, Any] = {"articles": len(group)}
        suffixes = title_suffixes([r["t"] for r in group], min_count)
        if suffixes:
            entry["title_suffixes"] = suffixes
        entry.update({k: v for k, v in edge_patterns(group, min_count).items() if v})
        if len(entry) > 1:
            outlets[outlet] = entry
    return {
        "about": "Measured by scripts/measure_mirror_junk.py on the shared mirror corpus; "
        "applied by newsarchive.readers.junk. Regenerate, do not edit by hand.",
        "outlets": outlets,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--min-count", type=int, default=10)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rows = load_rows(args.corpus, args.cache)
    profile = measure(rows, args.min_count)
    args.out.write_text(json.dumps(profile, ensure_ascii=False, indent=1) + "\n", "utf-8")
    for outlet, entry in profile["outlets"].items():
        print(f"{outlet} ({entry['articles']} articles)")
        for key in ("title_suffixes", "lines", "prefixes", "suffixes"):
            for value in entry.get(key, []):
                print(f"  {key[:-1]}: {value[:90]}")
    print(f"wrote {args.out} from {len(rows)} articles", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

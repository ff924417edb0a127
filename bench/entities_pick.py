"""Pick unlabelled corpus articles for the entities held-out sample, reproducibly.

    PYTHONPATH=src python bench/entities_pick.py --seed 20261207 --count 16 > picked.json

Reads the three mirror tarballs of the shared corpus, keeps articles whose text has
250-1,200 characters and that no labelled sample already holds, shuffles them with the
fixed seed and takes them in that order, at most two per outlet, so the new articles
spread over outlets, sources and both scripts. Prints the articles as sample rows with
empty `entities` and `figures` for a person to label (rules: docs/entities.md).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

from newsarchive.readers import ReadError, read_path
from newsarchive.text.script import detect_script

DATA = Path(__file__).resolve().parent / "data"
MIRRORS = Path("/work/shared/corpus/mirrors")
TARBALLS = ("jekyll-waimei.tar.xz", "gfw-breaker-pages.tar.xz", "feedx-articles.tar.xz")


def labelled_locations() -> set[str]:
    seen: set[str] = set()
    for file in sorted(DATA.glob("entities_*.json")):
        seen.update(a["location"] for a in json.loads(file.read_text(encoding="utf-8")))
    return seen


def candidates() -> list[dict[str, str]]:
    taken = labelled_locations()
    out = []
    for name in TARBALLS:
        for result in read_path(MIRRORS / name):
            if isinstance(result, ReadError):
                continue
            draft, capture = result
            location = capture.location.removeprefix(f"{MIRRORS}/")
            if not 250 <= len(draft.text) <= 1200 or location in taken:
                continue
            out.append(
                {
                    "location": location,
                    "outlet": draft.outlet or "?",
                    "script": detect_script(draft.text),
                    "title": draft.title,
                    "text": draft.text,
                }
            )
    out.sort(key=lambda a: a["location"])  # reader order must not decide the pick
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--per-outlet", type=int, default=2)
    args = ap.parse_args()
    pool = candidates()
    random.Random(args.seed).shuffle(pool)
    per_outlet: Counter[str] = Counter()
    picked: list[dict[str, object]] = []
    for article in pool:
        if len(picked) == args.count:
            break
        if per_outlet[article["outlet"]] >= args.per_outlet:
            continue
        per_outlet[article["outlet"]] += 1
        picked.append({**article, "entities": [], "figures": []})
    print(f"{len(pool)} candidates; picked {len(picked)}", file=sys.stderr)
    json.dump(picked, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()

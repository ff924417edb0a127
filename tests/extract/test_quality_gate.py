"""Quality gate: extraction on a fixed set of pages must not lose quality.

26 pages in tests/data/extract/gate/ (14 Chinese pages from the magic-html benchmark,
10 English pages from Zyte's benchmark, 2 GBK/GB2312 pages with hand-cleaned text), their
ground truth in pages.json, and pinned minimum scores in baseline.json: per page and per
group mean. A change that lowers any of them fails; a change that raises them should
re-pin the baseline so the gain is kept:

    PYTHONPATH=src /work/venv/bin/python tests/extract/test_quality_gate.py --write-baseline
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from functools import cache
from pathlib import Path

import pytest

from newsarchive.extract import extract_page
from newsarchive.extract.evaluate import f1, jieba_score, shingle_score
from newsarchive.extract.files import read_page_file

GATE = Path(__file__).resolve().parents[1] / "data" / "extract" / "gate"
# Room for harmless wobble (a library update moving a line break), not for a lost paragraph.
PAGE_MARGIN = 0.03
MEAN_MARGIN = 0.01
SCORERS = {"jieba": jieba_score, "shingle": shingle_score}


def _pages() -> list[dict[str, str]]:
    return list(json.loads((GATE / "pages.json").read_text("utf-8")))


@cache
def _score(file: str) -> float:
    page = next(p for p in _pages() if p["file"] == file)
    draft = extract_page(read_page_file(GATE / file), page["url"])
    return f1(SCORERS[page["metric"]](page["truth"], draft.text))


def _group(page: dict[str, str]) -> str:
    return "zh" if page["metric"] == "jieba" else "en"


def _baseline() -> dict[str, dict[str, float]]:
    return dict(json.loads((GATE / "baseline.json").read_text("utf-8")))


@pytest.mark.parametrize("file", [p["file"] for p in _pages()])
def test_page_keeps_its_score(file: str) -> None:
    pinned = _baseline()["pages"][file]
    assert _score(file) >= pinned, f"{file}: F1 {_score(file):.3f} < pinned {pinned:.3f}"


@pytest.mark.parametrize("group", ["zh", "en"])
def test_group_mean_keeps_its_score(group: str) -> None:
    scores = [_score(p["file"]) for p in _pages() if _group(p) == group]
    pinned = _baseline()["groups"][group]
    assert statistics.mean(scores) >= pinned


def write_baseline() -> None:
    pages = _pages()
    scores = {p["file"]: _score(p["file"]) for p in pages}
    groups = {
        g: math.floor(
            (
                statistics.mean(
                    s
                    for f, s in scores.items()
                    if _group(next(p for p in pages if p["file"] == f)) == g
                )
                - MEAN_MARGIN
            )
            * 1000
        )
        / 1000
        for g in ("zh", "en")
    }
    baseline = {
        "pages": {
            f: max(0.0, math.floor((s - PAGE_MARGIN) * 1000) / 1000) for f, s in scores.items()
        },
        "groups": groups,
    }
    (GATE / "baseline.json").write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n")
    for f, s in sorted(scores.items()):
        print(f"{s:.3f} {f}")
    print(groups)


if __name__ == "__main__" and "--write-baseline" in sys.argv:
    write_baseline()

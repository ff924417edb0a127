"""`detect_script` counts the characters each conversion changes alone; it must decide
as the two full OpenCC passes it replaced (which also see phrases) on real articles."""

from __future__ import annotations

from itertools import islice
from operator import ne
from pathlib import Path

import pytest

from newsarchive.readers import ReadError, parse_file
from newsarchive.readers.sources import iter_files
from newsarchive.text.script import detect_script, to_simplified, to_traditional

MIRRORS = ("feedx-articles.tar.xz", "gfw-breaker-pages.tar.xz", "jekyll-waimei.tar.xz")


def _by_full_conversion(s: str) -> str:
    """The old way: run both conversions over the text, count changed positions."""
    to_s = sum(map(ne, s, to_simplified(s)))
    to_t = sum(map(ne, s, to_traditional(s)))
    if to_s == to_t:
        return "unknown"
    return "traditional" if to_s > to_t else "simplified"


@pytest.mark.parametrize("mirror", MIRRORS)
def test_same_decision_as_full_conversion_on_corpus_articles(shared: Path, mirror: str) -> None:
    seen = {"traditional": 0, "simplified": 0, "unknown": 0}
    for raw in islice(iter_files(shared / "corpus" / "mirrors" / mirror), 600):
        if isinstance(raw, ReadError):
            continue
        parsed = parse_file(raw)
        if isinstance(parsed, ReadError):
            continue
        draft = parsed[0]
        sample = f"{draft.title}\n{draft.text[:1000]}"
        decided = detect_script(sample, sample=len(sample))
        assert decided == _by_full_conversion(sample), raw.location
        seen[decided] += 1
    assert seen["simplified"] + seen["traditional"] > 300


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("美國商務部長雷蒙多表示，將擴大對華晶片出口管制", "traditional"),
        ("美国商务部长雷蒙多表示，将扩大对华芯片出口管制", "simplified"),
        ("中国人民", "simplified"),
        ("中國人民", "traditional"),
        ("人民大会", "simplified"),
        ("ASML 2024", "unknown"),
        ("", "unknown"),
    ],
)
def test_short_texts(text: str, script: str) -> None:
    assert detect_script(text) == script
    assert _by_full_conversion(text) == script

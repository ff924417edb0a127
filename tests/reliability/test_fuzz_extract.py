"""Fuzzing the page extractor: whatever a server sends, `extract_page` returns an article
or raises `ExtractionError` with a reason; any other exception is a crash. One page
costs at most EXTRACT_MB of memory.

The fetch pass turns other exceptions into reasons too (`collect.extraction.extract_only`),
but only as a last resort: the contract of `extract_page` itself is ExtractionError, and
`newsarchive extract FILE` relies on it.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.extract import ExtractionError, extract_page
from newsarchive.model import Draft
from tests.collect.server import article_page, load_articles

from .fuzzkit import (
    active_content,
    encoded,
    examples,
    html_page,
    markup,
    memory_below,
    mutated,
    nested,
    urls,
)

GATE = Path(__file__).resolve().parent.parent / "data" / "extract" / "gate"
# The quality-gate pages (14-240 KB) cost 1-2 MB of heap and at most ~30 MB of new RSS
# (the first GB2312 page loads the charset tables).
EXTRACT_MB = 64

REAL_PAGES = [gzip.decompress(p.read_bytes()) for p in sorted(GATE.glob("*.html.gz"))[::3]] + [
    article_page(a) for a in load_articles()[:4]
]


def check_extract(raw: bytes, url: str | None) -> None:
    with memory_below(EXTRACT_MB, lambda: f"extract_page({raw[:200]!r}..., {url!r})"):
        try:
            draft = extract_page(raw, url)
        except ExtractionError as exc:
            assert str(exc).strip(), "an ExtractionError must say why"
            return
    assert isinstance(draft, Draft)
    assert draft.text.strip(), "an article without text should have been a reason"
    assert active_content(draft.html) == []


@pytest.fixture(scope="module")
def warm() -> None:
    """First calls load tables and models (charsets, language detection): not what one
    page costs. The real pages must extract within the bound too."""
    for page in REAL_PAGES:
        check_extract(page, "https://www.bbc.com/zhongwen/simp/world-1")


def test_fuzz_extract_generated_pages_give_an_article_or_a_reason(warm: None) -> None:
    @examples(40)
    @given(raw=encoded(html_page(st.one_of(markup(60), nested(40)))), url=st.none() | urls())
    def run(raw: bytes, url: str | None) -> None:
        check_extract(raw, url)

    run()


def test_fuzz_extract_mutated_real_pages_give_an_article_or_a_reason(warm: None) -> None:
    @examples(30)
    @given(raw=mutated(REAL_PAGES))
    def run(raw: bytes) -> None:
        check_extract(raw, "https://www.rfa.org/mandarin/story.html")

    run()


def test_fuzz_extract_arbitrary_bytes_give_an_article_or_a_reason(warm: None) -> None:
    @examples(60)
    @given(raw=st.binary(max_size=3000))
    def run(raw: bytes) -> None:
        check_extract(raw, None)

    run()

"""Regional words and names in every form (issue #15 items 1, 2, 4) on real articles of
the jekyll-waimei corpus (tests/data/search/vocab.json: each record is a real title
and a real excerpt around the word, picked by tests/data/search/pick_vocab.py from the 51k archive).

Every query form, in both scripts, finds the articles written with any other form of
the same thing; articles with look-alike words (薯片, 消息, 程式, 软体动物, 大利, 中兴 ...)
are not found; each hit says why it matched and its snippet marks the form it holds.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.model import Capture, Draft
from newsarchive.names import alias_table
from newsarchive.search import search
from newsarchive.search.query import AMBIGUOUS_LATIN
from newsarchive.text.regional import regional_spellings
from newsarchive.text.script import to_simplified, to_traditional
from newsarchive.text.segment import fold

MARK = re.compile(r"<mark>(.*?)</mark>")
DATA = Path(__file__).resolve().parent.parent / "data" / "search" / "vocab.json"
RECORDS = json.loads(DATA.read_text("utf-8"))
# The examples: regional words (item 1) and names (item 2).
REGIONAL = [
    "chip",
    "software",
    "network",
    "information",
    "server",
    "laser",
    "printer",
    "nz",
    "italy",
]
NAMES = ["sydney", "trump", "pompeo", "putin", "huawei", "smic", "tsmc", "nvidia", "who"]
EXPECTED_REASON = {**dict.fromkeys(REGIONAL, "variant"), **dict.fromkeys(NAMES, "alias")}


@pytest.fixture
def corpus(archive: Archive) -> dict[int, dict[str, str]]:
    """The records stored as articles: {article id: record}."""
    stored = {}
    for n, rec in enumerate(RECORDS):
        draft = Draft(
            title=rec["title"],
            text=rec["text"],
            html="",
            url=rec["url"] or f"https://example.org/{n}",
            outlet=rec["outlet"],
            published=datetime.fromisoformat(rec["published"]) if rec["published"] else None,
        )
        cap = Capture(raw=json.dumps(rec).encode(), format="jekyll", location=draft.url or "")
        stored[archive.ingest(draft, cap).article_id] = rec
    return stored


def _found(archive: Archive, query: str) -> set[int]:
    return {h.id for h in search(archive, query, limit=100).hits}


def _group(corpus: dict[int, dict[str, str]], group: str) -> dict[int, dict[str, str]]:
    return {i: r for i, r in corpus.items() if r["group"] == group}


def test_every_form_in_both_scripts_finds_the_others(
    archive: Archive, corpus: dict[int, dict[str, str]]
) -> None:
    for group in REGIONAL + NAMES:
        _finds_the_others(archive, corpus, group)


def _finds_the_others(archive: Archive, corpus: dict[int, dict[str, str]], group: str) -> None:
    records = _group(corpus, group)
    assert len(records) >= 2, f"the fixture has several forms of {group}"
    for rec in records.values():
        form = rec["form"]
        for query in {form, to_simplified(form), to_traditional(form)}:
            # An acronym that is an English word (WHO) is searched for only as typed:
            # an article that writes only "WHO" is found by Latin queries alone.
            want = {
                i
                for i, r in records.items()
                if fold(r["form"]) not in AMBIGUOUS_LATIN or fold(query) in AMBIGUOUS_LATIN
            }
            assert want <= _found(archive, query), (group, query)


def test_unrelated_lookalikes_are_not_found(
    archive: Archive, corpus: dict[int, dict[str, str]]
) -> None:
    """A distractor article is found for a group's query only if it holds one of the
    forms that query searches for (checked on its folded text)."""
    distractors = _group(corpus, "distractor")
    assert len(distractors) >= 8
    table = alias_table()
    for group in REGIONAL + NAMES:
        query = next(r["form"] for r in _group(corpus, group).values())
        forms = {fold(f) for f in table.forms(query)} | set(regional_spellings(fold(query)))
        found = _found(archive, query)
        for article_id, rec in distractors.items():
            text = fold(rec["title"] + rec["text"])
            if not any(f in text for f in forms if f not in AMBIGUOUS_LATIN):
                assert article_id not in found, (query, rec["form"], rec["title"])


def test_rejected_pairs_stay_apart(archive: Archive, corpus: dict[int, dict[str, str]]) -> None:
    # OpenCC maps 程序 to 程式 and 视频 to 影片, but both regions' press use each word in
    # its own sense (the regional table's counts): no expansion.
    assert regional_spellings("程序") == ["程序"]
    程式 = next(i for i, r in corpus.items() if r["form"] == "程式")
    assert 程式 not in _found(archive, "程序")
    assert regional_spellings("消息") == ["消息"]


def test_hits_say_why_and_mark_the_variant(
    archive: Archive, corpus: dict[int, dict[str, str]]
) -> None:
    for group in REGIONAL + NAMES:
        _says_why(archive, corpus, group)


def _says_why(archive: Archive, corpus: dict[int, dict[str, str]], group: str) -> None:
    records = _group(corpus, group)
    first = next(iter(records.values()))
    page = search(archive, first["form"], limit=100)
    hits = {h.id: h for h in page.hits}
    for article_id, rec in records.items():
        if article_id not in hits:
            continue  # an English-word acronym (see above)
        hit = hits[article_id]
        if rec is first:
            assert "word" in hit.why
            continue
        if fold(rec["form"]) in AMBIGUOUS_LATIN:
            continue  # found by its Chinese name, not by this acronym
        if fold(rec["form"]) in {fold(first["form"]), to_simplified(first["form"])}:
            continue
        assert EXPECTED_REASON[group] in hit.why, (rec["form"], hit.why)
        marked = [fold(m) for m in MARK.findall(hit.title_html + hit.snippet)]
        assert any(fold(rec["form"]) in m for m in marked), (rec["form"], marked)
        assert any(fold(rec["form"]) in fold(f) for f in hit.matched), hit.matched


def test_expansion_can_be_turned_off(archive: Archive, corpus: dict[int, dict[str, str]]) -> None:
    chip = _group(corpus, "chip")
    both = set(chip)
    assert both <= _found(archive, "芯片")
    plain = {h.id for h in search(archive, "芯片", limit=100, expand=False).hits}
    assert plain & both and not both <= plain

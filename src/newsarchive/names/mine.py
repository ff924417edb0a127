"""Mining alias pairs from news text: a name written in Latin letters beside its Chinese
form, ``华为（Huawei）``, ``美国国务卿蓬佩奥（Mike Pompeo）``.

News writes a foreign or company name once in full with its original spelling in
brackets. Every such pair is a candidate; the Chinese side is the CJK run before the
bracket, which often carries a title or a place (美国国务卿蓬佩奥). Runs are trimmed by
the corpus itself rather than by a list of titles: a run is cut to the longest of its
proper suffixes that also occurs as a whole run for the same Latin name (蓬佩奥 is
written alone often enough), and a pair must be seen at least `MIN_COUNT` times.

Used twice: `names.build` mines the shipped seed table from an archive, and the
archive hook (`names.hook`) keeps the pairs of the archive's own articles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from newsarchive.text.script import to_simplified
from newsarchive.text.segment import segment_folded

# Two to twelve CJK characters (and the middle dot of transliterated names) directly
# before a bracketed Latin name of up to six words.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
PAIR = re.compile(rf"([{_CJK}·・]{{2,12}})[（(]\s*([A-Za-z][A-Za-z0-9.&'’\- ]{{0,48}}?)\s*[）)]")
_SPACE = re.compile(r"\s+")
MIN_COUNT = 2
# A run's leading part is a title (or a word like 据) when seen before this many names.
TITLE_KEYS = 2
# Longer Chinese sides are more often a sentence fragment: they need more evidence.
LONG_NAME, LONG_NAME_COUNT = 6, 5
# A dictionary word this frequent is a common word unless jieba tags it as a name
# (person, place, organisation, other proper noun).
COMMON_FREQ = 2000
NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})
# Parts of speech that never begin a name: a run that starts with a one-character
# conjunction, preposition or particle (但对, 和沃尔玛) took a word of the sentence in
# front of the name (jieba's dictionary tags: c, p, u*).
_FUNCTION_TAGS = ("c", "p", "u")
# Latin "names" that are words, units or market jargon, not names of anything.
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "bp",
        "pips",
        "ps",
        "note",
        "via",
        "eds",
        "ed",
        "ap",
        "file",
        "photo",
        "video",
    ]
)


@dataclass(frozen=True, slots=True)
class Pair:
    run: str  # folded (simplified) CJK run before the bracket
    latin: str  # the Latin name as written, spaces collapsed
    whole: bool  # the run starts after a non-CJK character (not cut at 12 characters)


def latin_key(latin: str) -> str:
    """What two spellings of one Latin name share: lower case, single spaces, no dots
    around initials (``Joseph R. Biden Jr.`` and ``joseph r biden jr``)."""
    return _SPACE.sub(" ", latin.replace(".", " ").replace("’", "'")).strip().lower()


_BRACKET = re.compile("[（(]")
_RUN_CHARS = frozenset(
    [chr(c) for c in range(0x3400, 0x4DC0)] + [chr(c) for c in range(0x4E00, 0xA000)] + ["·", "・"]
)


def pair_matches(text: str) -> Iterator[re.Match[str]]:
    """`PAIR.finditer(text)`, found from the opening brackets. A match's Chinese side
    is the run of (at most twelve) `PAIR` characters right before its bracket, so at
    each bracket after the last match only one start can match: where that run begins.
    `PAIR` is tried there alone, instead of at every CJK character of the text (each
    try reading up to twelve characters ahead): 0.13 ms of an article's names hook."""
    end = 0
    for bracket in _BRACKET.finditer(text):
        at = bracket.start()
        start, floor = at, max(end, at - 12)
        while start > floor and text[start - 1] in _RUN_CHARS:
            start -= 1
        if at - start < 2:
            continue
        m = PAIR.match(text, start)
        if m is not None:
            end = m.end()
            yield m


def pairs_in(text: str) -> Iterator[Pair]:
    """Every ``中文（Latin）`` candidate in `text`, the Chinese side folded."""
    for m in pair_matches(text):
        latin = _SPACE.sub(" ", m.group(2)).strip(" -")
        key = latin_key(latin)
        if len(key) < 2 or key in _NOT_NAMES or not any(c.isalpha() for c in key):
            continue
        start = m.start(1)
        whole = start == 0 or not re.match(rf"[{_CJK}·・]", text[start - 1])
        run = to_simplified(m.group(1)).strip("·・")
        if len(run) >= 2:
            yield Pair(run, latin, whole)


def trim(counts: Counter[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """(run, latin key) counts → (name, latin key) counts, pairs seen fewer than
    `MIN_COUNT` times dropped. A run loses a leading title or word when the corpus
    shows that it is one: the cut-off part (美国国务卿, 据, 中国) stands before runs of
    at least `TITLE_KEYS` different names, and what remains is itself a run for the same
    name. The shortest such remainder wins (美国国务卿蓬佩奥 → 蓬佩奥), but a part
    seen before one name only stays (冠状病毒疾病 is not cut to 疾病)."""
    runs_of: dict[str, set[str]] = {}
    for run, key in counts:
        runs_of.setdefault(key, set()).add(run)
    keys_before: dict[str, set[str]] = {}
    for run, key in counts:
        for i in range(1, len(run) - 1):
            if run[i:] in runs_of[key]:
                keys_before.setdefault(run[:i], set()).add(key)
    titles = {p for p, keys in keys_before.items() if len(keys) >= TITLE_KEYS}
    trimmed: Counter[tuple[str, str]] = Counter()
    for (run, key), n in counts.items():
        known = runs_of[key]
        cuts = [i for i in range(1, len(run) - 1) if run[i:] in known and run[:i] in titles]
        trimmed[run[max(cuts) :] if cuts else run, key] += n
    # A name that ends with another name of the same key is that name with words in
    # front (他将终止与华为 → 华为): the shortest such name takes its count.
    names_of: dict[str, list[str]] = {}
    for name, key in trimmed:
        names_of.setdefault(key, []).append(name)
    merged: Counter[tuple[str, str]] = Counter()
    for (name, key), n in trimmed.items():
        tails = [o for o in names_of[key] if len(o) < len(name) and name.endswith(o)]
        merged[min(tails, key=len) if tails else name, key] += n
    return Counter({k: n for k, n in merged.items() if _plausible(k[0], n)})


def _function_word_led(name: str) -> bool:
    """Whether the segmenter (jieba's dictionary, HMM off) makes `name`'s first
    character a word alone that the dictionary tags as a function word
    (`_FUNCTION_TAGS`): 但对 beside TikTok is the sentence's "but to", not a name.
    和田, 对外 and 以色列 are words of their own."""
    first = segment_folded(name)[0]
    return len(first) == 1 and common_words().get(first, (0, ""))[1].startswith(_FUNCTION_TAGS)


def _plausible(name: str, n: int) -> bool:
    """Seen often enough, not a sentence fragment (long and rare) and not a common
    word (疾病 beside COVID-19: frequent in jieba's dictionary and not a name there)."""
    if n < MIN_COUNT or (len(name) > LONG_NAME and n < LONG_NAME_COUNT):
        return False
    # A longer run led by a function word holds a name with a word of the sentence
    # in front (和沃尔玛), which the merge above removes where the same Latin name
    # stands beside the bare name too; two characters hold no name.
    if len(name) == 2 and _function_word_led(name):
        return False
    freq, tag = common_words().get(name, (0, ""))
    return freq < COMMON_FREQ or tag in NAME_TAGS


@cache
def common_words() -> dict[str, tuple[int, str]]:
    """jieba's dictionary: word → (frequency, part-of-speech tag)."""
    import jieba  # the dictionary of our segmenter (rjieba compiles the same file)

    words: dict[str, tuple[int, str]] = {}
    for line in Path(jieba.__file__).with_name("dict.txt").read_text("utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) == 3:
            words[parts[0]] = (int(parts[1]), parts[2])
    return words


def count_pairs(texts: Iterable[str]) -> tuple[Counter[tuple[str, str]], dict[str, Counter[str]]]:
    """Whole-run (run, latin key) counts over `texts`, and for each key the spellings
    seen (to show the most common one). Runs cut at twelve characters are not counted:
    their start is unknown."""
    counts: Counter[tuple[str, str]] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for text in texts:
        for pair in pairs_in(text):
            if pair.whole:
                key = latin_key(pair.latin)
                counts[pair.run, key] += 1
                spellings.setdefault(key, Counter())[pair.latin] += 1
    return counts, spellings

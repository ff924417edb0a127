"""Spellings that script folding leaves apart, and how a query reaches both.

Documents and queries are folded with OpenCC ``t2s`` (`segment.fold`), which maps each
traditional form to one simplified form. For a few hundred words the two directions do
not meet: simplified 想象 becomes 想像 in traditional (``s2t``), and ``t2s`` keeps 想像,
a valid simplified spelling too. A traditional reader's 想像力 then never matched an
article that writes 想象力, nor 大相逕庭 one that writes 大相迳庭, nor 暱稱 one that
writes 昵称: on the jekyll-waimei corpus, 40 of 1,005 sampled articles hold such a word
(bench/search.py lost 2 of its 1,000 queries to them).

Folding documents through ``s2t`` and back would join the spellings, but costs 0.5 ms
of CPU an article at import (``s2t`` is OpenCC's slow direction) and would re-segment
the whole index. The set of such words is small and fixed by OpenCC's dictionaries, so
the query side carries it instead: every spelling a term can have in an indexed
document is searched (`spellings`). Nothing changes in the index.

The table (`profiles/script_variants.txt`) is generated from OpenCC itself over
jieba's dictionary and every CJK character (`build_table`), so it follows the library
instead of a hand-kept list; tests/text/test_variants.py regenerates it and fails when
an OpenCC or jieba upgrade changed it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from itertools import islice, product
from pathlib import Path

from newsarchive.text.script import to_simplified, to_traditional

TABLE = "script_variants.txt"
# A term with several variant words could spell out 2^n combinations; a handful covers
# every real query (n is 0 or 1 in practice) and keeps the match expression small.
MAX_SPELLINGS = 8


def build_table(fold: Callable[[str], str] = to_simplified) -> list[tuple[str, str]]:
    """(form, other) pairs, sorted: `form` is a word or character as `fold` leaves it
    in a document (``t2s`` does not change it), `other` is what the same word written
    in the other script folds to (``fold(s2t(form))``), when that differs. `fold` is
    applied to newline-joined batches (the static site passes its character-level
    folding, `newsarchive.publish.tokens.fold`)."""
    import jieba  # its dictionary file: the vocabulary our segmenter also uses

    dictionary = Path(jieba.__file__).with_name("dict.txt")
    words = [line.split(" ", 1)[0] for line in dictionary.read_text("utf-8").splitlines()]
    words += [chr(c) for c in range(0x4E00, 0xA000)]
    pairs: set[tuple[str, str]] = set()
    # Converting newline-joined batches costs one OpenCC call per batch, not per word.
    step = 20000
    for start in range(0, len(words), step):
        batch = words[start : start + step]
        folded = fold("\n".join(batch)).split("\n")
        round_trip = fold(to_traditional("\n".join(batch))).split("\n")
        for word, same, other in zip(batch, folded, round_trip, strict=True):
            if word == same and other != word:
                pairs.add((word, other))
    return sorted(pairs)


def read_groups(table: str = TABLE) -> dict[str, set[str]]:
    """Each spelling in a shipped table → every spelling of the same word (itself
    included)."""
    text = files("newsarchive.profiles").joinpath(table).read_text("utf-8")
    groups: dict[str, set[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        form, other = line.split("\t")
        group = groups.get(form, {form}) | groups.get(other, {other})
        for spelling in group:
            groups[spelling] = group
    return groups


@cache
def _table(table: str) -> tuple[dict[str, set[str]], re.Pattern[str] | None]:
    """The table's groups, and a pattern finding any spelling, longest first."""
    groups = read_groups(table)
    if not groups:
        return groups, None
    alternatives = sorted(groups, key=lambda s: (-len(s), s))
    return groups, re.compile("|".join(map(re.escape, alternatives)))


def spellings(folded: str, table: str = TABLE) -> list[str]:
    """`folded` (a folded query term) and the other spellings an indexed document may
    use for it, `folded` first; at most `MAX_SPELLINGS`. `table` names the shipped
    table that matches how `folded` was folded."""
    groups, pattern = _table(table)
    if pattern is None:
        return [folded]
    parts: list[list[str]] = []
    last = 0
    for m in pattern.finditer(folded):
        parts.append([folded[last : m.start()]])
        # The typed spelling first, so the first combination is the term as typed.
        parts.append([m.group(), *sorted(groups[m.group()] - {m.group()})])
        last = m.end()
    if not parts:
        return [folded]
    parts.append([folded[last:]])
    return ["".join(p) for p in islice(product(*parts), MAX_SPELLINGS)]


def write_table(path: Path, pairs: list[tuple[str, str]]) -> int:
    """Write a table as shipped (``python -m newsarchive.text.variants`` regenerates the
    search engine's)."""
    header = "# form<TAB>other: generated by `python -m newsarchive.text.variants`; do not edit\n"
    path.write_text(header + "".join(f"{a}\t{b}\n" for a, b in pairs), "utf-8")
    return len(pairs)


if __name__ == "__main__":
    target = Path(str(files("newsarchive.profiles").joinpath(TABLE)))
    print(f"{write_table(target, build_table())} pairs written to {target}")

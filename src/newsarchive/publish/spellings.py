"""Spellings the static site's folding leaves apart, for its in-browser search.

The static index folds text character by character (`tokens.fold`): a browser cannot
carry OpenCC's phrase dictionaries. Some words are then spelled apart for good: a
traditional article's 瞭解 stays 瞭解 (瞭 is a simplified character too, as in 瞭望),
while a simplified article writes 了解; likewise 想像/想象, 藉口/借口, 一見鍾情 →
一见锺情/一见钟情. Without help a reader who types 瞭解 misses every simplified
article and the reverse.

As for the search engine (`newsarchive.text.variants`, the same generator with the
other folding), the query side carries the fix: `static/variants.js` lists the groups
of spellings, search.js searches each spelling a query can have (at most
`MAX_SPELLINGS`) and takes the union. It is loaded only for queries holding one of the
characters in `meta.vchars`, so most searches download nothing more.

The table (`profiles/static_script_variants.txt`) is generated from OpenCC over jieba's
dictionary and every CJK character (`python -m newsarchive.publish.spellings`);
tests/publish/test_spellings.py regenerates it and fails when a library upgrade changed
it.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

from newsarchive.publish.tokens import fold
from newsarchive.text.variants import build_table as _build_table
from newsarchive.text.variants import read_groups, spellings, write_table

STATIC_TABLE = "static_script_variants.txt"
# Only what the static index holds as Han terms (tokens.py): a spelling with a character
# outside this range could never match, and search.js compares UTF-16 code units.
_INDEXED = re.compile(r"[\u3400-\u9fff]+")


def build_table() -> list[tuple[str, str]]:
    """(form, other) pairs under the static site's character-level folding."""
    return [
        (a, b)
        for a, b in _build_table(fold)
        if _INDEXED.fullmatch(a) is not None and _INDEXED.fullmatch(b) is not None
    ]


def static_spellings(folded: str) -> list[str]:
    """`folded` (a query folded by `tokens.fold`) and every spelling a published
    document may use for it, as search.js computes them."""
    return spellings(folded, STATIC_TABLE)


@cache
def groups() -> list[list[str]]:
    """Every group of spellings, each sorted, as `static/variants.js` carries them."""
    distinct = {tuple(sorted(g)) for g in read_groups(STATIC_TABLE).values()}
    return [list(g) for g in sorted(distinct)]


@cache
def variant_chars() -> str:
    """The characters that tell a group's spellings apart (meta.vchars): every spelling
    holds one (瞭 or 了 of 瞭解/了解, not 解), so a query without any needs no
    variants, and common characters shared by the spellings do not trigger a load."""
    chars: set[str] = set()
    for group in groups():
        shared = set.intersection(*(set(s) for s in group))
        for spelling in group:
            # Spellings that differ only in order (none today) would have no such
            # character: then all of theirs count.
            chars |= (set(spelling) - shared) or set(spelling)
    return "".join(sorted(chars))


if __name__ == "__main__":
    target = Path(str(files("newsarchive.profiles").joinpath(STATIC_TABLE)))
    print(f"{write_table(target, build_table())} pairs written to {target}")

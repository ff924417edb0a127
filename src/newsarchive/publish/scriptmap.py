"""Character tables for the browser: traditional→simplified folding and the script switch.

Generated from OpenCC (the same library `newsarchive.text.script` uses) at build time, one
character at a time, so the table the search index is built with is exactly the table the
browser folds queries with. Character-level conversion is what a static site can afford:
phrase-level OpenCC would need its phrase dictionaries (megabytes) in the browser.
"""

from __future__ import annotations

import base64
from functools import cache

from newsarchive.text.script import to_simplified, to_traditional

# CJK Extension A and the Unified Ideographs block: every character news text uses.
CJK_FIRST, CJK_LAST = 0x3400, 0x9FFF


def _single_char_map(convert: object) -> dict[str, str]:
    chars = [chr(cp) for cp in range(CJK_FIRST, CJK_LAST + 1)]
    # One call with a separator: ~20x faster than one OpenCC call per character, and a
    # newline cannot join two characters into an OpenCC phrase.
    converted = convert("\n".join(chars)).split("\n")  # type: ignore[operator]
    if len(converted) != len(chars):
        raise RuntimeError("OpenCC changed the number of lines while converting characters")
    # Only BMP targets: the browser reads the table as UTF-16 pairs, and a surrogate pair
    # would shift every pair after it.
    return {
        a: b
        for a, b in zip(chars, converted, strict=True)
        if len(b) == 1 and a != b and ord(b) <= 0xFFFF
    }


@cache
def t2s_map() -> dict[str, str]:
    """Traditional character → simplified character (only characters that change)."""
    return _single_char_map(to_simplified)


@cache
def s2t_map() -> dict[str, str]:
    """Simplified character → its most common traditional form (OpenCC's first choice)."""
    return _single_char_map(to_traditional)


@cache
def t2s_table() -> dict[int, str]:
    """`str.translate` table: the build-time half of query/document folding."""
    return {ord(a): b for a, b in t2s_map().items()}


def pairs_string(mapping: dict[str, str]) -> str:
    """`"發发髮发…"`: pairs of characters, the most compact form JavaScript can parse."""
    return "".join(a + b for a, b in sorted(mapping.items()))


def traditional_bitmap() -> str:
    """Base64 bitmap over CJK_FIRST..CJK_LAST of characters that fold to another one.

    search.js carries this (~4.6 KB) so it can tell whether a query needs the full t2s
    table at all; most queries are typed in simplified and never load it.
    """
    size = CJK_LAST - CJK_FIRST + 1
    bits = bytearray((size + 7) // 8)
    for ch in t2s_map():
        i = ord(ch) - CJK_FIRST
        bits[i >> 3] |= 1 << (i & 7)
    return base64.b64encode(bytes(bits)).decode("ascii")


def page_script(text: str, sample: int = 400) -> str:
    """`zh-Hant`, `zh-Hans` or `zh` for a page's lang attribute: which table changes
    more characters of the sample (like `text.script.detect_script`, without running
    OpenCC twice per page)."""
    t2s, s2t = t2s_map(), s2t_map()
    head = text[:sample]
    trad = sum(1 for c in head if c in t2s)
    simp = sum(1 for c in head if c in s2t)
    if trad == simp:
        return "zh"
    return "zh-Hant" if trad > simp else "zh-Hans"

"""Character tables for the browser: traditional→simplified folding and the script switch.

Generated from OpenCC (the same library `newsarchive.text.script` uses) at build time, one
character at a time, so the table the search index is built with is exactly the table the
browser folds queries with. Character-level conversion is what a static site can afford:
phrase-level OpenCC would need its phrase dictionaries (megabytes) in the browser.
"""

from __future__ import annotations

import base64
from functools import cache

from newsarchive.text.script import CJK_FIRST, CJK_LAST, detect_script, single_char_map


def _single_char_map(config: str) -> dict[str, str]:
    # Only single BMP targets: the browser reads the table as UTF-16 pairs, and a
    # surrogate pair would shift every pair after it.
    return {a: b for a, b in single_char_map(config).items() if len(b) == 1 and ord(b) <= 0xFFFF}


@cache
def t2s_map() -> dict[str, str]:
    """Traditional character → simplified character (only characters that change)."""
    return _single_char_map("t2s")


@cache
def s2t_map() -> dict[str, str]:
    """Simplified character → its most common traditional form (OpenCC's first choice)."""
    return _single_char_map("s2t")


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
    """`zh-Hant`, `zh-Hans` or `zh` for a page's lang attribute (`detect_script` on the
    sample, which counts characters the same way the tables above are made)."""
    return _LANG_TAGS[detect_script(text, sample)]


_LANG_TAGS = {"traditional": "zh-Hant", "simplified": "zh-Hans", "unknown": "zh"}

"""Simplified/traditional conversion (OpenCC) and script detection.

Matching (search, duplicates) folds everything to simplified; display always keeps the
article's own script, converting only when a reader asks for the other one.
"""

from __future__ import annotations

from functools import cache
from operator import ne
from typing import Literal

import opencc

Script = Literal["simplified", "traditional", "unknown"]


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    # t2s, not tw2sp: folding must be character-level and predictable; phrase-level
    # Taiwan vocabulary conversion (e.g. 軟體→软件) would change words, not script.
    return str(_converter("t2s").convert(text)) if text else text


def to_traditional(text: str) -> str:
    return str(_converter("s2t").convert(text)) if text else text


def detect_script(text: str, sample: int = 2000) -> Script:
    """Which script a text is written in, by how many characters each conversion changes."""
    s = text[:sample]
    if not s:
        return "unknown"
    # map(ne, ...) compares in C what a generator over zip() did in Python bytecode
    # (same count: both stop at the shorter string); this ran on every extracted page.
    to_s = sum(map(ne, s, to_simplified(s)))
    to_t = sum(map(ne, s, to_traditional(s)))
    if to_s == to_t:
        return "unknown"
    # A traditional text changes when simplified, and barely when "traditionalised".
    return "traditional" if to_s > to_t else "simplified"

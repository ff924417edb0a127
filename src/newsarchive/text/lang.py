"""Language tags for articles: ``zh-Hans`` / ``zh-Hant`` rather than a bare ``zh``.

Search filters by the stored tag (`search --lang zh-Hant`), so a Chinese article must
say which script it is written in. The script is measured (`detect_script`: how many
characters each OpenCC conversion changes) on the title and the start of the text
together; a text made only of characters both scripts share (a short caption, a list
of names) falls back to the outlet's own script when its profile declares one, and to
``zh`` only when nothing decides. Mirror readers call this; fetched pages get the same
tags from the extractor's `detect_lang`.
"""

from __future__ import annotations

import re

from newsarchive.text.script import detect_script

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_KANA = re.compile(r"[\u3040-\u30ff]")
# Enough characters to tell the scripts apart (OpenCC converts the sample twice: ~0.3 ms
# for 1,000 characters, on every imported article).
_SAMPLE = 1000
# A line is Japanese when kana are this share of its kana and Han characters (Japanese
# prose writes its particles and endings in kana; Chinese has none).
_JA_LINE_KANA = 0.2
# Fewer Han characters than this and a text with Latin letters is not a Chinese article.
_MIN_HAN = 4


def article_lang(title: str, text: str, fallback: str | None = None) -> str | None:
    """``zh-Hans``, ``zh-Hant``, ``ja``, ``en``, `fallback` or None for an article.

    `fallback` is the outlet's declared language (used only to choose the script of a
    Chinese text the characters cannot decide)."""
    sample = f"{title}\n{text[:_SAMPLE]}"
    han, latin, kana = _counts(sample)
    if han >= _MIN_HAN or (han and not latin):
        if kana > max(20, han // 10) and _mostly_japanese(sample):
            return "ja"
        script = detect_script(sample, sample=len(sample))
        if script == "traditional":
            return "zh-Hant"
        if script == "simplified":
            return "zh-Hans"
        return fallback if fallback in ("zh-Hans", "zh-Hant") else "zh"
    if latin >= 20:
        return "en"
    return None


def _counts(sample: str) -> tuple[int, int, int]:
    """How many characters of `sample` `_HAN`, `_LATIN` and `_KANA` match, counted over
    its code points in numpy: 0.015 against 0.058 ms for the three findall (every
    imported file is tagged; 2,000 Jekyll articles). Unsigned subtraction wraps below a
    range's start, so one comparison tests each range."""
    import numpy as np  # imported here: a search never tags articles

    # (A lone surrogate, which the patterns never match, is its own code point here.)
    codes = np.frombuffer(sample.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    han = np.count_nonzero(codes - 0x3400 <= 0x9FFF - 0x3400) + np.count_nonzero(
        codes - 0xF900 <= 0xFAFF - 0xF900
    )
    latin = np.count_nonzero((codes | 0x20) - 0x61 <= 0x7A - 0x61)
    kana = np.count_nonzero(codes - 0x3040 <= 0x30FF - 0x3040)
    return int(han), int(latin), int(kana)


def _mostly_japanese(sample: str) -> bool:
    """Japanese lines hold most of the sample's kana and Han characters. Counting kana
    in the whole sample is not enough: a Chinese article that quotes a Japanese post
    (an embedded Instagram caption in a CNA story) has dozens of kana in one or two
    lines, and its Chinese lines still hold most of the text."""
    japanese = chinese = 0
    for line in sample.split("\n"):
        kana = len(_KANA.findall(line))
        cjk = kana + len(_HAN.findall(line))
        if kana >= _JA_LINE_KANA * cjk:
            japanese += cjk
        else:
            chinese += cjk
    return japanese > chinese

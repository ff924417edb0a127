"""Figures an article cites: a number with its unit, normalised, what it measures and
the sentence it comes from.

Scope (what bench/entities.py's labels count as a figure): money (元, 美元, 欧元 ...,
with 万/亿 magnitudes), shares (15.9%, 百分之十五, 三成, 个百分点), process nodes (7纳米,
二十八奈米, 7nm) and multiples (3倍). Dates, years, counts without a unit and ordinals
are not figures. Values: money in the currency's unit (1387亿元 -> 1.387e11 CNY), shares as
fractions (15.9% -> 0.159, 三成 -> 0.3), nodes in nanometres.

Written numbers go through regular expressions; Chinese numerals through ``cn2an``
(二十八 -> 28, 三点五 -> 3.5). ``jionlp.parse_money`` reads money as well but neither
shares nor nanometres and takes 2.6 s to import; bench/entities.py measures it beside
this module on the same labels.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from typing import Any

_CN_DIGITS = "零〇一二两三四五六七八九十百千"
_NUM = rf"(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|[{_CN_DIGITS}]+(?:点[零〇一二三四五六七八九]+)?)"
_MAG = r"(?P<mag>万亿|萬億|千亿|千億|百亿|百億|亿|億|千万|千萬|百万|百萬|万|萬|兆)?"
_UNIT = (
    r"(?P<unit>美元|美金|欧元|歐元|日元|日圓|港元|港币|港幣|新台币|新台幣|台币|台幣|英镑|英鎊"
    r"|韩元|韓元|人民币|人民幣|澳门币|澳門幣|澳门元|澳門元|新元|新币|新幣|亿元|元|%|个百分点|個百分點"
    r"|纳米|納米|奈米|nm|倍|成)"
)
_FIGURE = re.compile(
    rf"(?:(?P<pct_word>百分之)(?P<pct>[{_CN_DIGITS}\d.点]+))"
    # 2514亿5500万元: a 亿 amount with its 万 remainder is one figure.
    rf"|(?:{_NUM}\s?{_MAG}(?:(?P<rest>\d+(?:\.\d+)?)(?P<rest_mag>万|萬))?{_UNIT})"
)
# The first number of a range or pair written before a figure (2至2.5倍, 14和12纳米).
_RANGE_START = re.compile(r"(\d+(?:\.\d+)?)\s?(?:至|到|和|与|、|~|-|－)\s?$")
# 成 after a numeral is a share only when not a word of its own (一成不变, 八成功).
_CHENG_WORDS = set("为立功本员果绩长熟交品就型都年了不")
_SENTENCE_END = re.compile(r"[。！？!?\n；;]")
_CLAUSE_START = re.compile(r"[，,：:、“”\"（）()《》]")
# Words between a measure and its number (仅占, 达到, 约): stripped from `what`.
_LINKS = re.compile(
    r"(?:仅仅|仅|只|约|大约|近|逾|超过|达到|达|为|是|占比|占|至|到|增加|减少|下滑|下降|增长|上升|了|的|高达|多达|有|共|募资|规模扩大至|扩大|只有|分别|须)+$"
)
_CURRENCIES = {
    "美元": "USD",
    "美金": "USD",
    "欧元": "EUR",
    "歐元": "EUR",
    "日元": "JPY",
    "日圓": "JPY",
    "港元": "HKD",
    "港币": "HKD",
    "港幣": "HKD",
    "新台币": "TWD",
    "新台幣": "TWD",
    "台币": "TWD",
    "台幣": "TWD",
    "英镑": "GBP",
    "英鎊": "GBP",
    "韩元": "KRW",
    "韓元": "KRW",
    "人民币": "CNY",
    "人民幣": "CNY",
    "澳门币": "MOP",
    "澳門幣": "MOP",
    "澳门元": "MOP",
    "澳門元": "MOP",
    "新元": "SGD",
    "新币": "SGD",
    "新幣": "SGD",
    "元": "CNY",
}
# A bare 元 is the article's local currency where it names one (澳门币，下同).
_LOCAL_YUAN = (
    (("澳门币", "澳門幣", "澳门元", "澳門元"), "MOP"),
    (("新台币", "新台幣"), "TWD"),
    (("港元", "港币", "港幣"), "HKD"),
)
_EXPLICIT_CNY = ("人民币", "人民幣")


_BRACKETED = re.compile(
    r"\s*[（(]?\s*(人民币|人民幣|澳门币|澳門幣|新台币|新台幣|港元|港币|港幣|美元)"
)


def _yuan_here(text: str, end: int, default: str) -> str:
    """The currency of a bare 元 at `end`: one written right after it (1万元（澳门币,
    5356.5亿元人民币), else the article's."""
    found = _BRACKETED.match(text, end)
    return _CURRENCIES[found.group(1)] if found else default


def _local_yuan(text: str) -> str:
    if any(c in text for c in _EXPLICIT_CNY):
        return "CNY"
    for words, code in _LOCAL_YUAN:
        if any(w in text for w in words):
            return code
    return "CNY"


_MAGNITUDES = {
    # 兆 before money is 10^12 in Taiwan's and Japan's usage (新台币47.5兆元); it never
    # scales a share or a node (_normalise), where it would be 10^6.
    "兆": 1e12,
    "万亿": 1e12,
    "萬億": 1e12,
    "千亿": 1e11,
    "千億": 1e11,
    "百亿": 1e10,
    "百億": 1e10,
    "亿": 1e8,
    "億": 1e8,
    "千万": 1e7,
    "千萬": 1e7,
    "百万": 1e6,
    "百萬": 1e6,
    "万": 1e4,
    "萬": 1e4,
}


_HALFWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# The full-width characters whose half-width form `_FIGURE` and `_RANGE_START` can see:
# digits, ％．～－ｎｍ and the ideographic space; and a ， before a digit (1，234 reads as
# 1,234). A text without any is matched as it is: translating it (~0.17 ms an article,
# nearly every Chinese text has full-width punctuation; the two searches ~0.02 ms)
# would change nothing the patterns match.
_SEEN_HALFWIDTH = re.compile("[\uff10-\uff19\uff05\uff0e\uff5e\uff0d\uff4e\uff4d\u3000]")
_COMMA_DIGIT = re.compile(r"\uff0c\d")


@dataclass(frozen=True, slots=True)
class Figure:
    text: str  # as written: 1,434亿美元
    value: float  # normalised: 1.434e11
    unit: str  # CNY, USD, ... | ratio | pp (percentage points) | nm | times
    what: str  # the words before it in its clause: 中国国内生产部分
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "value": self.value,
            "unit": self.unit,
            "what": self.what,
            "sentence": self.sentence,
        }


@cache
def _cn2an() -> Any:
    import cn2an  # imported on first use: ~1 s, paid by workers, not by every command

    return cn2an


def number(written: str) -> float | None:
    """A written number (1,434 / 15.9 / 二十八 / 三点五) as a float, or None."""
    written = written.replace(",", "")
    try:
        return float(written)
    except ValueError:
        pass
    try:
        return float(_cn2an().cn2an(written, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def _normalise(
    num: float, mag: str | None, unit: str, yuan: str = "CNY"
) -> tuple[float, str] | None:
    scale = _MAGNITUDES.get(mag or "", 1.0)
    if unit == "亿元":
        return num * scale * 1e8, yuan
    if unit == "元":
        return num * scale, yuan
    if unit in _CURRENCIES:
        return num * scale, _CURRENCIES[unit]
    if mag:
        return None  # 3万倍, 5亿% are no shares or nodes
    if unit == "%":
        return num / 100, "ratio"
    if unit == "成":
        return (num / 10, "ratio") if 0 < num <= 10 else None
    if unit in ("个百分点", "個百分點"):
        return num / 100, "pp"
    if unit in ("纳米", "納米", "奈米", "nm"):
        return num, "nm"
    if unit == "倍":
        return num, "times"
    return None


_LEADING = re.compile(r"^(?:而在|而|在|的|其中|据|\d{4}年)+")


def _what(sentence_head: str, tail: str) -> str:
    """What a figure measures: its clause up to the number minus linking words, or
    when nothing is left (约227亿美元, 7纳米芯片) the words right after it."""
    clause = _CLAUSE_START.split(sentence_head)[-1].strip()
    trimmed = _LEADING.sub("", _LINKS.sub("", clause).strip())
    if len(trimmed) >= 2:
        return trimmed[-24:]
    after = _CLAUSE_START.split(_SENTENCE_END.split(tail, 1)[0], 1)[0]
    after = re.sub(r"^[的\s]+", "", after)
    return after[:12].strip()


def extract_figures(text: str) -> list[Figure]:
    """Every figure in `text`, in order."""
    # Full-width digits and signs matched as ASCII, one character for one, so offsets
    # (and the sentence shown, in its own punctuation) stay those of `text`.
    seen = _SEEN_HALFWIDTH.search(text) or _COMMA_DIGIT.search(text)
    matchable = text.translate(_HALFWIDTH) if seen else text
    # The article's currency and its sentence ends are read at its first figure: most
    # texts have none (1,287 of 2,000 Jekyll articles match no figure pattern): 0.027 ms
    # an article saved.
    yuan: str | None = None
    ends: list[int] | None = None
    out: list[Figure] = []
    for match in _FIGURE.finditer(matchable):
        if match.group("pct_word"):
            value = number(match.group("pct"))
            if value is None:
                continue
            found: tuple[float, str] | None = (value / 100, "ratio")
        else:
            unit = match.group("unit")
            written = match.group("num")
            if unit == "成":
                nxt = text[match.end() : match.end() + 1]
                if nxt in _CHENG_WORDS or not re.fullmatch(r"[一二两三四五六七八九十\d]", written):
                    continue
            value = number(written)
            if value is None:
                continue
            if yuan is None:
                yuan = _local_yuan(text)
            here = _yuan_here(text, match.end(), yuan)
            if "下同" in text[match.end() : match.end() + 12]:
                yuan = here  # （澳门币，下同）: the currency of every bare 元 after it
            found = _normalise(value, match.group("mag"), unit, here)
            if found is not None and match.group("rest") and match.group("mag") in ("亿", "億"):
                scale = found[0] / value if value else 0.0
                found = (found[0] + float(match.group("rest")) * 1e4 * scale / 1e8, found[1])
        if found is None:
            continue
        first = _RANGE_START.search(matchable, max(0, match.start() - 16), match.start())
        figures = [(found, match.start())]
        if first is not None and not match.group("pct_word"):
            # 2至2.5倍, 14和12纳米: the first number of a range or pair shares the unit.
            shared = _normalise(float(first.group(1)), match.group("mag"), unit, here)
            if shared is not None:
                figures.insert(0, (shared, first.start()))
        if ends is None:
            ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        for (value_, unit_), begin in figures:
            out.append(_figure(text, ends, begin, match.start(), match.end(), value_, unit_))
    return out


def _figure(
    text: str, ends: list[int], begin: int, number_at: int, end_at: int, value: float, unit: str
) -> Figure:
    """The figure written from `begin` to `end_at`, its (last) number at `number_at`;
    `ends`: where the text's sentences end (after each `_SENTENCE_END`), in order."""
    # The last sentence end at or before `begin` (one character each: those matched
    # in text[:begin]), found without scanning the text from its start per figure.
    before = bisect_right(ends, begin)
    start = ends[before - 1] if before else 0
    end_match = _SENTENCE_END.search(text, end_at)
    end = end_match.end() if end_match else len(text)
    sentence = text[start:end].strip()
    return Figure(
        text=text[begin:end_at].strip(),
        value=float(f"{value:.12g}"),
        unit=unit,
        what=_what(text[start:begin], text[end_at : end_at + 40]),
        sentence=sentence[:400],
    )

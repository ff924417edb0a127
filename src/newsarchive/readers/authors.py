"""An author field as the mirrors give it, reduced to the people it names.

Seen in the corpus (`scripts/measure_mirror_junk.py` lists the authors): a JavaScript
``null`` glued before the name (``null 张筠青（综合报道）``), the same name twice
(``KONEY BAI,KONEY BAI``, ``王月眉,王月眉``), what kind of report it was after the
name (``洪沙 （综合报道）``, ``李鱼 综合报导``, ``达扬（摘编）``), a role before it
(``采访记者: 邹宗翰``), a reading time (``7 分钟``) and the outlet's own name
(``德国之声中文网``). Each is cut by its shape; names are kept in their order.
"""

from __future__ import annotations

import re

from newsarchive.outlets import outlet_for_name

_PLACEHOLDER = re.compile(r"(?<![\w])(?:null|undefined|none|nan)(?![\w])", re.IGNORECASE)
_ROLE_WORDS = (
    r"(?:综合|綜合|采访|採訪|摘编|摘編|编译|編譯|整理|撰文|撰稿|特约|特約|实习|實習)?"
    r"(?:报道|報道|报导|報導|记者|記者|摘编|摘編|编译|編譯|整理|撰文|撰稿|评论员|評論員)?"
)
# （综合报道） (摘编) 【采访记者】 after or around a name.
_BRACKETED_ROLE = re.compile(r"[（(【\[]\s*" + _ROLE_WORDS + r"\s*[）)】\]]")
_TRAILING_ROLE = re.compile(
    r"\s*(?:综合|綜合)?(?:报道|報道|报导|報導|摘编|摘編|编译|編譯|整理)\s*$"
)
_LEADING_ROLE = re.compile(r"^\s*(?:采访|採訪|特约|特約)?(?:记者|記者|作者|文)\s*[:：]\s*")
_READING_TIME = re.compile(r"\d+\s*(?:分钟|分鐘|min(?:ute)?s?)\b\S*", re.IGNORECASE)
_SPLIT = re.compile(r"\s*[,，、/;；]\s*")


def clean_author(author: str | None, outlet: str | None = None) -> str | None:
    """The people an author field names, joined by '、' (or ', ' for Latin names);
    None when nothing but junk or the outlet's own name is left."""
    if not author:
        return None
    s = _PLACEHOLDER.sub(" ", author)
    s = _READING_TIME.sub(" ", s)
    s = _BRACKETED_ROLE.sub(" ", s)
    names: list[str] = []
    for part in _SPLIT.split(s):
        part = _TRAILING_ROLE.sub("", _LEADING_ROLE.sub("", part))
        part = " ".join(part.split()).strip("·-–—:：")
        if not part or part in names or _is_outlet(part, outlet):
            continue
        names.append(part)
    if not names:
        return None
    latin = all(n.isascii() for n in names)
    return (", " if latin else "、").join(names)


def _is_outlet(name: str, outlet: str | None) -> bool:
    if outlet and name == outlet:
        return True
    return outlet_for_name(name) is not None

"""Authors of a page: where they are declared, and what is left of a byline once its
decorations go.

A byline element's text is rarely just the name: `安东尼 7 分钟` (reading time),
`Written By Jane Doe`, `Dakota Hebert July 3, 2025` (a date), `Matteo Laratta| Author`,
`null 张筠青` (a template printed an empty field), `Jane Doe Jane Doe` (the name twice,
once for screens, once for screen readers). `clean_author` removes those shapes by what
they are, not by listing sites. JSON-LD often names the author only inside an object
(`"author": {"@type": "Person", "name": "…"}`), a list of them, or an `@graph`:
`ld_json_authors` reads all of those.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

_SPACE = re.compile(r"\s+")
# Leading labels: "By", "Written by", "Posted By:", "Author:", "作者：", "文/", "記者".
_PREFIX = re.compile(
    r"^(?:[A-Za-z]+\s+){0,2}?by\b\s*[:：]?\s*|^(?:authors?|作者|撰文|撰稿|文|记者|記者)\s*[:：/|｜]\s*|"
    r"^read more (?:about|from)\s+",
    re.IGNORECASE,
)
# Trailing labels and chatter: "| Author", "says:", "- Staff Writer".
_SUFFIX = re.compile(
    r"\s*(?:[|｜,\-–—]\s*)?(?:author|writer|contributor|says|wrote|(?:last\s+)?updated(?:\s+on)?|"
    r"published(?:\s+on)?)\s*:?\s*$",
    re.IGNORECASE,
)
# Reading times: "7 分钟", "5 min read", "3 minutes", "閱讀時間 4 分鐘".
_READING_TIME = re.compile(
    r"(?:阅读时间|閱讀時間|阅读|閱讀)?\s*\d+\s*(?:分钟|分鐘|min(?:ute)?s?\.?)(?:\s*(?:read|阅读|閱讀))?",
    re.IGNORECASE,
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# Dates and times glued to a byline: "July 3, 2025", "3 July 2025", "2025-07-03",
# "2023年2月2日", "Updated 10:30 am".
_DATE = re.compile(
    rf"(?:\b(?:updated|published|on)\s+)?(?:"
    rf"(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
    rf"\b\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}|"
    r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?|"
    r"\d{4}年\d{1,2}月\d{1,2}日|\b\d{1,2}:\d{2}\s*(?:am|pm)?"
    r")",
    re.IGNORECASE,
)
# Template placeholders printed as text.
_PLACEHOLDER = re.compile(r"(?<![\w])(?:null|none|undefined|nan|n/a)(?![\w])", re.IGNORECASE)
# A whole field that names a role, not a person.
_ROLE_ONLY = re.compile(
    r"^(?:by|name|author|authors|admin|administrator|editor|staff|guest|anonymous|unknown|"
    r"webmaster|作者|编辑|編輯|佚名|匿名)$",
    re.IGNORECASE,
)
# Chinese role words before a name ("香港特約記者 麥燕庭", "本台记者 张三").
_ZH_ROLE = re.compile(
    r"^[\u3400-\u9fff]{0,6}(?:特约|特約)?(?:记者|記者|编辑|編輯|主持人|撰稿人)\s*"
)
_SEPARATORS = re.compile(r"\s*(?:,|，|、|;|；|\band\b|&|/)\s*", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u9fff]")
MAX_AUTHOR_CHARS = 120


def _dedupe_names(text: str) -> str:
    """`Jane Doe, Jane Doe` and `Jane Doe Jane Doe` → `Jane Doe`; `张三 张三` → `张三`."""
    parts = [p for p in _SEPARATORS.split(text) if p]
    if len(parts) > 1:
        seen: dict[str, str] = {}
        for p in parts:
            seen.setdefault(p.casefold(), p)
        if len(seen) < len(parts):
            return ", ".join(seen.values())
    words = text.split()
    half = len(words) // 2
    if len(words) % 2 == 0 and half and words[:half] == words[half:]:
        return " ".join(words[:half])
    return text


def clean_author(raw: str | None) -> str | None:
    """A byline's names without labels, reading times, dates, placeholders or repeats;
    None when nothing name-like is left."""
    if not raw:
        return None
    text = _SPACE.sub(" ", raw).strip()
    if text.startswith("http") or len(text) > 4 * MAX_AUTHOR_CHARS:
        return None
    text = _PLACEHOLDER.sub(" ", text)
    text = _READING_TIME.sub(" ", text)
    text = _DATE.sub(" ", text)
    text = _SPACE.sub(" ", text).strip(" \t|｜·•-–—:：,，*")
    for _ in range(2):
        text = _PREFIX.sub("", text).strip()
        text = _SUFFIX.sub("", text).strip(" \t|｜·•-–—:：,，")
    if _HAN.search(text):
        text = _ZH_ROLE.sub("", text).strip()
    text = _dedupe_names(text)
    if not text or _ROLE_ONLY.match(text) or len(text) > MAX_AUTHOR_CHARS:
        return None
    if not _HAN.search(text) and not any(c.isupper() for c in text):
        # Latin names are capitalised: "the", "leveraging" are words of a sentence that
        # followed a "by".
        return None
    return text


_ARTICLE_TYPES = re.compile(r"Article|Posting|Report|WebPage|Review|Recipe|HowTo", re.I)


def _ld_items(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_items(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_items(data["@graph"])


def _names(value: Any, by_id: dict[str, dict[str, Any]]) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        # Yoast-style graphs name the author by reference: {"@id": ".../person/…"}.
        if "name" not in value and isinstance(value.get("@id"), str):
            value = by_id.get(value["@id"], value)
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for v in value for n in _names(v, by_id)]
    return []


def ld_json_authors(root: HtmlElement) -> str | None:
    """The author names of the page's JSON-LD article (strings, Person objects, lists),
    joined with ', '; an article type is preferred over other items that name authors."""
    found: list[tuple[bool, list[str]]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        items = list(_ld_items(data))
        by_id = {i["@id"]: i for i in items if isinstance(i.get("@id"), str)}
        for item in items:
            names = [n for n in _names(item.get("author"), by_id) if n.strip()]
            names = [n for n in names if not n.startswith("http")]
            if names:
                kind = item.get("@type")
                kinds = " ".join(kind) if isinstance(kind, list) else str(kind or "")
                found.append((bool(_ARTICLE_TYPES.search(kinds)), names))
    if not found:
        return None
    names = next((n for is_article, n in found if is_article), found[0][1])
    unique = list(dict.fromkeys(_SPACE.sub(" ", n).strip() for n in names))
    return ", ".join(unique)

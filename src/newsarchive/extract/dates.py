"""Publication dates: machine-readable metadata first, then Chinese datelines, then htmldate.

A date without a zone on a Chinese-language page is taken as Beijing/Taipei/Hong Kong time
(+08:00): every outlet we collect writes its Chinese datelines in that zone, and guessing
UTC would move a late-evening story to the next day. Elsewhere a zoneless date is UTC.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import lxml.etree
from lxml.html import HtmlElement

CHINA_TZ = timezone(timedelta(hours=8))

# <meta> names/properties that carry the publication instant, most specific first.
_META_KEYS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "published",
    "publication_date",
    "sailthru.date",
    "dc.date.issued",
    "dc.date",
    "date",
    "parsely-pub-date",
    "weibo:article:create_at",
    "bytedance:published_time",
    "apub:time",
    "article:modified_time",
)
_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*"
    r"(Z|(?:GMT|UTC)?\s*[+-]\d{2}(?::?\d{2})?(?!\d))?)?"
)
# RFC 2822, as feeds and some <meta> tags write it: "Tue, 05 Mar 2024 10:00:00 +0100".
_RFC2822 = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
# 2023年2月2日 [上午/下午] 10:30 / 2023/02/02 10:30 / 2023.02.02
_ZH = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年|/|\.|-)\s*(\d{1,2})\s*(?:月|/|\.|-)\s*(\d{1,2})\s*(?:日|号|號)?"
    r"(?:\s*(?:星期.|週.|周.)?\s*(上午|下午|早上|晚上)?\s*(\d{1,2})\s*[:：時时点點]\s*(\d{1,2})?"
    r"(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
# 【看中国2023年2月2日讯】, （中央社台北2日电）... the first has a full date.
_DATELINE = re.compile(
    r"[【\[(（][^】\])）]{0,20}?((?:19|20)\d{2}年\d{1,2}月\d{1,2}日)[^】\])）]{0,12}[讯訊电電]"
)
_URL = re.compile(r"(?<!\d)((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?!\d)")


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# "November 2, 2022", "Nov. 21 2018", "21 November 2018", "2 Nov, 2022".
_EN_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{{2}})"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+((?:19|20)\d{{2}}))\b",
    re.IGNORECASE,
)


def parse_english(text: str, lang: str | None = None) -> datetime | None:
    """A date written with an English month name (no time: midnight in the page's zone)."""
    m = _EN_DATE.search(text)
    if not m:
        return None
    month, day, year = (m[1], m[2], m[3]) if m[1] else (m[5], m[4], m[6])
    return _build(year, str(_MONTHS[month[:3].lower()]), day, tz=_zone(lang))


def _zone(lang: str | None) -> timezone:
    return CHINA_TZ if (lang or "").startswith("zh") else UTC


def _build(
    y: str,
    mo: str,
    d: str,
    hh: str | None = None,
    mi: str | None = None,
    ss: str | None = None,
    tz: timezone = UTC,
) -> datetime | None:
    try:
        value = datetime(
            int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), tzinfo=tz
        )
    except ValueError:
        return None
    if not 1990 <= value.year <= datetime.now(UTC).year + 1:
        return None
    return value


def parse_iso(text: str, lang: str | None = None, *, english: bool = True) -> datetime | None:
    """An ISO 8601 (or RFC 2822) instant with the source's own offset kept: `+05:30`,
    `-0500`, `+08`, `GMT+0800`; a zoneless one gets the page language's zone. With
    `english`, a date with an English month name too (`<meta name="date"
    content="November 25, 2025">`)."""
    if _RFC2822.match(text):
        try:
            value = parsedate_to_datetime(text.strip())
        except (TypeError, ValueError):
            value = None
        if value is not None:
            value = value if value.tzinfo else value.replace(tzinfo=_zone(lang))
            return _build(
                str(value.year),
                str(value.month),
                str(value.day),
                str(value.hour),
                str(value.minute),
                str(value.second),
                value.tzinfo,  # type: ignore[arg-type]
            )
    m = _ISO.search(text)
    if not m:
        return parse_chinese(text, lang) or (parse_english(text, lang) if english else None)
    tz = _zone(lang)
    if m[7]:
        off = m[7].removeprefix("GMT").removeprefix("UTC").strip()
        if off == "Z":
            tz = UTC
        else:
            sign = -1 if off[0] == "-" else 1
            digits = off[1:].replace(":", "")
            minutes = int(digits[2:] or 0)
            if int(digits[:2]) <= 14 and minutes <= 59:
                tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=minutes))
            # else not an offset ("10:00-20:00" is a range): the time stays zoneless
    return _build(m[1], m[2], m[3], m[4], m[5], m[6], tz)


def parse_chinese(text: str, lang: str | None = "zh") -> datetime | None:
    """`2023年2月2日`, `2023年2月2日 下午3:05`, `2023/02/02 15:05` (zoneless: +08:00 for zh)."""
    m = _ZH.search(text)
    if not m:
        return None
    hh = m[5]
    if hh and m[4] in ("下午", "晚上") and int(hh) < 12:
        hh = str(int(hh) + 12)
    return _build(m[1], m[2], m[3], hh, m[6] if hh else None, m[7] if hh else None, _zone(lang))


def _from_meta(root: HtmlElement, lang: str | None) -> datetime | None:
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _META_KEYS and meta.get("content") and key not in found:
            found[key] = meta.get("content", "")
    for key in _META_KEYS:
        if key in found and (value := parse_iso(found[key], lang)):
            return value
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        m = re.search(r'"datePublished"\s*:\s*"([^"]+)"', script.text)
        # schema.org dates are ISO 8601; "Jun 24, 2025" there came from a site template
        # filled with the CMS item's own time, not the date readers see (4 of 4 wcxb
        # pages written so were wrong).
        if m and (value := parse_iso(m[1], lang, english=False)):
            return value
    for el in root.iter("time"):
        if el.get("datetime") and (value := parse_iso(el.get("datetime", ""), lang)):
            return value
    return None


def _from_text(text: str, lang: str | None) -> datetime | None:
    head = text[:600]
    m = _DATELINE.search(head)
    if m:
        return parse_chinese(m[1], lang or "zh")
    return parse_chinese(head, lang) if _ZH.search(head) else None


def published_from_metadata(root: HtmlElement, lang: str | None) -> datetime | None:
    """From `<meta>`, JSON-LD or `<time>`: read before the tree is pruned of scripts."""
    return _from_meta(root, lang)


# Text after the headline searched for its date line: bylines, share bars and a
# standfirst fit (the same reach as the article's anchor in density.MAX_TITLE_GAP).
HEADER_REACH_CHARS = 1500
# A date line is short: "Nov 21, 2018", "Last updated: November 13, 2025",
# "By Jane Doe · Dec 17, 2025"; a longer text holding a date is prose about that day.
DATE_LINE_MAX_CHARS = 60
# (a bounded look: the 400 text nodes after the headline hold far more than the reach)
_FOLLOWING_TEXT = lxml.etree.XPath("following::text()[position() <= 400]")
_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "title", "option"})


def date_under_headline(title_el: HtmlElement | None, lang: str | None) -> datetime | None:
    """The first short line under the headline that is a date: where pages with no
    machine-readable date show it to readers (`<p>January 31, 2024</p>` beside the
    byline)."""
    if title_el is None:
        return None
    seen = 0
    for node in _FOLLOWING_TEXT(title_el):
        parent = node.getparent()
        if parent is not None and parent.tag in _NOT_TEXT:
            continue
        text = " ".join(str(node).split())
        if not text:
            continue
        if len(text) <= DATE_LINE_MAX_CHARS and (
            (value := parse_english(text, lang)) or (value := _iso_date_line(text, lang))
        ):
            return value
        seen += len(text)
        if seen > HEADER_REACH_CHARS:
            return None
    return None


_ISO_DAY = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{2})-(\d{2})(?!\d)")


def _iso_date_line(text: str, lang: str | None) -> datetime | None:
    m = _ISO_DAY.search(text)
    return _build(m[1], m[2], m[3], tz=_zone(lang)) if m else None


def published_from_content(
    lead_text: str,
    url: str | None,
    html: str,
    lang: str | None,
    header: datetime | None = None,
) -> tuple[datetime, str] | None:
    """From the article's dateline, then the date line under the headline (`header`,
    see `date_under_headline`), then the URL, then htmldate's search of the page; with
    the Timestamp source it was read from."""
    if (value := _from_text(lead_text, lang)) is not None:
        return value, "body:dateline"
    if header is not None:
        return header, "html:date-line"
    if url and (m := _URL.search(url)) and (value := _build(m[1], m[2], m[3], tz=_zone(lang))):
        return value, "url"
    try:
        from htmldate import find_date

        # extensive_search would hand free text to dateparser: 0.5–5 s per page here.
        found = find_date(html, url=url, extensive_search=False, original_date=True)
    except Exception:  # htmldate is a best-effort last resort; its failures are not ours
        found = None
    if found and (value := parse_iso(found, lang)):
        return value, "html:htmldate"
    return None


def ld_json_field(root: HtmlElement, name: str) -> str | None:
    """A top-level string field of the page's JSON-LD (author names, headlines)."""
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and isinstance(item.get(name), str):
                return str(item[name])
    return None

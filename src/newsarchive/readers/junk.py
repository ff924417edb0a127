"""Outlet boilerplate measured on the corpus: site suffixes of titles and lines repeated
at the start or end of many of one outlet's articles.

No rule here names a sentence. `scripts/measure_mirror_junk.py` reads the corpus,
counts, per outlet, the title suffixes after a separator and the first and last lines of
every article (exact, with digits masked, and by shared prefix or suffix), and keeps
what recurs in many of that outlet's articles: a platform footer (WordPress's
``© … for 中国数字时代, get_post_time('Y'). |Permalink …``), a wire service's copyright
line, a standing disclaimer, ``– 法国国际广播电台 - RFI`` after every title. The result
is data (`profiles/mirror_junk.json`); this module applies it:

- `strip_title`: a measured suffix is cut from the title (never the whole title);
- `drop_edge_junk`: at each end of the body, whole blocks whose every line matches a
  measured pattern go, one after another, and rules left dangling at the ends with them.

Lines that credit people (editors, reporters, translators) recur too, but they are the
outlet's own attribution, not boilerplate: the measuring script leaves them out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from lxml import etree

from newsarchive.readers.dates import parse_date
from newsarchive.readers.tree import drop

PROFILE_FILE = "mirror_junk.json"
_DIGITS = re.compile(r"\d+")
_WS = re.compile(r"\s+")
# Blocks examined at each end of a body; boilerplate is a line or two, not an essay.
MAX_EDGE_BLOCKS = 4
_BLOCKS = ("p", "div", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6")
_BLOCK_SET = frozenset(_BLOCKS)
_RULES = frozenset({"hr", "br"})


def shape(line: str) -> str:
    """A line as the profile compares it: whitespace collapsed, digit runs as ``0``."""
    return _DIGITS.sub("0", _WS.sub(" ", line).strip())


@dataclass(frozen=True, slots=True)
class OutletJunk:
    title_suffixes: tuple[str, ...] = ()
    lines: frozenset[str] = frozenset()  # shapes of whole lines
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()

    def line_is_junk(self, line: str) -> bool:
        s = shape(line)
        return bool(s) and (
            s in self.lines or s.startswith(self.prefixes) or s.endswith(self.suffixes)
        )


NO_JUNK = OutletJunk()
# The measuring script turns the profile off to see the bodies as they come.
OVERRIDE: dict[str, OutletJunk] | None = None


@cache
def _load() -> dict[str, OutletJunk]:
    try:
        raw = resources.files("newsarchive.profiles").joinpath(PROFILE_FILE).read_text("utf-8")
    except FileNotFoundError:
        return {}
    data = json.loads(raw)
    out = {}
    for outlet, entry in data.get("outlets", {}).items():
        out[outlet] = OutletJunk(
            title_suffixes=tuple(entry.get("title_suffixes", [])),
            lines=frozenset(entry.get("lines", [])),
            prefixes=tuple(entry.get("prefixes", [])),
            suffixes=tuple(entry.get("suffixes", [])),
        )
    return out


def profile_for(outlet: str | None) -> OutletJunk:
    table = OVERRIDE if OVERRIDE is not None else _load()
    return table.get(outlet or "", NO_JUNK)


def strip_title(title: str, outlet: str | None) -> str:
    junk = profile_for(outlet)
    for suffix in junk.title_suffixes:
        if title.endswith(suffix) and title[: -len(suffix)].strip():
            return title[: -len(suffix)].rstrip()
    return title


def block_lines(el: etree._Element) -> list[str]:
    """The element's text lines as the plain text shows them (blocks and <br> break)."""
    parts: list[str] = []
    for node in el.iter():
        if node is not el and isinstance(node.tag, str) and node.tag in _BLOCK_SET | _RULES:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return [s for line in "".join(parts).split("\n") if (s := _WS.sub(" ", line).strip())]


def drop_edge_junk(root: etree._Element, outlet: str | None, title: str = "") -> str | None:
    """Remove a page header and measured boilerplate blocks from both ends of the body.
    At the start, a time line (a date, "1 小时前", "最近更新： 38 分钟前", or a line the
    profile measured) within the first few blocks ends the page's header: the short
    lines and headings before it (the title repeated, the byline) go with it. Returns
    the byline's name when the header had one."""
    junk = profile_for(outlet)
    byline = _drop_header(root, junk, " ".join(title.split()))
    if junk is NO_JUNK:
        return byline
    for from_end in (True, False):
        removed = 0
        for _ in range(MAX_EDGE_BLOCKS):
            edge = _edge_block(root, from_end)
            if edge is None:
                break
            lines = block_lines(edge)
            if not lines or not all(junk.line_is_junk(line) for line in lines):
                break
            drop(edge)
            removed += 1
        if removed:
            _drop_edge_rules(root, from_end)
    return byline


_HEADER_LINE_CHARS = 40
_NAME_CHARS = 12
_TIME_LINE_CHARS = 24
_SENTENCE = re.compile(r"[。！？!?；;]")
_HEADINGS = frozenset({"h1", "h2", "h3"})
# A page header's time, relative ("38 分钟前", "1 小時前") after an optional label
# ("最近更新：", "更新"): pages print it instead of a date for recent articles.
_RELATIVE_TIME = re.compile(r"^\d+\s*(?:秒|分钟|分鐘|小时|小時|天)前$")
_TIME_LABEL = re.compile(r"^[^\d\s:：]{1,6}\s*[:：]?\s*(?=\d)")


def is_time_line(line: str) -> bool:
    """A short line that is nothing but a time: a date `parse_date` reads, or a
    relative time, optionally after a short label."""
    s = " ".join(line.split())
    if not s or len(s) > _TIME_LINE_CHARS:
        return False
    for candidate in (s, _TIME_LABEL.sub("", s, count=1)):
        if _RELATIVE_TIME.match(candidate) or parse_date(candidate) is not None:
            return True
    return False


def _ends_header(lines: list[str], junk: OutletJunk) -> bool:
    return bool(lines) and all(junk.line_is_junk(line) or is_time_line(line) for line in lines)


def _drop_header(root: etree._Element, junk: OutletJunk, title: str) -> str | None:
    units = _first_units(root, MAX_EDGE_BLOCKS + 1)
    header: list[etree._Element] = []
    end = None
    for n, el in enumerate(units[:MAX_EDGE_BLOCKS]):
        lines = block_lines(el)
        header.append(el)
        if _ends_header(lines, junk):
            end = n
            break
        if el.tag in _HEADINGS:
            continue  # the page's headline, worded as the page had it
        if not lines or any(
            line != title and (len(line) > _HEADER_LINE_CHARS or _SENTENCE.search(line))
            for line in lines
        ):
            return None
    if end is None:
        return None
    if len(header) == 1 and not all(is_time_line(line) for line in block_lines(header[0])):
        return None  # a lone measured line: the edge pass handles it
    # "2020年11月20日" then "最近更新： 2020年11月22日": the header's times go together.
    for el in units[end + 1 :]:
        if not _ends_header(block_lines(el), junk):
            break
        header.append(el)
    names = [
        line
        for el in header[:end]
        if el.tag not in _HEADINGS
        for line in block_lines(el)
        if line != title
    ]
    for el in header:
        drop(el)
    first = names[0] if names else None
    return first if first and len(first) <= _NAME_CHARS and not _DIGITS.search(first) else None


def _first_units(root: etree._Element, n: int) -> list[etree._Element]:
    """The body's first `n` text units before its first image, in order: blocks
    without blocks inside, and blocks whose own loose text sits beside their inner
    blocks (`<div><time>2021年1月11日</time><div>最近更新 …</div></div>` is one unit:
    dropping only the inner block would leave the loose date behind)."""
    out: list[etree._Element] = []
    inside: etree._Element | None = None
    for el in root.iter(*_BLOCKS):
        if el is root:
            continue
        if inside is not None and any(anc is inside for anc in el.iterancestors()):
            continue
        has_blocks = any(c.tag in _BLOCK_SET for c in el.iterchildren())
        if has_blocks and not _loose_text(el):
            continue
        if not _visible_inside(el):
            continue
        if el.find(".//img") is not None:
            break
        out.append(el)
        inside = el
        if len(out) >= n:
            break
    return out


def _loose_text(el: etree._Element) -> bool:
    """Text in `el` outside its block children (its own text, inline children, tails)."""
    if (el.text or "").strip():
        return True
    return any(
        (c.tail or "").strip()
        or (isinstance(c.tag, str) and c.tag not in _BLOCK_SET and "".join(c.itertext()).strip())
        for c in el.iterchildren()
    )


def _edge_block(root: etree._Element, from_end: bool) -> etree._Element | None:
    """The innermost block holding the body's last (first) line, when nothing visible
    (text or image) lies beyond it; None when loose text or an image is the edge."""
    # Visibility (all of a block's text) is tested from the edge inwards only until the
    # first visible leaf: testing every leaf made this pass quadratic in the body's
    # blocks, and it runs up to `MAX_EDGE_BLOCKS` times at each end.
    leaves = [
        el
        for el in root.iter(*_BLOCKS)
        if el is not root and not any(c.tag in _BLOCK_SET for c in el.iterchildren())
    ]
    leaf = next(filter(_visible_inside, reversed(leaves) if from_end else leaves), None)
    if leaf is None:
        return None
    node = leaf
    while node is not root:
        parent = node.getparent()
        if parent is None:
            return None
        if from_end:
            beyond = list(node.itersiblings())
            loose = node.tail or ""
        else:
            beyond = list(node.itersiblings(preceding=True))
            prev = node.getprevious()
            loose = (prev.tail if prev is not None else parent.text) or ""
        if loose.strip() or any(_visible(b) for b in beyond):
            return None
        node = parent
    return leaf


def _visible_inside(el: etree._Element) -> bool:
    return bool("".join(el.itertext()).strip()) or el.find(".//img") is not None


def _visible(el: etree._Element) -> bool:
    return el.tag == "img" or _visible_inside(el) or bool((el.tail or "").strip())


def _drop_edge_rules(root: etree._Element, from_end: bool) -> None:
    """Rules and breaks left at the very end (start) of the body, at any depth."""
    node = root
    while len(node):
        el = node[-1] if from_end else node[0]
        loose = (el.tail if from_end else node.text) or ""
        if loose.strip():
            return
        if el.tag in _RULES:
            drop(el)
        elif el.tag in _BLOCK_SET:
            node = el
        else:
            return

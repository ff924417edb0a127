"""lxml helpers for the body clean-up: parsing a fragment into plain elements,
removing a subtree, reading text, and undoing a pretty-printer's whitespace."""

from __future__ import annotations

import re

from lxml import etree

from newsarchive.extract import sanitize as _sanitize_module
from newsarchive.extract.sanitize import ALLOWED_TAGS, DROP_WITH_CONTENT, unfinished_parse
from newsarchive.readers.errors import UnreadableError

_WS = re.compile(r"\s+")

# Plain lxml elements: lxml.html's element classes cost a Python lookup per element
# touched, a third of the parse time here. Comments go at parse time. libxml2 stops at
# 256 levels of nesting and drops the rest of the file without raising (300 unclosed
# <div>s kept 253 paragraphs); `huge_tree` raises that to 2048 (the files are at most
# 4 MiB: the other limits it lifts are not reached), and deeper markup is refused.
_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, default_doctype=False, huge_tree=True
)


def parse_fragment(fragment: str) -> etree._Element | None:
    """The fragment's elements under the parsed document's <body> (our root).

    Raises UnreadableError when the parser gave up before the end (markup nested
    deeper than it follows): a cut article would be stored as if it were whole."""
    if not fragment.strip():
        return None
    try:
        doc = etree.fromstring(f"<html><body>{fragment}</body></html>", _PARSER)
    except (etree.ParserError, ValueError):
        return None
    if reason := unfinished_parse(_PARSER):
        raise UnreadableError(reason)
    if doc is None:
        return None
    return doc.find("body")


def drop(el: etree._Element) -> None:
    """Remove an element and its subtree, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def content(el: etree._Element) -> str:
    return "".join(el.itertext())


def squeeze_text(el: etree._Element) -> str:
    """The element's text on one line, whitespace runs collapsed."""
    return _WS.sub(" ", content(el)).strip()


def keep_only_allowed_tags(root: etree._Element) -> None:
    """Make the tree what the sanitizer will keep of it, so that `tree_text` reads the
    text the stored HTML shows: elements the sanitizer removes with their content go
    here too, and every other tag it does not allow is unwrapped (its text and children
    stay). Unwrapping first matters: the sanitizer (ammonia) silently drops the
    *content* of SVG and MathML names it meets outside <svg> (`<tspan>`, `<text>`,
    `<g>`, `<mi>` …), which chart graphics leave in article HTML. The text then showed
    a chart's headline the stored HTML no longer had, and an export read back lost it."""
    tags = {el.tag for el in root.iter() if isinstance(el.tag, str)}
    doomed = tags & DROP_WITH_CONTENT
    if doomed:
        for el in list(root.iter(*doomed)):
            if el is not root:
                drop(el)
    foreign = tags - ALLOWED_TAGS - DROP_WITH_CONTENT - {root.tag}
    if foreign:
        etree.strip_tags(root, *foreign)


# Tags that start a new line in plain text: the same list `html_to_text` uses.
_BLOCK_TAGS = tuple(sorted(_sanitize_module._BLOCK_TAGS))
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def tree_text(root: etree._Element) -> str:
    """The plain text `html_to_text` gives for the sanitized HTML of this tree, without
    parsing that HTML again (a quarter of the import's time): the tree holds only
    what the sanitizer keeps, so marking block boundaries and reading the text nodes
    in C gives the same lines. Mutates the tree; call it last."""
    for el in root.iter(*_BLOCK_TAGS):
        el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")
    # One substitution over the whole text, not one per line (a tenth of the cost).
    lines = (line.strip() for line in _SPACES.sub(" ", "".join(root.itertext())).split("\n"))
    return "\n".join(line for line in lines if line)


_PRETTY_WS = re.compile(r"[ \t]*\n[ \t\n]*")
# A line break (with any tags around it) between two Latin words or numbers.
_LATIN_GAP = re.compile(
    r"(?<=[A-Za-z0-9,.;:!?%)\]\"'])([ \t]*(?:<[^<>]+>[ \t]*)*\n\s*(?:<[^<>]+>\s*)*)"
    r"(?=[A-Za-z0-9(])"
)
_TAG = re.compile(r"<[^<>]+>")


def collapse_pretty_whitespace(markup: str) -> str:
    """Undo a pretty-printer's line breaks and indentation (gfw-breaker pages are
    BeautifulSoup.prettify() output): between Chinese characters they are not spaces,
    so remove them, and keep one space only between two Latin words."""

    def keep_one_space(m: re.Match[str]) -> str:
        return " " + "".join(_TAG.findall(m.group(1)))

    return _PRETTY_WS.sub("", _LATIN_GAP.sub(keep_one_space, markup))

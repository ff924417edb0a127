"""Sanitizing untrusted article HTML, and turning it into plain text.

Everything shown to a user passes through `sanitize_html` first: only structural and
text tags survive, no scripts, event handlers, frames, forms or `javascript:` URLs.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html
import nh3

ALLOWED_TAGS: set[str] = {
    "p",
    "br",
    "hr",
    "div",
    "span",
    "blockquote",
    "pre",
    "code",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "small",
    "mark",
    "q",
    "cite",
    "a",
    "img",
    "figure",
    "figcaption",
    "picture",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES: set[str] = {"http", "https", "mailto"}
# Tags removed together with everything inside them (never shown as text either).
DROP_WITH_CONTENT: set[str] = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
    "svg",
    "math",
    "form",
    "textarea",
    "select",
}

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "table",
    "tr",
    "figure",
    "figcaption",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def sanitize_html(html: str) -> str:
    """Allow-list sanitizer (nh3/ammonia). Links get rel=noopener noreferrer."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        clean_content_tags=DROP_WITH_CONTENT,
    )


# libxml2 stops at 256 levels of nesting and drops the rest of the document without
# raising; `huge_tree` lets it go to 2048. Deeper markup is an error (see
# `unfinished_parse`), never a silently shortened article.
_HTML_PARSER = lxml.html.HTMLParser(huge_tree=True)
_DEPTH = re.compile(r"Excessive depth in document: (\d+)")


def unfinished_parse(parser: lxml.etree.HTMLParser) -> str | None:
    """Why `parser` stopped before the end of the document it last parsed (its
    recovery mode then returns what it had read, and only the error log tells), or
    None when it read everything."""
    fatal = parser.error_log.filter_from_fatals()
    if not fatal:
        return None
    error = fatal[0]
    if depth := _DEPTH.search(error.message):
        return (
            f"markup nested deeper than {depth[1]} levels (line {error.line}); the parser"
            " would drop everything after it"
        )
    return f"the HTML parser stopped at line {error.line}: {error.message}"


def html_to_text(html: str) -> str:
    """Readable plain text: one paragraph per line, whitespace collapsed."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div", parser=_HTML_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return _SPACES.sub(" ", re.sub(r"<[^>]+>", " ", html)).strip()
    chunks: list[str] = []
    # Depth first with a stack of its own: markup may nest 2048 deep, twice Python's
    # recursion limit. A closing entry adds the element's end (block break, tail).
    stack: list[tuple[lxml.html.HtmlElement, bool]] = [(root, False)]
    while stack:
        el, closing = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        if closing:
            if tag in _BLOCK_TAGS:
                chunks.append("\n")
            if el.tail:
                chunks.append(el.tail)
            continue
        if tag in ("script", "style", "noscript", "template"):
            if el.tail:
                chunks.append(el.tail)
            continue
        if tag in _BLOCK_TAGS:
            chunks.append("\n")
        if el.text:
            chunks.append(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(chunks).split("\n"))
    return "\n".join(line for line in lines if line)

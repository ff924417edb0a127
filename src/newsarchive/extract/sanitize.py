"""Sanitizing untrusted article HTML, and turning it into plain text.

Everything shown to a user passes through `sanitize_html` first: only structural and
text tags survive, no scripts, event handlers, frames, forms or `javascript:` URLs.
"""

from __future__ import annotations

import re

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


def html_to_text(html: str) -> str:
    """Readable plain text: one paragraph per line, whitespace collapsed."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _SPACES.sub(" ", re.sub(r"<[^>]+>", " ", html)).strip()
    chunks: list[str] = []

    def walk(el: lxml.html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style", "noscript", "template"):
            if el.tail:
                chunks.append(el.tail)
            return
        if tag in _BLOCK_TAGS:
            chunks.append("\n")
        if el.text:
            chunks.append(el.text)
        for child in el:
            walk(child)
        if tag in _BLOCK_TAGS:
            chunks.append("\n")
        if el.tail:
            chunks.append(el.tail)

    walk(root)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(chunks).split("\n"))
    return "\n".join(line for line in lines if line)

"""Finding English left on a translated page: the interface's words, not the archive's.

Article text, snippets, URLs, capture locations and code samples are content (kept as
the archive has them); outlet names and format names come from the data. What remains
is the interface, which on a zh-Hans or zh-Hant page must have no Latin word except the
few that are names everywhere (the brand, API, HTTP, the time zone's name)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from selectolax.lexbor import LexborHTMLParser as HTMLParser

# Content, not interface: dropped before looking.
# An element marked lang="en" is English on purpose (the language switch says "English").
CONTENT = "#body, .snippet, code, .source-link, .loc, .brand, figure.chart svg, script, style, body [lang=en]"
ALLOWED = {"newsarchive", "API", "JSON", "HTTP", "UTC", "Asia", "Shanghai", "GET", "api", "jobs"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def english_words(html: str, data_names: Iterable[str] = ()) -> list[str]:
    """The Latin words of the page's interface that are neither allowed nor data."""
    tree = HTMLParser(html)
    for node in tree.css(CONTENT):
        node.decompose()
    body = tree.body
    text = body.text(separator=" ") if body is not None else ""
    for name in sorted(data_names, key=len, reverse=True):
        text = text.replace(name, " ")
    # Attribute texts a reader sees or hears: placeholders, labels, titles.
    for node in tree.css("[placeholder], [aria-label], [title]"):
        for attr in ("placeholder", "aria-label", "title"):
            text += " " + (node.attributes.get(attr) or "")
    return [w for w in _WORD.findall(text) if w not in ALLOWED]

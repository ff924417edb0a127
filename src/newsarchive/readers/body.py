"""Cleaning an article body taken from a mirror file.

Every rule here is structural: an element is removed because of what it *is* (an ad
slot, a hidden element, a zero-size tracking image, a block whose links all lead to a
subscription page or to the aggregator's home) and never because of the sentence it
contains, so the rules keep working when a mirror rewords its promotions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html
from lxml import etree

from newsarchive.extract import html_to_text, sanitize_html
from newsarchive.model import Image
from newsarchive.readers.dates import parse_date

# Elements that never carry article content.
_DROP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "ins",
        "input",
        "iframe",
        "link",
        "meta",
        "form",
        "button",
        "select",
        "textarea",
        "object",
        "embed",
        "template",
        "svg",
    }
)
# Containers that are removed when nothing visible is left in them.
_PRUNABLE = frozenset(
    {
        "div",
        "span",
        "p",
        "center",
        "font",
        "section",
        "small",
        "strong",
        "b",
        "i",
        "em",
        "u",
        "ul",
        "ol",
        "li",
        "figure",
        "figcaption",
        "a",
        "blockquote",
        "header",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "article",
        "sup",
        "sub",
    }
)
_KEEP_EMPTY_IF_HAS = ("img", "table", "video", "audio", "hr")
# Disabled links: the mirrors rename <a href> so that GitHub does not render them.
_DISABLED_LINK_TAGS = frozenset({"span", "ok", "font"})
# Aggregator domains whose footer ("获取更多RSS …") is appended to every item.
_AGGREGATOR_HOST = re.compile(r"(^|\.)feedx\.[a-z]+$")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_ZERO = re.compile(r"^\s*0+(\.0+)?\s*(px)?\s*$")
_WS = re.compile(r"\s+")
# A removable promotion block is short; an article wrapped in one <div> is not.
_MAX_PROMO_CHARS = 800


@dataclass(slots=True)
class Body:
    html: str
    text: str
    images: list[Image] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    page_date: str | None = None  # the date the feed item shows in its body
    byline: str | None = None  # author line shown next to that date


def clean_body(
    fragment: str,
    *,
    base_url: str | None,
    restore_h2: bool = False,
    drop_top_level_hr: bool = False,
    pretty_printed: bool = False,
) -> Body:
    """Clean one body fragment: mirror junk removed, links restored, images un-proxied,
    then sanitized (nh3) and turned into plain text."""
    if pretty_printed:
        fragment = collapse_pretty_whitespace(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return Body(html="", text="")
    body = Body(html="", text="")
    _take_date_header(root, body)
    _restore_and_strip(root, restore_h2=restore_h2)
    if drop_top_level_hr:
        for el in list(root):
            if el.tag == "hr":
                el.drop_tree()
    _drop_link_blocks(root)
    _drop_link_lists(root)
    body.images = _fix_images(root, base_url)
    _absolutize_links(root, base_url)
    body.tags = _tag_links(root)
    _prune_empty(root)
    raw_html = (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    body.html = sanitize_html(raw_html).strip()
    body.text = html_to_text(body.html)
    return body


def _take_date_header(root: lxml.html.HtmlElement, body: Body) -> None:
    """Feed items open with ``<div><i>[byline<br>]date</i></div>`` (or, from RFI, a bare
    ``<div>29/06/2020 - 05:50</div>``): metadata, not text. Take it out and keep it."""
    for n, el in enumerate(root.iterdescendants("div")):
        if n >= 3:
            return
        children = list(el)
        if len(children) == 1 and children[0].tag == "i" and not (el.text or "").strip():
            pieces = [children[0].text or ""] + [c.tail or "" for c in children[0]]
        elif not children and el.text:
            pieces = [el.text]
        else:
            continue
        parts = [_WS.sub(" ", p).strip() for p in pieces]
        parts = [p for p in parts if p]
        if not parts or parse_date(parts[-1]) is None:
            return
        body.page_date = parts[-1]
        body.byline = " ".join(parts[:-1]) or None
        el.drop_tree()
        break


def _restore_and_strip(root: lxml.html.HtmlElement, *, restore_h2: bool) -> None:
    for el in list(root.iter()):
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions
            if el.getparent() is not None:
                el.drop_tree()
            continue
        if el.getparent() is None and el is not root:
            continue  # inside something already removed
        if tag in _DROP_TAGS:
            parent = el.getparent()
            el.drop_tree()
            # A copy-this-short-link box: the paragraph around the input is the widget.
            if (
                tag == "input"
                and parent is not None
                and parent.tag == "p"
                and parent.getparent() is not None
                and len(parent.text_content()) < 200
            ):
                parent.drop_tree()
            continue
        ident = el.get("id") or ""
        classes = el.get("class") or ""
        if (
            ident.startswith("div-gpt-ad")
            or "adsbygoogle" in classes
            or _HIDDEN_STYLE.search(el.get("style") or "")
        ):
            el.drop_tree()
            continue
        if tag in _DISABLED_LINK_TAGS and el.get("href") is not None:
            el.tag = "a"
        elif tag == "h4" and restore_h2:
            el.tag = "h2"
        elif tag == "a" and el.get("data-fancybox") is not None:
            el.drop_tree()  # a lightbox's second copy of the image above it
        elif tag == "img" and (
            _ZERO.match(el.get("width") or "x") or _ZERO.match(el.get("height") or "x")
        ):
            el.drop_tree()  # tracking pixel


def _drop_link_blocks(root: lxml.html.HtmlElement) -> None:
    """Blocks inserted to advertise something: the aggregator's footer (links to
    feedx.*) and subscription appeals (links to a subscribe page). The whole short block
    goes, with the rule or line break the footer puts before itself."""
    for a in list(root.iter("a")):
        if not _attached(a, root):
            continue
        href = a.get("href") or ""
        host = _host(href) if "//" in href else ""
        if _AGGREGATOR_HOST.search(host):
            kind = "aggregator"
        elif "subscribe" in href.lower():
            kind = "subscription"
        else:
            continue
        block = _enclosing_block(a, root)
        if block is None:
            continue
        if kind == "aggregator":
            prev = block.getprevious()
            while prev is not None and prev.tag in ("hr", "br") and not (prev.tail or "").strip():
                nxt = prev.getprevious()
                prev.drop_tree()
                prev = nxt
        block.drop_tree()


def _drop_link_lists(root: lxml.html.HtmlElement) -> None:
    """ "Related stories" lists: every item is nothing but a link to another article.
    They are navigation the page carried along, not the article's text."""
    for lst in list(root.iter("ul", "ol")):
        items = [li for li in lst if li.tag == "li"]
        if len(items) < 2 or not _attached(lst, root):
            continue
        if all(_is_only_links(li) for li in items):
            lst.drop_tree()


def _is_only_links(el: lxml.html.HtmlElement) -> bool:
    text = _WS.sub("", el.text_content())
    linked = "".join(_WS.sub("", a.text_content()) for a in el.iter("a") if a.get("href"))
    return bool(text) and text == linked


def _attached(el: lxml.html.HtmlElement, root: lxml.html.HtmlElement) -> bool:
    return any(anc is root for anc in el.iterancestors())


def _enclosing_block(
    el: lxml.html.HtmlElement, root: lxml.html.HtmlElement
) -> lxml.html.HtmlElement | None:
    node = el.getparent()
    while node is not None and node is not root:
        if node.tag in ("div", "p", "center", "section"):
            if len(node.text_content()) <= _MAX_PROMO_CHARS:
                return node
            return None
        node = node.getparent()
    return None


def real_image_url(src: str, base_url: str | None) -> str | None:
    """The image's own URL: un-proxied from images.weserv.nl (``?url=host/path``, scheme
    often missing), protocol-relative and relative URLs made absolute."""
    src = src.strip()
    if not src or src.startswith("data:"):
        return None
    if src.startswith("//"):
        src = "https:" + src
    try:
        parts = urlsplit(src)
        _ = parts.hostname
    except ValueError:
        return None  # not a URL (mangled by a mirror: "http://https：//…")
    if parts.hostname and parts.hostname.endswith("weserv.nl"):
        inner = parse_qs(parts.query).get("url")
        if inner:
            src = inner[0].strip()
            if src.startswith("//"):
                src = "https:" + src
            elif not re.match(r"^[a-z][a-z0-9+.-]*://", src, re.IGNORECASE):
                src = "https://" + src.lstrip("/")
            return src
    if not parts.scheme:
        if not base_url:
            return None
        return _join(base_url, src)
    return src


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _join(base: str, ref: str) -> str | None:
    try:
        return urljoin(base, ref)
    except ValueError:
        return None


def _fix_images(root: lxml.html.HtmlElement, base_url: str | None) -> list[Image]:
    images: list[Image] = []
    seen: set[str] = set()
    for img in list(root.iter("img")):
        src = img.get("src") or img.get("data-src") or ""
        url = real_image_url(src, base_url)
        if url is None:
            img.drop_tree()
            continue
        img.set("src", url)
        for attr in ("srcset", "data-src", "sizes"):
            img.attrib.pop(attr, None)
        if url in seen:
            continue
        seen.add(url)
        images.append(Image(url, _caption(img)))
    return images


def _text(el: lxml.html.HtmlElement) -> str:
    return _WS.sub(" ", el.text_content()).strip()


def _caption(img: lxml.html.HtmlElement) -> str | None:
    # 1. <figure><img><figcaption>
    for anc in img.iterancestors("figure"):
        caps = anc.findall(".//figcaption")
        if caps:
            return _text(caps[0]) or None
        break
    # 2. the element right after the image: <div><small>caption</small></div> (feeds),
    #    <div class="caption"> (大纪元), <figcaption>
    nxt = img.getnext()
    if nxt is not None and not (img.tail or "").strip():
        kids = list(nxt)
        if (
            (
                nxt.tag == "div"
                and len(kids) == 1
                and kids[0].tag == "small"
                and not (nxt.text or "").strip()
            )
            or "caption" in (nxt.get("class") or "")
            or nxt.tag == "figcaption"
        ):
            return _text(nxt) or None
    # 3. the image's own paragraph or gallery cell holds its caption
    parent = img.getparent()
    if (
        parent is not None
        and parent.getparent() is not None
        and parent.tag in ("p", "div", "center")
        and len(parent.findall(".//img")) == 1
    ):
        text = _text(parent)
        if text and len(text) <= 500:
            return text
    alt = _WS.sub(" ", img.get("alt") or img.get("title") or "").strip()
    return alt or None


def _absolutize_links(root: lxml.html.HtmlElement, base_url: str | None) -> None:
    if not base_url:
        return
    for a in root.iter("a"):
        href = a.get("href")
        if href and not href.startswith(("#", "http://", "https://", "mailto:")):
            joined = _join(base_url, href.strip())
            if joined:
                a.set("href", joined)


def _tag_links(root: lxml.html.HtmlElement) -> list[str]:
    """Outlets link keywords to their tag pages (``/gb/tag/芯片.html``): the article's
    own tags."""
    tags: dict[str, None] = {}
    for a in root.iter("a"):
        href = a.get("href") or ""
        if "/tag/" in href:
            label = _text(a)
            if label and len(label) <= 30:
                tags.setdefault(label, None)
    return list(tags)


def _prune_empty(root: lxml.html.HtmlElement) -> None:
    for el in reversed(list(root.iter())):
        if el is root or el.tag not in _PRUNABLE:
            continue
        if el.tag == "a" and el.get("name") and not el.get("href"):
            pass
        if el.text_content().strip():
            continue
        if any(True for _ in el.iter(*_KEEP_EMPTY_IF_HAS)):
            continue
        el.drop_tree()


_PRETTY_WS = re.compile(r"[ \t]*\n[ \t\n]*")
_ASCII_WORD = re.compile(r"[A-Za-z0-9,.;:!?%)\]\"']")


def collapse_pretty_whitespace(markup: str) -> str:
    """Undo a pretty-printer's line breaks and indentation (gfw-breaker pages are
    BeautifulSoup.prettify() output): between Chinese characters they are not spaces,
    so remove them, and keep one space only between two Latin words."""

    def repl(m: re.Match[str]) -> str:
        before = _visible_char(markup, m.start() - 1, -1)
        after = _visible_char(markup, m.end(), 1)
        if (
            before
            and after
            and _ASCII_WORD.match(before)
            and ((after.isascii() and after.isalnum()) or after == "(")
        ):
            return " "
        return ""

    return _PRETTY_WS.sub(repl, markup)


def _visible_char(s: str, i: int, step: int) -> str:
    """The nearest character at or beyond `i` (going `step`) that is not inside a tag."""
    n = len(s)
    while 0 <= i < n:
        c = s[i]
        if step < 0 and c == ">":
            j = s.rfind("<", 0, i)
            if j < 0:
                return c
            i = j - 1
        elif step > 0 and c == "<":
            j = s.find(">", i)
            if j < 0:
                return c
            i = j + 1
        elif c in " \t\n":
            i += step
        else:
            return c
    return ""

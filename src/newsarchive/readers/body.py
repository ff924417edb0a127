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

from lxml import etree

from newsarchive.extract import sanitize as _sanitize_module
from newsarchive.extract import sanitize_html
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
# (feedx.* and the "Better Feed" WordPress plugin that signs CDT's feed items)
_AGGREGATOR_LINK = re.compile(
    r"^(?:https?:)?//(?:[\w-]+\.)*(?:feedx\.[a-z]+|planetozh\.com)(?:[/:?#]|$)", re.I
)
# Links that ask for money or a subscription (看中国's 【诚征荣誉会员】 and its shop cart).
_SUBSCRIBE_LINK = re.compile(r"subscri|planshopcart|donat", re.IGNORECASE)
_FORM_TAGS = frozenset({"input", "button", "select", "textarea", "form"})
# Ad slots by class: adsbygoogle, m-block-ad, m-interstitial__ad, ad-container …
_AD_CLASS = re.compile(r"adsbygoogle|(?:^|[\s_-])(?:ad|ads|advert|advertisement)(?:$|[\s_-])")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_ZERO = re.compile(r"^\s*0+(\.0+)?\s*(px)?\s*$")
_WS = re.compile(r"\s+")
# A removable promotion block is short; an article wrapped in one <div> is not.
_MAX_PROMO_CHARS = 800
_MAX_LIST_HEADING = 12
_MAX_WIDGET_CHARS = 200


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
    root = _parse_fragment(fragment)
    if root is None:
        return Body(html="", text="")
    body = Body(html="", text="")
    _take_date_header(root, body)
    _restore_and_strip(root, restore_h2=restore_h2)
    if drop_top_level_hr:
        for el in list(root):
            if el.tag == "hr":
                _drop(el)
    _drop_link_blocks(root)
    _drop_link_lists(root)
    body.images = _fix_images(root, base_url)
    _absolutize_links(root, base_url)
    body.tags = _tag_links(root)
    _prune_empty(root)
    raw_html = (root.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in root
    )
    body.html = sanitize_html(raw_html).strip()
    body.text = _tree_text(root)
    return body


# Plain lxml elements: lxml.html's element classes cost a Python lookup per element
# touched, a third of the parse time here. Comments go at parse time.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)


def _parse_fragment(fragment: str) -> etree._Element | None:
    """The fragment's elements under the parsed document's <body> (our root)."""
    if not fragment.strip():
        return None
    try:
        doc = etree.fromstring(f"<html><body>{fragment}</body></html>", _PARSER)
    except (etree.ParserError, ValueError):
        return None
    if doc is None:
        return None
    return doc.find("body")


def _drop(el: etree._Element) -> None:
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


def _content(el: etree._Element) -> str:
    return "".join(el.itertext())


# Tags that start a new line in plain text: the same list `html_to_text` uses.
_BLOCK_TAGS = tuple(sorted(_sanitize_module._BLOCK_TAGS))
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def _tree_text(root: etree._Element) -> str:
    """The plain text `html_to_text` gives for the sanitized HTML of this tree, without
    parsing that HTML again (a quarter of the import's time): the tree holds only
    what the sanitizer keeps, so marking block boundaries and reading the text nodes
    in C gives the same lines. Mutates the tree; call it last."""
    for el in root.iter(*_BLOCK_TAGS):
        el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(root.itertext()).split("\n"))
    return "\n".join(line for line in lines if line)


def _take_date_header(root: etree._Element, body: Body) -> None:
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
        _drop(el)
        break


def _restore_and_strip(root: etree._Element, *, restore_h2: bool) -> None:
    for el in list(root.iter()):
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions
            if el.getparent() is not None:
                _drop(el)
            continue
        if el.getparent() is None and el is not root:
            continue  # inside something already removed
        if tag in _DROP_TAGS:
            parent = el.getparent()
            _drop(el)
            # A form control's short enclosing block is a widget (copy-this-short-link
            # box, newsletter sign-up), not text.
            if tag in _FORM_TAGS and parent is not None:
                widget = _widget_block(parent, root)
                if widget is not None:
                    _drop(widget)
            continue
        ident = el.get("id") or ""
        classes = el.get("class") or ""
        if (
            ident.startswith("div-gpt-ad")
            or _AD_CLASS.search(classes)
            or _HIDDEN_STYLE.search(el.get("style") or "")
        ):
            _drop(el)
            continue
        if tag in _DISABLED_LINK_TAGS and el.get("href") is not None:
            el.tag = "a"
        elif tag == "h4" and restore_h2:
            el.tag = "h2"
        elif tag == "a" and el.get("data-fancybox") is not None:
            _drop(el)  # a lightbox's second copy of the image above it
        elif tag == "img" and (
            _ZERO.match(el.get("width") or "x") or _ZERO.match(el.get("height") or "x")
        ):
            _drop(el)  # tracking pixel


def _drop_link_blocks(root: etree._Element) -> None:
    """Blocks inserted to advertise something: the aggregator's footer (links to
    feedx.*) and subscription appeals (links to a subscribe page). The whole short block
    goes, with the rule or line break the footer puts before itself."""
    for a in list(root.iter("a")):
        if not _attached(a, root):
            continue
        href = a.get("href") or ""
        if _AGGREGATOR_LINK.search(href):
            kind = "aggregator"
        elif _SUBSCRIBE_LINK.search(href):
            kind = "subscription"
        else:
            continue
        block = _enclosing_block(a, root)
        if block is None:
            # The appeal is loose text in the article container (a <p> around it was
            # closed early by the <hr> inside it): remove its run of inline content.
            _drop_inline_run(a)
            continue
        if kind == "aggregator":
            prev = block.getprevious()
            while prev is not None and prev.tag in ("hr", "br") and not (prev.tail or "").strip():
                nxt = prev.getprevious()
                _drop(prev)
                prev = nxt
        _drop(block)


_INLINE = frozenset(
    {"a", "span", "b", "strong", "i", "em", "u", "font", "small", "br", "img", "sup", "sub"}
)


def _drop_inline_run(el: etree._Element) -> None:
    """Remove `el` with the inline siblings and loose text around it, up to the
    nearest block boundaries on both sides (and a rule that opens the run)."""
    parent = el.getparent()
    if parent is None:
        return
    run = [el]
    before = el.getprevious()
    while before is not None and before.tag in _INLINE:
        run.insert(0, before)
        before = before.getprevious()
    after = el.getnext()
    while after is not None and after.tag in _INLINE:
        run.append(after)
        after = after.getnext()
    lead = (before.tail if before is not None else parent.text) or ""
    size = len(lead) + sum(len(_content(r)) + len(r.tail or "") for r in run)
    if size > _MAX_PROMO_CHARS:
        return
    if before is None:
        parent.text = None
    elif before.tag == "hr":
        run.insert(0, before)
    else:
        before.tail = None
    for r in run:
        parent.remove(r)


def _drop_link_lists(root: etree._Element) -> None:
    """ "Related stories" / "延伸閱讀" boxes: lists or boxes whose text is nothing but
    links to other pages (a short heading allowed). They are navigation the page
    carried along, not the article's text."""
    total = len(_WS.sub("", _content(root)))
    for box in list(root.iter("ul", "ol", "div", "aside", "section")):
        if box is root or not _attached(box, root):
            continue
        links = [a for a in box.iter("a") if (a.get("href") or "").startswith("http")]
        if len(links) < 2 or any(True for _ in box.iter("img")):
            continue
        text = _WS.sub("", _content(box))
        linked = sum(len(_WS.sub("", _content(a))) for a in links)
        # A digest whose whole body is a list of links (新闻联播 文字版) is the article.
        if text and len(text) - linked <= _MAX_LIST_HEADING and len(text) * 2 < total:
            _drop(box)


def _attached(el: etree._Element, root: etree._Element) -> bool:
    return any(anc is root for anc in el.iterancestors())


def _enclosing_block(
    el: etree._Element,
    root: etree._Element,
    *,
    include_self: bool = False,
    limit: int = _MAX_PROMO_CHARS,
) -> etree._Element | None:
    """The nearest block around `el`, if it is short enough to be a promotion."""
    node = el if include_self else el.getparent()
    while node is not None and node is not root:
        if node.tag in ("div", "p", "center", "section", "aside"):
            return node if len(_content(node)) <= limit else None
        node = node.getparent()
    return None


def _widget_block(el: etree._Element, root: etree._Element) -> etree._Element | None:
    """The outermost block around a form control that is still short: the whole
    sign-up box (title, field, button, thank-you message), not just the field."""
    found = None
    node: etree._Element | None = el
    while node is not None and node is not root:
        if node.tag in ("div", "p", "center", "section", "aside", "form"):
            if len(_content(node)) > _MAX_WIDGET_CHARS:
                break
            found = node
        node = node.getparent()
    return found


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


def _join(base: str, ref: str) -> str | None:
    try:
        return urljoin(base, ref)
    except ValueError:
        return None


def _fix_images(root: etree._Element, base_url: str | None) -> list[Image]:
    images: list[Image] = []
    seen: set[str] = set()
    for img in list(root.iter("img")):
        src = img.get("src") or img.get("data-src") or ""
        url = real_image_url(src, base_url)
        if url is None:
            _drop(img)
            continue
        img.set("src", url)
        for attr in ("srcset", "data-src", "sizes"):
            img.attrib.pop(attr, None)
        if url in seen:
            continue
        seen.add(url)
        images.append(Image(url, _caption(img)))
    return images


def _text(el: etree._Element) -> str:
    return _WS.sub(" ", _content(el)).strip()


def _caption(img: etree._Element) -> str | None:
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


def _absolutize_links(root: etree._Element, base_url: str | None) -> None:
    if not base_url:
        return
    for a in root.iter("a"):
        href = a.get("href")
        if href and not href.startswith(("#", "http://", "https://", "mailto:")):
            joined = _join(base_url, href.strip())
            if joined:
                a.set("href", joined)


def _tag_links(root: etree._Element) -> list[str]:
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


def _prune_empty(root: etree._Element) -> None:
    """Drop containers left with nothing visible, in one bottom-up pass."""
    visible: set[etree._Element] = set()
    for el in reversed(list(root.iter())):
        if (
            el.tag in _KEEP_EMPTY_IF_HAS
            or (el.text and not el.text.isspace())
            or any(child in visible or (child.tail and not child.tail.isspace()) for child in el)
        ):
            visible.add(el)
    for el in list(root.iter(*_PRUNABLE)):
        if el not in visible and el is not root:
            _drop(el)


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

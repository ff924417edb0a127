"""Cleaning an article body taken from a mirror file.

Every rule here is structural: an element is removed because of what it *is* (an ad
slot, a hidden element, a zero-size tracking image, a block whose links all lead to a
subscription page or to the aggregator's home) and never because of the sentence it
contains, so the rules keep working when a mirror rewords its promotions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from newsarchive.extract import sanitize_html
from newsarchive.model import Image
from newsarchive.readers.dates import parse_date
from newsarchive.readers.images import fix_images, join_url
from newsarchive.readers.junk import drop_edge_junk
from newsarchive.readers.tree import (
    collapse_pretty_whitespace,
    content,
    drop,
    keep_only_allowed_tags,
    parse_fragment,
    squeeze_text,
    tree_text,
)

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
_UNWRAPPED_BLOCKS = ("section", "article", "header", "footer")
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
# Text for screen readers only ("Image caption", "图片版权" labels): never shown.
_OFFSCREEN_CLASS = re.compile(
    r"(?:^|\s)(?:off-?screen|sr-only|visually-hidden|screen-reader-text)(?:$|\s)", re.I
)
_ZERO = re.compile(r"^\s*0+(\.0+)?\s*(px)?\s*$")
_WS = re.compile(r"\s+")
# A removable promotion block is short; an article wrapped in one <div> is not.
_MAX_PROMO_CHARS = 800
_MAX_LIST_HEADING = 12
_MIN_TEXT_LEFT = 40
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
    outlet: str | None = None,
    title: str = "",
) -> Body:
    """Clean one body fragment: mirror junk removed, links restored, images un-proxied,
    then sanitized (nh3) and turned into plain text."""
    if pretty_printed:
        fragment = collapse_pretty_whitespace(fragment)
    root = parse_fragment(fragment)
    if root is None:
        return Body(html="", text="")
    body = Body(html="", text="")
    _take_date_header(root, body)
    _restore_and_strip(root, restore_h2=restore_h2)
    if drop_top_level_hr:
        for el in list(root):
            if el.tag == "hr":
                drop(el)
    _drop_link_blocks(root)
    _drop_link_lists(root)
    body.images = fix_images(root, base_url)
    _absolutize_links(root, base_url)
    body.tags = _tag_links(root)
    # The outlet's measured boilerplate (footers, disclaimers) at the body's ends.
    header_name = drop_edge_junk(root, outlet, title)
    if body.byline is None:
        body.byline = header_name
    _prune_empty(root)
    # Blocks the sanitizer unwraps would leave a line break in the text that the HTML no
    # longer marks: as <div>s, reading the stored HTML again gives the same lines.
    for el in root.iter(*_UNWRAPPED_BLOCKS):
        el.tag = "div"
    keep_only_allowed_tags(root)
    # The root is the parsed document's <body>: serialise it in one call and drop its
    # own tags (one C call instead of one per child).
    raw_html = etree.tostring(root, encoding="unicode", method="html", with_tail=False)
    raw_html = raw_html.removeprefix("<body>").removesuffix("</body>")
    body.html = sanitize_html(raw_html).strip()
    body.text = tree_text(root)
    return body


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
        drop(el)
        break


def _restore_and_strip(root: etree._Element, *, restore_h2: bool) -> None:
    for el in list(root.iter()):
        tag = el.tag
        if not isinstance(tag, str):  # comments, processing instructions
            if el.getparent() is not None:
                drop(el)
            continue
        if el.getparent() is None and el is not root:
            continue  # inside something already removed
        if tag in _DROP_TAGS:
            parent = el.getparent()
            drop(el)
            # A form control's short enclosing block is a widget (copy-this-short-link
            # box, newsletter sign-up), not text.
            if tag in _FORM_TAGS and parent is not None:
                widget = _widget_block(parent, root)
                if widget is not None:
                    drop(widget)
            continue
        ident = el.get("id") or ""
        classes = el.get("class") or ""
        if (
            ident.startswith("div-gpt-ad")
            or _AD_CLASS.search(classes)
            or _HIDDEN_STYLE.search(el.get("style") or "")
            or _OFFSCREEN_CLASS.search(classes)
        ):
            drop(el)
            continue
        if tag in _DISABLED_LINK_TAGS and el.get("href") is not None:
            el.tag = "a"
        elif tag == "h4" and restore_h2:
            el.tag = "h2"
        elif tag == "a" and el.get("data-fancybox") is not None:
            drop(el)  # a lightbox's second copy of the image above it
        elif tag == "img" and (
            _ZERO.match(el.get("width") or "x") or _ZERO.match(el.get("height") or "x")
        ):
            drop(el)  # tracking pixel


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
                drop(prev)
                prev = nxt
        drop(block)


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
    size = len(lead) + sum(len(content(r)) + len(r.tail or "") for r in run)
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


_LINK_BOXES = ("ul", "ol", "div", "aside", "section", "p")


def _drop_link_lists(root: etree._Element) -> None:
    """ "Related stories" / "延伸閱讀" boxes: lists or boxes whose text is nothing but
    links to other pages (a short heading allowed). They are navigation the page
    carried along, not the article's text."""
    # Only the boxes around a link to another page can be one; most Jekyll posts have
    # no such link. Found from the links up, instead of collecting each box's links
    # (0.16 ms a Jekyll file went here, for 58% of files without any link).
    links_out = [a for a in root.iter("a") if (a.get("href") or "").startswith("http")]
    if not links_out:
        return
    around = {box for a in links_out for box in a.iterancestors(*_LINK_BOXES) if box is not root}
    total: int | None = None  # the text before any box is dropped (read once)
    for box in list(root.iter(*_LINK_BOXES)):
        if box not in around or not _attached(box, root):
            continue
        links = [a for a in box.iter("a") if (a.get("href") or "").startswith("http")]
        if not links or any(True for _ in box.iter("img")):
            continue
        # A paragraph is a box only when written as one: its heading, then a link a
        # line (`<p>延伸阅读<br><a>…</a><br><a>…</a></p>` on 新唐人 pages).
        if box.tag == "p" and (len(links) < 2 or box.find("br") is None):
            continue
        text = _WS.sub("", content(box))
        linked = sum(len(_WS.sub("", content(a))) for a in links)
        rest = len(text) - linked
        headed = _has_heading_child(box, rest)
        # One link is a box only under a heading of its own (CNA's 延伸閱讀 with a
        # single story): a short sentence ending in a link is text.
        if len(links) == 1 and not headed:
            continue
        # A digest whose whole body is a list of links (新闻联播 文字版) is the article;
        # a headed box may be longer than a short article, if text is left beside it.
        if not text or rest > _MAX_LIST_HEADING:
            continue
        if total is None:
            total = len(_WS.sub("", content(root)))
        if len(text) * 2 < total or (headed and total - len(text) >= _MIN_TEXT_LEFT):
            drop(box)


def _has_heading_child(box: etree._Element, rest: int) -> bool:
    """A child element of `box` without links that holds all of its other text (`rest`
    characters): the box's own title, like CNA's 延伸閱讀."""
    return rest > 0 and any(
        child.tag != "a"
        and next(child.iter("a"), None) is None
        and len(_WS.sub("", content(child))) == rest
        for child in box
    )


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
            return node if len(content(node)) <= limit else None
        node = node.getparent()
    return None


def _widget_block(el: etree._Element, root: etree._Element) -> etree._Element | None:
    """The outermost block around a form control that is still short: the whole
    sign-up box (title, field, button, thank-you message), not just the field."""
    found = None
    node: etree._Element | None = el
    while node is not None and node is not root:
        if node.tag in ("div", "p", "center", "section", "aside", "form"):
            if len(content(node)) > _MAX_WIDGET_CHARS:
                break
            found = node
        node = node.getparent()
    return found


def _absolutize_links(root: etree._Element, base_url: str | None) -> None:
    if not base_url:
        return
    for a in root.iter("a"):
        href = a.get("href")
        if href and not href.startswith(("#", "http://", "https://", "mailto:")):
            joined = join_url(base_url, href.strip())
            if joined:
                a.set("href", joined)


def _tag_links(root: etree._Element) -> list[str]:
    """Outlets link keywords to their tag pages (``/gb/tag/芯片.html``): the article's
    own tags."""
    tags: dict[str, None] = {}
    for a in root.iter("a"):
        href = a.get("href") or ""
        if "/tag/" in href:
            label = squeeze_text(a)
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
            drop(el)

"""Images of the article with their captions.

Captions are found by structure, in this order: the `<figcaption>` of the image's
`<figure>`; a short caption-like block right after the image (Chinese sites put the
caption in the next `<p>`, often centred or with a "caption"/"pic" class, or as text of
the same `<p>` after the `<img>`); the image's `alt`/`title`. Lazy-loading attributes
(`data-src`, `data-original`...) win over a placeholder `src`.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml.html import HtmlElement

from newsarchive.model import Image

_LAZY_ATTRS = (
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-url",
    "data-echo",
    "original",
    "src",
)
_CAPTION_ATTR = re.compile(r"caption|pic|photo|img|figure|desc|note|说明|說明", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"blank|spacer|placeholder|loading|grey\.gif|pixel|1x1|data:image", re.I)
_SPACE = re.compile(r"\s+")
MAX_CAPTION = 200


def _text(el: HtmlElement | None) -> str:
    return _SPACE.sub(" ", "".join(el.itertext())).strip() if el is not None else ""


def image_url(img: HtmlElement, base_url: str | None) -> str | None:
    for attr in _LAZY_ATTRS:
        value = (img.get(attr) or "").strip()
        if value and not _PLACEHOLDER.search(value):
            return urljoin(base_url, value) if base_url else value
    return None


def _caption_after(img: HtmlElement) -> str | None:
    """A caption placed after the image: the tail text in the same block, or the next
    short block (centred, caption-like class, or starting with 图/圖/Photo)."""
    tail = _SPACE.sub(" ", img.tail or "").strip()
    if 2 <= len(tail) <= MAX_CAPTION:
        return tail
    holder = img
    # Climb out of wrappers that hold nothing but the image (<p><a><img></a></p>).
    while holder.getparent() is not None and not _text(holder.getparent()).strip():
        holder = holder.getparent()
    sibling = holder.getnext()
    if sibling is None or not isinstance(sibling.tag, str) or sibling.find(".//img") is not None:
        return None
    text = _text(sibling)
    if not 2 <= len(text) <= MAX_CAPTION:
        return None
    attrs = f"{sibling.get('class', '')} {sibling.get('id', '')} {sibling.get('style', '')} {sibling.get('align', '')}"
    if (
        sibling.tag in ("figcaption", "small", "em", "i", "center")
        or _CAPTION_ATTR.search(attrs)
        or "center" in attrs.lower()
        or re.match(r"^[(（]?(?:图|圖|photo|圖片|图片|摄|攝)", text, re.I)
        or re.search(
            r"(?:摄|攝|供图|供圖|图片来源|圖片來源|Getty|AFP|Reuters|路透|法新社|美联社|美聯社)[)）]?$",
            text,
        )
    ):
        return text
    return None


def find_images(container: HtmlElement, base_url: str | None, limit: int = 50) -> list[Image]:
    images: list[Image] = []
    seen: set[str] = set()
    for img in container.iter("img"):
        url = image_url(img, base_url)
        if not url or url in seen or _tiny(img):
            continue
        seen.add(url)
        caption = None
        figure = next((a for a in img.iterancestors("figure")), None)
        if figure is not None:
            caption = _text(figure.find(".//figcaption")) or None
        caption = caption or _caption_after(img)
        caption = (
            caption or _SPACE.sub(" ", img.get("alt") or img.get("title") or "").strip() or None
        )
        images.append(Image(url, caption))
        if len(images) >= limit:
            break
    return images


def _tiny(img: HtmlElement) -> bool:
    """Icons, avatars and tracking pixels declare small sizes."""
    for attr in ("width", "height"):
        value = (img.get(attr) or "").strip().rstrip("px")
        if value.isdigit() and int(value) < 60:
            return True
    return False

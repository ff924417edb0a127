"""Images in a body: their real URLs (un-proxied, absolute) and their captions."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree

from newsarchive.model import Image
from newsarchive.readers.tree import drop, squeeze_text

_WS = re.compile(r"\s+")


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
        return join_url(base_url, src)
    return src


def join_url(base: str, ref: str) -> str | None:
    try:
        return urljoin(base, ref)
    except ValueError:
        return None


def fix_images(root: etree._Element, base_url: str | None) -> list[Image]:
    images: list[Image] = []
    seen: set[str] = set()
    for img in list(root.iter("img")):
        src = img.get("src") or img.get("data-src") or ""
        url = real_image_url(src, base_url)
        if url is None:
            drop(img)
            continue
        img.set("src", url)
        for attr in ("srcset", "data-src", "sizes"):
            img.attrib.pop(attr, None)
        if url in seen:
            continue
        seen.add(url)
        images.append(Image(url, _caption(img)))
    return images


def _caption(img: etree._Element) -> str | None:
    # 1. <figure><img><figcaption>
    for anc in img.iterancestors("figure"):
        caps = anc.findall(".//figcaption")
        if caps:
            return squeeze_text(caps[0]) or None
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
            return squeeze_text(nxt) or None
    # 3. the image's own paragraph or gallery cell holds its caption
    parent = img.getparent()
    if (
        parent is not None
        and parent.getparent() is not None
        and parent.tag in ("p", "div", "center")
        and len(parent.findall(".//img")) == 1
    ):
        text = squeeze_text(parent)
        if text and len(text) <= 500:
            return text
    alt = _WS.sub(" ", img.get("alt") or img.get("title") or "").strip()
    return alt or None

"""Bytes to text for feeds (and pages, before extraction), trusting what is usually
true rather than what is declared.

Chinese sites get their declarations wrong in known ways, so:
1. a byte-order mark wins;
2. bytes that are valid UTF-8 (and not plain ASCII) are UTF-8, whatever the label says:
   GB and Big5 text is almost never valid UTF-8 by accident, while "gb2312" templates
   serving UTF-8 are common;
3. a declared (HTTP header, XML prolog, <meta>) legacy charset is widened to its
   superset: GB2312/GBK → GB18030 (GB2312 labels routinely cover GBK characters),
   Big5 → Big5-HKSCS (Hong Kong and Taiwan sites use the extension characters);
4. otherwise sniff with charset-normalizer; as a last resort decode the declared (or
   UTF-8) charset with replacement characters rather than fail.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_WIDER = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
}
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.I)
_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def normalize_charset(label: str | None) -> str | None:
    """A Python codec name for a declared label, widened to its superset; None when
    the label names no codec we know."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _WIDER.get(name, name)


def declared_charset(raw: bytes, http_charset: str | None = None) -> str | None:
    """What the response says about itself: HTTP header, then XML prolog, then <meta>."""
    if http_charset:
        return http_charset
    head = raw[:4096]
    m = _XML_DECL.match(head) or _META.search(head)
    return m.group(1).decode("ascii") if m else None


def decode_bytes(raw: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode `raw`; returns (text, codec used)."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(name, errors="replace"), name
    try:
        text = raw.decode("utf-8")
        return text, "utf-8"
    except UnicodeDecodeError:
        pass
    declared = normalize_charset(declared_charset(raw, http_charset))
    if declared and declared != "utf-8":
        try:
            return raw.decode(declared), declared
        except UnicodeDecodeError:
            pass
    best = from_bytes(raw[:200_000]).best()
    if best is not None and best.encoding:
        name = _WIDER.get(best.encoding, best.encoding)
        return raw.decode(name, errors="replace"), name
    fallback = declared or "utf-8"
    return raw.decode(fallback, errors="replace"), fallback


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", content_type, re.I)
    return m.group(1) if m else None


def to_utf8_xml(text: str) -> bytes:
    """Re-encode a decoded XML document as UTF-8 and make its prolog say so, so that a
    parser reading the bytes cannot apply the original (wrong) declaration again."""
    text = re.sub(
        r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2",
        r"\1\2utf-8\2",
        text,
        count=1,
        flags=re.I,
    )
    return text.encode("utf-8")

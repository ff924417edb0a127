"""Bytes to text for Chinese web pages, whatever they claim to be.

Order of trust, and why:
1. A byte-order mark: nothing else can produce one.
2. Strict UTF-8: a page that decodes as UTF-8 without a single error is UTF-8, whatever its
   meta tag says (CMS templates copied from GB2312 sites lie; legacy Chinese text almost
   never forms valid multi-byte UTF-8 by accident).
3. The declared charset (HTTP header, then `<meta charset>` / `http-equiv`, then the XML
   prolog), widened to its superset: GB2312 and GBK pages routinely use characters only
   GB18030 has (人名 like 镕, 喆), and Hong Kong Big5 pages use HKSCS. Decoding with the
   narrow codec would turn those into errors.
4. Statistical sniffing (charset_normalizer), with the same widening.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Narrow labels mapped to the codec that is a strict superset of them.
SUPERSETS: dict[str, str] = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "big-5": "big5hkscs",
    "cp950": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "iso-8859-1": "cp1252",  # what browsers do: WHATWG maps latin-1 to windows-1252
    "latin1": "cp1252",
}

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


class CharsetError(ValueError):
    """The bytes cannot be read as text in any plausible encoding."""


def normalize_charset(label: str | None) -> str | None:
    """A Python codec name for a declared label, widened to its superset; None if unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = SUPERSETS.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return SUPERSETS.get(codec, codec)


def declared_charset(raw: bytes, content_type: str | None = None) -> str | None:
    """The charset a page declares: HTTP header first, then the first 4 KiB of markup."""
    if content_type:
        m = _HEADER.search(content_type)
        if m and (found := normalize_charset(m.group(1))):
            return found
    head = raw[:4096]
    for pattern in (_META, _XML):
        hit = pattern.search(head)
        if hit and (found := normalize_charset(hit.group(1).decode("ascii", "ignore"))):
            return found
    return None


def decode_html(raw: bytes, content_type: str | None = None) -> str:
    """Decode a page's bytes; raises CharsetError (a ValueError) when nothing fits."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared_charset(raw, content_type)
    if declared and declared != "utf-8":
        try:
            return raw.decode(declared)
        except UnicodeDecodeError:
            # A few stray bytes (truncated page, one bad character) should not send a
            # correctly labelled page to the sniffer, which is less reliable on CJK.
            text = raw.decode(declared, errors="replace")
            if text.count("\ufffd") <= max(3, len(text) // 1000):
                return text
    best = from_bytes(raw[:65536]).best()
    if best is None or best.encoding is None:
        if declared:
            return raw.decode(declared, errors="replace")
        raise CharsetError("cannot determine the text encoding")
    codec = normalize_charset(best.encoding) or best.encoding
    return raw.decode(codec, errors="replace")

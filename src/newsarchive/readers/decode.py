"""Bytes of a mirror file to text, or a precise reason why they are not text.

The mirrors write UTF-8, but copies pass through Windows editors and Chinese tools: a
UTF-8 BOM, CRLF or mixed line endings, or the whole file re-encoded as GBK/GB18030 or
Big5. Those are still the article, so we decode them when the decoding is unambiguous;
binary data, truncated UTF-8 and undecidable bytes are refused with a reason.
"""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

from newsarchive.readers.errors import UnreadableError

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# C0 controls other than tab/newline/carriage return/form feed mark binary data.
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_LEGACY = ("gb18030", "big5hkscs")
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]")


def decode_text(raw: bytes) -> str:
    """Decode one mirror file; newlines normalised to ``\\n``."""
    if not raw.strip():
        raise UnreadableError("empty file")
    text = _decode(raw)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # A BOM pasted into the middle of a file (seen inside titles) and stray control
    # characters are invisible noise, and no HTML or XML tool accepts the latter.
    return _INVISIBLE.sub("", text)


def _decode(raw: bytes) -> str:
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise UnreadableError(f"starts with a {codec} BOM but is not {codec}") from exc
    sample = raw[:8192]
    if b"\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise UnreadableError("binary data, not a text file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(raw):
            raise UnreadableError(
                "truncated: the file ends in the middle of a UTF-8 character"
            ) from exc
        utf8_error = exc
    return _decode_legacy(raw, utf8_error)


def _decode_legacy(raw: bytes, utf8_error: UnicodeDecodeError) -> str:
    """GBK/GB18030 or Big5 text. Both decoders accept many byte strings, so we only
    accept a decoding that is strict-clean and that the charset detector agrees with."""
    candidates = {}
    for codec in _LEGACY:
        try:
            candidates[codec] = raw.decode(codec)
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise UnreadableError(
            f"not UTF-8 (invalid byte at offset {utf8_error.start}) and not GBK or Big5 text"
        )
    if len(candidates) == 1:
        return next(iter(candidates.values()))
    best = from_bytes(raw, cp_isolation=["gb18030", "big5"]).best()
    if best is None:
        raise UnreadableError("not UTF-8, and cannot tell whether it is GBK or Big5")
    codec = (
        "gb18030" if best.encoding.replace("_", "") in ("gb18030", "gbk", "gb2312") else "big5hkscs"
    )
    return candidates.get(codec) or next(iter(candidates.values()))

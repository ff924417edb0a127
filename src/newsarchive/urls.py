"""Canonical URLs: one spelling per article, so captures from any mirror merge.

This is the basic normalisation every stage relies on; outlet-specific rules (host
aliases, edition paths) come from the outlet profiles.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that only track who clicked; they never select content.
_TRACKING = re.compile(
    r"^(utm_[a-z_]+|maca|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ocid|cmpid|"
    r"spm|from|share|_ga|ref|ref_src|at_[a-z_]+|xtor|ns_[a-z_]+)$",
    re.IGNORECASE,
)
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = "/:@!$'()*+,;=-._~%?"


def canonical_url(url: str) -> str:
    """Normalise scheme, host, default ports, `//`, percent-encoding, tracking
    parameters and fragments. Returns the input stripped when it is not an http(s) URL."""
    raw = url.strip()
    if raw.startswith("//"):
        raw = "https:" + raw
    try:
        parts = urlsplit(raw)
    except ValueError:
        return raw
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return raw
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return raw
    if host.startswith("www.") or host.startswith("m."):
        host = host.split(".", 1)[1]
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    path = quote(unquote(path), safe=_SAFE_PATH)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    q = urlencode(sorted(query), safe=_SAFE_QUERY) if query else ""
    # https and http serve the same article: one identity for both.
    return urlunsplit(("https", netloc, path, q, ""))

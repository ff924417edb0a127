"""Canonical URLs: one spelling per article, so captures from any mirror merge.

`canonical_url` applies, in order:

1. generic normalisation: scheme (http and https are one identity), lower-cased host,
   default ports, `//` in paths, percent-encoding (decoded then re-encoded one way),
   tracking parameters, fragments, trailing slashes and trailing noise that mirrors glue
   onto a URL (`)`, `>`, `，`, `#new_tab` ...);
2. host aliases: `www.`, `m.`, `mobile.`, `wap.`, `amp.` prefixes;
3. known mirror and proxy hosts (GreatFire's CloudFront mirrors, redirectors, archive
   proxies) are mapped back to the origin;
4. per-outlet rules from `profiles/outlets.toml` (`host_aliases`, `url_rules`,
   `drop_params`): e.g. DW's slug before `/a-<id>` changes with every headline edit, CNA
   files the same story id under several sections.

The rules are data; this module only applies them (see `newsarchive.urls_rules`).
Simplified and traditional editions (`/gb/` vs `/b5/`) stay two articles: see
`edition_key` and docs/dedup.md.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from newsarchive.text.normalize import fold_for_matching
from newsarchive.urls_rules import HostRule, host_rule, proxy_target

# Query parameters that only track who clicked; they never select content.
_TRACKING = re.compile(
    r"^(utm_[a-z_]+|maca|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ocid|cmpid|"
    r"spm|from|share|_ga|ref|ref_src|at_[a-z_]+|xtor|ns_[a-z_]+|langkey|rss|"
    r"source|feed_id|feedid|via|recruiter|s_cid|smid|smtyp|_hsenc|_hsmi|vero_[a-z_]+)$",
    re.IGNORECASE,
)
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = "/:@!$'()*+,;=-._~%?"
# Host prefixes that serve the same pages as the bare host.
_HOST_PREFIXES = ("www.", "m.", "mobile.", "wap.", "amp.")
# Characters mirrors leave stuck to the end of a URL taken from running text or Markdown.
_TRAILING_NOISE = " \t\r\n\"'<>)]}.,;:!?，。；：！？）】」』、\u3000\u00a0"
_MAX_UNWRAP = 3  # a proxy of a proxy of a proxy is as deep as real data goes


_ARTICLE_SCHEMES = ("http", "https")


def http_url(url: str | None) -> str | None:
    """`url` (stripped) when it is an absolute http or https URL with a host, else None.

    Only such a URL may become an article's address: the address is shown as a link,
    and a mirror file may give any string (`javascript:`, `data:`, `file:`, `vbscript:`
    ...). A scheme-relative ``//host/path`` is taken as https."""
    if not url:
        return None
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    try:
        # urlsplit drops what browsers drop (tabs and newlines inside, leading control
        # characters), so "java\tscript:" is judged as the browser would read it.
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _ARTICLE_SCHEMES or not parts.hostname:
        return None
    return url


def canonical_url(url: str) -> str:
    """The one spelling of `url` that identifies its article.

    Returns the input stripped when it is not an http(s) URL (such identities are then
    compared as given)."""
    raw = url.strip().strip(_TRAILING_NOISE)
    result = _normalise(raw)
    if result is None:
        return raw
    for _ in range(_MAX_UNWRAP):
        inner = proxy_target(result[0], result[1], result[2])
        unwrapped = _normalise(inner) if inner else None
        if unwrapped is None:
            break
        result = unwrapped
    return _apply_outlet_rules(*result)


def _normalise(raw: str) -> tuple[str, str, str, str] | None:
    """Generic normalisation: returns (host, path, query, port suffix) or None."""
    if raw.startswith("//"):
        raw = "https:" + raw
    elif "://" not in raw and re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+/", raw, re.IGNORECASE):
        raw = "https://" + raw  # mirrors often drop the scheme of a proxied URL
    try:
        parts = urlsplit(raw)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return None
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    try:
        port = parts.port
    except ValueError:
        port = None
    port_suffix = "" if port in (None, 80, 443) else f":{port}"
    path, query = parts.path, parts.query
    if query and "=" not in query and "/" in query:
        # A `?` a mirror left unencoded inside a headline slug (DW: `/zh/标题?…/a-1`):
        # what follows is still the path, not a query.
        path, query = f"{path}%3F{query.replace('+', ' ')}", ""
    path = re.sub(r"/{2,}", "/", path or "/")
    path = quote(unquote(path).strip(), safe=_SAFE_PATH)
    # `/story/` and `/story` are one page on every site we archive; `%20` padding left by
    # mirrors that cut a title into the URL is noise too.
    path = re.sub(r"(%20)+(?=/|$)", "", path)
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return host, path, query, port_suffix


def _apply_outlet_rules(host: str, path: str, query: str, port: str) -> str:
    rule: HostRule | None = host_rule(host)
    params = parse_qsl(query, keep_blank_values=True)
    if rule is not None:
        host = rule.canonical_host or host
        for pattern, replacement in rule.path_rules:
            new = pattern.sub(replacement, path)
            if new != path:
                path = new
                break
        params = [(k, v) for k, v in params if k.lower() not in rule.drop_params]
    kept = [(k, v) for k, v in params if not _TRACKING.match(k)]
    q = urlencode(sorted(kept), safe=_SAFE_QUERY) if kept else ""
    return urlunsplit(("https", host + port, path, q, ""))


def edition_key(url: str) -> str | None:
    """The identity shared by an article's simplified and traditional editions (e.g.
    epochtimes `/gb/` and `/b5/`), or None when the outlet has no such editions.

    Editions are kept as separate articles (each with its own text and history); the
    dedup stage uses this key to group them without comparing text."""
    try:
        host = urlsplit(url.strip() if "//" in url else "//" + url.strip()).hostname or ""
    except ValueError:
        return None
    first = host_rule(host.removeprefix("www."))
    # Cheap exit for most articles (canonicalising cost ~0.25 ms): an alias or mirror
    # host carries its outlet's rules, so no editions here means none after it either.
    if first is None or not first.editions:
        return None
    canon = canonical_url(url)
    parts = urlsplit(canon)
    rule = host_rule(parts.hostname or "")
    if rule is None or not rule.editions:
        return None
    for pattern in rule.editions:
        m = pattern.search(parts.path)
        if m:
            path = parts.path
            if m.start(1) >= 0:  # an optional edition marker may be absent (simplified)
                path = path[: m.start(1)] + path[m.end(1) :]
            # RFI writes the slug in the edition's own script: fold it too.
            path = fold_for_matching(unquote(path))
            return f"edition:{parts.netloc}{path}" + (f"?{parts.query}" if parts.query else "")
    return None

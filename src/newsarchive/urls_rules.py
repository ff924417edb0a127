"""URL rules as data: per-outlet host aliases, mirror hosts, path rules and editions
(`profiles/outlets.toml`), and generic proxies (`profiles/proxies.toml`).

Loaded once and compiled; `canonical_url` runs on every ingest, so a lookup is a few
dict probes over the host's suffixes, never a scan of every outlet.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, unquote, urljoin

from newsarchive.outlets import load_outlets


class UrlRuleError(ValueError):
    """A rule in a profile file is malformed; the message names the outlet and key."""


@dataclass(frozen=True)
class HostRule:
    outlet: str
    canonical_host: str | None  # replaces the host (alias or mirror), None keeps it
    path_rules: tuple[tuple[re.Pattern[str], str], ...] = ()
    drop_params: frozenset[str] = frozenset()
    # Regexes whose group 1 is the edition segment (`gb`, `b5`, `simp`, `trad` ...).
    editions: tuple[re.Pattern[str], ...] = ()
    # (path regex, query parameter): the page is a redirector to a path of this outlet.
    redirects: tuple[tuple[re.Pattern[str], str], ...] = ()


@dataclass(frozen=True)
class Proxy:
    """A host that wraps another URL: in a query parameter or after a path prefix."""

    host: str
    path: re.Pattern[str]
    param: str | None


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise UrlRuleError(f"{where}: bad regex {pattern!r}: {exc}") from exc


def _outlet_rules(key: str, extra: dict[str, Any]) -> dict[str, Any]:
    where = f"profiles/outlets.toml [outlets.{key}]"
    path_rules = []
    for r in extra.get("url_rules", []):
        if not isinstance(r, dict) or "match" not in r or "replace" not in r:
            raise UrlRuleError(f"{where}: url_rules entries need 'match' and 'replace'")
        # TOML rules use \1 style back-references, as sed does.
        path_rules.append((_compile(r["match"], where), r["replace"]))
    redirects = []
    for r in extra.get("redirects", []):
        redirects.append((_compile(r["path"], where), r["param"]))
    return {
        "path_rules": tuple(path_rules),
        "drop_params": frozenset(p.lower() for p in extra.get("drop_params", [])),
        "editions": tuple(_compile(e, where) for e in extra.get("editions", [])),
        "redirects": tuple(redirects),
    }


@cache
def _host_table() -> dict[str, HostRule]:
    table: dict[str, HostRule] = {}
    for o in load_outlets():
        rules = _outlet_rules(o.key, o.extra)
        aliases: dict[str, str] = {
            k.lower(): v.lower() for k, v in o.extra.get("host_aliases", {}).items()
        }
        home = o.extra.get("home_host")
        for host in o.hosts:
            table.setdefault(host, HostRule(o.key, aliases.get(host), **rules))
        for alias, target in aliases.items():
            table[alias] = HostRule(o.key, target, **rules)
        for mirror in o.extra.get("mirror_hosts", []):
            if not home:
                raise UrlRuleError(
                    f"profiles/outlets.toml [outlets.{o.key}]: mirror_hosts needs home_host"
                )
            table[mirror.lower()] = HostRule(o.key, home, **rules)
    return table


def host_rule(host: str) -> HostRule | None:
    """The rule for `host` or its nearest registered parent domain."""
    table = _host_table()
    h = host
    while True:
        rule = table.get(h)
        if rule is not None:
            if h != host and rule.canonical_host is not None:
                # An alias names one host exactly; a subdomain of it keeps its own name.
                return HostRule(
                    rule.outlet,
                    None,
                    rule.path_rules,
                    rule.drop_params,
                    rule.editions,
                    rule.redirects,
                )
            return rule
        if "." not in h:
            return None
        h = h.split(".", 1)[1]


@cache
def _proxies() -> tuple[Proxy, ...]:
    data = tomllib.loads(
        resources.files("newsarchive.profiles").joinpath("proxies.toml").read_text("utf-8")
    )
    out = []
    for p in data.get("proxy", []):
        where = f"profiles/proxies.toml proxy {p.get('host')!r}"
        if "host" not in p or "path" not in p:
            raise UrlRuleError(f"{where}: needs 'host' and 'path'")
        out.append(Proxy(p["host"].lower(), _compile(p["path"], where), p.get("param")))
    return tuple(out)


def proxy_target(host: str, path: str, query: str) -> str | None:
    """The URL a proxy, mirror redirector or archive wraps, or None."""
    for p in _proxies():
        if host != p.host and not host.endswith("." + p.host):
            continue
        m = p.path.match(unquote(path))
        if not m:
            continue
        if p.param is None:
            # `//` was collapsed by the normalisation before us: restore the scheme's.
            target = re.sub(r"^(https?):/+", r"\1://", m.group(1))
            if query:
                target += "?" + query
            return target
        value = dict(parse_qsl(query)).get(p.param)
        if value:
            return value
    rule = host_rule(host)
    if rule is not None and rule.redirects:
        for pattern, param in rule.redirects:
            if pattern.match(path):
                value = dict(parse_qsl(query)).get(param)
                if value:
                    return urljoin(f"https://{rule.canonical_host or host}/", value)
    return None

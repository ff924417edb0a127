"""Canonical outlets: one name per source, whatever a mirror or feed calls it.

The data lives in `profiles/outlets.toml`; this module only looks it up.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Outlet:
    key: str
    name: str
    aliases: tuple[str, ...]
    hosts: tuple[str, ...]
    lang: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def _fold(name: str) -> str:
    return "".join(name.split()).casefold()


@cache
def load_outlets() -> tuple[Outlet, ...]:
    data = tomllib.loads(
        resources.files("newsarchive.profiles").joinpath("outlets.toml").read_text("utf-8")
    )
    out = []
    for key, entry in data.get("outlets", {}).items():
        known = {"name", "aliases", "hosts", "lang"}
        out.append(
            Outlet(
                key=key,
                name=entry["name"],
                aliases=tuple(entry.get("aliases", [])),
                hosts=tuple(h.lower() for h in entry.get("hosts", [])),
                lang=entry.get("lang"),
                extra={k: v for k, v in entry.items() if k not in known},
            )
        )
    return tuple(out)


@cache
def _by_alias() -> dict[str, Outlet]:
    table: dict[str, Outlet] = {}
    for o in load_outlets():
        for alias in (o.key, o.name, *o.aliases):
            table.setdefault(_fold(alias), o)
    return table


@lru_cache(maxsize=4096)
def outlet_for_host(host: str) -> Outlet | None:
    # Cached: an import asks about the same few hosts for every file.
    host = host.lower().rstrip(".")
    for o in load_outlets():
        for h in o.hosts:
            if host == h or host.endswith("." + h):
                return o
    return None


def outlet_for_url(url: str | None) -> Outlet | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    return outlet_for_host(host) if host else None


def outlet_for_name(name: str | None) -> Outlet | None:
    if not name:
        return None
    return _by_alias().get(_fold(name))


def canonical_outlet(name: str | None = None, url: str | None = None) -> str | None:
    """The outlet's canonical name: the URL's host decides when it is known (a mirror's
    label can be wrong or be a feed author's name), then the mirror's label; an unknown
    label is kept as given rather than dropped."""
    o = outlet_for_url(url) or outlet_for_name(name)
    if o:
        return o.name
    return name.strip() if name and name.strip() else None

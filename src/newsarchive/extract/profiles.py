"""Per-outlet extraction hints, kept as data in `profiles/outlets.toml`.

An outlet entry may carry, next to its names and hosts:

    extract_content = ["CSS selector", ...]   # the article body; first match wins
    extract_junk    = ["CSS selector", ...]   # blocks to drop before extraction

A profile only narrows what the general pipeline does: when its content selector finds
nothing (the outlet changed its templates), extraction carries on with the density pass,
so a stale profile degrades to the general path instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from newsarchive.outlets import load_outlets, outlet_for_url


@dataclass(frozen=True)
class Profile:
    outlet: str
    content: tuple[CSSSelector, ...]
    junk: tuple[CSSSelector, ...]

    def content_element(self, root: HtmlElement) -> HtmlElement | None:
        for selector in self.content:
            found = selector(root)
            if found:
                return found[0]
        return None

    def junk_elements(self, root: HtmlElement) -> list[HtmlElement]:
        return [el for selector in self.junk for el in selector(root)]


@cache
def _profiles() -> dict[str, Profile]:
    out = {}
    for outlet in load_outlets():
        content = tuple(CSSSelector(s) for s in outlet.extra.get("extract_content", []))
        junk = tuple(CSSSelector(s) for s in outlet.extra.get("extract_junk", []))
        if content or junk:
            out[outlet.key] = Profile(outlet.key, content, junk)
    return out


def profile_for_url(url: str | None) -> Profile | None:
    outlet = outlet_for_url(url)
    return _profiles().get(outlet.key) if outlet else None

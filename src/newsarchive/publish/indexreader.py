"""A Python reader of the static search index that does what static/search.js does.

Tests use it to check that queries find the right articles; bench/publish.py uses it to
count the bytes a browser downloads for a query (the same files, in the same order).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsarchive.publish.scriptmap import t2s_map
from newsarchive.publish.spellings import static_spellings
from newsarchive.publish.tokens import fold, query_terms

_CALL = re.compile(r"^NAidx\((\"[^\"]*\"),(.*)\);\s*$", re.S)
PAGE = 20  # results search.js shows at once


@dataclass(slots=True)
class QueryTrace:
    docs: list[int]
    files: list[str] = field(default_factory=list)  # every file loaded, in order
    bytes: int = 0
    results: list[list[str]] = field(default_factory=list)  # [path, title, date, outlet]


class StaticIndex:
    def __init__(self, site: Path) -> None:
        self.site = site
        self._cache: dict[str, Any] = {}
        self.meta = self._load("search/meta.js", None)

    def _load(self, path: str, trace: QueryTrace | None) -> Any:
        if path not in self._cache:
            text = (self.site / path).read_text("utf-8")
            m = _CALL.match(text)
            if not m:
                raise ValueError(f"{path}: not an index file")
            self._cache[path] = json.loads(m.group(2))
        if trace is not None and path not in trace.files:
            trace.files.append(path)
            trace.bytes += (self.site / path).stat().st_size
        return self._cache[path]

    def search(self, query: str, *, fresh: bool = True) -> QueryTrace:
        """Run `query`; with `fresh`, count downloads as a browser with an empty cache
        that has loaded search.html, search.js, script.js and meta.js."""
        if fresh:
            self._cache.clear()
        trace = QueryTrace(docs=[])
        for f in ("search.html", "static/search.js", "static/script.js"):
            trace.files.append(f)
            trace.bytes += (self.site / f).stat().st_size
        meta = self._load("search/meta.js", trace)
        if any(ch in t2s_map() for ch in query):
            self._load("static/t2s.js", trace)  # the browser folds with this table
        folded = fold(query)
        variants = [folded]
        if any(ch in meta.get("vchars", "") for ch in folded):
            self._load("static/variants.js", trace)
            variants = static_spellings(folded)
        found: set[int] = set()
        for spelling in variants:  # search.js takes the union of every spelling's hits
            terms = query_terms(spelling)
            for seg in meta["segments"]:
                found.update(self._segment(seg, terms, trace))
        deleted = set(meta["deleted"])
        trace.docs = sorted((d for d in found if d not in deleted), reverse=True)
        for d in trace.docs[:PAGE]:
            block = d // meta["block"]
            rows = self._load(f"search/docs/{block}.js", trace)
            trace.results.append(rows[d - block * meta["block"]])
        return trace

    def _segment(self, seg: dict[str, Any], terms: list[str], trace: QueryTrace) -> list[int]:
        if not terms:
            return []
        sid = seg["id"]
        directory: list[str] = self._load(f"search/{sid}/dir.js", trace)
        keys = [t.encode("utf-16-be") for t in directory]
        sets: list[set[int]] = []
        for term in terms:
            if len(term) == 1 and term >= "\u3400":
                first = _shard_of(keys, term)
                last = min(_shard_of(keys, term + "\uffff"), max(first, 0) + 3)
                found: set[int] = set()
                for k in range(max(first, 0), last + 1):
                    shard = self._load(f"search/{sid}/p{k}.js", trace)
                    for t, enc in shard.items():
                        if t[0] == term:
                            found |= _decode(enc)
                sets.append(found)
                continue
            k = _shard_of(keys, term)
            if k < 0:
                return []
            shard = self._load(f"search/{sid}/p{k}.js", trace)
            if term not in shard:
                return []
            sets.append(_decode(shard[term]))
        common = set.intersection(*sets)
        return [seg["base"] + d for d in common]


def _shard_of(keys: list[bytes], term: str) -> int:
    key = term.encode("utf-16-be")
    lo, hi, ans = 0, len(keys) - 1, -1
    while lo <= hi:
        mid = (lo + hi) // 2
        if keys[mid] <= key:
            ans, lo = mid, mid + 1
        else:
            hi = mid - 1
    return ans


def _decode(enc: str) -> set[int]:
    raw = base64.b64decode(enc[1:])
    if enc[0] == "l":
        return {int.from_bytes(raw[i : i + 2], "little") for i in range(0, len(raw), 2)}
    return {i * 8 + b for i, byte in enumerate(raw) if byte for b in range(8) if byte >> b & 1}

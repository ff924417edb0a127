"""The static search index: sharded posting lists that search.js loads on demand.

Layout under `search/` (every file is a script calling `NAidx(name, data)`, because
browsers refuse fetch()/XHR on file:// pages but do run <script src>):

- `<seg>/dir.js`   the first term of every shard of a segment (sorted by UTF-16 code
                   units, as JavaScript compares strings)
- `<seg>/p<k>.js`  `{term: postings}` for the terms of shard k
- `docs/<b>.js`    `[[path, title, date, outlet], ...]` for documents b*BLOCK ..

A segment holds at most 65,536 documents so that a posting is a 16-bit local number.
Postings are either a list of uint16 (`l` + base64) or a bitmap over the segment (`b` +
base64), whichever is smaller: a term in more than 1/16 of the documents costs at most
count/8 bytes, so even 中国 in 40,000 articles is a 5 KB bitmap, and a query never pays
for a huge posting list. Shards are cut at SHARD_BYTES so a query loads a few small files.

Incremental publishing appends a new segment for new or changed articles and lists the
replaced document numbers as deleted (`meta.deleted`), like a Lucene segment merge
policy: too many segments or deletions trigger a full rebuild.
"""

from __future__ import annotations

import base64
import json
import sys
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

SEGMENT_CAPACITY = 65_536
# 24 KB shards for a 50,000-document segment: measured on the 51k-article archive, a
# 4-bigram query then loads ~100 KB of postings, while the directory (one term per shard)
# stays ~36 KB. A small delta segment gets proportionally smaller shards (down to 4 KB):
# with 24 KB shards, 100 new articles cost a query as much as the whole archive.
SHARD_BYTES = 24_000
MIN_SHARD_BYTES = 4_000
FULL_SHARD_DOCS = 50_000
# Documents per metadata file: 20 results touch up to 20 blocks; 16 rows (~1.8 KB) each
# keep that under 40 KB (32 rows cost 70 KB in the benchmark).
DOC_BLOCK = 16
MAX_SEGMENTS = 6  # more delta segments than this: rebuild (each costs a directory load)
MAX_DELETED_SHARE = 0.1
INDEX_FORMAT = 2  # 2: 16-document metadata blocks


@dataclass(slots=True)
class DocEntry:
    article_id: int
    version_id: int
    path: str
    title: str
    date: str
    outlet: str


@dataclass(slots=True)
class Segment:
    id: str
    base: int  # global number of its first document
    count: int
    shards: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "base": self.base, "count": self.count, "shards": self.shards}


@dataclass(slots=True)
class IndexState:
    """What the next incremental build needs; stored in the publish manifest."""

    segments: list[Segment] = field(default_factory=list)
    docs: dict[int, tuple[int, int]] = field(default_factory=dict)  # article → (doc, version)
    deleted: list[int] = field(default_factory=list)
    next_doc: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "format": INDEX_FORMAT,
            "segments": [s.to_json() for s in self.segments],
            "docs": {str(k): list(v) for k, v in self.docs.items()},
            "deleted": self.deleted,
            "next_doc": self.next_doc,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> IndexState | None:
        if not data or data.get("format") != INDEX_FORMAT:
            return None
        return cls(
            segments=[Segment(**s) for s in data["segments"]],
            docs={int(k): (v[0], v[1]) for k, v in data["docs"].items()},
            deleted=list(data["deleted"]),
            next_doc=int(data["next_doc"]),
        )


Emit = Callable[[str, str], None]  # (path under the site root, file text)
Keep = Callable[[str], None]  # keep every file written earlier under this prefix


def js_call(name: str, data: object) -> str:
    payload = safe_json(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return f"NAidx({json.dumps(name)},{payload});\n"


def safe_json(payload: str) -> str:
    """JSON that stays inert wherever it lands: no raw `<`, `>`, `&` (so no `</script>`
    or markup even in titles) and no U+2028/2029 (which end older JS string literals)."""
    for ch, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        payload = payload.replace(ch, esc)
    return payload


def utf16_key(term: str) -> bytes:
    return term.encode("utf-16-be")


def encode_postings(local_docs: array, segment_size: int) -> str:
    as_list = 2 * len(local_docs)
    as_bitmap = (segment_size + 7) // 8
    if as_list <= as_bitmap:
        arr = array("H", local_docs)
        if sys.byteorder != "little":
            arr.byteswap()
        return "l" + base64.b64encode(arr.tobytes()).decode("ascii")
    bits = bytearray(as_bitmap)
    for d in local_docs:
        bits[d >> 3] |= 1 << (d & 7)
    return "b" + base64.b64encode(bytes(bits)).decode("ascii")


def build_segment(seg: Segment, docs_terms: Iterable[tuple[int, set[str]]], emit: Emit) -> Segment:
    """Index (local doc number, terms) pairs into shard files; returns seg with its
    shard count set."""
    postings: dict[str, array] = {}
    for local, doc_terms in docs_terms:
        for t in doc_terms:
            arr = postings.get(t)
            if arr is None:
                postings[t] = arr = array("H")
            arr.append(local)
    limit = max(MIN_SHARD_BYTES, min(SHARD_BYTES, SHARD_BYTES * seg.count // FULL_SHARD_DOCS))
    first_terms: list[str] = []
    shard: dict[str, str] = {}
    size = 0

    def flush() -> None:
        nonlocal shard, size
        if shard:
            emit(
                f"search/{seg.id}/p{len(first_terms) - 1}.js",
                js_call(f"{seg.id}/p{len(first_terms) - 1}", shard),
            )
        shard, size = {}, 0

    for term in sorted(postings, key=utf16_key):
        enc = encode_postings(postings[term], seg.count)
        if shard and size + len(enc) + len(term) * 3 > limit:
            flush()
        if not shard:
            first_terms.append(term)
        shard[term] = enc
        size += len(enc) + len(term) * 3 + 6
    flush()
    emit(f"search/{seg.id}/dir.js", js_call(f"{seg.id}/dir", first_terms))
    seg.shards = len(first_terms)
    return seg


def emit_doc_blocks(start: int, entries: list[DocEntry], emit: Emit) -> None:
    """Metadata of documents start, start+1, ...; `start` is a multiple of DOC_BLOCK."""
    assert start % DOC_BLOCK == 0
    for i in range(0, len(entries), DOC_BLOCK):
        block = (start + i) // DOC_BLOCK
        rows = [[e.path, e.title, e.date, e.outlet] for e in entries[i : i + DOC_BLOCK]]
        emit(f"search/docs/{block}.js", js_call(f"docs/{block}", rows))


def meta_json(state: IndexState) -> dict[str, Any]:
    """What search.js needs first (inlined into search.html)."""
    return {
        "v": INDEX_FORMAT,
        "block": DOC_BLOCK,
        "segments": [s.to_json() for s in state.segments],
        "deleted": sorted(state.deleted),
    }


def needs_full_rebuild(state: IndexState | None, selected: dict[int, int]) -> bool:
    if state is None:
        return True
    changed = sum(1 for a, v in selected.items() if a in state.docs and state.docs[a][1] != v)
    removed = sum(1 for a in state.docs if a not in selected)
    live = max(1, len(state.docs))
    return (
        len(state.segments) >= MAX_SEGMENTS
        or (len(state.deleted) + changed + removed) / live > MAX_DELETED_SHARE
    )


def build_index(
    entries: list[DocEntry],
    doc_terms: Callable[[DocEntry], set[str]],
    emit: Emit,
    keep: Keep,
    previous: IndexState | None,
) -> tuple[IndexState, bool]:
    """Write the index for `entries` (ordered oldest first); reuse `previous` when an
    append is enough. `doc_terms` reads an article's text only for documents indexed now.
    Returns the new state and whether the index was rebuilt from scratch."""
    selected = {e.article_id: e.version_id for e in entries}
    full = previous is None or needs_full_rebuild(previous, selected)
    if full or previous is None:
        state = IndexState()
        todo = entries
    else:
        state = previous
        for seg in state.segments:
            keep(f"search/{seg.id}/")
        keep("search/docs/")
        todo = [
            e
            for e in entries
            if e.article_id not in state.docs or state.docs[e.article_id][1] != e.version_id
        ]
        gone = [a for a in state.docs if a not in selected]
        for a in [*gone, *(e.article_id for e in todo if e.article_id in state.docs)]:
            state.deleted.append(state.docs.pop(a)[0])
        if not todo:
            return state, False
    # Start every build on a fresh metadata block so earlier blocks never change.
    base = -(-state.next_doc // DOC_BLOCK) * DOC_BLOCK
    for start in range(0, len(todo), SEGMENT_CAPACITY):
        chunk = todo[start : start + SEGMENT_CAPACITY]
        seg = Segment(id=f"s{_next_segment_number(state)}", base=base + start, count=len(chunk))
        build_segment(seg, ((i, doc_terms(e)) for i, e in enumerate(chunk)), emit)
        state.segments.append(seg)
        for i, e in enumerate(chunk):
            state.docs[e.article_id] = (seg.base + i, e.version_id)
    emit_doc_blocks(base, todo, emit)
    state.next_doc = base + len(todo)
    return state, full


def _next_segment_number(state: IndexState) -> int:
    return 1 + max((int(s.id[1:]) for s in state.segments), default=-1)

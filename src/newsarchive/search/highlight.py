"""Snippets and highlighted titles in the article's own script, as safe HTML.

Matching happens on the folded text (simplified, half-width, lower-case) while the
output shows the original characters: `fold_with_offsets` keeps, for every folded
character, the index of the original character it came from. OpenCC's ``t2s`` is
character-level for almost all text and NFKC only rarely changes lengths (``…`` → ``...``),
so the usual path is one whole-text conversion with an identity map.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from newsarchive.search.query import ParsedQuery
from newsarchive.text.script import to_simplified
from newsarchive.text.segment import CJK_CLASS, fold, stem

SNIPPET_CHARS = 160  # about two lines of Chinese in a result list
_LEAD = 24  # characters of context shown before the first match
_WORD = re.compile(rf"[^\W\d_{CJK_CLASS}]+")


def fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """`fold(text)` and, when lengths differ, the original index of each folded char
    (None means identity)."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded, None
    pieces = [unicodedata.normalize("NFKC", ch).lower() for ch in text]
    joined = "".join(pieces)
    simp = to_simplified(joined)
    if len(simp) != len(joined):  # a phrase-level conversion changed length: go per char
        pieces = [to_simplified(p) for p in pieces]
        simp = "".join(pieces)
    offsets = [i for i, p in enumerate(pieces) for _ in p]
    return simp, offsets


@dataclass(slots=True)
class Highlighter:
    literal: re.Pattern[str] | None  # CJK words, numbers and phrases, folded
    stems: frozenset[str]  # stems of Latin-script words

    @classmethod
    def for_query(cls, parsed: ParsedQuery) -> Highlighter:
        patterns: set[str] = set()
        stems: set[str] = set()
        for term in parsed.positive_terms():
            if len(term.tokens) == 1 and not term.quoted and _WORD.fullmatch(term.tokens[0]):
                stems.add(term.tokens[0])
            elif term.needle:
                # Whole term, allowing spaces between characters ("美国 总统" ~ "美国总统").
                patterns.add(r"\s*".join(re.escape(c) for c in term.needle))
        literal = None
        if patterns:
            literal = re.compile("|".join(sorted(patterns, key=len, reverse=True)))
        return cls(literal, frozenset(stems))

    def spans(self, folded: str) -> list[tuple[int, int, str]]:
        """(start, end, what) of every match in a folded text, in order, not overlapping."""
        found: list[tuple[int, int, str]] = []
        if self.literal is not None:
            found += [(m.start(), m.end(), m.group()) for m in self.literal.finditer(folded)]
        if self.stems:
            found += [
                (m.start(), m.end(), stem(m.group()))
                for m in _WORD.finditer(folded)
                if stem(m.group()) in self.stems
            ]
        found.sort()
        out: list[tuple[int, int, str]] = []
        for span in found:
            if not out or span[0] >= out[-1][1]:
                out.append(span)
        return out

    def mark(self, text: str) -> str:
        """All of `text` as escaped HTML with every match in <mark>."""
        folded, offsets = fold_with_offsets(text)
        return _render(text, self.spans(folded), offsets, 0, len(text))

    def snippet(self, text: str, width: int = SNIPPET_CHARS) -> str:
        """The window of `text` that shows the most different matched terms."""
        folded, offsets = fold_with_offsets(text)
        spans = self.spans(folded)
        if not spans:
            end = min(len(text), width)
            return html.escape(text[:end]) + ("…" if end < len(text) else "")
        best_start, best_score = spans[0][0], -1
        for i, (start, _, _) in enumerate(spans[:200]):
            seen = {what for s, e, what in spans[i:] if e <= start + width}
            if len(seen) > best_score:
                best_start, best_score = start, len(seen)
        a = max(0, _orig(best_start, offsets) - _LEAD)
        b = min(len(text), a + width)
        return _render(text, spans, offsets, a, b)


def _orig(i: int, offsets: list[int] | None) -> int:
    if offsets is None:
        return i
    return offsets[i] if i < len(offsets) else (offsets[-1] + 1 if offsets else 0)


def _render(
    text: str, spans: list[tuple[int, int, str]], offsets: list[int] | None, a: int, b: int
) -> str:
    out = ["…"] if a > 0 else []
    pos = a
    for s, e, _ in spans:
        os_, oe = _orig(s, offsets), _orig(e - 1, offsets) + 1
        if oe <= a or os_ >= b:
            continue
        os_, oe = max(os_, pos), min(oe, b)
        out.append(html.escape(text[pos:os_]))
        out.append("<mark>" + html.escape(text[os_:oe]) + "</mark>")
        pos = oe
    out.append(html.escape(text[pos:b]))
    if b < len(text):
        out.append("…")
    return "".join(out)

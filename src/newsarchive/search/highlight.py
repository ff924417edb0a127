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
from collections import Counter
from dataclasses import dataclass
from itertools import islice

from newsarchive.search.query import ParsedQuery
from newsarchive.text.script import to_simplified, to_traditional
from newsarchive.text.segment import CJK_CLASS, fold, stem

SNIPPET_CHARS = 160  # about two lines of Chinese in a result list
_LEAD = 24  # characters of context shown before the first match
_FIRST_CHUNK = 600  # most matches are in the lead: fold that first (NFKC costs ~0.3 µs/char)
_CHUNK = 3000  # then this much text at a time
_OVERLAP = 200  # so a match (and its window) across a chunk boundary is still seen
_MAX_SPANS = 24  # matches considered for the window: enough to find the densest one
_WORD = re.compile(rf"[^\W\d_{CJK_CLASS}]+")
_MAYBE_WIDE = re.compile(r"[^\x00-\x7f\u3400-\u4dbf\u4e00-\u9fff]")


def fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """`fold(text)` and, when lengths differ, the original index of each folded char
    (None means identity)."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded, None
    # Only characters outside ASCII and CJK can change length under NFKC (… → ...):
    # find those, keep the runs between them whole.
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _MAYBE_WIDE.finditer(text):
        wide = unicodedata.normalize("NFKC", m.group()).lower()
        if len(wide) == 1:
            continue
        _add_run(parts, offsets, text, pos, m.start())
        parts.append(wide)
        offsets.extend([m.start()] * len(wide))
        pos = m.end()
    _add_run(parts, offsets, text, pos, len(text))
    joined = "".join(parts)
    simp = to_simplified(joined)
    if len(simp) != len(joined):  # a phrase-level conversion changed length: go per char
        simp = "".join(to_simplified(c) if len(to_simplified(c)) == 1 else c for c in joined)
    return simp, offsets


def _add_run(parts: list[str], offsets: list[int], text: str, a: int, b: int) -> None:
    run = unicodedata.normalize("NFKC", text[a:b]).lower()
    if len(run) != b - a:  # composition of combining marks: keep characters apart
        run = "".join(unicodedata.normalize("NFKC", c).lower()[:1] or c for c in text[a:b])
    parts.append(run)
    offsets.extend(range(a, b))


@dataclass(slots=True)
class Highlighter:
    literal: re.Pattern[str] | None  # CJK words, numbers and phrases, folded
    stems: frozenset[str]  # stems of Latin-script words
    # Fast path: every term in simplified and traditional spelling, matched on the
    # original text without folding it (a regex scan, ~100x cheaper than NFKC + t2s).
    # The folded path is the fallback when this finds nothing (rare spellings).
    raw: re.Pattern[str] | None = None

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
        raw_parts = [rf"(?<![a-z]){re.escape(s)}[a-z]*" for s in stems]
        for term in parsed.positive_terms():
            if term.needle and not (len(term.tokens) == 1 and term.tokens[0] in stems):
                for spelling in sorted({term.needle, to_traditional(term.needle)}, key=len):
                    raw_parts.append(r"\s*".join(re.escape(c) for c in spelling))
        raw = None
        if raw_parts:
            raw_parts.sort(key=len, reverse=True)
            raw = re.compile("|".join(raw_parts), re.IGNORECASE)
        return cls(literal, frozenset(stems), raw)

    def _raw_spans(self, text: str) -> list[tuple[int, int, str]]:
        if self.raw is None:
            return []
        matches = islice(self.raw.finditer(text), _MAX_SPANS)
        return [(m.start(), m.end(), m.group().lower()) for m in matches]

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
        spans = self._raw_spans(text)
        if spans:
            return _render(text, spans, None, 0, len(text))
        folded, offsets = fold_with_offsets(text)
        return _render(text, self.spans(folded), offsets, 0, len(text))

    def snippet(self, text: str, width: int = SNIPPET_CHARS) -> str:
        """The window of `text` that shows the most different matched terms.

        The text is folded chunk by chunk, stopping at the first chunk with a match:
        folding a whole 100,000-character article for a 160-character snippet cost up
        to 50 ms per hit, folding 3,000 characters ~3 ms, the 600-character lead ~0.5 ms."""
        # The lead first: a regex scan of 20,000 characters for common English words
        # cost ~1.5 ms, and a match in the lead makes as good a snippet.
        spans = self._raw_spans(text[:_FIRST_CHUNK]) or self._raw_spans(text)
        if spans:
            return _window(text, spans, None, width, 0, len(text))
        starts = [0, *range(_FIRST_CHUNK, len(text), _CHUNK)]
        for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
            piece = text[start : end + _OVERLAP]
            folded, offsets = fold_with_offsets(piece)
            spans = self.spans(folded)[:_MAX_SPANS]
            if spans:
                return _window(piece, spans, offsets, width, start, len(text))
        end = min(len(text), width)
        return html.escape(text[:end]) + ("…" if end < len(text) else "")


def _window(
    piece: str,
    spans: list[tuple[int, int, str]],
    offsets: list[int] | None,
    width: int,
    start: int,
    total: int,
) -> str:
    """The `width` characters of `piece` (at `start` in a text of `total` characters)
    that show the most different terms, rendered."""
    # Sliding window over the spans (in order): distinct terms within `width` of each.
    best_start, best_score = spans[0][0], 0
    inside: Counter[str] = Counter()
    j = 0
    for i, (first, _, what) in enumerate(spans):
        j = max(j, i)
        while j < len(spans) and spans[j][1] <= first + width:
            inside[spans[j][2]] += 1
            j += 1
        if len(inside) > best_score:
            best_start, best_score = first, len(inside)
        if j > i:
            inside[what] -= 1
            if not inside[what]:
                del inside[what]
    a = max(0, _orig(best_start, offsets) - _LEAD)
    b = min(len(piece), a + width)
    body = _render(piece, spans, offsets, a, b)
    return ("…" if start + a > 0 else "") + body + ("…" if start + b < total else "")


def _orig(i: int, offsets: list[int] | None) -> int:
    if offsets is None:
        return i
    return offsets[i] if i < len(offsets) else (offsets[-1] + 1 if offsets else 0)


def _render(
    text: str, spans: list[tuple[int, int, str]], offsets: list[int] | None, a: int, b: int
) -> str:
    """text[a:b] escaped, with the spans (folded coordinates) in <mark>."""
    out = []
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
    return "".join(out)

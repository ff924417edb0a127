"""Why a hit matched: the word as typed, another spelling or region's word (variant),
another form of a name (alias), an English query's Chinese words (translation:
`search.english`), or its meaning (the semantic ranking).

Read from the hit's own text: for each clause of the query, the forms (`Term.form`)
the title and text hold, as written in simplified or traditional script. A plain
``in`` test per form (a few microseconds on the 20,000 characters a snippet reads)
instead of folding the text: folding costs ~0.3 µs a character, milliseconds a hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from newsarchive.search.query import ParsedQuery, Term
from newsarchive.text.script import convert, to_traditional

REASONS = ("word", "variant", "alias", "translation", "meaning")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Reasons:
    why: tuple[str, ...]  # in REASONS order, each once
    matched: tuple[str, ...]  # the forms found, as the query side writes them


def _writings(term: Term) -> frozenset[str]:
    return _writings_of(term.form.lower())


@lru_cache(maxsize=4096)
def _writings_of(form: str) -> frozenset[str]:
    """The form as simplified, traditional, Taiwan and Hong Kong texts write it
    (OpenCC's s2t writes 華爲, Taiwan's press 華為); once per form, not per hit."""
    tw, hk = (convert(c, form) for c in ("s2tw", "s2hk"))
    return frozenset({form, to_traditional(form), tw, hk, _SPACE.sub("", form)})


def reasons(
    parsed: ParsedQuery,
    title: str,
    text: str,
    *,
    semantic: bool = False,
    translated: bool = False,
) -> Reasons:
    """The reasons `title` + `text` match `parsed` (plus "meaning" when the semantic
    ranking found it). A clause none of whose forms is seen literally (a fragment
    match, a rare variant character) counts as "word", unless another ranking found
    the hit (`semantic`, or `translated`: an English query's Chinese words) or the
    clause is a translation's (its words need not all be there)."""
    doc = (title + "\n" + text).lower()
    squeezed: str | None = None
    why: set[str] = set()
    matched: list[str] = []
    for clause in parsed.clauses:
        found = False
        for term in clause:
            hit = any(w and w in doc for w in _writings(term))
            if not hit and " " in term.form:
                squeezed = squeezed if squeezed is not None else _SPACE.sub("", doc)
                hit = _SPACE.sub("", term.form.lower()) in squeezed
            if hit:
                found = True
                why.add(term.reason)
                if term.form not in matched:
                    matched.append(term.form)
        of_translation = all(t.reason == "translation" for t in clause)
        if not found and not (semantic or translated or of_translation):
            why.add("word")
    if semantic:
        why.add("meaning")
    return Reasons(tuple(r for r in REASONS if r in why), tuple(matched))

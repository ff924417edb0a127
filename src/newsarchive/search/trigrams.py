"""The CJK trigrams both backends narrow fragment checks with (SQLite's ``search_tri``,
PostgreSQL's ``grams`` column): what an article holds, what a query needs, and whether
an archive's trigrams are complete. Each backend only renders them in its own syntax.

A needle found in an article's folded text keeps its CJK characters contiguous once
everything else is left out of both (removing characters from a text and from a
substring of it alike leaves a substring), so the article holds every trigram of the
needle's CJK characters: a necessary condition. Extra trigrams (characters that were
apart) only let more candidates through to the text check, which still decides.
"""

from __future__ import annotations

import re

from newsarchive.archive.session import Session
from newsarchive.search.query import ParsedQuery
from newsarchive.search.tokens import IndexRow
from newsarchive.text.segment import CJK_CLASS

_CJK_RUN = re.compile(f"[{CJK_CLASS}]+")


def cjk_text(row: IndexRow) -> str:
    """The article's CJK characters in order (title, then body), everything else left
    out: its CJK tokens joined."""
    return "".join(_CJK_RUN.findall(row[0] + " " + row[1]))


def trigrams(cjk: str) -> list[str]:
    """The distinct trigrams of `cjk`, sorted."""
    return sorted({cjk[i : i + 3] for i in range(len(cjk) - 2)})


def needed(parsed: ParsedQuery) -> list[list[list[str]]]:
    """Per clause of `parsed` that can be narrowed, its alternatives (ORed), each the
    trigrams (ANDed) its needle needs; the clauses are ANDed. A clause satisfied
    without a substring check, or with a needle of fewer than three CJK characters,
    cannot narrow and is left out; none left: nothing to narrow with."""
    clauses = []
    for clause in parsed.clauses:
        forms: list[list[str]] = []
        for term in clause:
            if not (term.needs_check or term.alternative):
                forms = []  # this clause is satisfied without a substring: no filter
                break
            grams = trigrams("".join(_CJK_RUN.findall(term.needle)))
            if not grams:
                forms = []
                break
            forms.append(grams)
        if forms:
            clauses.append(forms)
    return clauses


def trigrams_complete(conn: Session) -> bool:
    """Whether every indexed article's trigrams are stored (SQLite: migration 3 and a
    reindex; PostgreSQL: migration 2)."""
    return conn.scalar("SELECT value FROM search_meta WHERE key = 'trigrams'") == "complete"

"""How the static search index cuts text into terms, at build time and (mirrored in
static/search.js) at query time.

Chinese runs become overlapping character bigrams; Latin letters and digits become
lower-case words. Bigrams need no dictionary in the browser, so the page and the index
can never disagree about word boundaries (Pagefind's jieba-vs-Intl.Segmenter problem);
docs/publish.md has the measurements against dictionary words.

Folding: NFKC (full-width → ASCII), lower case, and traditional → simplified with the
character table from `scriptmap`, which search.js uses for queries too.
"""

from __future__ import annotations

import re
import unicodedata

from newsarchive.publish.scriptmap import t2s_table

# Han ideographs (BMP + Extension A) vs. Latin words; everything else separates terms.
_TERM = re.compile(r"[\u3400-\u9fff]+|[0-9a-z\u00c0-\u024f]+")
_HAN_FIRST = "\u3400"


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().translate(t2s_table())


def terms(text: str) -> set[str]:
    """Distinct index terms of a text (a document is indexed as a set: no frequencies)."""
    out: set[str] = set()
    for run in _TERM.findall(fold(text)):
        if run[0] >= _HAN_FIRST:
            if len(run) == 1:
                out.add(run)
            else:
                out.update(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.add(run)
    return out


def query_terms(query: str) -> list[str]:
    """Terms a query must all match, in order (duplicates removed)."""
    seen: dict[str, None] = {}
    for run in _TERM.findall(fold(query)):
        if run[0] >= _HAN_FIRST and len(run) > 1:
            for i in range(len(run) - 1):
                seen.setdefault(run[i : i + 2])
        else:
            seen.setdefault(run)
    return list(seen)

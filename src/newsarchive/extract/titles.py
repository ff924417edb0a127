"""Site suffixes learned from many titles of one site.

One page cannot always tell its headline from the site's name: `… – 法国国际广播电台 - RFI`
has no og:site_name to compare with on a mirror. Across an outlet's titles the site's
part repeats while headlines do not: a separated trailing (or leading) part shared by
many titles is the site's, whatever its wording. No list of outlet names is involved.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from newsarchive.extract.metadata import _TITLE_SEPARATORS

# A part is the site's when at least this many titles, and this share of them, end (or
# begin) with it; a headline repeated that often is a column name, which goes as well.
MIN_TITLES = 3
MIN_SHARE = 0.2
MAX_AFFIX_CHARS = 40


def _split(title: str) -> list[str]:
    return [p.strip() for p in _TITLE_SEPARATORS.split(title) if p.strip()]


def _tail(title: str) -> str | None:
    """Everything after the first separator: `A – B - C` → `B - C` (the site's part may
    itself hold a separator)."""
    parts = _split(title)
    if len(parts) < 2:
        return None
    m = _TITLE_SEPARATORS.search(title.strip())
    return title.strip()[m.end() :].strip() if m else None


def learn_site_affixes(titles: Iterable[str]) -> frozenset[str]:
    """The trailing and leading parts that many of these titles (one site's) share."""
    titles = [t for t in titles if t]
    ends: Counter[str] = Counter()
    for title in titles:
        parts = _split(title)
        if len(parts) < 2:
            continue
        seen = {parts[-1], parts[0]}
        for k in range(1, len(parts)):
            # every trailing run of parts: "RFI" and "法国国际广播电台 - RFI"
            tail = title[title.find(parts[k], len(parts[0])) :].strip()
            seen.add(tail)
        ends.update(p for p in seen if len(p) <= MAX_AFFIX_CHARS)
    floor = max(MIN_TITLES, MIN_SHARE * len(titles))
    return frozenset(part for part, n in ends.items() if n >= floor)


def strip_site_affixes(title: str, affixes: frozenset[str]) -> str:
    """The title without the longest learned suffix (or prefix) it carries; a title that
    would be left empty stays as it is."""
    best = title
    for affix in sorted(affixes, key=len, reverse=True):
        if title.endswith(affix) and len(title) > len(affix):
            head = title[: -len(affix)]
            seps = list(_TITLE_SEPARATORS.finditer(head))
            if seps and seps[-1].end() == len(head) and (rest := head[: seps[-1].start()].strip()):
                best = rest
                break
        if title.startswith(affix) and len(title) > len(affix):
            sep = _TITLE_SEPARATORS.match(title, len(affix))
            if sep and (rest := title[sep.end() :].strip()):
                best = rest
                break
    return best

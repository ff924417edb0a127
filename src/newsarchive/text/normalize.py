"""Width and punctuation normalisation applied before matching.

Full-width ASCII (ＡＢＣ１２３) becomes half-width, ideographic space becomes space, and
Unicode is NFKC-composed, so `ＳＭＩＣ` and `SMIC` are the same word for search and dedup.
"""

from __future__ import annotations

import unicodedata


def normalize_width(text: str) -> str:
    """NFKC folds full-width forms to ASCII; it also expands compatibility characters
    (e.g. ㈱), which is what matching wants."""
    return unicodedata.normalize("NFKC", text)


def fold_for_matching(text: str) -> str:
    """Width-folded, lower-cased, simplified: the form two texts are compared in."""
    from newsarchive.text.script import to_simplified

    return to_simplified(normalize_width(text)).casefold()

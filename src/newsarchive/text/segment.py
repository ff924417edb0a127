"""The one segmentation used to index documents and to read queries.

Every text goes through the same steps, so a query matches a document whatever script,
width or case either was written in:

1. ``fold``: NFKC (full-width ``ＳＭＩＣ`` → ``SMIC``), lower-case, and OpenCC ``t2s``
   character-level folding to simplified. Folding comes BEFORE segmentation because
   jieba's dictionary is simplified: fed traditional text it cuts words into fragments
   (中芯國際 → 中/芯/國際), so a traditional query and a simplified article would
   never share tokens.
2. The folded text is split into runs: CJK runs go to jieba (one call per text, runs
   joined by spaces so jieba never builds a word across two runs), numbers stay whole
   (``15.9``; ``1,000`` → ``1000``), ``%`` is a token, other letters form words that are
   stemmed with Snowball's English stemmer (PyStemmer) (``chips`` → ``chip``).

The segmenter is jieba's algorithm and standard dictionary compiled in Rust (jieba-rs,
through ``rjieba``): its output equals Python ``jieba``'s word for word (300 of 300 corpus
articles; ``opencc-jieba-pyo3``, used before, ships a larger dictionary and differed on a
third of them), and it is 3.3x faster than that binding (0.27 vs 0.87 ms per article's
CJK text, measured side by side; the binding itself measured 6.4x faster than Python
``jieba`` earlier). That speed is what keeps import + indexing fast. HMM is off: new-word guessing is slower and less
predictable, and unknown names then fall apart into single characters that phrase
matching handles exactly. Python ``jieba`` is not used anywhere, so index and query can
never disagree because of two segmenters.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from functools import cache, lru_cache
from typing import Any

from newsarchive.text.script import to_simplified

# CJK ideographs (BMP, extension A, compatibility, and the supplementary planes).
CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{CJK_CLASS}]+")
_TOKEN_RE = re.compile(
    rf"(?P<cjk>[{CJK_CLASS}]+)"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
    rf"|(?P<word>[^\W\d_{CJK_CLASS}]+)"
    r"|(?P<pct>%)"
)


# Our own steps' version; bump it when this module changes how text becomes tokens.
_STEPS_VERSION = "2"


@cache
def segmenter_version() -> str:
    """Identifies everything that decides tokens: our steps and the versions of the
    segmenter, stemmer and OpenCC. An index built under another value must be rebuilt."""
    libs = ("rjieba", "PyStemmer", "opencc")
    return _STEPS_VERSION + ";" + ";".join(f"{lib}={installed_version(lib)}" for lib in libs)


def installed_version(name: str) -> str:
    """`importlib.metadata.version(name)`, read the same way (the first distribution of
    that name on sys.path, the Version field of its metadata) without importing
    importlib.metadata and the email parser it brings: 0.02 s at every search, which
    checks the index's segmenter. Anything unusual is left to importlib.metadata
    (tests/text/test_segment.py compares the two)."""
    wanted = _project_key(name)
    for entry in sys.path:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found = next((n for n in names if _distribution_of(n) == wanted), None)
        if found is not None:
            return _version_field(os.path.join(folder, found)) or _metadata_version(name)
    return _metadata_version(name)


def _project_key(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _distribution_of(entry: str) -> str | None:
    """The project a ``NAME-VERSION.dist-info`` (or ``.egg-info``) folder is of."""
    stem, _, kind = entry.rpartition(".")
    if kind not in ("dist-info", "egg-info"):
        return None
    return _project_key(stem.split("-", 1)[0])


def _version_field(folder: str) -> str | None:
    for file in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(folder, file), encoding="utf-8") as f:
                for line in f:
                    if line.startswith("Version:"):
                        return line[len("Version:") :].strip()
                    if not line.strip():  # the headers end here
                        break
        except OSError:
            continue
    return None


def _metadata_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


@cache
def _segmenter() -> Any:
    """jieba-rs with jieba's dictionary, loaded once per process. Importing `rjieba`
    already builds its default `Jieba()` (the standard dictionary, ~0.13 s); its
    module-level `cut` is that instance's. A `rjieba.Jieba()` of our own loaded the same
    dictionary a second time at every start (same output: one constructor, one file)."""
    from newsarchive.text.dictionary import LOADING

    with LOADING:
        import rjieba

    return rjieba


@cache
def _stemmer() -> Any:
    # PyStemmer: the Snowball English stemmer compiled to C (the pure-Python
    # snowballstemmer took 0.3 ms a word, more than segmenting a paragraph).
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball English stem of a lower-case word (cached: news vocabulary repeats)."""
    return str(_stemmer().stemWord(word))


# ASCII and CJK unified ideographs are NFKC-invariant; normalising only the runs of
# other characters (with one ASCII character before, so a letter + combining accent
# still composes) gives NFKC's result at 40% of its cost (0.11 vs 0.27 ms per article;
# identical output on 12,892 corpus articles).
_NOT_INVARIANT = re.compile(r"[\x00-\x7f]?[^\x00-\x7f\u4e00-\u9fff]+")

# Faster still for the usual Chinese article, whose only non-invariant characters are
# full-width punctuation (，：；！？（）) and the ideographic space: replace those with
# their NFKC forms (a C scan each), then let `is_normalized` confirm (another C scan)
# that nothing else needs normalising; if anything does, the regex path runs on the
# original text. 0.044 vs 0.185 ms an article (the fast path serves 86% of corpus
# articles; a `str.translate` table was no faster than the regex). Equality with
# `unicodedata.normalize` is checked by tests/text/test_segment.py.
_COMMON_COMPAT = [(c, unicodedata.normalize("NFKC", c)) for c in "，：；！？（）\u3000"]


def _nfkc(m: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", m.group())


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, computed the cheap way when possible."""
    if text.isascii():
        return text
    quick = text
    for compat, plain in _COMMON_COMPAT:
        quick = quick.replace(compat, plain)
    if unicodedata.is_normalized("NFKC", quick):
        return quick
    return _NOT_INVARIANT.sub(_nfkc, text)


def fold(text: str) -> str:
    """Width-folded (NFKC), lower-cased, simplified: the form text is indexed and
    matched in."""
    return to_simplified(nfkc(text).lower())


def is_cjk(token: str) -> bool:
    return bool(_CJK_RUN.fullmatch(token))


def _cut_runs(runs: list[str]) -> list[str]:
    """Each CJK run's words, joined by single spaces. One jieba call for the whole text
    (per-run calls cost 1.6x more). jieba yields the space between two runs as a token
    of its own, so once the words are joined by spaces a run boundary is exactly three
    spaces: splitting there in C beats looping over every word in Python (which cost
    more than the segmentation itself)."""
    text = " ".join(runs)
    return " ".join(_segmenter_for(text).cut(text, False)).split("   ")


def _segmenter_for(text: str) -> Any:
    """The whole dictionary once it is loaded; before that, for a short text (a
    query), a segmenter holding only the words the text needs, which cuts it the same
    (`dictionary.small_segmenter`): a search then starts without the 0.13 s load."""
    if _segmenter.cache_info().currsize == 0:
        from newsarchive.text.dictionary import small_segmenter

        small = small_segmenter(text)
        if small is not None:
            return small
    return _segmenter()


def segment_with_runs(folded: str) -> tuple[str, list[str]]:
    """Tokens of a text that is already `fold`ed, joined by single spaces (the form the
    index stores), and its CJK runs (whose characters the index also keeps).
    `findall`'s group tuples cost half of `finditer`'s match objects here."""
    found = _TOKEN_RE.findall(folded)
    runs = [cjk for cjk, _, _, _ in found if cjk]
    cut = iter(_cut_runs(runs)) if runs else iter(())
    # A comprehension, not a loop of appends: ~160 tokens an article.
    out = [
        next(cut) if cjk else num.replace(",", "") if num else stem(word) if word else "%"
        for cjk, num, word, _pct in found
    ]
    return " ".join(out), runs


def segment_joined(folded: str) -> str:
    """Tokens of a text that is already `fold`ed, joined by single spaces."""
    return segment_with_runs(folded)[0]


def segment_folded(folded: str) -> list[str]:
    """Tokens of a text that is already `fold`ed."""
    joined = segment_joined(folded)
    return joined.split(" ") if joined else []


def segment_for_index(text: str) -> list[str]:
    """Tokens of `text`, script-folded: the one segmentation for index and query time."""
    return segment_folded(fold(text))

"""Text fingerprints for near-duplicate detection.

Two texts are compared in a *matching form*: NFKC width folding, case folding,
traditional→simplified (character level), and every character that is not a letter or
digit removed, so script, punctuation, spacing and full-width variants do not matter.
The form is produced by one numpy lookup over a code-point table built once (0.3 s) from
the rules `text.normalize.fold_for_matching` applies (OpenCC t2s, NFKC, casefold):
calling OpenCC per article costs ~2.6 ms for 4,000 characters, `str.translate` ~0.8 ms,
the lookup ~0.03 ms.

Shingles are 5-character windows of the matching form (character shingles: Chinese has
no spaces to split words on). Signatures are one-permutation MinHash (OPH, with
rotation densification): one 64-bit hash per shingle and one sort, instead of 64 hash
permutations (numpy, 128 permutations: 8.8 ms/article; OPH: ~0.1 ms).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np

from newsarchive.text.script import to_simplified

SHINGLE = 5  # characters; 4 made unrelated Chinese articles share 2-3x more shingles
FULL_BINS = 64  # signature of the whole text
FULL_BANDS, FULL_ROWS = 16, 4  # LSH S-curve threshold (1/16)^(1/4) = 0.50
LEAD_CHARS = 100  # a feed summary is the article's lead: index the lead on its own
LEAD_BINS = 32
LEAD_BANDS, LEAD_ROWS = 10, 3  # threshold (1/10)^(1/3) = 0.46
_NUMBER = re.compile(r"[0-9]{2,}")
_MASK56 = np.uint64((1 << 56) - 1)
_P = np.uint64(0x100000001B3)  # FNV prime: polynomial rolling hash over code points
_DENSIFY = np.uint64(0x9E3779B97F4A7C15)


# Blocks where traditional characters live (CJK unified + extension A + compatibility).
_CJK_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@cache
def _fold_lut() -> np.ndarray:
    """Matching form of each BMP code point as one code point (0 = dropped)."""
    folded: dict[int, str] = {}
    for cp in range(0x10000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        f = unicodedata.normalize("NFKC", ch).casefold() if not ch.isascii() else ch.lower()
        folded[cp] = f
    # OpenCC only where it can change something, one character per line so that its
    # phrase tables never join neighbours.
    cjk = [cp for lo, hi in _CJK_BLOCKS for cp in range(lo, hi)]
    simp = to_simplified("\n".join(folded[cp].replace("\n", " ") for cp in cjk)).split("\n")
    if len(simp) == len(cjk):  # a conversion that merged lines: keep width folding only
        folded.update(zip(cjk, simp, strict=True))
    lut = np.zeros(0x10000, dtype=np.uint32)
    for cp, f in folded.items():
        kept = [c for c in f if c.isalnum()]
        # A compatibility character that expands (㈱ -> (株)) keeps its first letter:
        # consistent on both sides of a comparison, which is all matching needs.
        lut[cp] = ord(kept[0]) if kept else 0
    return lut


def matching_codes(text: str) -> np.ndarray:
    """Code points of the script-, width-, case- and punctuation-folded text."""
    raw = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    lut = _fold_lut()
    bmp = raw < 0x10000
    codes = np.where(bmp, lut[np.where(bmp, raw, 0)], raw)
    return codes[codes != 0]


def matching_form(text: str) -> str:
    """The folded text as a string (for tests and debugging)."""
    return matching_codes(text).astype("<u4").tobytes().decode("utf-32-le")


def shingle_hashes(codes: np.ndarray) -> np.ndarray:
    """Sorted unique 64-bit hashes of the `SHINGLE`-character windows of `codes`."""
    if codes.size == 0:
        return np.empty(0, dtype=np.uint64)
    c = codes.astype(np.uint64)
    if c.size < SHINGLE:
        c = np.concatenate([c, np.zeros(SHINGLE - c.size, dtype=np.uint64)])
    n = c.size - SHINGLE + 1
    h = c[:n].copy()
    for j in range(1, SHINGLE):
        h *= _P
        h += c[j : j + n]
    # murmur3 finaliser: spreads the polynomial hash over all 64 bits (OPH bins use the
    # top bits, which the raw polynomial leaves poorly mixed).
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    h.sort()
    if h.size > 1:
        h = h[np.concatenate(([True], h[1:] != h[:-1]))]
    return h


def oph_signature(hashes: np.ndarray, bins: int) -> np.ndarray | None:
    """One-permutation MinHash: the minimum of each of `bins` hash ranges; empty bins
    borrow the next non-empty bin's value, offset by the distance (rotation
    densification), so two sets agree on a bin with probability ~ their Jaccard."""
    if hashes.size == 0:
        return None
    shift = np.uint64(64 - (bins.bit_length() - 1))
    starts = np.searchsorted(hashes, np.arange(bins, dtype=np.uint64) << shift)
    ends = np.append(starts[1:], hashes.size)
    filled = np.flatnonzero(starts < ends)
    values = hashes[np.minimum(starts, hashes.size - 1)] & _MASK56
    if filled.size == bins:
        return values
    idx = np.arange(bins)
    nxt = filled[np.searchsorted(filled, idx) % filled.size]
    dist = ((nxt - idx) % bins).astype(np.uint64)
    return values[nxt] + dist * _DENSIFY


def band_keys(sig: np.ndarray, bands: int, rows: int, salt: int) -> list[int]:
    """One signed 64-bit bucket key per band (SQLite integers are signed)."""
    m = sig[: bands * rows].reshape(bands, rows)
    powers = _P ** np.arange(rows, dtype=np.uint64)
    keys = (m * powers).sum(axis=1, dtype=np.uint64)
    keys = keys * _DENSIFY + (np.arange(bands, dtype=np.uint64) + np.uint64(salt * 64))
    keys ^= keys >> np.uint64(29)
    return [int(k) for k in keys.view(np.int64)]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    codes: np.ndarray  # the matching form, as code points
    hashes: np.ndarray  # all shingles, for exact verification
    keys: list[int]  # LSH bucket keys: full-text bands then lead bands

    @property
    def size(self) -> int:
        return int(self.hashes.size)

    @property
    def form_length(self) -> int:
        return int(self.codes.size)

    def numbers(self) -> set[str]:
        """Runs of two or more digits: figures, dates, times."""
        form = self.codes.astype("<u4").tobytes().decode("utf-32-le")
        return set(_NUMBER.findall(form))


def shingle_set(text: str) -> Fingerprint:
    """What `similarity` compares (matching form and shingle hashes), without the LSH
    keys: the writer verifies candidates whose keys it never uses, and computing them
    (two OPH signatures, 26 band keys) was about half of each candidate's fingerprint
    (session 5: ~1,600 candidates verified in a 10,000-file import)."""
    form = matching_codes(text)
    return Fingerprint(form, shingle_hashes(form), [])


def fingerprint(text: str) -> Fingerprint:
    base = shingle_set(text)
    form, hashes = base.codes, base.hashes
    keys: list[int] = []
    full = oph_signature(hashes, FULL_BINS)
    if full is not None:
        keys += band_keys(full, FULL_BANDS, FULL_ROWS, salt=1)
    lead = oph_signature(shingle_hashes(form[:LEAD_CHARS]), LEAD_BINS)
    if lead is not None:
        keys += band_keys(lead, LEAD_BANDS, LEAD_ROWS, salt=2)
    return Fingerprint(form, hashes, keys)


# Verification, on the exact shingle sets of a candidate pair. Tuned on the real archive
# (bench/dedup.py --show, pairs read by hand; docs/dedup.md): reprints and script
# conversions have Jaccard >= 0.9, cross-outlet rewrites of one wire story 0.7-0.9;
# below 0.7 most pairs were different articles sharing boilerplate or a template.
MIN_JACCARD = 0.7
# A truncated copy has low Jaccard but is (almost) contained in the full text.
MIN_CONTAINMENT = 0.85
MIN_CONTAINED_SHINGLES = 50  # below ~55 characters "contained" is too easy to be true
LEAD_START_REGION = 3 * LEAD_CHARS  # where the full text's lead may start after junk
# Short posts are mostly boilerplate (video teasers, photo posts): ask for more.
SHORT_FORM = 300
SHORT_MIN_JACCARD = 0.95
# Template reports (daily exchange-rate fixings, air-incursion tallies) share their text
# and differ in their figures: copies share their figures, templates do not.
MIN_NUMBERS = 5
MIN_SHARED_NUMBERS = 0.7


def similarity(a: Fingerprint, b: Fingerprint) -> tuple[float, str] | None:
    """(similarity, how) if two texts are near-duplicates, else None: Jaccard ("text")
    when that passes, else the containment of the smaller shingle set in the larger
    ("contained")."""
    if a.size == 0 or b.size == 0:
        return None
    inter = np.intersect1d(a.hashes, b.hashes, assume_unique=True).size
    jaccard = inter / (a.size + b.size - inter)
    small = min(a.size, b.size)
    short = min(a.form_length, b.form_length) < SHORT_FORM
    if jaccard >= (SHORT_MIN_JACCARD if short else MIN_JACCARD):
        score, how = jaccard, "text"
    elif (
        small >= MIN_CONTAINED_SHINGLES and inter / small >= MIN_CONTAINMENT and _starts_alike(a, b)
    ):
        score, how = inter / small, "contained"
    else:
        return None
    na, nb = a.numbers(), b.numbers()
    fewest = min(len(na), len(nb))
    if fewest >= MIN_NUMBERS and len(na & nb) / fewest < MIN_SHARED_NUMBERS:
        return None
    return round(float(score), 4), how


def _starts_alike(a: Fingerprint, b: Fingerprint) -> bool:
    """A truncated copy starts where the full text starts; a text merely quoted inside
    another one (a digest, a page embedding a related story) does not."""
    short, full = (a, b) if a.size <= b.size else (b, a)
    head = shingle_hashes(short.codes[:LEAD_CHARS])
    region = shingle_hashes(full.codes[:LEAD_START_REGION])
    shared = np.intersect1d(head, region, assume_unique=True).size
    return head.size > 0 and shared / head.size >= 0.5


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """How much two texts share, whether or not they pass as near-duplicates: the larger
    of Jaccard and containment (for reporting members linked through others)."""
    if a.size == 0 or b.size == 0:
        return 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return round(float(max(inter / (a.size + b.size - inter), inter / min(a.size, b.size))), 4)

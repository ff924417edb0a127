"""A query is cut with only the dictionary words it holds (start-up, issue #20): the
result must be exactly the whole dictionary's, or index and query would disagree."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import rjieba

from newsarchive.text import dictionary, segment
from newsarchive.text.segment import CJK_CLASS, fold

DATA = Path(__file__).resolve().parents[1] / "data"
_RUN = re.compile(f"[{CJK_CLASS}]+")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("NEWSARCHIVE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(dictionary, "MAX_SMALL_CUTS", 10**9)
    dictionary._words_db.cache_clear()
    yield tmp_path / "cache"
    dictionary._words_db.cache_clear()


def _short_texts() -> list[str]:
    """The test articles' CJK runs, joined by spaces (as `segment` joins them) into
    texts of at most SHORT_TEXT characters, and every title."""
    articles = [
        *json.loads((DATA / "vectors_articles.json").read_text("utf-8"))["articles"],
        *json.loads((DATA / "dedup" / "articles.json").read_text("utf-8")),
    ]
    texts: list[str] = []
    for article in articles:
        texts.append(" ".join(_RUN.findall(fold(article["title"]))))
        chunk: list[str] = []
        for run in _RUN.findall(fold(article["text"])):
            run = run[: dictionary.SHORT_TEXT]
            if len(" ".join([*chunk, run])) > dictionary.SHORT_TEXT:
                texts.append(" ".join(chunk))
                chunk = []
            chunk.append(run)
        texts.append(" ".join(chunk))
    return [t for t in texts if t]


def test_a_short_text_is_cut_as_the_whole_dictionary_cuts_it(cache: Path) -> None:
    whole = rjieba.Jieba()
    texts = _short_texts()
    assert len(texts) > 80 and sum(map(len, texts)) > 8000
    for text in texts:
        small = dictionary.small_segmenter(text)
        assert small is not None
        assert small.cut(text, False) == whole.cut(text, False), text
    assert list(cache.glob("jieba-words-*.sqlite"))


def test_the_copy_holds_jiebas_words_and_total(cache: Path) -> None:
    db = dictionary._words_db()
    assert db is not None and db.parent == cache
    source = dictionary._dictionary_file()
    assert source is not None
    found, total = dictionary._words_in("中芯国际的芯片", db)
    assert found["国际"] > 0 and found["芯片"] > 0 and "中芯国际" not in found
    freq = {}
    for line in source.read_text("utf-8").splitlines():
        word, n, _tag = line.split(" ")
        freq[word] = int(n)
    assert total == sum(freq.values())  # a word listed twice counts once, as in jieba-rs


def test_long_texts_and_busy_processes_load_the_whole_dictionary(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert dictionary.small_segmenter("中" * (dictionary.SHORT_TEXT + 1)) is None
    monkeypatch.setattr(dictionary, "MAX_SMALL_CUTS", 1)
    monkeypatch.setattr(dictionary, "_small_cuts", 0)
    assert dictionary.small_segmenter("中国") is not None
    assert dictionary.small_segmenter("中国") is None


def test_no_cache_means_the_whole_dictionary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("NEWSARCHIVE_CACHE_DIR", str(blocker / "cache"))
    dictionary._words_db.cache_clear()
    try:
        assert dictionary.small_segmenter("中国") is None
        # ... and segmentation goes on with the whole dictionary.
        assert segment.segment_for_index("中芯国际的芯片") == ["中", "芯", "国际", "的", "芯片"]
    finally:
        dictionary._words_db.cache_clear()


def test_the_package_imported_later_reuses_the_extension(cache: Path) -> None:
    # In a fresh process: cut a query (extension loaded alone), then import rjieba as
    # the indexer does. An extension initialises once per process: this must not fail.
    import os
    import subprocess
    import sys

    code = (
        "from newsarchive.text import dictionary, segment;"
        "assert segment.segment_for_index('中芯国际的芯片') == ['中', '芯', '国际', '的', '芯片'];"
        "import sys; assert 'rjieba' not in sys.modules;"
        "assert segment._segmenter().cut('中国人', False);"
        "import rjieba; assert rjieba.Jieba is sys.modules['rjieba.rjieba'].Jieba"
    )
    env = {**os.environ, "NEWSARCHIVE_CACHE_DIR": str(cache)}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src")
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]

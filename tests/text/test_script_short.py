"""A short text is converted to traditional from the cache, without loading OpenCC's
s2t dictionaries (start-up, issue #20): the result must be exactly OpenCC's."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import opencc
import pytest

from newsarchive.text import script

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("NEWSARCHIVE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(script, "MAX_SHORT", 10**9)
    monkeypatch.setattr(script, "_built", {})  # no converter loaded yet in this process
    script._short_db.cache_clear()
    yield tmp_path / "cache"
    script._short_db.cache_clear()


def _query_like_texts() -> list[str]:
    """Titles and slices of the test articles (2 to 12 characters, every few
    characters), each also in OpenCC's traditional: what query words look like."""
    articles = [
        *json.loads((DATA / "vectors_articles.json").read_text("utf-8"))["articles"],
        *json.loads((DATA / "dedup" / "articles.json").read_text("utf-8")),
    ]
    texts: set[str] = set()
    for article in articles:
        texts.add(article["title"][: script.SHORT_TEXT])
        body = article["text"][:3000]
        for i in range(0, len(body), 9):
            texts.update(body[i : i + n] for n in (2, 3, 4, 7, 12))
    s2t = opencc.OpenCC("s2t")
    return sorted(texts | {str(s2t.convert(t)) for t in texts})


def test_short_texts_convert_exactly_as_opencc_does(cache: Path) -> None:
    texts = _query_like_texts()
    assert len(texts) > 8_000
    db = script._short_db()
    assert db is not None and db.parent == cache
    conn = sqlite3.connect(db)
    for config in script.SHORT_CONFIGS:
        whole = opencc.OpenCC(config)
        answered = 0
        for text in texts:
            short = script._lookup(conn, config, text)  # _short_convert, one connection
            if short is not None:
                answered += 1
                assert short == whole.convert(text), (config, text)
        # Only texts holding a phrase OpenCC converts as a whole go to OpenCC.
        assert answered > 0.9 * len(texts), config
    conn.close()


def test_a_query_is_converted_without_loading_opencc(cache: Path) -> None:
    assert script.to_traditional("美国芯片出口限制") == "美國芯片出口限制"
    assert script.convert("s2tw", "华为") == "華為" and script.convert("s2hk", "华为") == "華為"
    assert script.to_traditional("华为") == "華爲"
    assert script._built == {}


def test_a_phrase_opencc_converts_whole_goes_to_opencc(cache: Path) -> None:
    # 头发: 發 char by char, 髮 as a phrase. 著 is a compatibility form OpenCC normalises.
    for text in ("他的头发", "\ufa5f"):
        assert script._short_convert("s2t", text) is None
    assert script.to_traditional("他的头发") == "他的頭髮"
    assert "s2t" in script._built


def test_long_texts_busy_processes_and_no_cache_use_opencc(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long = "中国" * script.SHORT_TEXT
    assert script.to_traditional(long) == "中國" * script.SHORT_TEXT
    assert "s2t" in script._built
    monkeypatch.setattr(script, "_built", {})
    monkeypatch.setattr(script, "MAX_SHORT", 0)
    assert script._short_convert("s2t", "中国") is None
    monkeypatch.setattr(script, "MAX_SHORT", 10**9)
    (cache.parent / "file").write_text("not a folder")
    monkeypatch.setenv("NEWSARCHIVE_CACHE_DIR", str(cache.parent / "file"))
    script._short_db.cache_clear()
    assert script._short_convert("s2t", "中国") is None
    assert script.to_traditional("中国") == "中國"

"""jieba's dictionary for one short text (a query), without loading all of it.

Importing rjieba builds jieba's whole dictionary (349,046 words into a double-array
trie): 0.13 s of CPU, a third of a CLI search's start-up, to cut a query of a few
words. jieba's cut (HMM off, as `segment` uses it) looks only at the dictionary words
that occur in the text and at the sum of all frequencies: a route through the text
scores Σ ln(freq) − n·ln(total). So an empty `Jieba` given exactly the dictionary words
that occur in the text, with their frequencies, plus one filler word (a private-use
character, which no CJK run holds) carrying the rest of the total, builds the same DAG
and the same scores, and cuts the text exactly as the full dictionary does. Measured:
1,500 corpus articles (1.2 M characters) and 10,911 query-like slices of their titles
cut identically; tests/text/test_dictionary.py repeats the comparison on the test data,
so an rjieba whose dictionary differs from jieba's file fails there.

The words and frequencies come from jieba's ``dict.txt`` (the file rjieba compiles in:
each of its words is one of rjieba's) through a SQLite copy in the user's cache
directory, built once (~1 s) and rebuilt when the file changes (its size and mtime name
the copy). Anything unusual (no writable cache, a missing file) answers None, and the
caller loads the whole dictionary as before.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import os
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

# A text longer than this is not a query: loading the whole dictionary once pays off.
SHORT_TEXT = 200
# After this many short texts a process (the web server, an import) loads it too.
MAX_SMALL_CUTS = 64
# Never in a CJK run (`segment.CJK_CLASS`), so never in a DAG: holds the rest of the total.
_FILLER = "\ue000"
_FORMAT = "1"  # bump when the cache's tables change

_small_cuts = 0


def cache_dir() -> Path:
    """$NEWSARCHIVE_CACHE_DIR, else $XDG_CACHE_HOME/newsarchive, else ~/.cache/newsarchive."""
    explicit = os.environ.get("NEWSARCHIVE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsarchive"


@contextlib.contextmanager
def written_beside(target: Path) -> Iterator[str]:
    """A temporary file's path beside `target`, renamed onto it when the block ends
    without an error and removed otherwise: a concurrent reader (or builder) of a
    cache file never sees half of it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _dictionary_file() -> Path | None:
    """jieba's dict.txt, found without importing jieba (which costs 0.1 s more)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    return path if path.is_file() else None


def _build(source: Path, target: Path) -> None:
    """The SQLite copy of `source`: words(word, freq) and meta(total, longest).
    Written beside `target` and renamed (`written_beside`)."""
    freq: dict[str, int] = {}
    for line in source.read_text("utf-8").splitlines():
        parts = line.split()
        if parts:
            # A word listed twice keeps its last frequency, as jieba-rs's load_dict does
            # (and its total counts it once).
            freq[parts[0]] = int(parts[1]) if len(parts) > 1 else 0
    with written_beside(target) as tmp:
        conn = sqlite3.connect(tmp)
        with conn:
            conn.execute("CREATE TABLE words(word TEXT PRIMARY KEY, freq INTEGER) WITHOUT ROWID")
            conn.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER)")
            conn.executemany("INSERT INTO words VALUES (?, ?)", freq.items())
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("total", sum(freq.values())), ("longest", max(map(len, freq), default=1))],
            )
        conn.close()


@cache
def _words_db() -> Path | None:
    """The cache's copy of jieba's dictionary (built now if missing), or None."""
    source = _dictionary_file()
    if source is None:
        return None
    stat = source.stat()
    target = cache_dir() / f"jieba-words-{_FORMAT}-{stat.st_size}-{stat.st_mtime_ns}.sqlite"
    if not target.is_file():
        try:
            _build(source, target)
        except (OSError, sqlite3.Error, ValueError):
            return None
    return target


@cache
def _jieba_class() -> Any:
    """rjieba's `Jieba` class, without the dictionary the package builds at import
    (`rjieba/__init__.py` makes a default instance). The extension module is loaded on
    its own and registered under its name, so a later `import rjieba` reuses it (an
    extension initialises once per process). Under a lock: the web server's threads may
    ask at once."""
    with LOADING:
        return _load_jieba_class()


# Held while rjieba's extension or package is being imported (here and by
# `segment._segmenter`), so that one never sees the other's half-loaded module.
LOADING = threading.Lock()


def _load_jieba_class() -> Any:
    loaded = sys.modules.get("rjieba.rjieba")
    if loaded is None:
        spec = importlib.util.find_spec("rjieba")  # finds, does not import
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations)))
        binary = next(
            (
                folder / f"rjieba{suffix}"
                for suffix in importlib.machinery.EXTENSION_SUFFIXES
                if (folder / f"rjieba{suffix}").is_file()
            ),
            None,
        )
        if binary is None:
            return None
        ext = importlib.util.spec_from_file_location("rjieba.rjieba", binary)
        if ext is None or ext.loader is None:
            return None
        loaded = importlib.util.module_from_spec(ext)
        sys.modules["rjieba.rjieba"] = loaded
        ext.loader.exec_module(loaded)
    return loaded.Jieba


def _words_in(text: str, db: Path) -> tuple[dict[str, int], int]:
    """The dictionary words that occur in `text` with their frequencies, and the
    dictionary's total frequency."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        longest, total = int(meta["longest"]), int(meta["total"])
        pieces = {
            run[i:j]
            for run in text.split()
            for i in range(len(run))
            for j in range(i + 1, min(len(run), i + longest) + 1)
        }
        found: dict[str, int] = {}
        ordered = sorted(pieces)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            found.update(
                conn.execute(
                    f"SELECT word, freq FROM words WHERE word IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            )
    return found, total


def small_segmenter(text: str) -> Any:
    """A `Jieba` that cuts `text` exactly as jieba's whole dictionary does, holding
    only the words `text` needs; None when `text` is not short, when this process has
    cut enough short texts to load the whole dictionary instead, or when the cache is
    unavailable."""
    global _small_cuts
    if len(text) > SHORT_TEXT or _small_cuts >= MAX_SMALL_CUTS:
        return None
    _small_cuts += 1
    try:
        db = _words_db()
        jieba_class = _jieba_class() if db is not None else None
        found = _words_in(text, db) if db is not None and jieba_class is not None else None
    except (OSError, sqlite3.Error, ImportError, KeyError, ValueError):
        return None
    if found is None or jieba_class is None:
        return None
    words, total = found
    segmenter = jieba_class.empty()
    for word, freq in words.items():
        segmenter.add_word(word, freq, None)
    segmenter.add_word(_FILLER, total - sum(words.values()), None)
    return segmenter

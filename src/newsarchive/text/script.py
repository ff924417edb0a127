"""Simplified/traditional conversion (OpenCC) and script detection.

Matching (search, duplicates) folds everything to simplified; display always keeps the
article's own script, converting only when a reader asks for the other one.

Short texts (a query's words) are converted to traditional without loading OpenCC's
s2t dictionaries when OpenCC itself would convert them character by character: building
the s2t, s2tw and s2hk converters costs ~0.1 s of CPU (STPhrases, 49,238 phrases, is
read into memory), a fifth of a CLI search's start-up (issue #20), to convert two or
three query words. OpenCC matches the longest dictionary key at each position; when no
key of two or more characters occurs in the text (nor, for the chain's second step
`s2tw`/`s2hk`, in the first step's output), every character is looked up alone, and the
output is each character's own conversion. So a SQLite copy in the user's cache
directory (built once, ~0.3 s, from OpenCC's own files) holds every multi-character key
and OpenCC's output for every single character a dictionary knows; a text holding any
such key, a compatibility ideograph (OpenCC normalises those first) or anything unusual
goes to OpenCC as before. tests/text/test_script_short.py compares both on corpus text.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import sqlite3
import struct
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import opencc

Script = Literal["simplified", "traditional", "unknown"]

# Longer texts are not queries: loading the converter once pays off.
SHORT_TEXT = 64
# After this many short conversions a process (the web server, an import) loads OpenCC.
MAX_SHORT = 256
# The configurations the cache answers: s2tw and s2hk are s2t then one more step.
SHORT_CONFIGS = ("s2t", "s2tw", "s2hk")
_FORMAT = "1"  # bump when the cache's tables change
_OCD2_HEADER = b"OPENCC_MARISA_0.2.5"

_built: dict[str, opencc.OpenCC] = {}
_short_calls = 0


def _converter(config: str) -> opencc.OpenCC:
    converter = _built.get(config)
    if converter is None:
        import opencc  # only a text that needs it pays for the module

        converter = _built[config] = opencc.OpenCC(config)
    return converter


def convert(config: str, text: str) -> str:
    """`text` converted by the OpenCC configuration `config` (e.g. "s2tw")."""
    if not text:
        return text
    if config not in _built and len(text) <= SHORT_TEXT and config in SHORT_CONFIGS:
        short = _short_convert(config, text)
        if short is not None:
            return short
    return str(_converter(config).convert(text))


def to_simplified(text: str) -> str:
    # t2s, not tw2sp: folding must be character-level and predictable; phrase-level
    # Taiwan vocabulary conversion (e.g. 軟體→软件) would change words, not script.
    # (t2s loads in ~5 ms: its phrase table is small. No short path needed.)
    return str(_converter("t2s").convert(text)) if text else text


def to_traditional(text: str) -> str:
    return convert("s2t", text)


def detect_script(text: str, sample: int = 2000) -> Script:
    """Which script a text is written in, by how many characters each conversion changes.

    Counted with the characters each conversion changes on its own (`_changed_by`)
    rather than by running both conversions over the text: this runs on every imported
    or extracted article, and the two OpenCC passes cost 0.62 ms an article against
    0.09 ms. Phrases can make OpenCC change a character that alone it keeps, but the
    decision did not move on any of 32,078 corpus articles (feedx, gfw-breaker, Jekyll;
    tests/text/test_script_detect.py keeps a sample of them)."""
    s = text[:sample]
    if not s:
        return "unknown"
    to_s = len(_changed_by("t2s").findall(s))
    to_t = len(_changed_by("s2t").findall(s))
    if to_s == to_t:
        return "unknown"
    # A traditional text changes when simplified, and barely when "traditionalised".
    return "traditional" if to_s > to_t else "simplified"


# CJK Extension A and the Unified Ideographs block: every character news text uses.
CJK_FIRST, CJK_LAST = 0x3400, 0x9FFF


def single_char_map(config: str) -> dict[str, str]:
    """Every CJK character that OpenCC's `config` changes when it stands alone, with
    what it becomes (possibly more than one character)."""
    chars = [chr(cp) for cp in range(CJK_FIRST, CJK_LAST + 1)]
    # One call with a separator: ~20x faster than one OpenCC call per character, and a
    # newline cannot join two characters into an OpenCC phrase.
    converted = convert(config, "\n".join(chars)).split("\n")
    if len(converted) != len(chars):
        raise RuntimeError("OpenCC changed the number of lines while converting characters")
    return {a: b for a, b in zip(chars, converted, strict=True) if a != b}


@cache
def _changed_by(config: str) -> re.Pattern[str]:
    """A pattern matching each character that `config` changes (built once a process,
    ~30 ms)."""
    return re.compile("[" + "".join(map(re.escape, single_char_map(config))) + "]")


# --- the short path -------------------------------------------------------------------


def _short_convert(config: str, text: str) -> str | None:
    """OpenCC's `config` conversion of `text` from the cache, or None when OpenCC must
    answer (a phrase in the text, an unusual text, no cache, enough short calls)."""
    global _short_calls
    if _short_calls >= MAX_SHORT or "\0" in text:  # OpenCC stops at a NUL byte
        return None
    _short_calls += 1
    try:
        text.encode("utf-8")  # a lone surrogate: OpenCC's error, not ours
        db = _short_db()
        if db is None:
            return None
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            return _lookup(conn, config, text)
    except (OSError, sqlite3.Error, UnicodeError, ValueError):
        return None


def _pieces(text: str, longest: int) -> list[str]:
    """Every substring of `text` of 2 to `longest` characters."""
    return sorted(
        {text[i:j] for i in range(len(text)) for j in range(i + 2, min(len(text), i + longest) + 1)}
    )


def _has_phrase(conn: sqlite3.Connection, config: str, step: int, text: str) -> bool:
    dicts, longest = conn.execute(
        "SELECT dicts, longest FROM steps WHERE config = ? AND step = ?", (config, step)
    ).fetchone()
    pieces = _pieces(text, longest)
    for start in range(0, len(pieces), 500):
        chunk = pieces[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found = conn.execute(
            f"SELECT 1 FROM phrases WHERE dicts = ? AND key IN ({marks}) LIMIT 1",
            (dicts, *chunk),
        ).fetchone()
        if found is not None:
            return True
    return False


def _char_map(conn: sqlite3.Connection, config: str, text: str) -> dict[str, str]:
    chars = sorted(set(text))
    marks = ",".join("?" * len(chars))
    return dict(
        conn.execute(
            f"SELECT ch, out FROM chars WHERE config = ? AND ch IN ({marks})",
            (config, *chars),
        ).fetchall()
    )


def _lookup(conn: sqlite3.Connection, config: str, text: str) -> str | None:
    steps = conn.execute("SELECT COUNT(*) FROM steps WHERE config = ?", (config,)).fetchone()[0]
    if steps == 0:
        return None  # not cached (its layout was not the one this code understands)
    marks = ",".join("?" * len(set(text)))
    if conn.execute(
        f"SELECT 1 FROM normalised WHERE ch IN ({marks}) LIMIT 1", tuple(set(text))
    ).fetchone():
        return None
    if _has_phrase(conn, config, 1, text):
        return None
    if steps == 2:
        # The second step reads the first step's output, which is s2t's.
        first = _char_map(conn, "s2t", text)
        if _has_phrase(conn, config, 2, "".join(first.get(c, c) for c in text)):
            return None
    mapping = _char_map(conn, config, text)
    return "".join(mapping.get(c, c) for c in text)


def _share_dir() -> Path | None:
    """OpenCC's configurations and dictionaries, found without importing opencc."""
    spec = importlib.util.find_spec("opencc")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "clib" / "share" / "opencc"
    return path if path.is_dir() else None


@cache
def _short_db() -> Path | None:
    """The cache (built now if missing), or None. Named by the files it was made from."""
    share = _share_dir()
    if share is None:
        return None
    digest = hashlib.sha1(_FORMAT.encode())
    for name in sorted(os.listdir(share)):
        stat = (share / name).stat()
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    target = _cache_dir() / f"opencc-short-{digest.hexdigest()[:16]}.sqlite"
    if not target.is_file():
        try:
            _build(share, target)
        except (OSError, sqlite3.Error, ValueError, KeyError, TypeError, ImportError):
            return None
    return target


def _cache_dir() -> Path:
    from newsarchive.text.dictionary import cache_dir

    return cache_dir()


def _ocd2_keys(path: Path) -> list[str]:
    """The keys of an OpenCC .ocd2 dictionary: a header, a MARISA trie of the keys,
    then the values, which begin with their count (checked against the trie's)."""
    import marisa_trie

    data = path.read_bytes()
    if not data.startswith(_OCD2_HEADER):
        raise ValueError(f"{path}: not an OpenCC ocd2 dictionary")
    trie = marisa_trie.Trie().frombytes(data[len(_OCD2_HEADER) :])
    (count,) = struct.unpack_from("<I", data, len(_OCD2_HEADER) + len(trie.tobytes()))
    if count != len(trie):
        raise ValueError(f"{path}: {len(trie)} keys in the trie, {count} values")
    return list(trie.keys())


def _files(node: Any) -> list[str]:
    """The .ocd2 files a configuration's dictionary entry reads (groups included)."""
    if node.get("type") == "group":
        return [f for d in node["dicts"] for f in _files(d)]
    if node.get("type") != "ocd2":
        raise ValueError(f"unexpected OpenCC dictionary type {node.get('type')!r}")
    return [str(node["file"])]


def _steps(share: Path, config: str) -> list[list[str]]:
    """The files each step of `config` reads: [first step (with its segmentation)] or
    [first, second] when the first step is exactly s2t's (s2tw, s2hk). Anything else
    raises: the cache must understand every step it answers for."""
    spec = json.loads((share / f"{config}.json").read_text("utf-8"))
    base = json.loads((share / "s2t.json").read_text("utf-8"))
    chain = spec["conversion_chain"]
    if (
        spec.get("normalization") != base.get("normalization")
        or chain[0] != base["conversion_chain"][0]
    ):
        raise ValueError(f"{config}: its first step is not s2t's")
    if len(chain) > 2:
        raise ValueError(f"{config}: more than two steps")
    first = _files(chain[0]["dict"])
    if "segmentation" in spec:
        first += _files(spec["segmentation"]["dict"])
    return [first] + [_files(step["dict"]) for step in chain[1:]]


def _convert_lines(converter: opencc.OpenCC, texts: list[str]) -> dict[str, str]:
    """Each text converted alone, in one call: a newline joins no two into a phrase."""
    outs = str(converter.convert("\n".join(texts))).split("\n")
    if len(outs) != len(texts):
        raise ValueError("OpenCC changed the number of lines")
    return dict(zip(texts, outs, strict=True))


def _build(share: Path, target: Path) -> None:
    """phrases(dicts, key): the keys of 2+ characters a step's files hold whose
    match can change the output;
    chars(config, ch, out): OpenCC's output for each single character any dictionary
    of `config` holds (from OpenCC itself); normalised(ch): the characters OpenCC's
    normalisation changes; steps(config, step, dicts, longest). Written beside `target`
    and renamed (`written_beside`)."""
    import opencc

    from newsarchive.text.dictionary import written_beside

    base = json.loads((share / "s2t.json").read_text("utf-8"))
    normalised = {
        k
        for n in base.get("normalization", [])
        for f in _files(n["dict"])
        for k in _ocd2_keys(share / f)
    }
    if any(len(k) != 1 for k in normalised):
        raise ValueError("OpenCC normalises more than single characters")
    # The keys of each set of files a step reads (s2t's first step is everyone's).
    names: dict[str, int] = {}
    keysets: list[set[str]] = []
    first_steps: set[int] = set()
    steps: list[tuple[str, int, int]] = []
    maps: dict[str, dict[str, str]] = {}
    for config in SHORT_CONFIGS:
        singles: set[str] = set(normalised)
        for step, files in enumerate(_steps(share, config), start=1):
            name = ",".join(sorted(set(files)))
            if name not in names:
                names[name] = len(names)
                keysets.append({k for f in set(files) for k in _ocd2_keys(share / f)})
            singles |= {k for k in keysets[names[name]] if len(k) == 1}
            steps.append((config, step, names[name]))
            if step == 1:
                first_steps.add(names[name])
        maps[config] = _convert_lines(opencc.OpenCC(config), sorted(singles - {"\n"}))
    # A first-step phrase whose conversion is its characters' own ("芯片", "出口": most
    # of STPhrases) changes nothing where it matches: only the others send a text to
    # OpenCC. OpenCC converts a key alone exactly as where it matches in a longer text
    # (the longest match at its start is itself). Second-step phrases all count.
    s2t = opencc.OpenCC("s2t")
    guards: list[set[str]] = []
    for dicts, keys in enumerate(keysets):
        long = sorted(k for k in keys if len(k) > 1)
        if any("\n" in k for k in long):
            raise ValueError("an OpenCC key holds a newline")
        if dicts in first_steps:
            outs = _convert_lines(s2t, long)
            long = [k for k in long if outs[k] != "".join(maps["s2t"].get(c, c) for c in k)]
        guards.append(set(long))
    chars = [(config, c, o) for config, m in maps.items() for c, o in m.items() if c != o]
    with written_beside(target) as tmp:
        conn = sqlite3.connect(tmp)
        with conn:
            conn.execute(
                "CREATE TABLE phrases(dicts INTEGER, key TEXT, PRIMARY KEY (dicts, key)) WITHOUT ROWID"
            )
            conn.execute(
                "CREATE TABLE chars(config TEXT, ch TEXT, out TEXT,"
                " PRIMARY KEY (config, ch)) WITHOUT ROWID"
            )
            conn.execute("CREATE TABLE normalised(ch TEXT PRIMARY KEY) WITHOUT ROWID")
            conn.execute(
                "CREATE TABLE steps(config TEXT, step INTEGER, dicts INTEGER, longest INTEGER,"
                " PRIMARY KEY (config, step)) WITHOUT ROWID"
            )
            conn.executemany(
                "INSERT INTO phrases VALUES (?, ?)",
                ((d, k) for d, keys in enumerate(guards) for k in keys),
            )
            conn.executemany("INSERT INTO chars VALUES (?, ?, ?)", chars)
            conn.executemany("INSERT INTO normalised VALUES (?)", [(c,) for c in normalised])
            conn.executemany(
                "INSERT INTO steps VALUES (?, ?, ?, ?)",
                ((c, n, d, max(map(len, guards[d]), default=1)) for c, n, d in steps),
            )
        conn.close()

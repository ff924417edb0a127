"""`alias_table()`: the shipped table (`aliases.tsv` + `extra.tsv`).

The TSV files are the source of truth (anyone extends `extra.tsv`). Building the table
parses 2,630 rows and folds 9,700 forms (NFKC, OpenCC): 0.05 s at every start of a
search. The built table is kept in the user's cache directory under a name made of the two
files' sizes and modification times, the OpenCC version (folding depends on its
tables) and this module's format: an edited TSV or an upgraded OpenCC gets a new name,
so a stale table is never read. Loading it costs ~0.01 s; without a writable cache the
table is built as before.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsarchive.names.table import TABLES, AliasTable, Entity, parse_rows, shipped_rows

if TYPE_CHECKING:
    from newsarchive.archive import Archive

_FORMAT = "1"  # bump when AliasTable's fields change
_HERE = Path(__file__).parent


def _cache_file(tables: list[Path]) -> Path:
    """Named by what the built table depends on: each file's size and modification time
    (as Python names its bytecode), the OpenCC version and this module's format."""
    from newsarchive.text.dictionary import cache_dir
    from newsarchive.text.segment import installed_version

    stamps = [f"{t.stat().st_size}-{t.stat().st_mtime_ns}" for t in tables]
    opencc = installed_version("opencc").replace("/", "_")
    return cache_dir() / f"aliases-{_FORMAT}-opencc{opencc}-{'-'.join(stamps)}.marshal"


def _build(tables: list[Path]) -> AliasTable:
    table = AliasTable()
    table.extend(entity for t in tables for entity in parse_rows(t.read_text("utf-8"), t.name))
    return table


def _state(table: AliasTable) -> tuple[Any, ...]:
    entities = [(e.id, e.name, e.kind, e.en, e.aliases) for e in table.entities()]
    return (entities, table._by_form)


def _from_state(state: Any) -> AliasTable:
    entities, by_form = state
    table = AliasTable()
    table._by_id = {row[0]: Entity(*row) for row in entities}
    table._by_form = by_form
    return table


def _store(path: Path, table: AliasTable) -> None:
    """Written beside `path` and renamed: a concurrent reader never sees half a file."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            marshal.dump(_state(table), out)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@cache
def _shipped() -> AliasTable:
    tables = [_HERE / name for name in TABLES]
    if not all(t.is_file() for t in tables):  # not installed as files (a zip): no cache
        table = AliasTable()
        table.extend(shipped_rows())
        return table
    path = _cache_file(tables)
    with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
        return _from_state(marshal.loads(path.read_bytes()))
    table = _build(tables)
    with contextlib.suppress(OSError, ValueError):
        _store(path, table)
    return table


def alias_table(archive: Archive | None = None) -> AliasTable:
    """The alias table (cached). `archive` is accepted for the pairs mined from its own
    articles, which are not stored yet (docs/names.md): the shipped table either way."""
    del archive  # the interface of round2.md; growing from an archive comes later
    return _shipped()

"""`alias_table()`: the shipped table (`aliases.tsv` + `extra.tsv`), and with an
archive, the shipped table grown by the names that archive's articles write
(`names.grown`).

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
from collections.abc import Iterable
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
    from newsarchive.text.dictionary import written_beside

    with written_beside(path) as tmp, open(tmp, "wb") as out:
        marshal.dump(_state(table), out)


@cache
def shipped_table() -> AliasTable:
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


# The grown table of the last archive asked about, keyed by its address and growth:
# a server asks once per search; it is rebuilt only after the archive grew again.
_grown_cache: dict[str, tuple[int, AliasTable]] = {}


def alias_table(archive: Archive | None = None) -> AliasTable:
    """The alias table: shipped rows first (they win every conflict), then, when an
    archive is given, the entities grown from its articles."""
    if archive is None:
        return shipped_table()
    from newsarchive.names.grown import grown_entities, grown_generation

    generation = grown_generation(archive)
    if generation == 0:
        return shipped_table()
    key = str(archive.address)
    cached = _grown_cache.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    table = grow_table(shipped_table(), grown_entities(archive))
    _grown_cache.clear()
    _grown_cache[key] = (generation, table)
    return table


def grow_table(shipped: AliasTable, grown: Iterable[Entity]) -> AliasTable:
    """A copy of `shipped` with the stored growth added (rows of `names.grown.beyond`:
    new forms under a known id, or new entities)."""
    table = shipped.copy()
    for entity in grown:
        table.add(entity)
    return table

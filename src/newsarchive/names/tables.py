"""`alias_table()`: the shipped table (`aliases.tsv` + `extra.tsv`), and with an
archive, the shipped table grown by the names that archive's articles write
(`names.grown`)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from newsarchive.names.table import AliasTable, Entity, shipped_rows

if TYPE_CHECKING:
    from newsarchive.archive import Archive


@cache
def shipped_table() -> AliasTable:
    table = AliasTable()
    for entity in shipped_rows():
        table.add(entity)
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

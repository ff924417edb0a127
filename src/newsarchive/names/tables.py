"""`alias_table()`: the shipped table, plus an archive's own mined pairs when given."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from newsarchive.names.table import AliasTable, shipped_rows

if TYPE_CHECKING:
    from newsarchive.archive import Archive


@cache
def _shipped() -> AliasTable:
    table = AliasTable()
    for entity in shipped_rows():
        table.add(entity)
    return table


def alias_table(archive: Archive | None = None) -> AliasTable:
    """The alias table (cached). With `archive`, the entities grown from the pairs
    mined from its articles are added (`names.store`)."""
    if archive is None:
        return _shipped()
    from newsarchive.names.store import grown_table

    return grown_table(archive, _shipped())

"""The shared alias table (newsarchive.names, which search expands names with) knows the
core names of the chip story too, not only the entities lexicon: searching Xi Jinping
or YMTC finds the articles that write 习近平 or 长江存储."""

from __future__ import annotations

import pytest

from newsarchive.names import alias_table


@pytest.mark.parametrize(
    ("form", "other"),
    [
        ("Xi Jinping", "習近平"),
        ("Commerce Department", "美國商務部"),
        ("YMTC", "長江存儲"),
        ("MIIT", "工業和信息化部"),
        ("大基金", "國家集成電路產業投資基金"),
    ],
)
def test_core_names_in_shared_table(form: str, other: str) -> None:
    table = alias_table()
    found = table.resolve(form)
    assert found is not None, form
    again = table.resolve(other)
    assert again is not None and again.id == found.id

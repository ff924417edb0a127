"""The alias table: shipped data resolves every form of a name, and only its own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.names import AliasTable, Entity, TableError, alias_table, form_key
from newsarchive.names.table import TABLES, form_keys, parse_rows, shipped_rows

# The examples (#15 item 2): each group is one entity, whatever form is asked.
GROUPS = [
    ("donald-trump", ["特朗普", "川普", "Trump", "trump"]),
    ("mike-pompeo", ["蓬佩奥", "蓬佩奧", "龐畢歐", "庞皮欧", "Pompeo", "Mike Pompeo"]),
    ("vladimir-putin", ["普京", "普丁", "蒲亭", "Putin"]),
    ("huawei", ["华为", "華為", "Huawei", "HUAWEI"]),
    ("smic", ["中芯国际", "中芯國際", "SMIC"]),
    ("tsmc", ["台积电", "台積電", "TSMC"]),
    ("nvidia", ["英伟达", "英偉達", "輝達", "Nvidia"]),
    ("who", ["世卫组织", "世界衛生組織", "世衛", "WHO"]),
]


@pytest.mark.parametrize(("entity_id", "forms"), GROUPS)
def test_every_form_resolves_to_one_entity(entity_id: str, forms: list[str]) -> None:
    table = alias_table()
    for form in forms:
        entity = table.resolve(form)
        assert entity is not None, form
        assert entity.id == entity_id, (form, entity.id)
        assert form in table
    # forms() answers every writing of the entity, in the scripts the table holds.
    keys = {form_key(f) for f in table.forms(forms[-1])}
    assert {form_key(f) for f in forms} <= keys


def test_forms_of_each_entity_do_not_cross() -> None:
    table = alias_table()
    assert not table.forms("华为") & table.forms("中兴")
    assert "特朗普" not in table.forms("拜登")
    assert "世界贸易组织" not in table.forms("WHO")
    assert table.resolve("疾病") is None  # a common word, not a name of COVID-19
    assert table.forms("没有这个名字") == frozenset({"没有这个名字"})


def test_kind_and_display() -> None:
    entity = alias_table().resolve("Pompeo")
    assert entity is not None and entity.kind == "person" and entity.en == "Mike Pompeo"
    assert entity.name == "蓬佩奥"


def test_rows_merge_by_id_and_a_form_stays_with_its_first_entity() -> None:
    table = AliasTable()
    table.add(Entity("a", "甲", "org", "Alpha", ("甲公司",)))
    table.add(Entity("a", "", "other", None, ("阿尔法",)))
    table.add(Entity("b", "乙", "org", "Beta", ("甲公司",)))
    a = table.resolve("阿爾法")
    assert a is not None and a.id == "a" and a.kind == "org" and a.name == "甲"
    assert table.resolve("甲公司") == a
    assert table.forms("beta") == frozenset({"乙", "Beta"})


def test_malformed_rows_are_named() -> None:
    with pytest.raises(TableError, match=r"extra\.tsv line 2"):
        list(parse_rows("# comment\nonly\ttwo\n", "extra.tsv"))
    with pytest.raises(TableError, match="kind"):
        list(parse_rows("x\tplanet\tX\t\tX\n", "t"))


def test_alias_table_of_an_archive_answers(archive: object) -> None:
    from newsarchive.archive import Archive

    assert isinstance(archive, Archive)
    assert alias_table(archive).resolve("華為") == alias_table().resolve("Huawei")


def test_batch_keys_equal_one_at_a_time_on_every_shipped_form() -> None:
    # The shipped table is folded in one batch at load (start-up, issue #20): the keys
    # must be exactly those of folding each form alone.
    forms = [f for e in shipped_rows() for f in (e.name, e.en or "", *e.aliases) if f]
    assert len(forms) > 5000
    assert form_keys(forms) == {f: form_key(f) for f in forms}
    # Forms a batch cannot hold (a newline) are folded alone, with the same result.
    assert form_keys(["華為\nX", "Huawei"]) == {"華為\nX": form_key("華為\nX"), "Huawei": "huawei"}


def test_a_table_built_in_one_batch_equals_one_built_row_by_row() -> None:
    rows = list(shipped_rows())
    one_by_one, batch = AliasTable(), AliasTable()
    for entity in rows:
        one_by_one.add(entity)
    batch.extend(rows)
    assert batch == one_by_one


@pytest.fixture
def shipped_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The package's tables copied to a folder of their own, and an empty cache."""
    from newsarchive.names import tables

    folder = tmp_path / "names"
    folder.mkdir()
    for name in TABLES:
        shutil.copy(Path(tables.__file__).parent / name, folder / name)
    monkeypatch.setattr(tables, "_HERE", folder)
    monkeypatch.setenv("NEWSARCHIVE_CACHE_DIR", str(tmp_path / "cache"))
    tables.shipped_table.cache_clear()
    yield folder
    tables.shipped_table.cache_clear()


def test_the_cached_table_is_the_built_one(shipped_copy: Path, tmp_path: Path) -> None:
    from newsarchive.names import tables

    built = tables.shipped_table()
    assert list((tmp_path / "cache").glob("aliases-*.marshal"))
    tables.shipped_table.cache_clear()
    loaded = tables.shipped_table()
    assert loaded is not built and loaded == built
    one_by_one = AliasTable()
    for entity in shipped_rows():
        one_by_one.add(entity)
    assert loaded == one_by_one


def test_an_edited_table_is_read_again(shipped_copy: Path) -> None:
    # The TSV stays the source of truth: a row added by hand is there at the next start.
    from newsarchive.names import tables

    assert tables.shipped_table().resolve("甲乙丙公司") is None
    extra = shipped_copy / "extra.tsv"
    extra.write_text(
        extra.read_text("utf-8") + "jiayibing\torg\t甲乙丙公司\tJiayibing\t甲乙丙\n", "utf-8"
    )
    tables.shipped_table.cache_clear()
    found = tables.shipped_table().resolve("甲乙丙")
    assert found is not None and found.id == "jiayibing"


def test_without_a_cache_the_table_is_built(
    shipped_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsarchive.names import tables

    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    monkeypatch.setenv("NEWSARCHIVE_CACHE_DIR", str(blocker / "cache"))
    found = tables.shipped_table().resolve("華為")
    assert found is not None and found.id == "huawei"
    assert not (blocker / "cache").exists()

"""Names grown from the archive's own articles (both backends): a name its articles
write as ``中文（Latin）`` joins the alias table after the run that stored them, search
expands it, a changed article takes its pairs away, and `reindex` agrees."""

from __future__ import annotations

from datetime import UTC, datetime

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from newsarchive.names import alias_table
from newsarchive.names.grown import grow, reindex_names
from newsarchive.search import search


def ingest(archive: Archive, text: str, url: str, outlet: str = "美国之音") -> int:
    d = Draft(
        title="人工智能",
        text=text,
        html=f"<p>{text}</p>",
        url=url,
        outlet=outlet,
        published=datetime(2025, 1, 5, tzinfo=UTC),
    )
    return archive.ingest(d, Capture(text.encode(), "jekyll", url)).article_id


def test_a_name_written_beside_its_latin_form_joins_the_table(archive: Archive) -> None:
    assert "DeepSeek" not in alias_table()  # not in the shipped table
    ingest(archive, "中国初创公司：深度求索（DeepSeek）发布了新模型。", "https://a.example/1")
    ingest(archive, "美国议员批评“深度求索（DeepSeek）”的数据做法。", "https://b.example/2")
    only_zh = ingest(archive, "深度求索的模型引发关注。", "https://c.example/3")
    # Pairs are stored with each version; the table grows when the run settles.
    assert "DeepSeek" not in alias_table(archive)
    archive.settle()
    table = alias_table(archive)
    assert {"深度求索", "DeepSeek"} <= table.forms("deepseek")
    assert "DeepSeek" not in alias_table()  # the shipped table is not changed
    hits = search(archive, "DeepSeek", mode="lexical")
    assert only_zh in {h.id for h in hits.hits}


def test_grown_forms_join_a_shipped_entity(archive: Archive) -> None:
    huawei = alias_table().resolve("华为")
    assert huawei is not None and "华为云" not in alias_table()
    for n in range(2):
        ingest(
            archive,
            f"华为（Huawei）与其子公司：华为云（Huawei Cloud）合作{n}。",
            f"https://d.example/{n}",
        )
    archive.settle()
    table = alias_table(archive)
    found = table.resolve("Huawei")
    assert found is not None and found.id == huawei.id and found.name == "华为"
    assert "华为云" in table


def test_a_new_version_without_the_pair_takes_it_away(archive: Archive) -> None:
    first = ingest(archive, "月之暗面（Moonshot）融资。", "https://e.example/1")
    ingest(archive, "月之暗面（Moonshot）发布模型。", "https://e.example/2")
    archive.settle()
    assert "Moonshot" in alias_table(archive)
    ingest(archive, "这家公司融资。", "https://e.example/1")  # a new version of `first`
    assert first
    archive.settle()
    assert "Moonshot" not in alias_table(archive)
    assert grow(archive) is None  # nothing changed since: no regrowth


def test_reindex_rebuilds_pairs_and_growth(archive: Archive) -> None:
    ingest(archive, "智谱（Zhipu）上市。", "https://f.example/1")
    ingest(archive, "智谱（Zhipu）发布。", "https://f.example/2")
    archive.settle()
    before = {tuple(r) for r in archive.session.all("SELECT * FROM name_grown")}
    archive.session.execute("DELETE FROM name_pairs")
    assert reindex_names(archive) >= 1
    after = {tuple(r) for r in archive.session.all("SELECT * FROM name_grown")}
    assert before == after and any(r[3] == "Zhipu" for r in after)


def test_a_read_only_archive_reads_the_stored_growth(db_address: str) -> None:
    with open_archive(db_address) as archive:
        ingest(archive, "智谱（Zhipu）上市。", "https://g.example/1")
        ingest(archive, "智谱（Zhipu）发布。", "https://g.example/2")
        archive.settle()
    with open_archive(db_address, readonly=True) as reader:
        assert "Zhipu" in alias_table(reader)
        assert "智谱" in alias_table(reader).forms("Zhipu")


def test_two_grown_entities_adding_to_one_known_entity_make_one_row() -> None:
    from newsarchive.names.grown import beyond
    from newsarchive.names.table import Entity

    shipped = alias_table()
    huawei = shipped.resolve("华为")
    assert huawei is not None
    grown = [
        Entity("a", "华为", "org", "Huawei", ("华为", "Huawei", "华为公司")),
        Entity("b", "華為", "org", None, ("華為", "华为终端公司")),
    ]
    rows = beyond(shipped, grown)
    assert [(r.id, set(r.aliases)) for r in rows] == [(huawei.id, {"华为公司", "华为终端公司"})]

"""Entities and figures kept in step with each article's latest version, on both
backends: the hook stores, a new version replaces, removal forgets, reindex agrees."""

from __future__ import annotations

from datetime import UTC, datetime

from newsarchive.archive import Archive
from newsarchive.entities.index import reindex_entities
from newsarchive.entities.queries import (
    article_entities,
    article_figures,
    entity_article_ids,
    entity_page,
    figures,
    list_entities,
)
from newsarchive.model import Capture, Draft


def draft(text: str, url: str, outlet: str, month: int = 1) -> Draft:
    return Draft(
        title="芯片",
        text=text,
        html=f"<p>{text}</p>",
        url=url,
        outlet=outlet,
        published=datetime(2023, month, 5, tzinfo=UTC),
    )


def ingest(archive: Archive, d: Draft) -> int:
    return archive.ingest(d, Capture(d.text.encode(), "jekyll", d.url or "x")).article_id


def rows(archive: Archive) -> list[tuple[object, ...]]:
    s = archive.session
    return [tuple(r) for r in s.all("SELECT * FROM entity_mentions ORDER BY 1, 2")] + [
        tuple(r) for r in s.all("SELECT * FROM entity_figures ORDER BY 1, 2")
    ]


def test_hook_keeps_entities_and_figures_of_the_latest_version(archive: Archive) -> None:
    a = ingest(archive, draft("华为的营收下滑了30%。", "https://voa.example/a", "美国之音"))
    b = ingest(archive, draft("美國商務部把華為列入清單。", "https://dw.example/b", "德国之声", 3))
    assert [e["name"] for e in article_entities(archive.session, a)] == ["华为"]
    named = {e["id"]: e for e in article_entities(archive.session, b)}
    assert set(named) == {"us-commerce", "huawei"}
    assert named["huawei"]["en"] == "Huawei" and named["huawei"]["kind"] == "org"
    assert "Huawei Technologies" in named["huawei"]["aliases"]
    assert [(f["text"], f["value"], f["unit"]) for f in article_figures(archive.session, a)] == [
        ("30%", 0.3, "ratio")
    ]
    assert entity_article_ids(archive.session, "Huawei") == {a, b}
    page = entity_page(archive.session, "華為")
    assert page is not None and page["id"] == "huawei" and page["article_count"] == 2
    assert page["timeline"] == [
        {"period": "2023-01", "count": 1},
        {"period": "2023-03", "count": 1},
    ]
    assert {o["outlet"] for o in page["outlets"]} == {"美国之音", "德国之声"}
    assert "美国商务部" in {c["name"] for c in page["cooccurring"]}
    assert [f["article_id"] for f in figures(archive.session, query="营收")] == [a]
    assert figures(archive.session, entity="美国商务部") == []

    # A new version replaces the article's rows; removal forgets them.
    ingest(archive, draft("中芯国际的产能增长了两成。", "https://voa.example/a", "美国之音"))
    assert [e["name"] for e in article_entities(archive.session, a)] == ["中芯国际"]
    assert [f["text"] for f in article_figures(archive.session, a)] == ["两成"]
    before = rows(archive)
    assert reindex_entities(archive) == 2
    assert rows(archive) == before
    with archive.transaction():
        archive.remove_article(b)
    assert entity_article_ids(archive.session, "华为") == set()


def test_weak_names_count_once_two_outlets_name_them(archive: Archive) -> None:
    # An unknown Latin acronym is only weakly a name until a second outlet uses it.
    ingest(archive, draft("分析师说QXRT的订单减少。", "https://a.example/1", "路透"))
    assert list_entities(archive.session, "QXRT") == []
    ingest(archive, draft("QXRT公布了财报。", "https://b.example/2", "法广"))
    (found,) = list_entities(archive.session, "qxrt")
    assert found["article_count"] == 2 and found["name"] == "QXRT"


def test_stored_rows_read_back_exactly(archive: Archive) -> None:
    # PostgreSQL receives an article's rows as JSON: floats must come back to the same
    # double, an infinite one too, and NUL as U+FFFD (as in every other column there).
    from newsarchive.entities.index import store_rows

    mentions = [("huawei", "华为", "org", 2, 0), ("zte", "中兴", "org", 1, 1)]
    figures = [
        ("三成", 0.1 + 0.2, "ratio", "营收", "营收\x00增长三成"),
        ("无穷", float("inf"), "", "", ""),
    ]
    with archive.transaction() as tx:
        store_rows(tx, 7, (mentions, figures))
    assert [
        tuple(r)
        for r in archive.session.all(
            "SELECT entity_id, name, kind, mentions, weak FROM entity_mentions ORDER BY 1"
        )
    ] == mentions
    got = archive.session.all("SELECT seq, text, value, sentence FROM entity_figures ORDER BY 1")
    nul = "\ufffd" if archive.dialect == "postgres" else "\x00"
    assert [tuple(r) for r in got] == [
        (0, "三成", 0.1 + 0.2, f"营收{nul}增长三成"),
        (1, "无穷", float("inf"), ""),
    ]
    with archive.transaction() as tx:
        store_rows(tx, 7, ([], []))
    assert archive.session.scalar("SELECT count(*) FROM entity_figures") == 0


def test_a_huge_text_is_read_for_entities_up_to_its_first_max_text_characters() -> None:
    """A dump near the importer's size limit must not take a parse worker's memory with
    it: names and figures come from its first `MAX_TEXT` characters."""
    from newsarchive.entities.index import MAX_TEXT, article_rows

    filler = "今天天气很好，大家都出门散步。" * (MAX_TEXT // 15)
    head = "华为发布新款手机，售价5999元。"
    tail = "台积电表示营收增长15.9%。"
    mentions, figs = article_rows("新闻", head + filler + tail)
    names = {m[1] for m in mentions}
    assert "华为" in names
    assert "台积电" not in names
    assert [f[0] for f in figs] == ["5999元"]

"""Near-duplicates: found incrementally, verified, grouped; versions are never grouped."""

from __future__ import annotations

import threading
import time
from typing import Any

from newsarchive.archive import Archive, prepare_draft
from newsarchive.components import open_archive
from newsarchive.dedup import (
    DedupHook,
    duplicate_groups,
    duplicates_of,
    rebuild_index,
    representative_of,
)
from newsarchive.dedup.fingerprint import matching_form
from newsarchive.dedup.index import Signature, store_signature
from newsarchive.model import Capture, Draft
from newsarchive.text.script import to_traditional
from tests.dedup.conftest import Ingest, NewAddress, by_title


def _groups(archive: Archive) -> list[set[int]]:
    return [{g.representative, *(m.id for m in g.members)} for g in duplicate_groups(archive)]


def test_matching_form_folds_script_width_case_and_punctuation() -> None:
    assert matching_form("臺灣「民主」ＳＭＩＣ，Huawei!") == matching_form("台湾 民主 smic huawei")


def test_traditional_edition_is_a_near_duplicate(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    dw = by_title(articles, "台湾前总统李登辉去世")
    a = ingest(dw).article_id
    b = ingest(
        dw,
        url="https://www.dw.com/zh/x/a-99",
        title=to_traditional(dw["title"]),
        text=to_traditional(dw["text"]),
    ).article_id
    assert _groups(archive) == [{a, b}]
    assert duplicates_of(archive, b)[0].similarity >= 0.95


def test_changed_headline_added_junk_and_truncation_are_found(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    bbc = by_title(articles, "李登辉去世")
    text = bbc["text"]
    ids = [
        ingest(bbc).article_id,
        ingest(bbc, url="https://cdt.example/1", title="转载：李登辉走了").article_id,
        ingest(
            bbc,
            url="https://mirror.example/2",
            text="【诚征荣誉会员】溪流汇成大海，您的支持让我们走得更远。\n"
            + text
            + "\n获取更多RSS：https://feedx.net\n手机上长按并复制下列链接或二维码分享本文章",
        ).article_id,
        ingest(bbc, url="https://feed.example/3", text=text[:300] + "……").article_id,
    ]
    assert _groups(archive) == [set(ids)]
    # the complete, earliest copy represents the group, not the truncated feed copy
    assert representative_of(archive, ids[3]) == ids[0]


def test_unrelated_articles_are_not_grouped(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    for a in articles:
        ingest(a)
    # the eight real posts are distinct articles, even the two on one event and day
    assert _groups(archive) == []
    assert representative_of(archive, 1) == 1


def test_a_new_version_is_never_a_duplicate_group(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    dw = by_title(articles, "台湾前总统李登辉去世")
    first = ingest(dw)
    edited = ingest(dw, text=dw["text"] + "\n（更新：加入台湾总统府声明）")
    assert edited.article_id == first.article_id and edited.version_id != first.version_id
    assert _groups(archive) == []
    # and a copy elsewhere still links to the article's latest version
    copy = ingest(
        dw, url="https://copy.example/1", text=dw["text"] + "\n（更新：加入台湾总统府声明）"
    )
    assert _groups(archive) == [{first.article_id, copy.article_id}]


def test_incremental_later_articles_find_earlier_ones_and_removal_splits(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    bbc = by_title(articles, "李登辉去世")
    a = ingest(bbc).article_id
    for other in articles:
        ingest(other)
    b = ingest(bbc, url="https://late.example/1", title="late copy").article_id
    c = ingest(bbc, url="https://late.example/2", text=bbc["text"][:400]).article_id
    assert _groups(archive) == [{a, b, c}]
    archive.remove_article(a)
    assert _groups(archive) == [{b, c}]
    archive.remove_article(b)
    assert _groups(archive) == []
    assert duplicates_of(archive, c) == []


def test_editions_link_even_when_one_is_only_a_summary(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    dw = by_title(articles, "台湾前总统李登辉去世")
    gb = ingest(dw, url="https://www.epochtimes.com/gb/20/7/30/n1.htm").article_id
    b5 = ingest(
        dw, url="https://www.epochtimes.com/b5/20/7/30/n1.htm", text=to_traditional(dw["text"][:40])
    ).article_id
    assert _groups(archive) == [{gb, b5}]
    assert representative_of(archive, b5) == gb


def test_rebuild_finds_the_same_groups_as_the_hook(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    bbc = by_title(articles, "李登辉去世")
    for a in articles:
        ingest(a)
    ingest(bbc, url="https://copy.example/x", text=to_traditional(bbc["text"]))
    before = _groups(archive)
    with archive.transaction() as conn:
        assert rebuild_index(conn) == len(articles) + 1
    assert _groups(archive) == before and len(before) == 1


def _band_rows(archive: Archive) -> list[tuple[int, int]]:
    return archive.session.execute(
        "SELECT key, article_id FROM dedup_bands ORDER BY 1, 2"
    ).fetchall()


def test_prepared_drafts_index_exactly_as_unprepared_ones(
    new_address: NewAddress, articles: list[dict[str, Any]]
) -> None:
    """The parse workers' `prepare` must change nothing but where the work is done."""
    bbc = by_title(articles, "李登辉去世")
    drafts = [(a["title"], a["text"], a["url"]) for a in articles]
    drafts.append(("转载", to_traditional(bbc["text"]), "https://copy.example/p"))
    state = []
    for prepared in (False, True):
        archive = open_archive(new_address(f"prepared-{prepared}"), hooks=[DedupHook()])
        for title, text, url in drafts:
            draft = Draft(title=title, text=text, html="", url=url, outlet="x")
            if prepared:
                prepare_draft(draft, archive.hooks)
                assert "dedup.signature" in draft.derived
            archive.ingest(draft, Capture(raw=url.encode(), format="jekyll", location=url))
        state.append((_groups(archive), _band_rows(archive)))
        archive.close()
    assert state[0] == state[1] and len(state[0][0]) == 1


def test_a_new_version_or_removal_leaves_no_bucket_rows_behind(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    dw = by_title(articles, "台湾前总统李登辉去世")
    first = ingest(dw)
    rows_v1 = _band_rows(archive)
    ingest(dw, text=dw["text"][:800] + "\n（更新）")
    rows_v2 = _band_rows(archive)
    assert rows_v2 and rows_v2 != rows_v1
    assert {a for _, a in rows_v2} == {first.article_id}
    # an archive indexed before the keys were stored: they are recomputed from the text
    archive.session.execute("UPDATE dedup_signatures SET band_keys=NULL")
    archive.remove_article(first.article_id)
    assert _band_rows(archive) == []


def test_a_crowded_bucket_gives_the_same_candidates_on_every_backend(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    """Past the cap, which candidates are verified must not depend on the query plan:
    the first in (key, article id) order, as SQLite always gave them; the asking
    article's own rows (of its previous version) take no place among them."""
    asking = ingest(articles[0]).article_id
    rows = [(5, a) for a in range(1000, 899, -1)]  # 101 articles under key 5
    rows += [(10, a) for a in range(500, 299, -1)]  # 201 under key 10
    rows += [(10, 950), (20, 2), (5, asking), (20, asking)]  # 950 is under key 5 already

    def candidates(keys: list[int]) -> list[int]:
        sig = Signature(tuple(keys), shingles=10, form_length=10, edition_key=None)
        with archive.transaction() as tx:
            tx.execute("DELETE FROM dedup_bands")
            tx.executemany("INSERT INTO dedup_bands(key, article_id) VALUES(?,?)", rows)
            found = store_signature(tx, asking, 1, sig, None).candidates
        return found

    # keys in order 5, 10, 20: all of key 5's, then key 10's lowest ids up to the cap
    assert candidates([20, 10, 5]) == [*range(900, 1001), *range(300, 399)]
    assert candidates([20]) == [2]


def test_concurrent_writers_see_each_others_articles(
    archive: Archive, articles: list[dict[str, Any]]
) -> None:
    """The hook reads the buckets, then writes: correct only if writers go one at a
    time (SQLite's BEGIN IMMEDIATE, PostgreSQL's archive-wide advisory lock). A copy
    stored by a second writer while the first one's transaction is open must wait for
    it, and then find the original."""
    dw = by_title(articles, "台湾前总统李登辉去世")
    holding = threading.Event()
    other = open_archive(archive.address, hooks=[DedupHook()])

    def first_writer() -> None:
        with archive.transaction():
            archive.ingest(
                Draft(title=dw["title"], text=dw["text"], html="", url=dw["url"], outlet="a"),
                Capture(b"first", "jekyll", "first.md"),
            )
            holding.set()
            time.sleep(0.5)  # the other writer asks for the lock meanwhile

    thread = threading.Thread(target=first_writer)
    thread.start()
    try:
        assert holding.wait(30)
        copy = other.ingest(
            Draft(title="转载", text=dw["text"], html="", url="https://copy.example/c", outlet="b"),
            Capture(b"copy", "jekyll", "copy.md"),
        )
    finally:
        thread.join()
        other.close()
    assert _groups(archive) == [{1, copy.article_id}]


def test_a_new_version_with_the_same_text_keeps_its_bucket_rows(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    """Only the headline changed: the new fingerprint's buckets are the old ones, stored
    before the old ones are dropped; none may be lost."""
    dw = by_title(articles, "台湾前总统李登辉去世")
    first = ingest(dw)
    rows = _band_rows(archive)
    edited = ingest(dw, title=dw["title"] + "（更新）")
    assert edited.version_id != first.version_id
    assert _band_rows(archive) == rows and rows
    copy = ingest(dw, url="https://copy.example/k", title="转载")
    assert _groups(archive) == [{first.article_id, copy.article_id}]

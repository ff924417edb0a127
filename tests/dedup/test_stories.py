"""Stories: cross-outlet grouping within a time window."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.dedup import DedupHook, rebuild_stories, stories, story_of
from newsarchive.dedup.story_pass import story_terms
from newsarchive.model import Capture, Draft
from tests.dedup.conftest import Ingest, by_title


def _load(ingest: Ingest, articles: list[dict[str, Any]]) -> dict[str, int]:
    return {a["title"]: ingest(a).article_id for a in articles}


def test_cross_outlet_articles_form_stories_within_the_window(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    ids = _load(ingest, articles)
    assert rebuild_stories(archive) >= 2
    lee = story_of(archive, ids[by_title(articles, "台湾前总统李登辉去世")["title"]])
    assert lee is not None
    assert ids[by_title(articles, "李登辉去世：")["title"]] in lee.articles
    assert set(lee.outlets) == {"德国之声", "BBC"}
    beirut = story_of(archive, ids[by_title(articles, "黎巴嫩首都发生大爆炸")["title"]])
    assert beirut is not None and len(beirut.outlets) >= 2
    assert ids[by_title(articles, "黎巴嫩首都贝鲁特强爆炸")["title"]] in beirut.articles
    # two weeks later is another story, even about the same explosion
    late = ids[by_title(articles, "从废墟中只身救出")["title"]]
    assert late not in beirut.articles
    assert beirut.first <= beirut.last <= datetime(2020, 8, 6, tzinfo=UTC)
    assert beirut.first_outlet == beirut.outlets[0]
    # an unrelated article is in no story
    assert story_of(archive, ids[by_title(articles, "NetWalker")["title"]]) is None
    assert lee.id != beirut.id


def test_query_and_dates_filter_stories(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    _load(ingest, articles)
    found = stories(archive, query="李登輝")  # traditional query, simplified titles
    assert found and all(any("李登辉" in s.label for _ in [0]) for s in found)
    assert stories(archive, since=datetime(2020, 8, 1, tzinfo=UTC), query="李登辉") == []
    assert stories(archive, until=datetime(2020, 7, 1, tzinfo=UTC)) == []


def test_stories_are_recomputed_when_articles_change(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    dw = by_title(articles, "台湾前总统李登辉去世")
    ingest(dw)
    assert stories(archive) == []  # one outlet is no story
    bbc = by_title(articles, "李登辉去世：")
    ingest(bbc)
    assert [set(s.outlets) for s in stories(archive)] == [{"德国之声", "BBC"}]


def test_story_terms_keep_unknown_names_and_unify_spelling_variants() -> None:
    # jieba cuts 黎智英 into single characters: their bigrams still name him
    assert {"黎智", "智英"} <= set(story_terms("黎智英被捕"))
    # Taiwan's 川普 and the mainland's 特朗普, in either script, are one word
    assert story_terms("川普確診") == story_terms("特朗普确诊")
    # single characters on their own carry no event
    assert "的" not in story_terms("美国的总统")


def test_a_rebuild_does_not_hold_the_write_lock_while_it_clusters(
    archive: Archive,
    ingest: Ingest,
    articles: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An import committing while stories are clustered neither waits nor is forgotten."""
    import newsarchive.dedup.story_pass as story_pass

    _load(ingest, articles[:-1])
    real = story_pass._clusters

    def with_a_commit_meanwhile(*args: Any) -> Any:
        other = open_archive(archive.address, hooks=[DedupHook()])
        # A held write lock fails this at once.
        if other.dialect == "sqlite":
            other.session.execute("PRAGMA busy_timeout = 100")
        else:
            other.session.execute("SET lock_timeout = '100ms'")
        try:
            other.ingest(
                Draft(title="晚到的文章", text="正文。", html="", url="https://example.org/late"),
                Capture(b"late", "jekyll", "late.md"),
            )
        finally:
            other.close()
        return real(*args)

    monkeypatch.setattr(story_pass, "_clusters", with_a_commit_meanwhile)
    assert rebuild_stories(archive) >= 2
    # The late article was not clustered: the stories are still stale.
    assert story_pass.stories_stale(archive.session)


def test_stale_stories_are_recomputed_in_a_child_process(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    from newsarchive.dedup import refresh_stories_in_child
    from newsarchive.dedup.story_pass import stories_stale

    _load(ingest, articles)
    assert stories_stale(archive.session)
    assert refresh_stories_in_child(archive, timeout=120) is True
    assert not stories_stale(archive.session)
    assert stories(archive, refresh=False)  # written by the child, read here
    assert refresh_stories_in_child(archive) is False  # fresh: no child at all


def test_story_ids_stay_when_an_earlier_story_appears(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    """Ids were 1..n in time order at every rebuild: a story found before another one
    renumbered it, and a saved link then showed an unrelated story."""
    for words in ("贝鲁特大爆炸50死", "黎巴嫩首都发生大爆炸", "黎巴嫩首都贝鲁特强爆炸"):
        ingest(by_title(articles, words))
    assert rebuild_stories(archive) == 1
    (beirut,) = stories(archive)
    # Li Teng-hui died days before the explosion: his story comes first in time
    lee_ids = [
        ingest(by_title(articles, w)).article_id for w in ("台湾前总统李登辉去世", "李登辉去世：")
    ]
    assert rebuild_stories(archive) == 2
    assert story_of(archive, beirut.articles[0]) == beirut
    lee = story_of(archive, lee_ids[0])
    assert lee is not None and lee.id > beirut.id
    # the same stories again: the same ids
    rebuild_stories(archive)
    assert {s.id for s in stories(archive)} == {beirut.id, lee.id}


def test_the_id_of_a_story_that_dissolved_is_not_given_again(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    dw = ingest(by_title(articles, "台湾前总统李登辉去世")).article_id
    bbc = ingest(by_title(articles, "李登辉去世：")).article_id
    rebuild_stories(archive)
    (lee,) = stories(archive)
    archive.remove_article(bbc)  # one outlet left: no story
    rebuild_stories(archive)
    assert story_of(archive, dw) is None
    ingest(by_title(articles, "李登辉去世："), url="https://example.org/lee-again")
    rebuild_stories(archive)
    again = story_of(archive, dw)
    assert again is not None and again.id != lee.id


def test_a_candidate_cluster_is_cut_into_groups_that_hold_together() -> None:
    """Two events joined into one candidate cluster by weak likenesses (0.05 across,
    as a shared common word gives) come out as two groups; one event stays whole."""
    from scipy import sparse

    from newsarchive.dedup.story_pass import _cores

    rows = np.array([[1.0, 0.1, 0.0], [0.9, 0.2, 0.0], [0.05, 0.0, 1.0], [0.0, 0.1, 0.9]])
    x = sparse.csr_matrix(rows / np.linalg.norm(rows, axis=1)[:, None])
    assert sorted(_cores([0, 1, 2, 3], x)) == [[0, 1], [2, 3]]
    same = sparse.csr_matrix(np.array([[1.0, 0.1], [0.99, 0.14], [0.98, 0.2]]))
    assert _cores([0, 1, 2], same) == [[0, 1, 2]]


def test_story_ids_are_the_same_at_every_rebuild(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    """Ids are given by the story pass, not by the database (SQLite numbers an emptied
    table's rows from 1 again, a PostgreSQL identity would go on counting): the same
    archive gives the same story ids on both backends."""
    _load(ingest, articles)
    n = rebuild_stories(archive)
    first = stories(archive)
    assert sorted(s.id for s in first) == list(range(1, n + 1))
    assert rebuild_stories(archive) == n >= 2
    assert stories(archive) == first


def test_one_outlets_daily_reports_with_other_numbers_are_other_stories() -> None:
    """A daily report repeats yesterday's words with today's numbers: one outlet's
    editions of different days are other occurrences even though their words are
    alike, so two outlets' reports of two days come out as two stories; numbers
    that do not differ, or other outlets' counts, do not split."""
    from scipy import sparse

    from newsarchive.dedup.story_pass import _apart, _cores, _Doc, title_numbers

    day = 86400.0

    def doc(i: int, outlet: str, at: float, title: str) -> _Doc:
        return _Doc(i, outlet, at, title, i, numbers=title_numbers(title))

    docs = [
        doc(0, "联合早报", 0, "中国大陆新增10起确诊 均为境外输入"),
        doc(1, "中央社", 3600, "中國12日新增１０例武漢肺炎 皆境外移入"),
        doc(2, "联合早报", day, "中国大陆新增12起确诊 均为境外输入"),
        doc(3, "中央社", day + 3600, "中國13日新增12例武漢肺炎 皆境外移入"),
    ]
    # every pair as alike as same-event reports often are (cosine 0.25)
    rows = np.full((4, 5), 0.0)
    rows[:, 0] = 0.5
    rows[np.arange(4), np.arange(1, 5)] = np.sqrt(0.75)
    x = sparse.csr_matrix(rows)
    assert _cores([0, 1, 2, 3], x) == [[0, 1, 2, 3]]  # words alone: one story
    apart = _apart(docs)
    assert apart.tolist() == [
        [False, False, True, False],
        [False, False, False, True],
        [True, False, False, False],
        [False, True, False, False],
    ]
    assert sorted(_cores([0, 1, 2, 3], x, apart)) == [[0, 1], [2, 3]]
    # the next day's report with the same number is the same occurrence followed up
    docs[2] = doc(2, "联合早报", day, "中国大陆新增10起确诊 均为境外输入")
    # and another outlet's other count is not another occurrence (6 / 8 arrested)
    docs[3] = doc(3, "德国之声", day + 3600, "中國新增12例武漢肺炎")
    assert not _apart(docs).any()


def test_cited_figures_tell_daily_reports_apart(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    """The figures the entities component stored for each article are read with the
    story snapshot (both backends); two reports a day apart citing other figures are
    not one story, the same figures are."""
    from newsarchive.dedup.story_pass import _apart, _load

    ids = [ingest(a).article_id for a in articles[:3]]
    with archive.transaction() as tx:
        tx.executemany(
            "INSERT INTO entity_figures(article_id, seq, text, value, unit, what, sentence)"
            " VALUES(?,?,?,?,?,?,?)",
            [
                (ids[0], 0, "3%", 0.03, "ratio", "", ""),
                (ids[0], 1, "1,434亿美元", 1.434e11, "USD", "", ""),
                (ids[1], 0, "1%", 0.01, "ratio", "", ""),
                (ids[1], 1, "20亿美元", 2.0e9, "USD", "", ""),
                (ids[2], 0, "3%", 0.03, "ratio", "", ""),
                (ids[2], 1, "1434亿美元", 1.434e11, "USD", "", ""),
            ],
        )
    docs, _ = _load(archive.session)
    by_id = {d.id: d for d in docs}
    assert by_id[ids[0]].figures == {(0.03, "ratio"), (1.434e11, "USD")} == by_id[ids[2]].figures
    day = 86400.0
    members = [by_id[i] for i in ids]
    for k, d in enumerate(members):
        d.ts, d.numbers = k * day, frozenset()
    apart = _apart(members)
    assert apart[0, 1] and apart[1, 2] and not apart[0, 2]
    members[1].ts = 3600.0  # the same day: the figures may differ
    assert not _apart(members)[0, 1]


def test_members_naming_no_common_entity_days_apart_are_other_occurrences(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    """The entities the entities component stored for each article are read with the
    story snapshot (both backends, its two-outlet rule for weak mentions): two reports
    a day apart naming no entity in common are other occurrences (mainland and Hong
    Kong case counts), one shared name keeps them alike, and so does the same day."""
    from newsarchive.dedup.story_pass import _apart, _load

    ids = [
        ingest(a, outlet=outlet).article_id
        for a, outlet in zip(articles[:3], ["甲报", "乙报", "甲报"], strict=True)
    ]
    mentions = [
        (ids[0], "name:四川", 0),
        (ids[0], "name:广东", 0),
        (ids[1], "name:卫生署", 0),
        (ids[1], "name:沈记者", 1),  # weak, and only one outlet names it: not counted
        (ids[0], "name:许先生", 1),
        (ids[2], "name:广东", 0),
        (ids[2], "name:许先生", 1),  # two articles, one outlet: still not counted
    ]
    with archive.transaction() as tx:
        tx.executemany(
            "INSERT INTO entity_mentions(article_id, entity_id, name, kind, mentions, weak)"
            " VALUES(?,?,?,'place',1,?)",
            [(aid, eid, eid.removeprefix("name:"), weak) for aid, eid, weak in mentions],
        )
    docs, _ = _load(archive.session)
    by_id = {d.id: d for d in docs}
    assert by_id[ids[0]].entities == {"name:四川", "name:广东"}
    assert by_id[ids[1]].entities == {"name:卫生署"}
    assert by_id[ids[2]].entities == {"name:广东"}
    day = 86400.0
    members = [by_id[i] for i in ids]
    for k, d in enumerate(members):
        d.ts, d.numbers, d.figures = k * day, frozenset(), frozenset()
    apart = _apart(members)
    assert apart[0, 1] and apart[1, 2] and not apart[0, 2]
    members[1].ts = 3600.0  # the same day: other places may be one event's
    assert not _apart(members)[0, 1]
    members[1].entities = frozenset()  # names nothing: no evidence either way
    members[1].ts = day
    assert not _apart(members)[0, 1]


def test_a_member_days_from_the_medoid_must_be_like_the_medoid_itself() -> None:
    """The next stage of an affair days later shares the affair's words with the core
    (average likeness enough) but less with its centre: more than FAR_HOURS from the
    medoid it needs FAR_MEDOID likeness to it, within them CORE_MEDOID is enough."""
    from scipy import sparse

    from newsarchive.dedup.story_pass import FAR_HOURS, _cores

    # 0 and 1 one report; 2 like both by 0.2 (>= CORE_AVG and CORE_MEDOID, < FAR_MEDOID)
    rows = np.array([[1.0, 0.0, 0.0], [0.96, 0.28, 0.0], [0.2, 0.2, 0.96]])
    x = sparse.csr_matrix(rows / np.linalg.norm(rows, axis=1)[:, None])
    assert _cores([0, 1, 2], x) == [[0, 1, 2]]
    same_day = np.array([0.0, 2.0, 20.0])
    assert _cores([0, 1, 2], x, hours=same_day) == [[0, 1, 2]]
    days_later = np.array([0.0, 2.0, FAR_HOURS + 10.0])
    assert sorted(_cores([0, 1, 2], x, hours=days_later)) == [[0, 1], [2]]


def test_cores_of_one_event_in_two_candidates_are_merged() -> None:
    """An event split across two candidate clusters comes back as one core when the
    cores are alike by the cores' rule; unlike cores, other occurrences (`apart`) and
    cores too far apart in time stay apart."""
    from scipy import sparse

    from newsarchive.dedup.story_merge import MergeRule, merge_cores

    rule = MergeRule(
        min_avg=0.15,
        medoid_min=0.1,
        far_hours=48.0,
        far_medoid=0.3,
        window_hours=48.0,
        span_hours=96.0,
    )
    rows = np.array(
        [
            [1.0, 0.3, 0.0, 0.0],
            [0.9, 0.4, 0.0, 0.0],
            [0.8, 0.5, 0.1, 0.0],
            [0.9, 0.3, 0.2, 0.0],
            [0.0, 0.0, 0.1, 1.0],
        ]
    )
    x = sparse.csr_matrix(rows / np.linalg.norm(rows, axis=1)[:, None])
    hours = np.array([0.0, 1.0, 20.0, 22.0, 21.0])

    def none_apart(members: list[int]) -> np.ndarray:
        return np.zeros((len(members),) * 2, dtype=bool)

    cores = [[0, 1], [2, 3], [4]]
    assert sorted(merge_cores(cores, x, hours, none_apart, rule)) == [[0, 1, 2, 3], [4]]

    def other_occurrences(members: list[int]) -> np.ndarray:
        day = np.array([hours[m] > 12 for m in members])
        return day[:, None] != day[None, :]

    assert sorted(merge_cores(cores, x, hours, other_occurrences, rule)) == sorted(cores)
    later = np.array([0.0, 1.0, 120.0, 122.0, 21.0])
    assert sorted(merge_cores(cores, x, later, none_apart, rule)) == sorted(cores)

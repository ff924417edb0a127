"""What a query may cost (issue #19, F1).

A word typed N times made FTS5 match and score N identical phrases: BM25 walks every
pair of phrase instances, so the cost grew with the square of N (美国 x300: 40 s on
60,000 articles) and varying N dodged the result cache. Now repeats are merged, at most
`MAX_TERMS` different words are searched for, and a search stops at its time budget
with what it has found.
"""

from __future__ import annotations

import math
import sqlite3
import time

import pytest

from newsarchive.archive import Archive
from newsarchive.search import MAX_TERMS, budget, search, timeline
from newsarchive.search.engine import SearchPage
from newsarchive.search.query import parse_query
from tests.search.test_search import (
    ingest_samples,
)


@pytest.fixture
def ids(archive: Archive) -> dict[str, int]:
    return ingest_samples(archive)


def same(a: SearchPage, b: SearchPage) -> bool:
    return [h.id for h in a.hits] == [h.id for h in b.hits] and a.total == b.total


@pytest.mark.parametrize("repeat", [2, 10, 100, 300, 1000])
def test_a_repeated_word_is_searched_once(
    archive: Archive, ids: dict[str, int], repeat: int
) -> None:
    query = " ".join(["美国"] * repeat)
    parsed = parse_query(query)
    assert parsed.strict_expr() == parse_query("美国").strict_expr()
    assert not parsed.ignored  # repeats never count towards the word limit
    page = search(archive, query)
    assert same(page, search(archive, "美国")) and page.total == 3
    assert page.complete
    # The scores are those of the one-word query (one phrase, not `repeat` of them).
    assert [h.score for h in page.hits] == [h.score for h in search(archive, "美国").hits]


def test_repeats_are_merged_in_every_form(archive: Archive, ids: dict[str, int]) -> None:
    for query, like in [
        ("美国 美國 美国", "美国 美國"),  # each script is its own typed word; one phrase each
        ("华为 OR 零售业 华为 OR 零售业", "华为 OR 零售业"),
        ("华为 OR 华为 芯片", "华为 芯片"),  # an OR of a word with itself is the word
        ("芯片 -SMIC -SMIC -SMIC", "芯片 -SMIC"),
        ('"美国技术" "美国技术"', '"美国技术"'),
    ]:
        assert parse_query(query).strict_expr() == parse_query(like).strict_expr(), query
        assert same(search(archive, query), search(archive, like)), query


def test_words_past_the_limit_are_ignored_and_reported(
    archive: Archive, ids: dict[str, int]
) -> None:
    words = ["芯片", "美国"] + [f"词{i}" for i in range(1000)]
    page = search(archive, " ".join(words))
    parsed = parse_query(" ".join(words))
    assert len(parsed.clauses) + len(parsed.excluded) == MAX_TERMS
    assert page.ignored.startswith(f"词{MAX_TERMS - 2} ") and page.ignored.endswith("词999")
    assert page.to_json()["ignored"] == page.ignored
    # An OR whose other side is past the limit is not left dangling.
    tail = " ".join(f"w{i}" for i in range(MAX_TERMS - 1))
    assert parse_query(f"{tail} 芯片 OR 美国 华为").ignored == "美国 华为"


@pytest.mark.parametrize("count", [1, 10, 100, 300, 1000])
def test_long_queries_cost_about_what_a_short_one_does(
    archive: Archive, ids: dict[str, int], count: int
) -> None:
    """The bench/query_cost.py shapes on a small archive, against the one-word peer:
    well within a budget that the quadratic cost blew through at 300 repeats."""
    search(archive, "美国")  # warm up the segmenter and script tables
    for query in (" ".join(["美国"] * count), " ".join(f"词{i}" for i in range(count))):
        started = time.perf_counter()
        page = search(archive, query)
        took = time.perf_counter() - started
        assert page.complete and took < 1.0, (query[:20], count, took)


# -- the time budget ---------------------------------------------------------------------


@pytest.fixture
def impatient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Look at the clock at every step, so that a tiny archive's statements can run
    out of time at all."""
    monkeypatch.setattr(budget, "PROGRESS_STEPS", 1)


def test_out_of_time_returns_the_latest_matches_unranked(
    archive: Archive, ids: dict[str, int], impatient: None
) -> None:
    page = search(archive, "美国", budget_seconds=0.0)
    assert not page.complete and page.state is None
    # The fallback still lists matches: the most recently archived first.
    assert [h.id for h in page.hits] == sorted(
        (h.id for h in search(archive, "美国").hits), reverse=True
    )
    assert all("<mark>" not in h.snippet for h in page.hits)  # no time for snippets
    assert page.to_json()["complete"] is False


def test_out_of_time_keeps_the_exact_matches_of_a_fragment_search(
    archive: Archive, ids: dict[str, int], impatient: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsarchive.search import engine

    # Time runs out just after the exact (strict) matches were read.
    real = engine._with_fragments

    def late(*args: object, **kwargs: object) -> object:
        clock = args[-1]
        clock.deadline = time.perf_counter() - 1  # type: ignore[attr-defined]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_with_fragments", late)
    page = search(archive, '"美国技术"')
    assert not page.complete
    assert [h.id for h in page.hits] == [ids["smic"]]  # found as typed


def test_the_budget_leaves_the_connection_as_it_was(
    archive: Archive, ids: dict[str, int], impatient: None
) -> None:
    search(archive, "美国 芯片", budget_seconds=0.0)
    timeline(archive, "美国", budget_seconds=0.0)
    assert not archive.session.in_transaction
    # No progress handler left behind: a later statement is not interrupted.
    time.sleep(0.01)
    archive.session.execute("SELECT count(*) FROM versions a, versions b, versions c").fetchone()
    page = search(archive, "美国")
    assert page.complete and page.total == 3


def test_timeline_out_of_time_counts_what_it_read(
    archive: Archive, ids: dict[str, int], impatient: None
) -> None:
    full = sum(b.count for b in timeline(archive, "美国", budget_seconds=math.inf))
    assert full == 3
    assert sum(b.count for b in timeline(archive, "美国", budget_seconds=0.0)) <= full


def test_other_sqlite_errors_are_not_taken_for_the_budget(
    archive: Archive, ids: dict[str, int]
) -> None:
    if archive.dialect != "sqlite":
        pytest.skip("SQLite's own error for a closed connection")
    archive.session.close()
    with pytest.raises(sqlite3.ProgrammingError):
        search(archive, "美国")


def test_a_statement_that_runs_too_long_is_stopped(archive: Archive, ids: dict[str, int]) -> None:
    """The budget stops SQLite itself (here a statement that would run for minutes)."""
    started = time.perf_counter()
    with (
        budget.budget(archive.session, 0.05) as clock,
        pytest.raises(budget.OutOfTime),
        clock.guard(),
    ):
        archive.session.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
        ).fetchone()
    assert clock.spent and time.perf_counter() - started < 2.0

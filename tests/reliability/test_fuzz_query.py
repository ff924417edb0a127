"""Fuzzing the query parser and the search behind it: whatever a person types,
`parse_query` returns a query or raises `QueryError` with a reason, the FTS5 expressions
it compiles are valid FTS5 (SQLite would otherwise raise OperationalError inside a
search), and `search`/`timeline` over a real archive answer or raise QueryError. One
query costs at most QUERY_MB.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.ingest import import_paths
from newsarchive.search import QueryError, parse_query, search, timeline
from newsarchive.search.query import ParsedQuery
from tests.readers.helpers import SEEDS

from .fuzzkit import CJK_WORDS, LATIN_WORDS, ODD_TEXT, examples, memory_below

QUERY_MB = 16

# What people type, and what breaks a query language: operators in odd places, quotes
# of every width, dashes, FTS5's own syntax (which must reach FTS5 as text, never as
# syntax), SQL-ish text.
OPERATORS = ["OR", "or", "AND", "NOT", "NEAR", "-", "--", '"', "“", "”", "「", "」", "＂"]
FTS5_SYNTAX = ["*", "^", ":", "title:", "chars:", "(", ")", "{", "}", "+", "NEAR(a b, 2)", "'"]
SQL_ISH = ["'; DROP TABLE articles; --", "%", "_", "\\", "0x00", "1=1"]


def queries() -> st.SearchStrategy[str]:
    token = st.one_of(
        st.sampled_from(CJK_WORDS + LATIN_WORDS),
        st.sampled_from(OPERATORS + FTS5_SYNTAX + SQL_ISH + ODD_TEXT),
        st.text(max_size=6),
    )
    joined = st.lists(token, max_size=12).flatmap(
        lambda ts: st.lists(
            st.sampled_from([" ", "", "　", "\t", "-"]), min_size=len(ts), max_size=len(ts)
        ).map(lambda seps: "".join(s + t for s, t in zip(seps, ts, strict=True)))
    )
    return st.one_of(joined, st.text(max_size=40))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """The five seed articles, indexed (the search hook is on by default)."""
    a = open_archive(Path(tmp_path_factory.mktemp("query")) / "q.db")
    import_paths(a, [SEEDS], workers=1)
    try:
        yield a
    finally:
        a.close()


def _parsed_or_reason(q: str) -> ParsedQuery | None:
    try:
        return parse_query(q)
    except QueryError as exc:
        assert str(exc).strip(), "a QueryError must say why"
        return None


def test_fuzz_query_parser_gives_valid_fts5_or_a_reason(archive: Archive) -> None:
    conn = archive.session

    @examples(300)
    @given(q=queries())
    def run(q: str) -> None:
        with memory_below(QUERY_MB, lambda: f"parse_query({q!r})"):
            parsed = _parsed_or_reason(q)
        if parsed is None:
            return
        assert parsed.clauses, "a parsed query has something to find"
        for expr in (parsed.strict_expr(), parsed.loose_expr()):
            # Raises sqlite3.OperationalError ("fts5: syntax error") if not valid FTS5.
            conn.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (expr,))

    run()


def test_fuzz_query_search_and_timeline_answer_or_give_a_reason(archive: Archive) -> None:
    # The seeds are about China's chip industry: some queries find them.
    found = search(archive, "芯片")
    assert found.total > 0

    @examples(100)
    @given(q=queries(), offset=st.integers(0, 30))
    def run(q: str, offset: int) -> None:
        with memory_below(QUERY_MB, lambda: f"search({q!r})"):
            try:
                page = search(archive, q, limit=5, offset=offset)
                buckets = timeline(archive, q, interval="month")
            except QueryError as exc:
                assert str(exc).strip()
                return
        assert page.total >= len(page.hits)
        assert sum(b.count for b in buckets) >= 0
        for hit in page.hits:
            assert "<script" not in hit.snippet and "<script" not in hit.title_html

    run()

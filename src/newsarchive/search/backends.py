"""The search index on each storage backend, behind one interface.

`engine`, `ranked` and `index` say what they need (the matches of a query, scored or
not; the best rows of the whole archive; a transaction's index writes) and `backend`
picks the adapter that says it in the archive's dialect: `search.sqlite` (FTS5) or
`search.postgres` (a weighted tsvector with a GIN index). Both index the same tokens
(`tokens.index_row`) and compile the same parsed query, so they find the same articles.

A compiled query (`Backend.strict_expr`) is opaque to the callers: they pass it back,
and use it as part of a cache key (it is hashable).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Protocol

from newsarchive.archive.session import Session
from newsarchive.search import sqlite
from newsarchive.search.query import ParsedQuery, QueryError
from newsarchive.search.tokens import IndexRow


class Writer(Protocol):
    """One transaction's index writes; `flush` runs just before it commits."""

    def add(self, article_id: int, version_id: int, row: IndexRow, prepared: Any = None) -> None:
        """`prepared`: what `Backend.prepared` made of `row` ahead of storing, if
        anything."""
        ...

    def remove(self, article_id: int) -> None: ...

    def flush(self) -> None: ...


class Backend(Protocol):
    # The matches ``f`` joined to their articles ``a`` and latest versions ``v``.
    JOINS: str

    def strict_expr(self, parsed: ParsedQuery) -> Hashable:
        """The query as typed (`query` module docstring), compiled."""
        ...

    def loose_expr(self, parsed: ParsedQuery) -> Hashable:
        """The query with fragments of words allowed, compiled."""
        ...

    def matches(
        self,
        expr: Any,
        *,
        scored: bool,
        restrict: str = "",
        restrict_params: Sequence[Any] = (),
    ) -> tuple[str, list[Any]]:
        """(FROM item ``f`` giving ``f.id`` and, when `scored`, ``f.score`` (lower is
        better), its parameters) of the articles matching `expr` and `restrict` (a
        condition from `after_or_among`)."""
        ...

    def after_or_among(self, n_ids: int) -> str: ...

    def filtered_first(self, expr: Any, where: str) -> str | None:
        """A `restrict` condition that applies the filters `where` (on ``a`` and ``v``)
        to the candidates of `expr` before their documents are read, or None where
        filtering after matching costs nothing more."""
        ...

    def fragment_candidates(self, conn: Session, parsed: ParsedQuery) -> set[int] | None:
        """A superset of the articles whose text passes `parsed.accepts`, or None
        when the backend cannot narrow them (then every loose match is checked)."""
        ...

    def count_matches(self, conn: Session, expr: Any) -> int: ...

    def rank_everything(self, conn: Session, expr: Any, depth: int) -> list[tuple[int, float]]:
        """The best `depth` (id, score) of the whole archive, without joins."""
        ...

    def rank_counted(
        self, conn: Session, expr: Any, depth: int
    ) -> tuple[list[tuple[int, float]], int] | None:
        """`rank_everything` and `count_matches` in one pass over the matches, or None
        where counting alone costs far less than ranking (the engine then counts first
        and ranks only when it must)."""
        ...

    def score_share(self, whole: Any, part: Any) -> float:
        """What a document's score for the compiled query `part` (one form of one term)
        weighs in its score for `whole`, the query it is part of (`bestform`)."""
        ...

    def begin_snapshot(self, conn: Session) -> None: ...

    def database_key(self, conn: Session) -> str: ...

    def is_query_error(self, exc: Exception) -> bool: ...

    def writer(self, conn: Session, *, deferred: bool = True) -> Writer: ...

    def prepared(self, row: IndexRow) -> Any:
        """What the writer will make of `row` that needs no database, made ahead of
        storing (in the importer's parse workers), or None where there is nothing."""
        ...

    def clear(self, conn: Session) -> None: ...

    def optimize(self, conn: Session) -> None: ...

    def settle(self, conn: Session) -> None:
        """After a run of writes (an import, a fetch pass): what keeps searches as fast
        as after a rebuild, when it costs little."""
        ...


def backend(conn: Session) -> Backend:
    """The search adapter of `conn`'s dialect."""
    return backend_of(conn.dialect)


def backend_of(dialect: str) -> Backend:
    """The search adapter of `dialect` ("sqlite" or "postgres")."""
    if dialect == "postgres":
        # Imported only for a PostgreSQL archive: psycopg costs CLI start-up ~0.35 s.
        from newsarchive.search import postgres

        return postgres
    return sqlite


def run(conn: Session, sql: str, params: list[Any], query: str) -> list[Any]:
    """Execute; a query the index cannot read becomes a `QueryError` naming it."""
    try:
        return conn.execute(sql, params).fetchall()
    except Exception as exc:
        if backend(conn).is_query_error(exc):
            raise QueryError(f"cannot search for {query!r}: {exc}") from exc
        raise


def matched(
    conn: Session,
    expr: Any,
    *,
    scored: bool,
    restrict: str = "",
    restrict_params: Sequence[Any] = (),
) -> tuple[str, list[Any]]:
    """``FROM`` the matches of `expr` (``f``, see `Backend.matches`) joined to their
    articles (``a``) and latest versions (``v``), ``WHERE TRUE`` (callers append
    " AND ..." filters), and its parameters."""
    index = backend(conn)
    source, params = index.matches(
        expr, scored=scored, restrict=restrict, restrict_params=restrict_params
    )
    return f"FROM {source}{index.JOINS} WHERE TRUE", params


# An id no article has: `after_or_among`'s "above" bound, so only the listed ids pass.
_NO_ID = 2**62


def matched_among(
    conn: Session, expr: Any, ids: Sequence[int], *, scored: bool
) -> tuple[str, list[Any]]:
    """`matched`, only the articles `ids` (each backend's `after_or_among`: one walk of
    the index's matches that keeps the listed ids)."""
    restrict = backend(conn).after_or_among(len(ids))
    return matched(conn, expr, scored=scored, restrict=restrict, restrict_params=[_NO_ID, *ids])


def count_matches(conn: Session, expr: Any, query: str) -> int:
    """Articles matching `expr` anywhere in the archive, without scoring."""
    try:
        return backend(conn).count_matches(conn, expr)
    except Exception as exc:
        if backend(conn).is_query_error(exc):
            raise QueryError(f"cannot search for {query!r}: {exc}") from exc
        raise

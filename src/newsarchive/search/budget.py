"""A wall-clock budget for one search: the database stops the running statement once it
is spent (SQLite through a progress handler, PostgreSQL through statement_timeout).

SQLite calls a connection's progress handler every few thousand virtual-machine steps;
a handler that answers "stop" makes the statement fail with SQLITE_INTERRUPT, which the
engine turns into `OutOfTime` and answers with what it has found so far (see
`engine`). Without it one query could keep a reader busy for minutes (issue #19: 40 s
for a word typed 300 times, and any query matching every article is costly to rank).

A connection has one progress handler: the budget owns it for the search and removes
it afterwards. The handler is Python code called from inside SQLite, holding the
connection's lock: the connection must not be used by another thread meanwhile (the web
app lends each request its own, `web.state.ReadPool`). Work inside a single step (FTS5 reading one long doclist for BM25's
document frequencies) is not interrupted, so a budget can be overrun by that much.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from newsarchive.archive import sqlite as sqlite_backend
from newsarchive.archive.session import Session

# Virtual-machine steps between two looks at the clock (tens of microseconds of work).
PROGRESS_STEPS = 1000


class OutOfTime(Exception):
    """The search's budget ran out during a statement."""


class Budget:
    """Seconds left for a search on one connection (`math.inf`: no limit)."""

    def __init__(self, seconds: float) -> None:
        self.deadline = None if math.isinf(seconds) else time.perf_counter() + seconds
        self.spent = False  # the budget ran out (the answer is incomplete)
        self._stopped = False  # the handler has stopped a statement since `extend`
        # On PostgreSQL (set by `budget`): the session whose statement_timeout follows
        # the deadline. The timeout stops one statement, not the search, so a statement
        # that ends past the deadline counts as stopped too; and a stopped statement
        # aborts the read transaction, so each runs under a savepoint (`guard`).
        self.pg: Session | None = None

    def left(self) -> bool:
        """Whether there is time left (and marks the budget spent when there is not)."""
        if self.deadline is not None and time.perf_counter() > self.deadline:
            self.spent = True
        return not self.spent

    def extend(self, seconds: float) -> None:
        """A little more time, for the cheap fallback after an interrupted statement
        (it stays marked as spent: the answer is incomplete)."""
        if self.deadline is not None:
            self.deadline = time.perf_counter() + seconds
        self._stopped = False
        if self.pg is not None:
            _statement_timeout(self.pg, seconds)

    def _handler(self) -> int:
        if self.deadline is None or time.perf_counter() <= self.deadline:
            return 0
        self.spent = self._stopped = True
        return 1

    @contextmanager
    def paused(self, conn: Session) -> Iterator[None]:
        """Statements in the block run without the budget (work whose cost is bounded
        and shared by later searches, such as reading the doc values once), and the
        time they take is not charged to it."""
        if self.deadline is None:
            yield
            return
        started = time.perf_counter()
        if self.pg is not None:
            conn.execute("SELECT set_config('statement_timeout', '0', false)")
        else:
            sqlite_backend.driver(conn).set_progress_handler(None, 0)
        try:
            yield
        finally:
            self.deadline += time.perf_counter() - started
            if self.pg is not None:
                _statement_timeout(self.pg, max(0.0, self.deadline - time.perf_counter()))
            else:
                sqlite_backend.driver(conn).set_progress_handler(self._handler, PROGRESS_STEPS)

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Raise `OutOfTime` for a statement this budget stopped."""
        savepoint = self.pg is not None and self.pg.in_transaction
        if savepoint:
            assert self.pg is not None
            self.pg.execute("SAVEPOINT search_budget")
        try:
            yield
            late = self.deadline is not None and time.perf_counter() > self.deadline
            if self.pg is not None and late:
                self.spent = True
                raise OutOfTime("the search's time budget ran out")
        except OutOfTime:
            if savepoint:
                assert self.pg is not None
                self.pg.execute("ROLLBACK TO SAVEPOINT search_budget")
            raise
        except Exception as exc:
            if savepoint:
                assert self.pg is not None
                self.pg.execute("ROLLBACK TO SAVEPOINT search_budget")
            # SQLite: "interrupted" after our handler said stop; PostgreSQL: the
            # statement_timeout's QueryCanceled.
            if self._stopped or type(exc).__name__ == "QueryCanceled":
                self.spent = True
                raise OutOfTime(str(exc)) from exc
            raise


@contextmanager
def budget(conn: Session, seconds: float) -> Iterator[Budget]:
    """A budget of `seconds` for the statements run on `conn` inside the block."""
    clock = Budget(seconds)
    if clock.deadline is None:
        yield clock
        return
    if conn.dialect == "postgres":
        clock.pg = conn
        _statement_timeout(conn, seconds)
        try:
            yield clock
        finally:
            conn.execute("SELECT set_config('statement_timeout', '0', false)")
        return
    driver = sqlite_backend.driver(conn)
    driver.set_progress_handler(clock._handler, PROGRESS_STEPS)
    try:
        yield clock
    finally:
        driver.set_progress_handler(None, 0)


def _statement_timeout(conn: Session, seconds: float) -> None:
    """Per statement, not for the whole search: the nearest PostgreSQL offers (at least
    1 ms: 0 would mean no limit)."""
    timeout = f"{max(1, round(seconds * 1000))}ms"
    conn.execute("SELECT set_config('statement_timeout', ?, false)", (timeout,))

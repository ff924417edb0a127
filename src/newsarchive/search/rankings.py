"""Rankings of costly queries kept between searches, brought up to date instead of
being ranked again (issue #19, F1).

BM25 scores every match before LIMIT applies: a common word (美国, 22,000 of 50,000
articles) costs ~40 ms of CPU in FTS5 alone, every time, and a word typed N times or
in another spelling of the same query (merged by the parser into the same compiled
query) used to be ranked afresh for each variant: "varying the count dodges the
cache" of the web app, which keys its pages by the query as typed. Here a ranking is
remembered by its compiled query and filters (`engine.search`'s key), per archive,
and `ranked.update` brings it up to date with what was committed since (exactly, or
it answers None and the search ranks afresh). Only rankings of at least
`KEEP_FROM` matches are kept (fewer on PostgreSQL, `ranked.update_from`): below that,
ranking afresh costs no more.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

from newsarchive.archive.session import Session
from newsarchive.search import ranked
from newsarchive.search.backends import backend
from newsarchive.search.ranked import UPDATE_FROM, RankState

# Rankings of fewer matches are not kept (ranking them afresh costs no more than an
# update; tests of `ranked` set ranked.UPDATE_FROM low and still compare with real full
# rankings, so this is a name of its own).
KEEP_FROM = UPDATE_FROM
# Rankings kept per process (each ~40 rows): the most recently used win.
MAX_RANKINGS = 256

_lock = threading.Lock()
_kept: OrderedDict[tuple[str, tuple[Any, ...]], RankState] = OrderedDict()
# A session's archive key (`Backend.database_key`), asked once per session.
_databases: weakref.WeakKeyDictionary[Session, str] = weakref.WeakKeyDictionary()


def _database(conn: Session) -> str:
    found = _databases.get(conn)
    if found is None:
        found = _databases[conn] = backend(conn).database_key(conn)
    return found


def get(conn: Session, key: tuple[Any, ...]) -> RankState | None:
    """The ranking remembered for `key` on `conn`'s archive, if any (perhaps stale:
    pass it to `ranked.update`)."""
    with _lock:
        found = _kept.get((_database(conn), key))
        if found is not None:
            _kept.move_to_end((_database(conn), key))
        return found


def put(conn: Session, key: tuple[Any, ...], state: RankState) -> None:
    if state.total < min(KEEP_FROM, ranked.update_from(conn)):
        return
    with _lock:
        _kept[_database(conn), key] = state
        _kept.move_to_end((_database(conn), key))
        while len(_kept) > MAX_RANKINGS:
            _kept.popitem(last=False)


def clear() -> None:
    """Forget every ranking (benchmarks measuring a cold search)."""
    with _lock:
        _kept.clear()

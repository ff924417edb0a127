"""Chinese-aware full-text search over the archive: folded, segmented text indexed in
SQLite FTS5 or in a PostgreSQL tsvector (`backends`).

The one search implementation: the CLI, the web app and the static publisher call these.
"""

from newsarchive.search.engine import (
    SearchHit,
    SearchPage,
    TimelineBucket,
    search,
    timeline,
)
from newsarchive.search.fusion import DEFAULT_MODE, MODES, Mode
from newsarchive.search.index import SearchIndexHook, reindex
from newsarchive.search.query import MAX_TERMS, QueryError, parse_query

__all__ = [
    "DEFAULT_MODE",
    "MAX_TERMS",
    "MODES",
    "Mode",
    "QueryError",
    "SearchHit",
    "SearchIndexHook",
    "SearchPage",
    "TimelineBucket",
    "parse_query",
    "reindex",
    "search",
    "timeline",
]

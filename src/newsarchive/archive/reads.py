"""Listings over the core tables that other stages read (through `Archive`'s methods):
the newest articles, outlets, the publish catalogue, counts by outlet, format and year.

Plain SQL that both backends run; where a statement is shaped for SQLite's planner, the
PostgreSQL form sits beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from newsarchive.archive.session import IN_CHUNK, Session, marks

# Ids are 64-bit signed integers on both backends; a larger number names no article
# (and must not reach the driver, which would overflow).
MAX_ID = 2**63 - 1


def valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    id: int
    url: str
    outlet: str | None
    title: str
    published: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "outlet": self.outlet,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
        }


@dataclass(frozen=True, slots=True)
class OutletSummary:
    name: str
    articles: int
    first: datetime | None
    last: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "articles": self.articles,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
        }


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """What publish needs of every article to plan a site."""

    id: int
    version_id: int
    outlet: str | None
    first_seen: datetime
    title: str
    published: datetime | None
    version_count: int
    last_capture: int


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _summary(row: Any) -> ArticleSummary:
    return ArticleSummary(
        row["id"], row["url"], row["outlet"], row["title"], _when(row["published"])
    )


# Start from versions so SQLite walks the published_ts index newest first and stops at
# LIMIT (0.5 ms on the 50,000-article archive; any other ORDER BY expression, even
# `published_ts IS NULL`, makes it sort everything: 170 ms). NULL dates sort last in
# DESC order on SQLite, first on PostgreSQL unless told (NULLS LAST). The join keeps
# only each article's latest version.
_RECENT = (
    "SELECT a.id, a.url, a.outlet, v.title, v.published FROM versions v"
    " JOIN articles a ON a.id = v.article_id AND a.latest_version_id = v.id"
)


def recent_articles(
    session: Session, *, outlet: str | None = None, limit: int = 20, offset: int = 0
) -> list[ArticleSummary]:
    if offset < 0 or offset > MAX_ID or limit < 0:
        return []
    where, args = ("WHERE a.outlet = ?", [outlet]) if outlet is not None else ("", [])
    nulls = " NULLS LAST" if session.dialect == "postgres" else ""
    rows = session.all(
        f"{_RECENT} {where} ORDER BY v.published_ts DESC{nulls}, v.id DESC LIMIT ? OFFSET ?",
        (*args, limit, offset),
    )
    return [_summary(r) for r in rows]


def articles_by_id(session: Session, ids: list[int]) -> list[ArticleSummary]:
    """Summaries in the order of `ids` (missing ids are skipped)."""
    found: dict[int, ArticleSummary] = {}
    for start in range(0, len(ids), IN_CHUNK):
        chunk = [i for i in ids[start : start + IN_CHUNK] if valid_id(i)]
        if chunk:
            for row in session.all(f"{_RECENT} WHERE a.id IN ({marks(len(chunk))})", chunk):
                found[row["id"]] = _summary(row)
    return [found[i] for i in ids if i in found]


def latest_versions(session: Session, ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for start in range(0, len(ids), IN_CHUNK):
        chunk = [i for i in ids[start : start + IN_CHUNK] if valid_id(i)]
        if chunk:
            rows = session.all(
                f"SELECT id, latest_version_id FROM articles WHERE id IN ({marks(len(chunk))})",
                chunk,
            )
            out.update({r[0]: r[1] for r in rows})
    return out


def outlets(session: Session, name: str | None = None) -> list[OutletSummary]:
    """Every outlet with its article count and date range, or only `name`."""
    if name is not None:
        # One outlet: its articles by the outlet index, their versions by id (the
        # covering subquery below would be rescanned per article on SQLite: 22 s
        # instead of 40 ms).
        versions, where, args = "versions", "AND a.outlet = ?", [name]
    elif session.dialect == "sqlite":
        # All outlets: dates from the covering index on versions(published_ts) (SQLite
        # builds an automatic index to join it) instead of the version rows, which carry
        # the article text: 180 ms instead of 260 ms on the 50,000-article archive.
        versions = "(SELECT id, published_ts FROM versions INDEXED BY versions_published)"
        where, args = "", []
    else:
        versions, where, args = "versions", "", []
    rows = session.all(
        "SELECT a.outlet AS name, count(*) AS n, min(v.published_ts) AS first_ts,"
        f" max(v.published_ts) AS last_ts FROM articles a JOIN {versions} v"
        " ON v.id = a.latest_version_id"
        f" WHERE a.outlet IS NOT NULL {where} GROUP BY a.outlet ORDER BY n DESC, a.outlet",
        args,
    )
    return [
        OutletSummary(r["name"], r["n"], _from_ts(r["first_ts"]), _from_ts(r["last_ts"]))
        for r in rows
    ]


def _from_ts(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts is not None else None


_CATALOG_SQL = """
SELECT a.id, a.latest_version_id, a.outlet, a.first_seen, v.title, v.published,
       (SELECT count(*) FROM versions v2 WHERE v2.article_id = a.id),
       (SELECT max(c.id) FROM captures c WHERE c.article_id = a.id)
FROM articles a JOIN versions v ON v.id = a.latest_version_id
WHERE a.id > ? ORDER BY a.id LIMIT 2000
"""


def catalog(session: Session) -> Iterator[CatalogRow]:
    """Every article with a version, by id, in batches (a server-side cursor would hold
    a PostgreSQL transaction open for the whole publish)."""
    last = 0
    while True:
        rows = session.all(_CATALOG_SQL, (last,))
        if not rows:
            return
        for row in rows:
            yield CatalogRow(
                id=row[0],
                version_id=row[1],
                outlet=row[2],
                first_seen=datetime.fromisoformat(row[3]),
                title=row[4],
                published=_when(row[5]),
                version_count=row[6],
                last_capture=row[7] or 0,
            )
        last = rows[-1][0]


def format_counts(session: Session) -> dict[str, int]:
    rows = session.all(
        "SELECT format, count(*) AS n FROM captures GROUP BY format ORDER BY n DESC, format"
    )
    return {r[0]: r[1] for r in rows}


def url_of(session: Session, article_id: int) -> str | None:
    if not valid_id(article_id):
        return None
    value = session.scalar("SELECT url FROM articles WHERE id=?", (article_id,))
    return str(value) if value is not None else None


def breakdowns(session: Session) -> dict[str, dict[str, int]]:
    """Articles by outlet and by year of publication, captures by format."""
    by_outlet = session.all(
        "SELECT coalesce(outlet, '(unknown)') AS k, count(*) AS n FROM articles"
        " GROUP BY k ORDER BY n DESC, k"
    )
    # The year of the latest version's publication instant, in its own offset.
    by_year = session.all(
        "SELECT coalesce(substr(v.published, 1, 4), '(undated)') AS y, count(*) AS n"
        " FROM articles a JOIN versions v ON v.id = a.latest_version_id"
        " GROUP BY y ORDER BY y"
    )
    return {
        "by_outlet": {r[0]: r[1] for r in by_outlet},
        "by_format": format_counts(session),
        "by_year": {r[0]: r[1] for r in by_year},
    }

"""An article's history as its mirror repositories showed it (web app, API, static
site, `show`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from newsarchive.archive import Archive


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One thing a commit did to an article: added, changed, removed or restored it."""

    kind: str
    path: str
    version_id: int | None
    commit: str
    committed: str
    author: str
    message: str
    repository: str

    @property
    def short(self) -> str:
        return self.commit[:10]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def article_history(archive: Archive, article_id: int) -> list[HistoryEvent]:
    """The article's events, oldest first (by commit time, then by order of import)."""
    if not archive.session.table_exists("history_events"):
        return []
    rows = archive.session.all(
        "SELECT e.kind, e.path, e.version_id, c.sha, c.committed, c.author, c.message,"
        " r.name FROM history_events e JOIN history_commits c ON c.id=e.commit_id"
        " JOIN history_repos r ON r.id=c.repo_id WHERE e.article_id=? ORDER BY e.id",
        (article_id,),
    )
    return [HistoryEvent(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]


def version_sources(events: list[HistoryEvent]) -> dict[int, HistoryEvent]:
    """{version id: the event that first brought it} (its source commit)."""
    first: dict[int, HistoryEvent] = {}
    for e in events:
        if e.version_id is not None and e.kind in ("added", "changed", "restored"):
            first.setdefault(e.version_id, e)
    return first


def history_counts(archive: Archive) -> dict[int, tuple[int, int]]:
    """{article id: (events, last event id)} of every article with a history, in one
    query (the static site's page keys: a removal re-renders the page)."""
    if not archive.session.table_exists("history_events"):
        return {}
    rows = archive.session.all(
        "SELECT article_id, count(*), max(id) FROM history_events GROUP BY article_id"
    )
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}

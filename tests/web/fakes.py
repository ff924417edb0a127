"""Stand-ins for the components the web layer calls (search, stories, collection,
import), written to their contracts in notes/contracts.md.

They let the web tests pin the web layer's own behaviour (status codes, escaping,
pagination, jobs) independently of how the real engines rank or segment; the
integration tests in test_integration.py run the real components when installed.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from newsarchive.archive import Archive
from newsarchive.model import Capture, Draft
from newsarchive.text.script import to_simplified


class QueryError(ValueError):
    pass


@dataclass
class SearchHit:
    id: int
    url: str
    title: str
    outlet: str | None
    published: datetime | None
    score: float
    snippet: str
    title_html: str


@dataclass
class SearchPage:
    query: str
    hits: list[SearchHit]
    total: int
    took_ms: float


@dataclass
class TimelineBucket:
    period: str
    outlet: str | None
    count: int


@dataclass
class Story:
    id: int
    label: str
    first: datetime
    last: datetime
    outlets: list[str]
    articles: list[int]
    first_outlet: str | None


@dataclass
class Calls:
    """What the fakes were asked, so tests can check the web layer passed it on."""

    search: list[dict[str, Any]] = field(default_factory=list)
    sources: list[tuple[str, str, str]] = field(default_factory=list)
    fetches: list[str | None] = field(default_factory=list)


def _mark(text: str, query: str) -> str:
    i = to_simplified(text).find(to_simplified(query))
    if i < 0:
        return html.escape(text[:80])
    lo = max(0, i - 20)
    return (
        html.escape(text[lo:i])
        + "<mark>"
        + html.escape(text[i : i + len(query)])
        + "</mark>"
        + html.escape(text[i + len(query) : i + len(query) + 40])
    )


def make_components(calls: Calls, *, evil_snippet: str = "") -> dict[str, Any]:
    def matches(archive: Archive, query: str, **f: Any) -> list[Any]:
        if query.count('"') % 2:
            raise QueryError("unbalanced quote in query")
        words = to_simplified(query).split()
        out = []
        for rec in archive.iter_articles():
            hay = to_simplified(rec.title + "\n" + rec.text)
            if not all(w in hay for w in words):
                continue
            if f.get("outlet") and rec.outlet != f["outlet"]:
                continue
            if f.get("since") and (rec.published is None or rec.published < f["since"]):
                continue
            if f.get("until") and (rec.published is None or rec.published > f["until"]):
                continue
            out.append(rec)
        return out

    def search(archive: Archive, query: str, **f: Any) -> SearchPage:
        f.pop("previous", None)  # an earlier page to update from: the fake always recomputes
        calls.search.append({"query": query, **f})
        found = matches(archive, query, **f)
        limit, offset = f.get("limit", 20), f.get("offset", 0)
        first = query.split()[0]
        hits = [
            SearchHit(
                r.id,
                r.url,
                r.title,
                r.outlet,
                r.published,
                1.0,
                _mark(r.text, first) + evil_snippet,
                _mark(r.title, first),
            )
            for r in found[offset : offset + limit]
        ]
        return SearchPage(query, hits, len(found), 1.5)

    def timeline(
        archive: Archive, query: str, *, interval: str = "day", by_outlet: bool = False, **f: Any
    ) -> list[TimelineBucket]:
        counts: dict[tuple[str, str | None], int] = {}
        for r in matches(archive, query, **f):
            if r.published is None:
                continue
            if interval == "day":
                period = r.published.date().isoformat()
            elif interval == "week":
                y, w, _ = r.published.isocalendar()
                period = f"{y}-W{w:02d}"
            else:
                period = r.published.strftime("%Y-%m")
            key = (period, r.outlet if by_outlet else None)
            counts[key] = counts.get(key, 0) + 1
        return [TimelineBucket(p, o, n) for (p, o), n in sorted(counts.items(), key=str)]

    def stories(archive: Archive, *, query: str | None = None, **_: Any) -> list[Story]:
        recs = [archive.article(1), archive.article(2)]
        members = [r for r in recs if r is not None and r.published is not None]
        if len(members) < 2:
            return []
        story = Story(
            7,
            "美中芯片战",
            min(r.published for r in members),  # type: ignore[type-var]
            max(r.published for r in members),  # type: ignore[type-var]
            sorted({r.outlet or "" for r in members}),
            [r.id for r in members],
            members[0].outlet,
        )
        return [story] if query is None or query in story.label else []

    def story_of(archive: Archive, article_id: int) -> Story | None:
        return next((s for s in stories(archive) if article_id in s.articles), None)

    def story_by_id(archive: Archive, story_id: int) -> Story | None:
        return next((s for s in stories(archive) if s.id == story_id), None)

    def add_source(archive: Archive, name: str, url: str, kind: str = "feed") -> Any:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{url!r} is not an http(s) URL")
        calls.sources.append((name, url, kind))
        return SimpleNamespace(name=name, url=url, kind=kind, outlet=None)

    def fetch_once(
        archive: Archive, *, source: str | None = None, on_item: Callable[..., None] | None = None
    ) -> Any:
        calls.fetches.append(source)
        if on_item:
            on_item("item")
        summary = {
            "sources": 1,
            "items": 1,
            "new_articles": 0,
            "new_versions": 0,
            "not_modified": 1,
            "errors": 0,
        }
        return SimpleNamespace(**summary, to_json=lambda: summary)

    def import_paths(
        archive: Archive, paths: Sequence[Path], *, on_file: Callable[[str], None] | None = None
    ) -> Any:
        files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*.txt")))]
        for f in files:
            text = f.read_text("utf-8")
            archive.ingest(
                Draft(
                    title=f.stem,
                    text=text,
                    html=f"<p>{html.escape(text)}</p>",
                    url=f"https://example.org/{f.stem}",
                ),
                Capture(text.encode(), "import", str(f)),
            )
            if on_file:
                on_file(str(f))
        summary = {
            "files": len(files),
            "articles": len(files),
            "new_versions": 0,
            "unchanged": 0,
            "errors": 0,
        }
        return SimpleNamespace(**summary, to_json=lambda: summary)

    return {
        "search": SimpleNamespace(search=search, timeline=timeline, QueryError=QueryError),
        "stories": SimpleNamespace(stories=stories, story_of=story_of, story_by_id=story_by_id),
        "collect": SimpleNamespace(add_source=add_source, fetch_once=fetch_once),
        "ingest": SimpleNamespace(import_paths=import_paths),
    }


def install(monkeypatch: Any, table: dict[str, Any]) -> None:
    """Route the web layer's calls into the other components to the fakes in `table`."""
    from newsarchive.web import api, components

    search = table["search"]
    monkeypatch.setattr(components, "search", search.search)
    monkeypatch.setattr(components, "timeline", search.timeline)
    monkeypatch.setattr(components, "QueryError", search.QueryError)
    stories = table["stories"]
    monkeypatch.setattr(
        components,
        "dedup",
        SimpleNamespace(
            stories=stories.stories,
            story_of=stories.story_of,
            story_by_id=stories.story_by_id,
            refresh_stories_in_child=lambda archive: False,
        ),
    )
    monkeypatch.setattr(api, "add_source", table["collect"].add_source)
    monkeypatch.setattr(api, "fetch_once", table["collect"].fetch_once)
    monkeypatch.setattr(api, "import_paths", table["ingest"].import_paths)

"""Entity pages of the static site: one page per entity that several published
articles name (aliases, kind, articles per month as an SVG chart, outlets, co-occurring
entities, figures, articles), and an index `entities.html`.

The chart is the web app's (`web/chart.py`: SVG drawn at build time, no script). Only
entities named by at least `MIN_ARTICLES` published articles get a page, at most
`MAX_PAGES` of them (the most named first): a page per passing name would be tens of
thousands of near-empty pages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from newsarchive.archive import Archive
from newsarchive.entities.queries import entity_page, list_entities
from newsarchive.publish.catalog import Entry
from newsarchive.web.chart import timeline_svg

MIN_ARTICLES = 2
MAX_PAGES = 300

# (path, template, key, context) -> writes the page; `key` decides freshness.
PageWriter = Callable[..., None]


@dataclass(frozen=True)
class _Bucket:
    period: str
    outlet: str | None
    count: int


def entity_path(entity_id: str) -> str:
    """A file name for an entity id: the id itself when it is plain ASCII (huawei),
    else a hash of it (name:长江存储 holds characters file systems may mangle)."""
    if re.fullmatch(r"[a-z0-9-]{1,60}", entity_id):
        return f"e/{entity_id}.html"
    return "e/n-" + hashlib.sha1(entity_id.encode("utf-8")).hexdigest()[:16] + ".html"


def entity_pages(
    archive: Archive,
    by_id: dict[int, Entry],
    write: PageWriter,
    key: Callable[..., str],
) -> int:
    """Write the entity pages and the index; returns how many entities got a page."""
    chosen: list[tuple[dict[str, Any], list[Entry]]] = []
    for item in list_entities(archive.session, None, MAX_PAGES * 3):
        if len(chosen) >= MAX_PAGES:
            break
        page = entity_page(archive.session, item["id"], limit=500)
        if page is None:
            continue
        articles = [by_id[a["id"]] for a in page["articles"] if a["id"] in by_id]
        if len(articles) >= MIN_ARTICLES:
            chosen.append((page, articles))
    # Co-occurring entities link to their page only when they have one.
    with_page = {page["id"] for page, _ in chosen}
    listed: list[dict[str, str]] = []
    for page, articles in chosen:
        path = entity_path(page["id"])
        listed.append({"path": path, "label": page["name"], "note": f"{len(articles)} 篇"})
        buckets = [_Bucket(t["period"], None, t["count"]) for t in page["timeline"]]
        chart = Markup(timeline_svg(buckets, interval="month", title=page["name"]))
        cooccurring = [
            {**c, "path": entity_path(c["id"]) if c["id"] in with_page else None}
            for c in page["cooccurring"]
        ]
        figures = [
            dict(f, path=by_id[f["article_id"]].path)
            for f in page["figures"]
            if f["article_id"] in by_id
        ]
        write(
            path,
            "entity.html",
            key("entity", page, [(e.id, e.version_id) for e in articles], sorted(with_page)),
            title=page["name"],
            entity=page,
            chart=chart,
            articles=sorted(articles, key=lambda e: (e.when, e.id), reverse=True),
            cooccurring=cooccurring,
            figures=figures,
        )
    write(
        "entities.html",
        "list.html",
        key("entities", listed),
        title="人物与机构",
        intro="",
        feed=None,
        links=listed,
        groups=[],
    )
    return len(listed)

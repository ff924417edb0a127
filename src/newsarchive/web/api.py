"""The REST API under /api/: the same functions as the pages, as JSON.

Reads are open; writes (sources, fetch, import) need the server's bearer token and run
on the single writer thread (see `state.Writer`), answering 202 with a job to poll.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from newsarchive.archive import Archive, CaptureRow, VersionRow
from newsarchive.collect import add_source, fetch_once
from newsarchive.diff import diff_html, diff_stats, diff_texts
from newsarchive.entities.queries import article_entities, article_figures
from newsarchive.extract.sanitize import sanitize_html
from newsarchive.history.reads import article_history
from newsarchive.ingest import import_paths
from newsarchive.search import DEFAULT_MODE, Mode
from newsarchive.search.fusion import semantic_ready
from newsarchive.web import components, queries, schemas
from newsarchive.web.cache import ResultCache, shown_of
from newsarchive.web.params import SQL_INT_MAX, date_range, query_text
from newsarchive.web.render import article_source_url, marked
from newsarchive.web.security import require_token
from newsarchive.web.state import ReadPool, Writer

log = logging.getLogger(__name__)
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"model": schemas.Error, "description": "Not found"}}
BAD_REQUEST: Responses = {
    400: {"model": schemas.Error, "description": "Malformed query or parameter"}
}
UNAVAILABLE: Responses = {
    503: {"model": schemas.Error, "description": "No embedding model, or vectors to rebuild"}
}
TOKEN_NEEDED: Responses = {
    401: {"model": schemas.Error, "description": "Missing or wrong token"},
    403: {"model": schemas.Error, "description": "Writes disabled on this server"},
}
router = APIRouter(prefix="/api")

Interval = Literal["day", "week", "month"]
ArticleId = Annotated[int, PathParam(ge=1, le=SQL_INT_MAX, description="Article id")]
Since = Annotated[str | None, Query(description="From this date (YYYY-MM-DD or ISO 8601)")]
Until = Annotated[str | None, Query(description="Up to this date, inclusive")]


async def reader(request: Request) -> AsyncIterator[Archive]:
    """A read-only connection lent to this request alone, for as long as it runs.

    Async on purpose: FastAPI runs a sync dependency on one pool thread and a sync
    endpoint on another, so a connection picked by thread from a sync dependency was
    another thread's (issue #19, F2). Lent per request, it is used by the endpoint's
    thread only, and waiting for one holds no thread."""
    pool: ReadPool = request.app.state.reads
    async with pool.lease() as archive:
        yield archive


def writer(request: Request) -> Writer:
    w: Writer = request.app.state.writer
    return w


Reader = Annotated[Archive, Depends(reader)]


# -- serialisation -------------------------------------------------------------------


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def hit_json(hit: Any) -> dict[str, Any]:
    title_html = getattr(hit, "title_html", None)
    return {
        "id": hit.id,
        "url": hit.url,
        "title": hit.title,
        "title_html": str(marked(title_html)) if title_html else None,
        "outlet": hit.outlet,
        "published": iso(hit.published),
        "score": hit.score,
        # Search promises safe HTML; it is cleaned again anyway (defence in depth).
        "snippet": str(marked(hit.snippet)),
        # Why it matched: word, variant (another spelling or region's word), alias
        # (another form of a name), meaning (the semantic ranking); and the forms found.
        "why": list(getattr(hit, "why", ())),
        "matched": list(getattr(hit, "matched", ())),
    }


def story_json(story: Any) -> dict[str, Any]:
    return {
        "id": story.id,
        "label": story.label,
        "first": iso(story.first),
        "last": iso(story.last),
        "outlets": list(story.outlets),
        "first_outlet": story.first_outlet,
        "articles": list(story.articles),
    }


def version_json(v: VersionRow) -> dict[str, Any]:
    return {
        "id": v["id"],
        "content_hash": v["content_hash"],
        "title": v["title"],
        "author": v["author"],
        "published": v["published"],
        "first_seen": v["first_seen"],
        "chars": len(v["text"]),
    }


def capture_json(c: CaptureRow) -> dict[str, Any]:
    return {
        k: c[k]
        for k in ("id", "version_id", "format", "location", "observed", "raw_sha256", "http_status")
    }


def article_or_404(archive: Archive, article_id: int) -> Any:
    record = archive.article(article_id)
    if record is None:
        raise HTTPException(404, f"no article with id {article_id}")
    return record


def pick_versions(
    versions: list[VersionRow], article_id: int, old: int | None, new: int | None
) -> tuple[VersionRow, VersionRow]:
    """The two versions to compare; by default the latest against the one before it."""
    by_id = {v["id"]: v for v in versions}
    for name, vid in (("from", old), ("to", new)):
        if vid is not None and vid not in by_id:
            raise HTTPException(404, f"{name}: {vid} is not a version of article {article_id}")
    if new is None:
        new = versions[-1]["id"]
    if old is None:
        earlier = [v["id"] for v in versions if v["id"] < new]
        if not earlier:
            raise HTTPException(
                400,
                f"article {article_id} has no version before {new}: "
                "choose two versions with from= and to=",
            )
        old = earlier[-1]
    return by_id[old], by_id[new]


# -- reading -------------------------------------------------------------------------


@router.get(
    "/search",
    summary="Full-text search",
    description="Articles matching the words of `q` (simplified and traditional, full- and"
    " half-width all match), best first, with highlighted titles and snippets. The"
    " `X-Result-Lag` header says how many seconds behind the newest commit the result"
    " may be.",
    response_class=JSONResponse,
    # The body is cached as bytes (see below): documented by its model, not re-validated.
    responses=BAD_REQUEST
    | {200: {"model": schemas.SearchResults, "description": "One page of hits"}},
)
async def api_search(
    request: Request,
    q: Annotated[str, Query(description="Words to find (Chinese, either script)")],
    outlet: str | None = None,
    since: Since = None,
    until: Until = None,
    format: Annotated[str | None, Query(description="Capture format, e.g. jekyll")] = None,
    lang: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    mode: Annotated[
        Mode,
        Query(description="lexical (words, variants, aliases), semantic (meaning) or hybrid"),
    ] = DEFAULT_MODE,
) -> Response:
    # (No docstring: FastAPI would publish it as the endpoint's description.) Async on
    # purpose: a repeated query is answered from the cache on the event loop (a
    # dictionary lookup), and only a miss goes to a worker thread for the engine.
    text = query_text(q)
    start, stop = date_range(since, until)
    filters = {
        "outlet": outlet or None,
        "since": start,
        "until": stop,
        "format": format or None,
        "lang": lang or None,
        "limit": limit,
        "offset": offset,
        "mode": mode,
    }
    state = request.app.state
    cache: ResultCache = state.cache
    # The finished response body is what is cached: a repeated query costs no
    # serialising or re-sanitizing either (see cache.py for when it is refreshed).
    # Words-only results made while the embedding model loads are cached apart.
    key = ("api-search", text, semantic_ready(mode), *sorted(filters.items()))
    # On the event loop's own connection: a cache hit never waits for a lent one.
    found = cache.lookup(state.reads.own(), key)
    if found is not None:
        if found.refresh and cache.claim_refresh(key):
            # Serve the checked previous result now; recompute it off the request path.
            task = asyncio.get_running_loop().create_task(
                _refresh_search(state, key, text, filters)
            )
            _background.add(task)
            task.add_done_callback(_background.discard)
        return _search_response(found.value, found.lag)
    # Engine work beyond one search per core only makes every search slower (the
    # GIL, two cores); waiting here keeps the event loop free for cache hits.
    async with state.engine_slots:
        found = cache.lookup(state.reads.own(), key)  # a twin request may have run it
        if found is not None and not found.refresh:
            return _search_response(found.value, found.lag)
        async with state.reads.lease() as archive:
            body = await run_in_threadpool(_search_body, state, archive, key, text, filters)
    return _search_response(body, 0.0)


def _search_response(body: bytes, lag: float) -> Response:
    # X-Result-Lag: how far behind the newest commit the result may be, in seconds
    # (0: computed since it).
    return Response(body, media_type="application/json", headers={"X-Result-Lag": f"{lag:.3f}"})


# Background refreshes in flight (a task only weakly referenced by the loop could be
# collected before it finishes).
_background: set[asyncio.Task[None]] = set()


def _search_body(
    state: Any, archive: Archive, key: Any, text: str, filters: dict[str, Any]
) -> bytes:
    """Run the search on `archive` (lent to the caller), store and return the body."""
    cache: ResultCache = state.cache
    generation = cache.generation(archive)  # before searching: see ResultCache.store
    # With the state of the previous result, only what was committed since is ranked.
    previous = cache.previous(key)
    page = components.run_search(archive, text, cache=None, previous=previous, **filters)
    data = {
        "query": page.query,
        "total": page.total,
        "took_ms": page.took_ms,
        "limit": filters["limit"],
        "offset": filters["offset"],
        # False: the search ran out of time and these are the hits found by then.
        "complete": getattr(page, "complete", True),
        # The end of the query not searched for (past the engine's word limit).
        "ignored": getattr(page, "ignored", ""),
        # The ranking used, and why it is not the one asked for (no model: words only).
        "mode": getattr(page, "mode", "lexical"),
        "notice": getattr(page, "notice", ""),
        "hits": [hit_json(h) for h in page.hits],
    }
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    # The page itself is kept beside the body: the next refresh starts from it.
    cache.store(key, body, shown_of(page.hits), generation, page)
    return body


async def _refresh_search(state: Any, key: Any, text: str, filters: dict[str, Any]) -> None:
    cache: ResultCache = state.cache
    try:
        async with state.refresh_slot, state.reads.lease() as archive:
            await run_in_threadpool(_search_body, state, archive, key, text, filters)
    except Exception:  # the next request computes it in the foreground and reports
        log.warning("background refresh of %r failed", text, exc_info=True)
    finally:
        cache.release_refresh(key)


@router.get(
    "/articles/{article_id}",
    summary="An article with its versions and captures",
    response_model=schemas.Article,
    responses=NOT_FOUND,
)
def api_article(archive: Reader, article_id: ArticleId) -> dict[str, Any]:
    record = article_or_404(archive, article_id)
    data = record.to_json()
    data["html"] = sanitize_html(record.html)
    data["versions"] = [version_json(v) for v in archive.versions(article_id)]
    captures = archive.captures(article_id)
    data["captures"] = [capture_json(c) for c in captures]
    # The canonical `url` is the archive's key (always https); `source_url` is where
    # the article was fetched from, scheme included, for links.
    data["source_url"] = article_source_url(record.url, captures)
    data["entities"] = article_entities(archive.session, article_id)
    data["figures"] = article_figures(archive.session, article_id)
    # What mirror repositories' commits did to it (added, changed, removed, restored).
    data["history"] = [e.to_json() for e in article_history(archive, article_id)]
    return data


@router.get(
    "/articles/{article_id}/similar",
    summary="More like this: the articles nearest in meaning",
    description="Other outlets and scripts included; the article's own near-duplicates"
    " are left out and each duplicate group appears once. `score` is the cosine of the"
    " two articles' embeddings (multilingual USE, title and lead).",
    response_model=schemas.SimilarArticles,
    responses=NOT_FOUND | UNAVAILABLE,
)
def api_similar(
    archive: Reader,
    article_id: ArticleId,
    limit: Annotated[int, Query(ge=1, le=50, description="How many articles")] = 10,
) -> dict[str, Any]:
    article_or_404(archive, article_id)
    alike = components.similar_to(archive, article_id, limit)
    return {"article": article_id, "similar": [a.to_json() for a in alike]}


@router.get(
    "/articles/{article_id}/diff",
    summary="What changed between two versions",
    response_model=schemas.Diff,
    responses=NOT_FOUND | BAD_REQUEST,
)
def api_diff(
    archive: Reader,
    article_id: ArticleId,
    old: Annotated[
        int | None, Query(alias="from", ge=1, le=SQL_INT_MAX, description="Older version id")
    ] = None,
    new: Annotated[
        int | None, Query(alias="to", ge=1, le=SQL_INT_MAX, description="Newer version id")
    ] = None,
) -> dict[str, Any]:
    article_or_404(archive, article_id)
    a, b = pick_versions(archive.versions(article_id), article_id, old, new)
    return {
        "article": article_id,
        "from": version_json(a),
        "to": version_json(b),
        "title_changed": a["title"] != b["title"],
        "stats": diff_stats(a["text"], b["text"]),
        "changes": [
            {"op": c.op, "old": c.old, "new": c.new} for c in diff_texts(a["text"], b["text"])
        ],
        "html": diff_html(a["text"], b["text"]),
    }


@router.get("/outlets", summary="Outlets with article counts", response_model=schemas.Outlets)
def api_outlets(archive: Reader) -> dict[str, Any]:
    return {"outlets": [o.to_json() for o in queries.outlets_cached(archive)]}


@router.get(
    "/outlets/{name}",
    summary="One outlet and its newest articles",
    response_model=schemas.OutletWithArticles,
    responses=NOT_FOUND,
)
def api_outlet(
    archive: Reader,
    name: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=SQL_INT_MAX)] = 0,
) -> dict[str, Any]:
    found = queries.outlet(archive, name)
    if found is None:
        raise HTTPException(404, f"no outlet named {name!r}")
    articles = queries.recent_articles(archive, outlet=name, limit=limit, offset=offset)
    return {**found.to_json(), "recent": [a.to_json() for a in articles]}


@router.get(
    "/timeline",
    summary="How many articles match, per period (and outlet)",
    response_model=schemas.Timeline,
    responses=BAD_REQUEST,
)
def api_timeline(
    request: Request,
    archive: Reader,
    q: str,
    interval: Interval = "day",
    by_outlet: bool = False,
    outlet: str | None = None,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    text = query_text(q)
    start, stop = date_range(since, until)
    buckets = components.run_timeline(
        archive,
        text,
        cache=request.app.state.cache,
        interval=interval,
        by_outlet=by_outlet,
        outlet=outlet or None,
        since=start,
        until=stop,
    )
    return {
        "query": text,
        "interval": interval,
        "buckets": [{"period": b.period, "outlet": b.outlet, "count": b.count} for b in buckets],
    }


# Stories left stale by a write from another process (an import from the command line)
# are recomputed by this server's writer when someone reads them: at most one such job
# at a time, and not more often than this (each reclusters the archive in a child).
STORY_REFRESH_SECONDS = 10.0


def refresh_stale_stories(request: Request, archive: Archive) -> None:
    """Ask the writer to recompute the stories if they are stale. Readers only serve
    the last computed ones: they are read-only, and a reader that tried to recompute
    them failed or held the GIL for tens of seconds (issue #19, F2)."""
    try:
        from newsarchive.dedup.story_pass import stories_stale
    except ModuleNotFoundError:  # no story detection installed
        return
    if stories_stale(archive.session):
        w: Writer = request.app.state.writer
        w.submit_unless_pending(
            "refresh-stories",
            lambda writable, tick: components.refresh_stories(writable),
            every=STORY_REFRESH_SECONDS,
        )


@router.get(
    "/stories",
    summary="Stories: articles of several outlets about one event",
    response_model=schemas.Stories,
)
def api_stories(
    request: Request,
    archive: Reader,
    q: str | None = None,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    start, stop = date_range(since, until)
    refresh_stale_stories(request, archive)
    found = components.list_stories(archive, query=q or None, since=start, until=stop)
    return {"stories": [story_json(s) for s in found]}


@router.get(
    "/stories/{story_id}",
    summary="One story: its articles, first report, outlets and when, timeline",
    response_model=schemas.StoryWithMembers,
    responses=NOT_FOUND,
)
def api_story(
    request: Request,
    archive: Reader,
    story_id: Annotated[int, PathParam(ge=0, le=SQL_INT_MAX)],
) -> dict[str, Any]:
    refresh_stale_stories(request, archive)
    story = components.find_story(archive, story_id)
    members = queries.articles_by_id(archive, list(story.articles))
    return {
        **story_json(story),
        "members": [a.to_json() for a in members],
        # first_report, outlets_when, interval, timeline
        **components.story_coverage(members).to_json(),
    }


# -- writing -------------------------------------------------------------------------

Writes = [Depends(require_token)]


class SourceIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=2000)
    kind: str = "feed"


class FetchIn(BaseModel):
    source: str | None = Field(None, description="Only this source (default: all)")


class ImportIn(BaseModel):
    paths: list[str] = Field(min_length=1, description="Files, folders or tarballs on the server")


def source_json(source: Any) -> dict[str, Any]:
    return {"name": source.name, "url": source.url, "kind": source.kind, "outlet": source.outlet}


def add_source_now(w: Writer, name: str, url: str, kind: str) -> dict[str, Any]:
    """Add a source through the writer and wait: it is quick, and the caller wants to
    know at once whether the URL was accepted."""
    job, future = w.submit(
        "add-source",
        {"name": name, "url": url, "kind": kind},
        lambda archive, tick: source_json(add_source(archive, name, url, kind=kind)),
    )
    try:
        result: dict[str, Any] = future.result(timeout=60)
    except FutureTimeout:
        raise HTTPException(503, f"the writer is busy; job {job.id} will add the source") from None
    except ValueError as exc:
        raise HTTPException(400, f"source: {exc}") from None
    return result


@router.post(
    "/sources",
    status_code=201,
    dependencies=Writes,
    summary="Add a source (token)",
    response_model=schemas.SourceAdded,
    responses=TOKEN_NEEDED | BAD_REQUEST,
)
def api_add_source(body: SourceIn, w: Annotated[Writer, Depends(writer)]) -> dict[str, Any]:
    return {"source": add_source_now(w, body.name.strip(), body.url.strip(), body.kind)}


def _then_refresh(archive: Archive, result: Any) -> Any:
    components.refresh_stories(archive)
    return result


def start_fetch(w: Writer, source: str | None) -> Any:
    job, _ = w.submit(
        "fetch",
        {"source": source},
        lambda archive, tick: _then_refresh(
            archive,
            fetch_once(archive, source=source, on_item=lambda *_: tick()).to_json(),
        ),
    )
    return job


@router.post(
    "/fetch",
    status_code=202,
    dependencies=Writes,
    summary="Fetch sources (token)",
    responses=TOKEN_NEEDED | {202: {"model": schemas.JobAccepted, "description": "Job queued"}},
)
def api_fetch(w: Annotated[Writer, Depends(writer)], body: FetchIn | None = None) -> JSONResponse:
    job = start_fetch(w, body.source if body else None)
    return accepted(job)


def start_import(w: Writer, paths: list[str]) -> Any:
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise HTTPException(400, "paths: not found on the server: " + ", ".join(missing))
    targets = [Path(p) for p in paths]
    job, _ = w.submit(
        "import",
        {"paths": paths},
        lambda archive, tick: _then_refresh(
            archive, import_paths(archive, targets, on_file=lambda _loc: tick()).to_json()
        ),
    )
    return job


@router.post(
    "/import",
    status_code=202,
    dependencies=Writes,
    summary="Import files (token)",
    responses=TOKEN_NEEDED
    | BAD_REQUEST
    | {202: {"model": schemas.JobAccepted, "description": "Job queued"}},
)
def api_import(body: ImportIn, w: Annotated[Writer, Depends(writer)]) -> JSONResponse:
    return accepted(start_import(w, body.paths))


def accepted(job: Any) -> JSONResponse:
    return JSONResponse(
        {"job": job.to_json(), "status_url": f"/api/jobs/{job.id}"},
        status_code=202,
        headers={"Location": f"/api/jobs/{job.id}"},
    )


@router.get(
    "/jobs",
    dependencies=Writes,
    summary="Recent write jobs (token)",
    response_model=schemas.Jobs,
    responses=TOKEN_NEEDED,
)
def api_jobs(w: Annotated[Writer, Depends(writer)]) -> dict[str, Any]:
    return {"jobs": [j.to_json() for j in w.jobs()]}


@router.get(
    "/jobs/{job_id}",
    dependencies=Writes,
    summary="One write job (token)",
    response_model=schemas.Job,
    responses=TOKEN_NEEDED | NOT_FOUND,
)
def api_job(job_id: int, w: Annotated[Writer, Depends(writer)]) -> dict[str, Any]:
    job = w.job(job_id)
    if job is None:
        raise HTTPException(404, f"no job with id {job_id}")
    return job.to_json()

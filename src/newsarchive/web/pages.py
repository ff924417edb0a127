"""The HTML pages: server-rendered, usable without JavaScript.

Every handler builds plain values; `page()` adds what every page shares (the reader's
script, the switch links) and sets the script cookie when the reader chose one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from newsarchive import i18n
from newsarchive.archive import Archive
from newsarchive.diff import diff_html, diff_stats
from newsarchive.history.reads import article_history, version_sources
from newsarchive.model import MIRROR_FORMATS
from newsarchive.search import MAX_TERMS
from newsarchive.web import components, queries
from newsarchive.web.api import (
    add_source_now,
    pick_versions,
    reader,
    refresh_stale_stories,
    start_fetch,
    start_import,
)
from newsarchive.web.chart import timeline_svg
from newsarchive.web.params import SQL_INT_MAX, date_range
from newsarchive.web.render import (
    SCRIPTS,
    Display,
    article_body,
    diff_fragment,
    fmt_date,
    marked,
    parse_script,
    safe_href,
)
from newsarchive.web.security import check_token

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
i18n.install(templates.env)
templates.env.filters["date"] = fmt_date
templates.env.globals["safe_href"] = safe_href


def url_with(request: Request, **params: Any) -> str:
    """This page's path and query with some parameters replaced (a relative link)."""
    url = request.url.include_query_params(**params)
    return f"{url.path}?{url.query}" if url.query else url.path


templates.env.globals["url_with"] = url_with

PAGE_SIZE = 20
FORMATS = (*MIRROR_FORMATS, "http", "feed", "import")
SCRIPT_COOKIE = "script"
SCRIPT_LABELS = {"original": "原文", "simplified": "简体", "traditional": "繁體"}


Reader = Annotated[Archive, Depends(reader)]


def display_for(request: Request) -> Display:
    chosen = parse_script(request.query_params.get("script")) or parse_script(
        request.cookies.get(SCRIPT_COOKIE)
    )
    return Display(chosen or "original")


def page(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> Response:
    display: Display = context.setdefault("display", display_for(request))
    switch = [(s, SCRIPT_LABELS[s], url_with(request, script=s)) for s in SCRIPTS]
    response = templates.TemplateResponse(
        request,
        template,
        {"t": display.text, "script_switch": switch, **context},
        status_code=status,
    )
    chosen = parse_script(request.query_params.get("script"))
    if chosen:
        response.set_cookie(
            SCRIPT_COOKIE, chosen, max_age=365 * 86400, samesite="lax", httponly=True
        )
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    return page(request, "error.html", {"status": status, "message": message}, status=status)


def pages_of(total: int, current: int) -> dict[str, int]:
    return {"current": current, "count": max(1, math.ceil(total / PAGE_SIZE))}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, archive: Reader) -> Response:
    return page(
        request,
        "index.html",
        {
            "counts": archive.counts(),
            "recent": queries.recent_articles(archive, limit=PAGE_SIZE),
            "search_available": True,
        },
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    archive: Reader,
    q: str = "",
    outlet: str = "",
    since: str = "",
    until: str = "",
    format: str = "",
    interval: str = "month",
    by_outlet: bool = False,
    page_no: Annotated[int, Query(alias="page", ge=1, le=500)] = 1,
) -> Response:
    chart_interval = interval if interval in ("day", "week", "month") else "month"
    form: dict[str, Any] = {
        "q": q,
        "outlet": outlet,
        "since": since,
        "until": until,
        "format": format,
        "interval": chart_interval,
        "by_outlet": by_outlet,
    }
    context: dict[str, Any] = {
        "form": form,
        "outlets": queries.outlets_cached(archive),
        "formats": FORMATS,
        "results": None,
        "chart": None,
        "error": None,
    }
    if not q.strip():
        return page(request, "search.html", context)
    try:
        start, stop = date_range(since, until)
        filters: dict[str, Any] = {"outlet": outlet or None, "since": start, "until": stop}
        results = components.run_search(
            archive,
            q.strip(),
            cache=request.app.state.cache,
            **filters,
            format=format or None,
            limit=PAGE_SIZE,
            offset=(page_no - 1) * PAGE_SIZE,
        )
        buckets = components.run_timeline(
            archive,
            q.strip(),
            cache=request.app.state.cache,
            interval=chart_interval,
            by_outlet=by_outlet,
            **filters,
        )
    except HTTPException as exc:
        context["error"] = exc.detail
        return page(request, "search.html", context, status=exc.status_code)
    display = display_for(request)
    context["display"] = display
    context["results"] = results
    context["hits"] = [
        {
            "hit": h,
            "title": marked(display.text(getattr(h, "title_html", None) or h.title)),
            "snippet": marked(display.text(h.snippet)),
        }
        for h in results.hits
    ]
    context["pages"] = pages_of(results.total, page_no)
    context["max_terms"] = MAX_TERMS
    context["chart"] = Markup(
        timeline_svg(buckets, interval=chart_interval, title=f"“{q.strip()}” over time")
    )
    return page(request, "search.html", context)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    archive: Reader,
    article_id: Annotated[int, PathParam(ge=1, le=SQL_INT_MAX)],
    old: Annotated[int | None, Query(alias="from", ge=1, le=SQL_INT_MAX)] = None,
    new: Annotated[int | None, Query(alias="to", ge=1, le=SQL_INT_MAX)] = None,
) -> Response:
    record = archive.article(article_id)
    if record is None:
        return error_page(request, 404, f"No article with id {article_id}.")
    display = display_for(request)
    versions = archive.versions(article_id)
    history = article_history(archive, article_id)
    comparison = None
    if len(versions) > 1 or old is not None or new is not None:
        try:
            a, b = pick_versions(versions, article_id, old, new)
        except HTTPException as exc:
            return error_page(request, exc.status_code, str(exc.detail))
        comparison = {
            "from": a,
            "to": b,
            "stats": diff_stats(a["text"], b["text"]),
            "title_changed": a["title"] != b["title"],
            "html": diff_fragment(display.text(diff_html(a["text"], b["text"]))),
        }
    return page(
        request,
        "article.html",
        {
            "display": display,
            "article": record,
            "body": article_body(display.text(record.html)),
            "versions": versions,
            "captures": archive.captures(article_id),
            "comparison": comparison,
            "history": history,
            "sources": version_sources(history),
            "story": components.story_of(archive, article_id),
        },
    )


@router.get("/outlets/", response_class=HTMLResponse)
def outlets_page(request: Request, archive: Reader) -> Response:
    return page(request, "outlets.html", {"outlets": queries.outlets_cached(archive)})


@router.get("/outlets/{name}", response_class=HTMLResponse)
def outlet_page(
    request: Request,
    archive: Reader,
    name: str,
    page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    found = queries.outlet(archive, name)
    if found is None:
        return error_page(request, 404, f"No outlet named “{name}”.")
    articles = queries.recent_articles(
        archive, outlet=name, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE
    )
    return page(
        request,
        "outlet.html",
        {"outlet": found, "articles": articles, "pages": pages_of(found.articles, page_no)},
    )


@router.get("/stories/", response_class=HTMLResponse)
def stories_page(request: Request, archive: Reader, q: str = "") -> Response:
    refresh_stale_stories(request, archive)
    found = components.list_stories(archive, query=q.strip() or None)
    return page(request, "stories.html", {"stories": found, "q": q})


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(
    request: Request, archive: Reader, story_id: Annotated[int, PathParam(ge=0, le=SQL_INT_MAX)]
) -> Response:
    refresh_stale_stories(request, archive)
    try:
        story = components.find_story(archive, story_id)
    except HTTPException as exc:
        return error_page(request, exc.status_code, str(exc.detail))
    members = queries.articles_by_id(archive, list(story.articles))
    return page(request, "story.html", {"story": story, "members": members})


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    return page(request, "admin.html", admin_context(request))


def admin_context(request: Request, **extra: Any) -> dict[str, Any]:
    return {
        "writes_enabled": bool(request.app.state.token),
        "collect_available": True,
        "message": None,
        "job": None,
        "jobs": None,
        **extra,
    }


@router.post("/admin", response_class=HTMLResponse)
def admin_action(
    request: Request,
    action: Annotated[str, Form()],
    token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "feed",
    source: Annotated[str, Form()] = "",
    paths: Annotated[str, Form()] = "",
) -> Response:
    """The admin forms post here with the token as a field: no JavaScript needed, and a
    cross-site form cannot act without knowing the token."""
    writer = request.app.state.writer
    try:
        check_token(request.app.state.token, token or None)
        if action == "add-source":
            if not name.strip() or not url.strip():
                raise HTTPException(400, "a source needs a name and a URL")
            added = add_source_now(writer, name.strip(), url.strip(), kind.strip() or "feed")
            extra = {"message": f"Added source “{added['name']}” ({added['url']})."}
        elif action == "fetch":
            job = start_fetch(writer, source.strip() or None)
            extra = {"message": f"Fetch started as job {job.id}.", "job": job}
        elif action == "import":
            job = start_import(writer, [p.strip() for p in paths.splitlines() if p.strip()])
            extra = {"message": f"Import started as job {job.id}.", "job": job}
        elif action == "jobs":
            extra = {"jobs": writer.jobs()}
        else:
            raise HTTPException(400, f"unknown action {action!r}")
    except HTTPException as exc:
        return page(
            request,
            "admin.html",
            admin_context(request, error=exc.detail),
            status=exc.status_code,
        )
    return page(request, "admin.html", admin_context(request, **extra))

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
from newsarchive.entities.queries import article_entities
from newsarchive.history.reads import article_history, version_sources
from newsarchive.i18n import N_
from newsarchive.model import MIRROR_FORMATS
from newsarchive.search import DEFAULT_MODE, MAX_TERMS, MODES
from newsarchive.vectors import SimilarArticle
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
    article_source_url,
    diff_fragment,
    fmt_date,
    marked,
    parse_script,
    safe_href,
    zone_label,
)
from newsarchive.web.security import (
    OPERATOR_COOKIE,
    check_token,
    is_operator,
    operator_cookie_value,
)

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
LANG_COOKIE = "lang"
SCRIPT_LABELS = {"original": "原文", "simplified": "简体", "traditional": "繁體"}


Reader = Annotated[Archive, Depends(reader)]


def display_for(request: Request) -> Display:
    chosen = parse_script(request.query_params.get("script")) or parse_script(
        request.cookies.get(SCRIPT_COOKIE)
    )
    return Display(chosen or "original")


def locale_for(request: Request) -> i18n.Locale:
    return i18n.negotiate(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


# The chart's own words, translated per request (see chart.timeline_svg).
CHART_WORDS = (
    N_("Matches over time"),
    N_("No matches to chart"),
    N_("other"),
    N_("(unknown outlet)"),
)


def page(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> Response:
    display: Display = context.setdefault("display", display_for(request))
    locale = locale_for(request)
    switch = [(s, SCRIPT_LABELS[s], url_with(request, script=s)) for s in SCRIPTS]
    languages = [(lc, i18n.LOCALE_LABELS[lc], url_with(request, lang=lc)) for lc in i18n.LOCALES]
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": display.text,
            "script_switch": switch,
            "lang_switch": languages,
            "locale": locale,
            "html_lang": i18n.HTML_LANG[locale],
            "time_zone": zone_label(),
            "operator": is_operator(request),
            **i18n.template_functions(locale),
            **context,
        },
        status_code=status,
    )
    chosen = parse_script(request.query_params.get("script"))
    if chosen:
        response.set_cookie(
            SCRIPT_COOKIE, chosen, max_age=365 * 86400, samesite="lax", httponly=True
        )
    if i18n.parse_locale(request.query_params.get("lang")):
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax", httponly=True)
    response.headers["content-language"] = i18n.HTML_LANG[locale]
    response.headers["vary"] = "Accept-Language, Cookie"
    return response


def error_page(request: Request, status: int, message: str, **params: Any) -> Response:
    """An error page; `message` is a message id (marked with `N_`) formatted with
    `params` after translation, or a text passed through as it is."""
    return page(
        request,
        "error.html",
        {"status": status, "message": message, "params": params},
        status=status,
    )


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
    mode: str = DEFAULT_MODE,
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
        "mode": mode,
    }
    context: dict[str, Any] = {
        "form": form,
        "modes": MODES,
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
            mode=mode,
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
    gettext = i18n.translations(locale_for(request)).gettext
    context["chart"] = Markup(
        timeline_svg(
            buckets,
            interval=chart_interval,
            title=gettext("“%(q)s” over time") % {"q": q.strip()},
            labels={word: gettext(word) for word in CHART_WORDS},
        )
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
        return error_page(request, 404, N_("No article with id %(id)s."), id=article_id)
    display = display_for(request)
    versions = archive.versions(article_id)
    captures = archive.captures(article_id)
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
            "captures": captures,
            "source_url": article_source_url(record.url, captures),
            "comparison": comparison,
            "history": history,
            "sources": version_sources(history),
            "story": components.story_of(archive, article_id),
            "similar": _similar_or_none(archive, article_id),
            "entities": article_entities(archive.session, article_id),
        },
    )


# Articles in the page's "more like this" block.
SIMILAR_ON_PAGE = 8


def _similar_or_none(archive: Archive, article_id: int) -> list[SimilarArticle] | None:
    """The page's "more like this", or None (block left out) when the model is missing
    or the vectors need a reindex: the article itself is still worth showing."""
    try:
        return components.similar_to(archive, article_id, SIMILAR_ON_PAGE)
    except HTTPException:
        return None


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
        return error_page(request, 404, N_("No outlet named “%(name)s”."), name=name)
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
        if exc.status_code == 404:
            return error_page(request, 404, N_("No story with id %(id)s."), id=story_id)
        return error_page(request, exc.status_code, str(exc.detail))
    members = queries.articles_by_id(archive, list(story.articles))
    covered = components.story_coverage(members)
    chart = Markup(
        timeline_svg(covered.timeline, interval=covered.interval, title=story.label, height=220)
    )
    return page(
        request,
        "story.html",
        {"story": story, "members": members, "coverage": covered, "chart": chart},
    )


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs_page(request: Request) -> Response:
    """The API described for people: api-docs.js renders /api/openapi.json here (no CDN:
    FastAPI's bundled Swagger/ReDoc pages load from one, which the CSP forbids)."""
    return page(request, "api_docs.html", {})


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    return page(request, "admin.html", admin_context(request))


def admin_context(request: Request, **extra: Any) -> dict[str, Any]:
    return {
        "writes_enabled": bool(request.app.state.token),
        "collect_available": True,
        "message": None,
        "message_params": {},
        "error": None,
        "error_params": {},
        "job": None,
        "jobs": None,
        **extra,
    }


def _operator_or_token(request: Request, token: str) -> None:
    """A signed-in operator acts without typing the token again; anyone else must give it."""
    if token or not is_operator(request):
        check_token(request.app.state.token, token or None)


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
    """The admin forms post here with the token as a field (or a signed-in operator's
    cookie): no JavaScript needed, and a cross-site form cannot act without the token
    (the cookie is SameSite=Strict)."""
    writer = request.app.state.writer
    cookie: str | None = None  # None: leave the operator cookie as it is; "": delete it
    try:
        if action == "sign-out":
            cookie = ""
            extra: dict[str, Any] = {"message": N_("Signed out.")}
        else:
            _operator_or_token(request, token)
        if action == "sign-in":
            cookie = operator_cookie_value(request.app.state.token)
            extra = {"message": N_("Signed in.")}
        elif action == "add-source":
            if not name.strip() or not url.strip():
                raise HTTPException(400, N_("a source needs a name and a URL"))
            added = add_source_now(writer, name.strip(), url.strip(), kind.strip() or "feed")
            extra = {
                "message": N_("Added source “%(name)s” (%(url)s)."),
                "message_params": {"name": added["name"], "url": added["url"]},
            }
        elif action == "fetch":
            job = start_fetch(writer, source.strip() or None)
            extra = {
                "message": N_("Fetch started as job %(id)s."),
                "message_params": {"id": job.id},
                "job": job,
            }
        elif action == "import":
            job = start_import(writer, [p.strip() for p in paths.splitlines() if p.strip()])
            extra = {
                "message": N_("Import started as job %(id)s."),
                "message_params": {"id": job.id},
                "job": job,
            }
        elif action == "jobs":
            extra = {"jobs": writer.jobs()}
        elif action != "sign-out":
            raise HTTPException(400, f"unknown action {action!r}")
    except HTTPException as exc:
        return page(
            request,
            "admin.html",
            admin_context(request, error=exc.detail),
            status=exc.status_code,
        )
    if cookie is not None:
        # The page rendered now should already show the new state (the Admin link).
        request.cookies[OPERATOR_COOKIE] = cookie
    response = page(request, "admin.html", admin_context(request, **extra))
    if cookie:
        response.set_cookie(
            OPERATOR_COOKIE, cookie, max_age=7 * 86400, samesite="strict", httponly=True
        )
    elif cookie == "":
        response.delete_cookie(OPERATOR_COOKIE, samesite="strict", httponly=True)
    return response

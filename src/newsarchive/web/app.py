"""The web application: pages, the REST API, static files, and their shared state."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsarchive import __version__
from newsarchive.archive import resolve_address
from newsarchive.components import open_archive
from newsarchive.i18n import N_
from newsarchive.web import api, entities, pages
from newsarchive.web.cache import ResultCache, cache_size_from_env
from newsarchive.web.components import refresh_stories
from newsarchive.web.security import SECURITY_HEADERS, SecurityHeaders, validated_token
from newsarchive.web.state import ReadPool, Writer

STATIC = Path(__file__).parent / "static"


def create_app(
    db_path: str | os.PathLike[str] | None = None, *, token: str | None = None
) -> FastAPI:
    """The app over the archive at `db_path` (created and migrated if needed).

    `token` enables the write endpoints (sources, fetch, import); without one they
    answer 403. The CLI passes `$NEWSARCHIVE_TOKEN`. A token that is set but unusable
    (too short, whitespace) raises `TokenError` before anything is opened.
    """
    token = validated_token(token)
    path = resolve_address(db_path)
    # Create/migrate once with a writable connection; after that the server's readers
    # open the file read-only.
    open_archive(path).close()
    reads, writer = ReadPool(path), Writer(path)
    # Stories left stale by an import from the command line are recomputed by the
    # writer in the background; until then readers serve the previous ones.
    writer.submit("refresh-stories", {}, lambda archive, tick: refresh_stories(archive))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        writer.close()
        reads.close()

    app = FastAPI(
        title="newsarchive",
        version=__version__,
        description="Search and read archived Chinese-language journalism.",
        # The bundled Swagger/ReDoc pages load scripts from a CDN, which the CSP (rightly)
        # forbids; the OpenAPI description itself is served.
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.db_path = path
    app.state.token = token
    app.state.reads = reads
    app.state.writer = writer
    app.state.cache = ResultCache(cache_size_from_env())
    # Searches computed at once per process (see api.api_search).
    app.state.engine_slots = asyncio.Semaphore(os.cpu_count() or 2)
    # Background refreshes of due results run one at a time, beside the requests'
    # searches rather than in their slots: a request that must wait for the engine
    # never queues behind a refresh that nobody is waiting for.
    app.state.refresh_slot = asyncio.Semaphore(1)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(entities.api_router)
    app.include_router(entities.router)
    _error_handlers(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (several worker processes): `$NEWSARCHIVE_DB`
    and `$NEWSARCHIVE_TOKEN` configure it."""
    return create_app(None, token=os.environ.get("NEWSARCHIVE_TOKEN") or None)


# Starlette's own error details, shown translated on the error page.
STARLETTE_DETAILS = (N_("Not Found"), N_("Method Not Allowed"))


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
    return pages.error_page(request, status, message)


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response = _error(request, exc.status_code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for err in exc.errors():
            where = ".".join(
                str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")
            )
            problems.append({"parameter": where, "problem": err.get("msg", "invalid")})
        message = (
            "; ".join(f"{p['parameter']}: {p['problem']}" for p in problems) or "invalid request"
        )
        if _wants_json(request):
            return JSONResponse(
                {"error": {"status": 422, "message": message, "problems": problems}},
                status_code=422,
            )
        return pages.error_page(request, 422, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette answers an unhandled exception from its outermost middleware, outside
        # `SecurityHeaders`, so this response carries the headers itself. Starlette then
        # re-raises the exception, so the server still logs its traceback.
        message = N_("internal error: the server could not answer this request")
        try:
            response = _error(request, 500, message)
        except Exception:  # the error page itself failed: plain text then
            response = PlainTextResponse(message, status_code=500)
        for key, value in SECURITY_HEADERS:
            response.headers[key.decode()] = value.decode()
        return response

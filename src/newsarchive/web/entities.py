"""Entities and figures on the web: `/api/entities`, `/api/entities/{id}`,
`/api/figures`, the entity page (aliases, kind, articles over time, outlets, co-occurring
entities, figures) and the figures view (what outlets cited for 芯片自给率, side by side).

Kept apart from `api.py` / `pages.py` so the entities layer plugs in with one router;
the reads are `newsarchive.entities.queries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from newsarchive.entities.queries import entity_page, figures, list_entities
from newsarchive.web import schemas
from newsarchive.web.chart import timeline_svg
from newsarchive.web.pages import Reader, error_page, page

api_router = APIRouter(prefix="/api")
router = APIRouter(include_in_schema=False)

Limit = Annotated[int, Query(ge=1, le=1000)]
# A name, alias or id: bounded like every other free-text parameter.
Text = Annotated[str | None, Query(max_length=200)]


@dataclass(frozen=True)
class _Bucket:
    period: str
    outlet: str | None
    count: int


def _entity_or_404(archive: Any, name: str) -> dict[str, Any]:
    found = entity_page(archive.session, name)
    if found is None:
        raise HTTPException(404, f"no article names {name!r}")
    return found


@api_router.get(
    "/entities",
    summary="Entities (people, organisations, places) by article count",
    response_model=schemas.Entities,
)
def api_entities(archive: Reader, q: Text = None, limit: Limit = 100) -> dict[str, Any]:
    return {"entities": list_entities(archive.session, q or None, limit)}


@api_router.get(
    "/entities/{name}",
    summary="One entity: aliases, articles, timeline, outlets",
    response_model=schemas.EntityDetail,
    responses={404: {"model": schemas.Error, "description": "No article names it"}},
)
def api_entity(archive: Reader, name: str) -> dict[str, Any]:
    return _entity_or_404(archive, name[:200])


@api_router.get(
    "/figures",
    summary="Figures the articles cite, with their sentence",
    response_model=schemas.Figures,
)
def api_figures(
    archive: Reader, q: Text = None, entity: Text = None, limit: Limit = 200
) -> dict[str, Any]:
    return {"figures": figures(archive.session, q or None, entity or None, limit)}


@router.get("/entities/", response_class=HTMLResponse)
def entities_page(request: Request, archive: Reader, q: str = "") -> Response:
    found = list_entities(archive.session, q.strip()[:200] or None, 200)
    return page(request, "entities.html", {"entities": found, "q": q})


@router.get("/entities/{name}", response_class=HTMLResponse)
def entity_html(request: Request, archive: Reader, name: str) -> Response:
    found = entity_page(archive.session, name[:200])
    if found is None:
        return error_page(request, 404, f"No article names “{name}”.")
    buckets = [_Bucket(t["period"], None, t["count"]) for t in found["timeline"]]
    chart = Markup(
        timeline_svg(buckets, interval="month", title=f"{found['name']}: articles per month")
    )
    return page(request, "entity.html", {"entity": found, "chart": chart})


@router.get("/figures/", response_class=HTMLResponse)
def figures_page(request: Request, archive: Reader, q: str = "", entity: str = "") -> Response:
    found = figures(archive.session, q.strip()[:200] or None, entity.strip()[:200] or None, 500)
    return page(request, "figures.html", {"figures": found, "q": q, "entity": entity})

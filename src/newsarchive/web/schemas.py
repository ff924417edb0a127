"""The API's response bodies as typed models: what /api/openapi.json and the docs page
(/api/docs) describe, each with an example taken from a real answer.

The handlers build plain dictionaries; FastAPI checks them against these models, so a
field that drifts from its description fails the API tests instead of surprising a
client. Models allow extra fields: a component may add one before it is described here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def _model(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="allow", json_schema_extra={"examples": [example]})


_ARTICLE_SUMMARY = {
    "id": 2,
    "url": "https://www.voachinese.com/a/chips-2022.html",
    "outlet": "美国之音",
    "title": "美国扩大对华芯片出口管制",
    "published": "2022-10-07T14:00:00+00:00",
}
_VERSION = {
    "id": 3,
    "content_hash": "5f2c…",
    "title": "北大报告承认美中科技脱钩中国损失更大",
    "author": None,
    "published": "2022-02-03T09:00:00+00:00",
    "first_seen": "2024-05-01T08:00:00+00:00",
    "chars": 86,
}
_STORY = {
    "id": 4,
    "label": "芯片出口管制",
    "first": "2022-10-07T14:00:00+00:00",
    "last": "2022-12-06T02:00:00+00:00",
    "outlets": ["美国之音", "中央社"],
    "first_outlet": "美国之音",
    "articles": [2, 3],
}
_JOB = {
    "id": 7,
    "kind": "fetch",
    "params": {"source": None},
    "status": "done",
    "created": "2024-05-01T08:00:00+00:00",
    "started": "2024-05-01T08:00:01+00:00",
    "finished": "2024-05-01T08:00:09+00:00",
    "progress": 12,
    "result": {"sources": 1, "new": 3},
    "error": None,
}


class ArticleSummary(BaseModel):
    model_config = _model(_ARTICLE_SUMMARY)
    id: int
    url: str
    outlet: str | None
    title: str
    published: str | None = Field(description="ISO 8601 with the source's offset")


class Hit(BaseModel):
    model_config = _model(
        {
            **_ARTICLE_SUMMARY,
            "title_html": "美国扩大对华<mark>芯片</mark>出口管制",
            "score": 7.31,
            "snippet": "美国商务部宣布扩大<mark>芯片</mark>出口管制范围。",
        }
    )
    id: int
    url: str
    title: str
    title_html: str | None = Field(description="The title with <mark> around matches")
    outlet: str | None
    published: str | None
    score: float
    snippet: str = Field(description="Safe HTML: text with <mark> only")


class SearchResults(BaseModel):
    model_config = _model(
        {
            "query": "芯片 出口管制",
            "total": 2,
            "took_ms": 3.2,
            "limit": 20,
            "offset": 0,
            "complete": True,
            "ignored": "",
            "hits": [Hit.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
        }
    )
    query: str
    total: int
    took_ms: float
    limit: int
    offset: int
    complete: bool = Field(description="False: the search ran out of time; hits found by then")
    ignored: str = Field(description="The end of the query not searched for (word limit)")
    hits: list[Hit]


class Image(BaseModel):
    url: str
    caption: str | None = None


class Version(BaseModel):
    model_config = _model(_VERSION)
    id: int
    content_hash: str
    title: str
    author: str | None
    published: str | None
    first_seen: str
    chars: int = Field(description="Length of the version's text")


class CaptureOut(BaseModel):
    model_config = _model(
        {
            "id": 5,
            "version_id": 3,
            "format": "jekyll",
            "location": "_posts/2022-02-03-chip-2.md",
            "observed": "2024-05-01T08:00:00+00:00",
            "raw_sha256": "9b1e…",
            "http_status": None,
        }
    )
    id: int
    version_id: int
    format: str
    location: str
    observed: str
    raw_sha256: str
    http_status: int | None


class Article(BaseModel):
    model_config = _model(
        {
            **_ARTICLE_SUMMARY,
            "text": "美国商务部宣布扩大芯片出口管制范围。",
            "html": "<p>美国商务部宣布扩大芯片出口管制范围。</p>",
            "author": None,
            "tags": [],
            "images": [],
            "lang": "zh-Hans",
            "version_id": 4,
            "version_count": 1,
            "first_seen": "2024-05-01T08:00:00+00:00",
            "gone_at": None,
            "gone_status": None,
            "timestamps": {},
            "versions": [_VERSION],
            "captures": [],
            "source_url": "https://www.voachinese.com/a/chips-2022.html",
        }
    )
    id: int
    url: str
    outlet: str | None
    title: str
    text: str
    html: str = Field(description="Sanitized HTML of the latest version")
    published: str | None
    author: str | None
    tags: list[str]
    images: list[Image]
    lang: str | None
    version_id: int
    version_count: int
    first_seen: str
    gone_at: str | None = Field(description="When the source stopped serving it")
    gone_status: int | None = Field(description="The HTTP status the source answered then")
    timestamps: dict[str, Any]
    versions: list[Version]
    captures: list[CaptureOut]
    source_url: str = Field(
        description="Where the article was fetched from (the source's own scheme): link here"
    )


class DiffStats(BaseModel):
    added: int
    removed: int


class Change(BaseModel):
    op: str
    old: str
    new: str


class Diff(BaseModel):
    model_config = _model(
        {
            "article": 1,
            "from": {**_VERSION, "id": 2},
            "to": _VERSION,
            "title_changed": False,
            "stats": {"added": 10, "removed": 0},
            "changes": [{"op": "insert", "old": "", "new": "编者按：本文已更新。"}],
            "html": "<p class='ins'><ins>编者按：本文已更新。</ins></p>",
        }
    )
    article: int
    from_: Version = Field(alias="from")
    to: Version
    title_changed: bool
    stats: DiffStats
    changes: list[Change]
    html: str


_OUTLET = {
    "name": "美国之音",
    "articles": 120,
    "first": "2021-01-04T02:00:00+00:00",
    "last": "2022-10-07T14:00:00+00:00",
}


class Outlet(BaseModel):
    model_config = _model(_OUTLET)
    name: str
    articles: int
    first: str | None
    last: str | None


class Outlets(BaseModel):
    model_config = _model({"outlets": [_OUTLET]})
    outlets: list[Outlet]


class OutletWithArticles(Outlet):
    model_config = _model({**_OUTLET, "recent": [_ARTICLE_SUMMARY]})
    recent: list[ArticleSummary]


class Bucket(BaseModel):
    period: str
    outlet: str | None
    count: int


class Timeline(BaseModel):
    model_config = _model(
        {
            "query": "芯片",
            "interval": "month",
            "buckets": [{"period": "2022-10", "outlet": None, "count": 2}],
        }
    )
    query: str
    interval: str
    buckets: list[Bucket]


class Story(BaseModel):
    model_config = _model(_STORY)
    id: int
    label: str
    first: str | None
    last: str | None
    outlets: list[str]
    first_outlet: str | None
    articles: list[int]


class Stories(BaseModel):
    model_config = _model({"stories": [_STORY]})
    stories: list[Story]


class SimilarArticle(ArticleSummary):
    score: float = Field(description="Cosine of the two articles' embeddings")


class SimilarArticles(BaseModel):
    model_config = _model({"article": 1, "similar": [{**_ARTICLE_SUMMARY, "score": 0.71}]})
    article: int
    similar: list[SimilarArticle]


class FirstReport(BaseModel):
    article_id: int
    outlet: str | None
    at: str
    title: str | None
    url: str | None


class OutletWhen(BaseModel):
    outlet: str
    first: str
    last: str
    articles: int
    first_article: int
    hours_after_first_report: float


class TimelinePoint(BaseModel):
    period: str = Field(description='"2020-07-30T13" per hour, "2020-07-30" per day')
    outlet: str | None
    count: int


_FIRST_REPORT = {
    "article_id": 2,
    "outlet": "美国之音",
    "at": "2022-10-07T14:00:00+00:00",
    "title": "美国扩大对华芯片出口管制",
    "url": "https://www.voachinese.com/a/chips-2022.html",
}


class StoryWithMembers(Story):
    model_config = _model(
        {
            **_STORY,
            "members": [_ARTICLE_SUMMARY],
            "first_report": _FIRST_REPORT,
            "outlets_when": [
                {
                    "outlet": "美国之音",
                    "first": "2022-10-07T14:00:00+00:00",
                    "last": "2022-10-08T02:00:00+00:00",
                    "articles": 2,
                    "first_article": 2,
                    "hours_after_first_report": 0.0,
                }
            ],
            "interval": "day",
            "timeline": [{"period": "2022-10-07", "outlet": "美国之音", "count": 1}],
        }
    )
    members: list[ArticleSummary]
    first_report: FirstReport | None = Field(description="The earliest dated member")
    outlets_when: list[OutletWhen] = Field(description="Outlets in the order they reported")
    interval: str = Field(description='"hour" (stories up to 3 days) or "day"')
    timeline: list[TimelinePoint]


class Source(BaseModel):
    name: str
    url: str
    kind: str
    outlet: str | None


class SourceAdded(BaseModel):
    model_config = _model(
        {
            "source": {
                "name": "voa",
                "url": "https://www.voachinese.com/api/z$yqe$ym",
                "kind": "feed",
                "outlet": "美国之音",
            }
        }
    )
    source: Source


class Job(BaseModel):
    model_config = _model(_JOB)
    id: int
    kind: str
    params: dict[str, Any]
    status: str
    created: str
    started: str | None
    finished: str | None
    progress: int
    result: Any = None
    error: str | None


class JobAccepted(BaseModel):
    model_config = _model({"job": {**_JOB, "status": "queued"}, "status_url": "/api/jobs/7"})
    job: Job
    status_url: str


class Jobs(BaseModel):
    model_config = _model({"jobs": [_JOB]})
    jobs: list[Job]


class ErrorBody(BaseModel):
    status: int
    message: str


class Error(BaseModel):
    model_config = _model({"error": {"status": 404, "message": "no article with id 999"}})
    error: ErrorBody


# -- entities and figures (newsarchive.entities) ---------------------------------------

_ENTITY = {
    "id": "huawei",
    "name": "华为",
    "kind": "org",
    "aliases": ["華為", "Huawei", "华为技术有限公司"],
    "en": "Huawei",
}
_FIGURE = {
    "text": "1387亿元",
    "value": 138700000000.0,
    "unit": "CNY",
    "what": "大基金一期",
    "sentence": "大基金一期募资1387亿元。",
}


class EntityRef(BaseModel):
    model_config = _model(_ENTITY)
    id: str
    name: str
    kind: str = Field(description="person, org, place or other")
    aliases: list[str]
    en: str | None


class EntityCount(EntityRef):
    article_count: int


class Entities(BaseModel):
    model_config = _model({"entities": [{**_ENTITY, "article_count": 17}]})
    entities: list[EntityCount]


class Figure(BaseModel):
    model_config = _model(_FIGURE)
    text: str = Field(description="As written")
    value: float | None = Field(description="Normalised: 15.9% is 0.159, 1387亿元 1.387e11")
    unit: str | None = Field(description="CNY, USD, nm, ratio …")
    what: str = Field(description="What the figure measures, from its sentence")
    sentence: str


class CitedFigure(Figure):
    article_id: int
    outlet: str | None
    published: str | None
    title: str


class Figures(BaseModel):
    model_config = _model(
        {
            "figures": [
                {
                    **_FIGURE,
                    "article_id": 2,
                    "outlet": "美国之音",
                    "published": "2022-10-07T14:00:00+00:00",
                    "title": "美国扩大对华芯片出口管制",
                }
            ]
        }
    )
    figures: list[CitedFigure]


class EntityArticle(BaseModel):
    id: int
    title: str
    outlet: str | None
    published: str | None
    mentions: int


class PeriodCount(BaseModel):
    period: str = Field(description="YYYY-MM")
    count: int


class OutletCount(BaseModel):
    outlet: str | None
    count: int


class CoEntity(EntityRef):
    count: int = Field(description="Articles naming both")


class EntityDetail(EntityRef):
    model_config = _model(
        {
            **_ENTITY,
            "article_count": 17,
            "articles": [
                {
                    "id": 2,
                    "title": "美国扩大对华芯片出口管制",
                    "outlet": "美国之音",
                    "published": "2022-10-07T14:00:00+00:00",
                    "mentions": 4,
                }
            ],
            "timeline": [{"period": "2022-10", "count": 3}],
            "outlets": [{"outlet": "美国之音", "count": 5}],
            "cooccurring": [
                {
                    "id": "smic",
                    "name": "中芯国际",
                    "kind": "org",
                    "aliases": ["SMIC"],
                    "en": "SMIC",
                    "count": 6,
                }
            ],
            "figures": [],
        }
    )
    article_count: int
    articles: list[EntityArticle]
    timeline: list[PeriodCount]
    outlets: list[OutletCount]
    cooccurring: list[CoEntity]
    figures: list[CitedFigure]

"""The REST API: every endpoint, its errors (400/404/422 with a message) and the token."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import ENGLISH, TestClient, auth
from tests.web.fakes import Calls


def error_of(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()["error"]
    assert body["status"] == status and body["message"]
    return str(body["message"])


# -- search --------------------------------------------------------------------------


def test_search_returns_hits_with_highlighted_snippets(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "芯片"})
    assert r.status_code == 200
    data = r.json()
    assert data["total"] == 3 and data["limit"] == 20 and data["offset"] == 0
    first = data["hits"][0]
    assert set(first) >= {"id", "url", "title", "outlet", "published", "score", "snippet"}
    assert "<mark>芯片</mark>" in first["snippet"]


def test_search_passes_filters_and_pagination(client: TestClient, fakes: Calls) -> None:
    r = client.get(
        "/api/search",
        params={
            "q": "芯片",
            "outlet": "美国之音",
            "since": "2022-01-01",
            "until": "2022-12-31",
            "format": "feedx",
            "limit": 5,
            "offset": 0,
        },
    )
    assert r.status_code == 200
    assert [h["outlet"] for h in r.json()["hits"]] == ["美国之音"]
    call = fakes.search[-1]
    assert call["outlet"] == "美国之音" and call["format"] == "feedx"
    assert call["since"].isoformat() == "2022-01-01T00:00:00+00:00"
    # A date-only `until` includes that whole day.
    assert call["until"].isoformat().startswith("2022-12-31T23:59:59")
    page2 = client.get("/api/search", params={"q": "芯片", "limit": 2, "offset": 2}).json()
    assert page2["total"] == 3 and len(page2["hits"]) == 1


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({}, 422, "q"),
        ({"q": "   "}, 400, "empty"),
        ({"q": '"芯片'}, 400, "quote"),
        ({"q": "芯片", "limit": 0}, 422, "limit"),
        ({"q": "芯片", "limit": 1000}, 422, "limit"),
        ({"q": "芯片", "offset": -1}, 422, "offset"),
        ({"q": "芯片", "limit": "many"}, 422, "limit"),
        ({"q": "芯片", "since": "2022-13-01"}, 422, "since"),
        ({"q": "芯片", "since": "2022-06-01", "until": "2022-01-01"}, 400, "after"),
    ],
)
def test_search_bad_parameters(
    client: TestClient, params: dict[str, Any], status: int, needle: str
) -> None:
    assert needle in error_of(client.get("/api/search", params=params), status)


def test_missing_component_is_503_with_reason(sample_db: str) -> None:
    from newsarchive.web import create_app

    # Without the fakes, a component that is not installed answers 503 and says so;
    # one that is installed answers normally. Either way: JSON, never a traceback.
    with TestClient(create_app(sample_db), headers=ENGLISH) as c:
        r = c.get("/api/stories")
    assert r.status_code in (200, 503)
    if r.status_code == 503:
        assert "not available" in error_of(r, 503)


# -- articles, versions, diffs -------------------------------------------------------


def test_article_with_versions_and_captures(client: TestClient) -> None:
    data = client.get("/api/articles/1").json()
    assert data["title"] == "北大报告承认美中科技脱钩中国损失更大"
    assert data["url"] == "https://rfa.org/mandarin/yataibaodao/chip-01.html"
    assert data["version_count"] == 3
    assert [v["id"] for v in data["versions"]] == [1, 2, 3]
    assert [c["format"] for c in data["captures"]] == ["jekyll"] * 3
    assert data["images"] == [
        {"url": "https://www.rfa.org/chip.jpg", "caption": "中芯国际的晶圆厂"}
    ]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/articles/999", 404), ("/api/articles/abc", 422), ("/api/articles/0", 422)],
)
def test_article_errors(client: TestClient, path: str, status: int) -> None:
    message = error_of(client.get(path), status)
    assert "999" in message if status == 404 else "article_id" in message


def test_diff_defaults_to_latest_against_previous(client: TestClient) -> None:
    data = client.get("/api/articles/1/diff").json()
    assert (data["from"]["id"], data["to"]["id"]) == (2, 3)
    # The new paragraph plus the line break before it.
    assert data["stats"] == {"added": len("\n编者按：本文已更新。"), "removed": 0}
    assert [c["op"] for c in data["changes"]] == ["equal", "insert"]
    assert "<ins>编者按：本文已更新。</ins>" in data["html"]


def test_diff_between_chosen_versions(client: TestClient) -> None:
    data = client.get("/api/articles/1/diff", params={"from": 1, "to": 3}).json()
    assert (data["from"]["id"], data["to"]["id"]) == (1, 3)
    assert "<ins>目前</ins>" in data["html"] and "<del>做</del>" in data["html"]


@pytest.mark.parametrize(
    ("path", "status", "needle"),
    [
        ("/api/articles/1/diff?from=4", 404, "not a version of article 1"),
        ("/api/articles/1/diff?to=99", 404, "to: 99"),
        ("/api/articles/2/diff", 400, "no version before"),
        ("/api/articles/77/diff", 404, "no article"),
        ("/api/articles/1/diff?from=x", 422, "from"),
    ],
)
def test_diff_errors(client: TestClient, path: str, status: int, needle: str) -> None:
    assert needle in error_of(client.get(path), status)


# -- outlets, timeline, stories ------------------------------------------------------


def test_outlets(client: TestClient) -> None:
    outlets = client.get("/api/outlets").json()["outlets"]
    assert {o["name"] for o in outlets} == {
        "自由亚洲电台",
        "美国之音",
        "中央社",
        "BBC中文",
        "德国之声",
    }
    assert all(o["articles"] == 1 for o in outlets)
    one = client.get("/api/outlets/中央社").json()
    assert [a["title"] for a in one["recent"]] == ["台積電擴大在美國的晶片投資"]
    assert "no outlet" in error_of(client.get("/api/outlets/新华社"), 404)


def test_timeline(client: TestClient) -> None:
    data = client.get("/api/timeline", params={"q": "芯片", "interval": "month"}).json()
    assert data["interval"] == "month"
    assert {(b["period"], b["count"]) for b in data["buckets"]} == {
        ("2021-03", 1),
        ("2022-02", 1),
        ("2022-10", 1),
    }
    by = client.get("/api/timeline", params={"q": "芯片", "by_outlet": "true"}).json()
    assert {b["outlet"] for b in by["buckets"]} == {"自由亚洲电台", "美国之音", "德国之声"}
    assert "interval" in error_of(
        client.get("/api/timeline", params={"q": "芯片", "interval": "year"}), 422
    )
    assert "empty" in error_of(client.get("/api/timeline", params={"q": ""}), 400)


def test_stories(client: TestClient) -> None:
    stories = client.get("/api/stories").json()["stories"]
    assert [(s["id"], s["articles"]) for s in stories] == [(7, [1, 2])]
    one = client.get("/api/stories/7").json()
    assert [m["id"] for m in one["members"]] == [1, 2]
    # who reported first, which outlets covered it when, reports per day
    assert one["first_report"]["article_id"] == 1
    assert one["first_report"]["outlet"] == "自由亚洲电台"
    assert one["first_report"]["at"] == "2022-02-03T09:00:00+00:00"
    when = [
        (o["outlet"], o["articles"], o["hours_after_first_report"]) for o in one["outlets_when"]
    ]
    assert when == [("自由亚洲电台", 1, 0.0), ("美国之音", 1, 5909.0)]
    assert one["interval"] == "day"
    assert one["timeline"] == [
        {"period": "2022-02-03", "outlet": "自由亚洲电台", "count": 1},
        {"period": "2022-10-07", "outlet": "美国之音", "count": 1},
    ]
    assert "no story" in error_of(client.get("/api/stories/8"), 404)
    assert "since" in error_of(client.get("/api/stories?since=yesterday"), 422)


def test_openapi_describes_every_endpoint(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert paths >= {
        "/api/search",
        "/api/articles/{article_id}",
        "/api/articles/{article_id}/diff",
        "/api/outlets",
        "/api/timeline",
        "/api/stories",
        "/api/sources",
        "/api/fetch",
        "/api/import",
    }
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert not any(p.startswith("/articles") for p in paths)  # pages stay out of the API


# -- writes and the token ------------------------------------------------------------

WRITES = [
    ("/api/sources", {"name": "RFA", "url": "https://www.rfa.org/feed.xml"}),
    ("/api/fetch", {}),
    ("/api/import", {"paths": ["/nonexistent"]}),
]


@pytest.mark.parametrize(("path", "body"), WRITES)
def test_writes_disabled_without_configured_token(
    client: TestClient, path: str, body: dict[str, Any]
) -> None:
    assert "disabled" in error_of(client.post(path, json=body, headers=auth()), 403)


@pytest.mark.parametrize(("path", "body"), WRITES)
def test_writes_need_the_right_token(writable: TestClient, path: str, body: dict[str, Any]) -> None:
    r = writable.post(path, json=body)
    assert "missing token" in error_of(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "wrong token" in error_of(writable.post(path, json=body, headers=auth("nope")), 401)
    basic = {"Authorization": "Basic czNjcmV0LXRva2VuOg=="}
    assert error_of(writable.post(path, json=body, headers=basic), 401)


def wait_for(client: TestClient, job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}", headers=auth()).json()
        if job["status"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_add_source(writable: TestClient, fakes: Calls) -> None:
    r = writable.post(
        "/api/sources", headers=auth(), json={"name": "RFA", "url": "https://www.rfa.org/feed.xml"}
    )
    assert r.status_code == 201 and r.json()["source"]["name"] == "RFA"
    assert fakes.sources == [("RFA", "https://www.rfa.org/feed.xml", "feed")]
    bad = writable.post("/api/sources", headers=auth(), json={"name": "x", "url": "ftp://x"})
    assert "not an http" in error_of(bad, 400)
    assert "url" in error_of(writable.post("/api/sources", headers=auth(), json={"name": "x"}), 422)


def test_fetch_runs_as_a_job(writable: TestClient, fakes: Calls) -> None:
    r = writable.post("/api/fetch", headers=auth(), json={"source": "RFA"})
    assert r.status_code == 202 and r.headers["location"].startswith("/api/jobs/")
    job = wait_for(writable, r.json()["job"]["id"])
    assert job["status"] == "done" and job["result"]["not_modified"] == 1
    assert job["progress"] == 1 and fakes.fetches == ["RFA"]
    assert writable.post("/api/fetch", headers=auth()).status_code == 202  # body optional


def test_import_runs_in_the_background_and_lands(writable: TestClient, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "新文章.txt").write_text("新导入的文章正文。", "utf-8")
    before = writable.get("/api/outlets").json()
    r = writable.post("/api/import", headers=auth(), json={"paths": [str(folder)]})
    assert r.status_code == 202
    job = wait_for(writable, r.json()["job"]["id"])
    assert job["status"] == "done" and job["result"]["files"] == 1
    found = [
        a
        for a in (writable.get(f"/api/articles/{i}") for i in range(1, 8))
        if a.status_code == 200 and a.json()["title"] == "新文章"
    ]
    assert found and before  # readers see the writer's commit
    assert "not found" in error_of(
        writable.post("/api/import", headers=auth(), json={"paths": ["/no/such/file"]}), 400
    )
    assert "paths" in error_of(
        writable.post("/api/import", headers=auth(), json={"paths": []}), 422
    )
    assert "no job" in error_of(writable.get("/api/jobs/999", headers=auth()), 404)
    assert writable.get("/api/jobs", headers=auth()).json()["jobs"][0]["kind"] == "import"


def test_every_api_answer_has_a_typed_model_with_an_example(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            # Handlers' implementation notes are not the API's description.
            assert "on purpose" not in op.get("description", ""), (method, path)
            ok = [s for s in op["responses"] if s.startswith("2")]
            assert ok, (method, path)
            schema = op["responses"][ok[0]]["content"]["application/json"]["schema"]
            assert "$ref" in schema, (method, path, schema)  # a named model, not "object"
            model = schemas[schema["$ref"].rsplit("/", 1)[1]]
            assert model.get("properties"), (method, path)
            assert model.get("examples"), (method, path)


def test_the_api_docs_page_is_served_from_this_server(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert '<script src="/static/api-docs.js"' in page.text
    assert "//cdn" not in page.text and "unpkg" not in page.text
    assert client.get("/static/api-docs.js").status_code == 200

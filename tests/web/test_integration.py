"""The web app over the real components (no fakes): search, timeline, stories, import.

Each test needs its component installed and is skipped cleanly otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from newsarchive.web import create_app
from tests.web.conftest import TOKEN, TestClient, auth, build_sample


@pytest.fixture
def real(db_address: str) -> Iterator[TestClient]:
    # Built after the components are imported, so their hooks (search index) run.
    with TestClient(create_app(build_sample(db_address), token=TOKEN)) as c:
        yield c


def ids(data: dict[str, Any]) -> set[int]:
    return {h["id"] for h in data["hits"]}


def test_real_search_finds_both_scripts_with_highlights(real: TestClient) -> None:
    pytest.importorskip("newsarchive.search")
    # Words only (hybrid, the default, adds articles near in meaning): 3 writes 晶片,
    # Taiwan's word for 芯片 (issue #15).
    data = real.get("/api/search", params={"q": "芯片", "mode": "lexical"}).json()
    assert ids(data) == {1, 2, 3, 5} and data["total"] == 4
    assert {h["id"]: h["why"] for h in data["hits"]}[3] == ["variant"]
    assert all("<mark>" in h["snippet"] for h in data["hits"])
    # A simplified query finds the traditional article, shown in its own script.
    trad = real.get("/api/search", params={"q": "台积电", "mode": "lexical"}).json()
    assert ids(trad) == {3}
    assert "積" in trad["hits"][0]["title"]
    only = real.get("/api/search", params={"q": "芯片", "outlet": "美国之音", "mode": "lexical"})
    only = only.json()
    assert ids(only) == {2}
    dated = real.get("/api/search", params={"q": "芯片", "until": "2021-12-31", "mode": "lexical"})
    dated = dated.json()
    assert ids(dated) == {5}


def test_real_search_modes_and_why(real: TestClient) -> None:
    pytest.importorskip("newsarchive.search")
    words = real.get("/api/search", params={"q": "芯片", "mode": "lexical"}).json()
    assert words["mode"] == "lexical"
    assert {h["id"]: tuple(h["why"]) for h in words["hits"]} == {
        1: ("word",),
        2: ("word",),
        3: ("variant",),
        5: ("word",),
    }
    for mode in ("hybrid", "semantic"):
        r = real.get("/api/search", params={"q": "芯片", "mode": mode})
        assert r.status_code == 200 and r.json()["mode"] in (mode, "lexical")
    assert real.get("/api/search", params={"q": "芯片", "mode": "fuzzy"}).status_code == 422
    page = real.get("/search", params={"q": "芯片", "mode": "lexical"}).text
    assert 'class="why"' in page and 'value="lexical" selected' in page
    assert real.get("/search", params={"q": "芯片", "mode": "fuzzy"}).status_code == 400


def test_real_query_errors_are_400_with_the_engines_message(real: TestClient) -> None:
    pytest.importorskip("newsarchive.search")
    for q in ('"芯片', "芯片 OR", "-芯片"):
        r = real.get("/api/search", params={"q": q})
        assert r.status_code == 400, (q, r.text)
        assert r.json()["error"]["message"].startswith("q: ")
    page = real.get("/search", params={"q": '"芯片'})
    assert page.status_code == 400 and "unbalanced quote" in page.text


def test_real_timeline_and_search_page_chart(real: TestClient) -> None:
    pytest.importorskip("newsarchive.search")
    data = real.get("/api/timeline", params={"q": "芯片", "interval": "month"}).json()
    assert sorted((b["period"], b["count"]) for b in data["buckets"]) == [
        ("2021-03", 1),
        ("2022-02", 1),
        ("2022-10", 1),
        ("2022-12", 1),  # 晶片
    ]
    page = real.get("/search", params={"q": "出口管制", "mode": "lexical"}).text
    doc = lxml.html.fromstring(page)
    assert {h.split("/")[-1] for h in doc.xpath("//li[@class='hit']/a/@href")} == {"1", "2", "3"}
    assert doc.xpath("//figure[@class='chart']//*[local-name()='rect']")


def test_real_stories_endpoints_answer(real: TestClient) -> None:
    pytest.importorskip("newsarchive.dedup")
    stories = real.get("/api/stories").json()["stories"]
    for s in stories:
        assert real.get(f"/api/stories/{s['id']}").status_code == 200
    assert real.get("/stories/").status_code == 200


def test_real_import_of_a_seed_file(real: TestClient, shared: Path) -> None:
    pytest.importorskip("newsarchive.ingest")
    seed = next((shared / "corpus" / "seeds").glob("000_*"))
    r = real.post("/api/import", headers=auth(), json={"paths": [str(seed)]})
    assert r.status_code == 202
    job_id = r.json()["job"]["id"]
    deadline = time.monotonic() + 60
    while (job := real.get(f"/api/jobs/{job_id}", headers=auth()).json())["status"] not in (
        "done",
        "failed",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert job["status"] == "done", job
    assert job["result"]["files"] == 1 and job["result"]["articles"] == 1
    assert real.get("/api/articles/6").json()["outlet"] == "大纪元"


def test_real_add_source_and_fetch_of_unknown_source(real: TestClient) -> None:
    pytest.importorskip("newsarchive.collect")
    r = real.post(
        "/api/sources",
        headers=auth(),
        json={"name": "dw-test", "url": "https://rss.dw.com/rdf/rss-chi-all"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["source"]["name"] == "dw-test"
    bad = real.post("/api/sources", headers=auth(), json={"name": "x", "url": "ftp://x"})
    assert bad.status_code == 400 and "http" in bad.json()["error"]["message"]
    # No network in tests: a fetch of a source that does not exist fails at once, and
    # the job says why.
    job_id = real.post("/api/fetch", headers=auth(), json={"source": "nope"}).json()["job"]["id"]
    deadline = time.monotonic() + 30
    while (job := real.get(f"/api/jobs/{job_id}", headers=auth()).json())["status"] not in (
        "done",
        "failed",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["status"] == "failed" and "nope" in job["error"]

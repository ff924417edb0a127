"""Entities and figures through the API, the web pages, the CLI and the static site."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsarchive.cli import app as cli
from newsarchive.components import open_archive
from newsarchive.publish.site import publish
from newsarchive.web import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient


@pytest.fixture
def client(seeds_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(seeds_db)) as c:
        yield c


def test_api_entity_any_alias_is_one_entity(client: TestClient) -> None:
    pages = [client.get(f"/api/entities/{n}").json() for n in ("Huawei", "華為", "华为")]
    assert {p["id"] for p in pages} == {"huawei"}
    huawei = pages[0]
    assert {"id", "name", "kind", "aliases", "en", "article_count", "articles", "timeline"} <= set(
        huawei
    )
    assert huawei["article_count"] == 3 and huawei["kind"] == "org" and huawei["en"] == "Huawei"
    assert sum(t["count"] for t in huawei["timeline"]) == 3
    assert client.get("/api/entities/不存在的名字").status_code == 404
    listed = client.get("/api/entities", params={"q": "smic"}).json()["entities"]
    assert [e["name"] for e in listed] == ["中芯国际"]


def test_api_article_carries_entities_and_figures(client: TestClient) -> None:
    found = client.get("/api/figures", params={"q": "国内生产"}).json()["figures"]
    (f,) = [f for f in found if f["text"] == "15.9%"]
    article = client.get(f"/api/articles/{f['article_id']}").json()
    names = {e["name"] for e in article["entities"]}
    assert {"习近平", "IC Insights"} <= names
    assert all(set(e) == {"id", "name", "kind", "aliases", "en"} for e in article["entities"])
    assert {"text": "227亿美元", "value": 2.27e10, "unit": "USD"}.items() <= next(
        x for x in article["figures"] if x["text"] == "227亿美元"
    ).items()
    assert set(article["figures"][0]) == {"text", "value", "unit", "what", "sentence"}


def test_entity_and_figures_pages(client: TestClient) -> None:
    html = client.get("/entities/華為").text
    assert "华为" in html and "Huawei" in html and "<svg" in html
    assert "美国商务部" in html  # named together with
    figures = client.get("/figures/", params={"q": "国产化率"}).text
    assert "5.9%" in figures and "大纪元" in figures
    assert client.get("/entities/不存在").status_code == 404


def test_cli(seeds_db: str) -> None:
    runner = CliRunner()
    for name in ("Huawei", "華為", "华为"):
        result = runner.invoke(cli, ["entity", name, "--json", "--db", seeds_db])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["id"] == "huawei"
    result = runner.invoke(cli, ["figures", "--entity", "YMTC", "--json", "--db", seeds_db])
    lines = [json.loads(x) for x in result.output.splitlines()]
    assert lines and all("article_id" in x for x in lines)
    result = runner.invoke(
        cli, ["search", "芯片", "--entity", "台積電", "--json", "--db", seeds_db]
    )
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 1  # only the RFA article names TSMC
    result = runner.invoke(cli, ["show", "1", "--json", "--db", seeds_db])
    shown = json.loads(result.output)
    assert shown["entities"] and shown["figures"]
    result = runner.invoke(cli, ["entity", "没有这个名字", "--db", seeds_db])
    assert result.exit_code == 1 and "names" in result.output
    result = runner.invoke(cli, ["entities", "--query", "华", "--db", seeds_db])
    assert result.exit_code == 0 and "华为" in result.output


def test_static_site_entity_pages(seeds_db: str, tmp_path: Path) -> None:
    with open_archive(seeds_db, readonly=True) as archive:
        publish(archive, tmp_path / "site")
    page = (tmp_path / "site" / "e" / "huawei.html").read_text(encoding="utf-8")
    assert "Huawei" in page and "<svg" in page and "<rect" in page
    index = (tmp_path / "site" / "entities.html").read_text(encoding="utf-8")
    assert "e/huawei.html" in index

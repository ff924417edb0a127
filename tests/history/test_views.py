"""An article's mirror history in `show`, the API, the web page and the static site."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from typer.testing import CliRunner

from newsarchive.cli import app
from newsarchive.components import open_archive
from newsarchive.history import import_repository
from newsarchive.web import create_app
from tests.history.gitrepo import Repo
from tests.history.test_import import A_URL, B_URL, mirror  # noqa: F401  (fixture)

with warnings.catch_warnings():
    # Starlette would like httpx2; the httpx we depend on works the same (tests/web).
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

runner = CliRunner()


def imported(db: str, repo: Repo) -> tuple[int, int]:
    with open_archive(db) as archive:
        import_repository(archive, repo.root, workers=1)
        a, b = archive.find(A_URL), archive.find(B_URL)
        assert a is not None and b is not None
        return a.id, b.id


def test_show_lists_removal_and_history(
    db_address: str,
    mirror: tuple[Repo, dict[str, str]],  # noqa: F811
) -> None:
    r, shas = mirror
    a, _ = imported(db_address, r)
    out = runner.invoke(app, ["show", str(a), "--db", db_address, "--json", "--versions"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert (data["gone_at"], data["gone_status"]) == ("2022-02-06T10:00:00+00:00", 410)
    assert [(e["kind"], e["commit"]) for e in data["history"]] == [
        ("added", shas["add"]),
        ("changed", shas["edit"]),
        ("removed", shas["delete"]),
    ]
    out = runner.invoke(app, ["show", str(a), "--db", db_address, "--versions"])
    assert out.exit_code == 0
    assert "from the mirror waimei/_posts/2021-03-01-a.md" in out.stdout
    assert "take A down" in out.stdout and "history in mirror repositories" in out.stdout


def test_api_and_web_page(
    db_address: str,
    mirror: tuple[Repo, dict[str, str]],  # noqa: F811
) -> None:
    r, shas = mirror
    a, b = imported(db_address, r)
    with TestClient(create_app(db_address)) as client:
        data = client.get(f"/api/articles/{a}").json()
        assert data["gone_status"] == 410
        assert [e["kind"] for e in data["history"]] == ["added", "changed", "removed"]
        assert data["history"][1]["message"] == "edit A's body"
        page = client.get(f"/articles/{a}", headers={"Accept-Language": "en"}).text
        assert "History in mirror repositories" in page and "removed from the mirror" in page
        assert shas["edit"][:10] in page
        assert '<a href="#history">removed from the mirror</a> waimei' in page
        assert "removed at source" not in page  # the mirror took it down, not the outlet
        v1, v2 = (e["version_id"] for e in data["history"][:2])
        assert f"?from={v1}&amp;to={v2}#diff" in page  # the diff of that commit's change
        page_b = client.get(f"/articles/{b}", headers={"Accept-Language": "en"}).text
        assert "soften B&#39;s headline" in page_b and "removed from the mirror" not in page_b


def test_static_site_article_page(
    db_address: str,
    mirror: tuple[Repo, dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    r, shas = mirror
    imported(db_address, r)
    out = tmp_path / "site"
    res = runner.invoke(app, ["publish", str(out), "--db", db_address])
    assert res.exit_code == 0, res.output
    pages = [p.read_text(encoding="utf-8") for p in out.rglob("*.html")]
    (page,) = [p for p in pages if shas["delete"][:10] in p]
    assert "History in mirror repositories" in page and "removed from the mirror" in page
    assert shas["add"][:10] in page and shas["edit"][:10] in page
    assert "（removed from the mirror：2022-02-06）" in page and "原文已删除" not in page

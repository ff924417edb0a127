"""export --git: the archive as a mirror repository, one commit per run; imported back
it gives the same articles and versions (issue #18)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsarchive.archive import Archive
from newsarchive.cli import app
from newsarchive.components import open_archive
from newsarchive.history import import_repository
from newsarchive.history.exporting import MANIFEST, export_to_git
from newsarchive.ingest import import_paths
from tests.history.test_import import seed


def versions_by_url(archive: Archive) -> dict[str, list[tuple[str, str]]]:
    return {
        rec.url: [(v["title"], v["text"]) for v in archive.versions(rec.id)]
        for rec in archive.iter_articles()
    }


def git_log(repo: Path) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--format=%s"], capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


@pytest.mark.parametrize("fmt", ["jekyll", "feedx", "gfw-breaker"])
def test_export_twice_with_edits_then_import_back(
    fmt: str, db_address: str, new_db_address: Callable[[str], str], tmp_path: Path, shared: Path
) -> None:
    files = tmp_path / "in"
    files.mkdir()
    for prefix in ("000", "001", "002"):
        (files / f"{prefix}.md").write_text(seed(shared, prefix), encoding="utf-8")
    repo = tmp_path / "mirror"
    with open_archive(db_address) as archive:
        import_paths(archive, [files], workers=1)
        first = export_to_git(archive, fmt, repo, now=datetime(2024, 1, 1, tzinfo=UTC))
    assert (first.articles, first.added, first.changed, first.removed) == (3, 3, 0, 0)
    assert first.commit is not None

    # An edit (a new version of one article), then a second run: one more commit.
    edited = tmp_path / "edit"
    edited.mkdir()
    (edited / "000.md").write_text(
        seed(shared, "000").replace("<p>【大纪元", "<p>更正：【大纪元", 1), encoding="utf-8"
    )
    with open_archive(db_address) as archive:
        import_paths(archive, [edited], workers=1)
        second = export_to_git(archive, fmt, repo, now=datetime(2024, 1, 2, tzinfo=UTC))
        third = export_to_git(archive, fmt, repo, now=datetime(2024, 1, 3, tzinfo=UTC))
        want = versions_by_url(archive)
    assert (second.added, second.changed, second.removed) == (0, 1, 0)
    assert third.commit is None  # nothing changed: no empty commit
    log = git_log(repo)
    assert len(log) == 2
    assert log[0].startswith("newsarchive export 2024-01-02T00:00:00+00:00: 0 added, 1 changed")
    assert (repo / MANIFEST).is_file()

    back = new_db_address("back")
    with open_archive(back) as archive:
        summary = import_repository(archive, repo, workers=1)
        assert (summary.commits, summary.articles, summary.new_versions) == (2, 3, 1)
        assert versions_by_url(archive) == want


def test_cli_export_git_and_errors(db_address: str, tmp_path: Path, shared: Path) -> None:
    files = tmp_path / "in"
    files.mkdir()
    (files / "a.md").write_text(seed(shared, "000"), encoding="utf-8")
    runner = CliRunner()
    assert (
        runner.invoke(app, ["import", str(files), "--db", db_address, "--workers", "1"]).exit_code
        == 0
    )
    repo = tmp_path / "mirror"
    r = runner.invoke(app, ["export", "-f", "jekyll", "--git", str(repo), "--db", db_address])
    assert r.exit_code == 0, r.output
    assert "committed" in r.output and "1 added" in r.output
    r = runner.invoke(app, ["export", "-f", "jekyll", "--git", str(repo), "--db", db_address])
    assert r.exit_code == 0 and "nothing changed" in r.output
    r = runner.invoke(app, ["export", "-f", "csv", "--git", str(repo), "--db", db_address])
    assert r.exit_code == 2 and "mirror format" in r.output
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("x")
    r = runner.invoke(app, ["export", "-f", "jekyll", "--git", str(busy), "--db", db_address])
    assert r.exit_code == 2 and "not a git repository" in r.output
    # `import` recognises the repository and reports its history.
    r = runner.invoke(app, ["import", str(repo), "--db", db_address, "--json", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert '"commits": 1' in r.output

"""`newsarchive duplicates` and `newsarchive stories`."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from newsarchive.archive import Archive
from newsarchive.cli import app
from newsarchive.text.script import to_traditional
from tests.dedup.conftest import Ingest, by_title

runner = CliRunner()


def test_duplicates_json_one_group_per_line(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    for a in articles:
        ingest(a)
    dw = by_title(articles, "台湾前总统李登辉去世")
    copy = ingest(dw, url="https://copy.example/1", text=to_traditional(dw["text"])).article_id
    result = runner.invoke(app, ["duplicates", "--db", str(archive.address), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 1
    assert lines[0]["representative"] == 1
    assert lines[0]["members"] == [{"id": copy, "url": "https://copy.example/1", "similarity": 1.0}]
    table = runner.invoke(app, ["duplicates", "--db", str(archive.address), "--rebuild"])
    assert table.exit_code == 0 and "copy.example" in table.output


def test_stories_json_and_filters(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    for a in articles:
        ingest(a)
    result = runner.invoke(app, ["stories", "--db", str(archive.address), "--json", "-q", "李登辉"])
    assert result.exit_code == 0, result.output
    story = json.loads(result.output.splitlines()[0])
    assert set(story) >= {"id", "label", "first", "last", "outlets", "articles"}
    assert story["first"].startswith("2020-07-30")
    empty = runner.invoke(
        app, ["stories", "--db", str(archive.address), "--since", "2021-01-01", "--rebuild"]
    )
    assert empty.exit_code == 0 and "no stories" in empty.output


def test_bad_date_and_missing_archive_are_clean_errors(archive: Archive, tmp_path: Any) -> None:
    bad = runner.invoke(app, ["stories", "--db", str(archive.address), "--since", "yesterday"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    if archive.dialect == "sqlite":
        none, says = str(tmp_path / "none.db"), "no such archive"
    else:  # a database of the same server that does not exist
        none, says = (
            str(archive.address).rsplit("/", 1)[0] + "/none",
            'database "none" does not exist',
        )
    for command in ("duplicates", "stories"):
        missing = runner.invoke(app, [command, "--db", none])
        assert missing.exit_code == 2 and says in " ".join(missing.output.split())


def test_show_lists_duplicates_and_story(
    archive: Archive, ingest: Ingest, articles: list[dict[str, Any]]
) -> None:
    for a in articles:
        ingest(a)
    dw = by_title(articles, "台湾前总统李登辉去世")
    copy = ingest(dw, url="https://copy.example/2", text=to_traditional(dw["text"])).article_id
    from newsarchive.dedup import rebuild_stories

    rebuild_stories(archive)
    result = runner.invoke(app, ["show", str(copy), "--db", str(archive.address), "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert [d["id"] for d in shown["duplicates"]] == [1]
    assert shown["representative"] == 1
    assert shown["story"] is not None and "德国之声" in shown["story"]["outlets"]
    text = runner.invoke(app, ["show", "1", "--db", str(archive.address)])
    assert text.exit_code == 0 and "duplicate" in text.output and "story" in text.output

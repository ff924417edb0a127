"""The `search` and `reindex` commands: thin layers over the library."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsarchive.cli import app
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft

runner = CliRunner()


def _archive(db: str) -> str:
    with open_archive(db) as archive:
        for n, (title, text) in enumerate(
            [
                ("美國封殺華為", "美國對華為禁令將在美國時間15日生效。"),
                ("中芯国际列入黑名单", "商务部将中国企业中芯国际（SMIC）列入实体清单。"),
            ]
        ):
            draft = Draft(title=title, text=text, html="", url=f"https://n.org/{n}", outlet="x")
            archive.ingest(draft, Capture(raw=text.encode(), format="jekyll", location=f"{n}.md"))
    return db


def test_search_json_prints_one_hit_per_line(db_address: str) -> None:
    db = _archive(db_address)
    result = runner.invoke(app, ["search", "华为", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 1
    assert set(lines[0]) >= {"id", "url", "title", "outlet", "published", "score", "snippet"}
    assert "<mark>華為</mark>" in lines[0]["snippet"]


def test_batch_prints_one_object_per_query_and_survives_bad_ones(
    db_address: str, tmp_path: Path
) -> None:
    db = _archive(db_address)
    queries = tmp_path / "q.txt"
    queries.write_text('华为\n"unclosed\n\nSMIC OR 华为\n', encoding="utf-8")
    result = runner.invoke(app, ["search", "--batch", str(queries), "--json", "--db", db])
    assert result.exit_code == 0, result.output
    objs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["query"] for o in objs] == ["华为", '"unclosed', "SMIC OR 华为"]
    assert len(objs[0]["results"]) == 1 and objs[0]["took_ms"] > 0
    assert "unbalanced quote" in objs[1]["error"]
    assert len(objs[2]["results"]) == 2


def test_bad_query_and_bad_date_are_clear_errors(db_address: str) -> None:
    db = _archive(db_address)
    result = runner.invoke(app, ["search", '"abc', "--db", db])
    assert result.exit_code == 2 and "unbalanced quote" in result.output
    result = runner.invoke(app, ["search", "华为", "--since", "yesterday", "--db", db])
    assert result.exit_code == 2 and "--since" in result.output
    assert "Traceback" not in result.output


def test_table_output_and_reindex(db_address: str) -> None:
    db = _archive(db_address)
    result = runner.invoke(app, ["reindex", "--db", db])
    assert result.exit_code == 0 and "indexed 2 articles" in result.output
    result = runner.invoke(app, ["search", "中芯國際", "--db", db])
    assert result.exit_code == 0 and "中芯国际列入黑名单" in result.output


def test_mode_option_in_single_and_batch_searches(db_address: str, tmp_path: Path) -> None:
    db = _archive(db_address)
    # Huawei (Latin) finds 華為 through the alias table; each hit says why.
    result = runner.invoke(app, ["search", "Huawei", "--mode", "lexical", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(h["title"], h["why"]) for h in hits] == [("美國封殺華為", ["alias"])]
    queries = tmp_path / "q.txt"
    queries.write_text("SMIC\n", encoding="utf-8")
    batch = ["search", "--batch", str(queries), "--json", "--mode", "lexical", "--db", db]
    result = runner.invoke(app, batch)
    assert json.loads(result.stdout)["mode"] == "lexical"
    result = runner.invoke(app, ["search", "华为", "--mode", "fuzzy", "--db", db])
    assert result.exit_code != 0 and "not a search mode" in result.output
    result = runner.invoke(app, ["search", "华为", "--mode", "lexical", "--db", db])
    assert result.exit_code == 0 and "matched: word" in result.output

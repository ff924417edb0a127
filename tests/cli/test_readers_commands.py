"""import / show / export / errors / stats through the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsarchive.cli import app

DATA = Path(__file__).resolve().parent.parent / "data" / "readers"
SEEDS = DATA / "seeds"
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_import_json_summary_exact_keys_and_exit_zero_with_bad_files(db_address: str) -> None:
    db = db_address
    code, out = invoke("import", "--db", db, "--json", "--workers", "1", str(DATA))
    assert code == 0
    summary = json.loads(out)
    assert list(summary) == ["files", "articles", "new_versions", "unchanged", "errors"]
    assert summary["errors"] == 4 and summary["articles"] > 20
    code, out = invoke("import", "--db", db, "--json", "--workers", "1", str(DATA))
    again = json.loads(out)
    assert (again["articles"], again["new_versions"]) == (0, 0)


def test_import_prints_a_summary_table(db_address: str) -> None:
    code, out = invoke("import", "--db", db_address, "--workers", "1", str(SEEDS))
    assert code == 0
    assert "files read" in out and "new articles" in out and "5" in out


def test_show_export_errors_stats(db_address: str, tmp_path: Path) -> None:
    db = db_address
    invoke("import", "--db", db, "--json", "--workers", "1", str(DATA))

    code, out = invoke(
        "show", "--db", db, "--json", "https://www.secretchina.com/news/gb/2023/02/02/1028027.html"
    )
    assert code == 0
    shown = json.loads(out)
    assert shown["outlet"] == "看中国" and shown["published"] == "2023-02-02T00:00:00+08:00"
    code, out = invoke("show", "--db", db, str(shown["id"]), "--versions")
    assert code == 0 and "gfw-breaker" in out and "captures" in out
    code, out = invoke("show", "--db", db, "https://example.com/none")
    assert code == 1

    out_file = tmp_path / "all.jsonl"
    code, _ = invoke("export", "--db", db, "--format", "jsonl", "-o", str(out_file))
    assert code == 0
    rows = [json.loads(line) for line in out_file.read_text("utf-8").splitlines()]
    code, stdout = invoke("export", "--db", db, "--format", "jsonl")
    assert [json.loads(line) for line in stdout.splitlines()] == rows
    required = {"id", "url", "outlet", "title", "author", "published", "text", "html"}
    required |= {"images", "tags", "versions", "captures"}
    assert all(required <= set(r) for r in rows)
    seed = next(r for r in rows if r["url"].endswith("1028027.html"))
    assert seed["captures"][0]["format"] == "gfw-breaker"
    assert seed["captures"][0]["path"] == "readers/seeds/003_43ec97775d2f5570.txt"
    assert seed["images"][0]["url"].startswith("https://img3.secretchina.com/")
    assert all(r["published"] is None or "+" in r["published"] for r in rows)

    code, out = invoke("errors", "--db", db, "--json")
    errors = json.loads(out)
    assert code == 0 and len(errors) == 4
    assert {"location", "reason"} <= set(errors[0])
    code, out = invoke("errors", "--db", db)
    assert "gfw-link-menu.md" in out

    code, out = invoke("stats", "--db", db, "--json")
    stats = json.loads(out)
    assert stats["by_format"] == {"jekyll": 9, "gfw-breaker": 8, "feedx": 6}
    assert stats["by_outlet"]["大纪元"] == 5
    assert stats["by_year"]["2020"] == 11 and sum(stats["by_year"].values()) == 23
    code, out = invoke("stats", "--db", db)
    assert code == 0 and "articles by outlet" in out


def test_unknown_export_format(db_address: str) -> None:
    code, _ = invoke("export", "--db", db_address, "--format", "nope")
    assert code == 2


# SQLite only: a file that is not an archive (another program's PostgreSQL database is
# refused in test_db_addresses.py).
def test_foreign_database_file(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database")
    code, _ = invoke("import", "--db", str(foreign), str(SEEDS))
    assert code == 2
    assert foreign.read_text() == "not a database"


# SQLite only: the long name is a file's.
def test_an_error_is_one_unwrapped_line_that_shows_markup_literally(tmp_path: Path) -> None:
    """`fail` prints user-supplied text (paths, URLs) escaped and never hard-wrapped: a
    path like `[b]…` is shown as written, on one line however long it is."""
    foreign = tmp_path / ("[b]notes-" + "x" * 120 + ".txt")
    foreign.write_text("not a database")
    result = runner.invoke(app, ["import", "--db", str(foreign), str(SEEDS)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(foreign) in lines[0], result.output

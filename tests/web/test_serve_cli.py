"""`newsarchive serve`: refuses a file that is not an archive, cleanly."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from newsarchive.cli import app


# SQLite only: a file (a PostgreSQL database of another program: test_db_addresses.py).
def test_serve_refuses_a_foreign_file_without_traceback(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("not a database", "utf-8")
    result = CliRunner().invoke(app, ["serve", "--db", str(bogus), "--port", "1"])
    assert result.exit_code == 2
    assert "not a newsarchive database" in result.output
    assert "Traceback" not in result.output


def test_serve_is_listed_with_its_options() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--db", "--workers"):
        assert option in result.output

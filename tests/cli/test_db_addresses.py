"""Every command given a PostgreSQL address it cannot use says so in one line (no
traceback), and a postgresql:// address is never taken for a file name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import typer.main
from typer.testing import CliRunner

from newsarchive.cli import app
from tests.pgcluster import Cluster

SEEDS = Path(__file__).resolve().parent.parent / "data" / "readers" / "seeds"

# A placeholder for each required argument of the commands that take --db.
ARGUMENTS = {
    "paths": str(SEEDS),
    "outdir": "site",
    "id_or_url": "1",
    "name": "voa",
    "url": "https://www.voachinese.com/api/feed",
}
# Commands that refuse to run without an optional argument.
OPTIONAL = {"search": ["芯片"]}


def commands_with_db() -> Iterator[list[str]]:
    """Each command (and subcommand) that takes --db, with its required arguments."""

    def walk(command: Any, path: list[str]) -> Iterator[list[str]]:
        if hasattr(command, "commands"):
            # list_commands/get_command: the root group loads its commands lazily.
            for name in sorted(command.list_commands(None)):
                yield from walk(command.get_command(None, name), [*path, name])
            return
        if any("--db" in p.opts for p in command.params):
            required = [p for p in command.params if p.required and p.param_type_name == "argument"]
            yield [*path, *(ARGUMENTS[p.name] for p in required), *OPTIONAL.get(path[0], [])]

    yield from walk(typer.main.get_command(app), [])


COMMANDS = list(commands_with_db())


def test_every_command_with_db_is_covered() -> None:
    # A new command with a new required argument needs a placeholder above.
    names = {c[0] for c in COMMANDS}
    assert {"import", "export", "stats", "serve", "search", "sources", "fetch"} <= names


@pytest.fixture(scope="module")
def foreign_db(pg_cluster: Cluster) -> Iterator[str]:
    """A PostgreSQL database another program uses."""
    url = pg_cluster.new_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE customers (id integer)")
    yield url
    pg_cluster.drop_database(url)


def _check_one_line_error(args: list[str], address: str, expected: str, cwd: Path) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, (args, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.stderr)
    assert address.split("?")[0].replace("pw@", "***@") in lines[0] and expected in lines[0]
    # Nothing was taken for a file name: no "postgresql:" folder, no archive file.
    assert list(cwd.iterdir()) == []


UNUSABLE = [
    ("postgresql://me:pw@127.0.0.1:1/news", "cannot open"),  # nobody listens there
    ("postgresql://127.0.0.1:1/news?no_such_option=1", "cannot open"),  # malformed
]


@pytest.mark.parametrize(("address", "expected"), UNUSABLE)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_an_unreachable_postgres_address_is_one_line_from_every_command(
    command: list[str], address: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _check_one_line_error([*command, "--db", address], address, expected, tmp_path)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_database_of_another_program_is_one_line_from_every_command(
    command: list[str], foreign_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _check_one_line_error(
        [*command, "--db", foreign_db], foreign_db, "not a newsarchive database", tmp_path
    )


@pytest.mark.parametrize(("address", "expected"), UNUSABLE)
def test_copy_names_the_unusable_side(
    address: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _check_one_line_error(["copy", address, "other.db"], address, expected, tmp_path)
    _check_one_line_error(
        ["copy", str(tmp_path / "none.db"), address], "none.db", "no such", tmp_path
    )

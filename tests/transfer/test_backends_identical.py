"""Nothing stored differs between the backends: the same imports into an SQLite and a
PostgreSQL archive export the same JSON Lines, ids and observation times aside."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from newsarchive.cli import app

from .conftest import READERS, Address


def _comparable(line: str) -> dict[str, Any]:
    article = json.loads(line)
    del article["id"]
    for capture in article["captures"]:
        del capture["observed"]
    return article


def exported(db: str, inputs: list[Path], out: Path) -> list[dict[str, Any]]:
    runner = CliRunner()
    done = runner.invoke(app, ["import", "--db", db, "--json", "--workers", "1", *map(str, inputs)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["export", "--db", db, "--format", "jsonl", "-o", str(out)])
    assert done.exit_code == 0, done.output
    # One article a line; not splitlines(): texts hold U+2028 and other line breaks.
    lines = out.read_text(encoding="utf-8").rstrip("\n").split("\n")
    return sorted((_comparable(line) for line in lines), key=lambda a: a["url"])


def test_jsonl_export_is_the_same_from_sqlite_and_postgres(
    shared: Path, address: Address, tmp_path: Path
) -> None:
    corpus = shared / "corpus"
    inputs = [corpus / "seeds", READERS, corpus / "mirrors" / "feedx-articles.tar.xz"]
    from_sqlite = exported(address("sqlite", "a"), inputs, tmp_path / "sqlite.jsonl")
    from_postgres = exported(address("postgres", "a"), inputs, tmp_path / "postgres.jsonl")
    assert len(from_sqlite) > 400
    assert from_postgres == from_sqlite

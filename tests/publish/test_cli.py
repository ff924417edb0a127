from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsarchive.cli import app
from newsarchive.components import open_archive
from tests.publish.conftest import ARTICLES, fill


def _db(db_address: str) -> str:
    with open_archive(db_address) as a:
        fill(a)
    return db_address


def test_publish_command(db_address: str, tmp_path: Path) -> None:
    db = _db(db_address)
    runner = CliRunner()
    out = tmp_path / "site"
    res = runner.invoke(
        app, ["publish", str(out), "--db", str(db), "--json", "--since", "2020-06-02"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["articles"] == len(ARTICLES) - 1 and (out / "index.html").is_file()
    bad = runner.invoke(app, ["publish", str(out), "--db", str(db), "--since", "yesterday"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    bad = runner.invoke(app, ["publish", str(out), "--db", str(db), "--base-url", "mirror.org"])
    assert bad.exit_code == 2 and "http" in bad.output
    (tmp_path / "file").write_text("x")
    bad = runner.invoke(app, ["publish", str(tmp_path / "file"), "--db", str(db)])
    assert bad.exit_code == 2 and "not a folder" in bad.output


def test_export_formats_are_registered(db_address: str, tmp_path: Path) -> None:
    db = _db(db_address)
    runner = CliRunner()
    for fmt, target in (
        ("csv", "a.csv"),
        ("parquet", "a.parquet"),
        ("warc", "a.warc.gz"),
        ("jekyll", "j"),
        ("feedx", "f"),
        ("gfw-breaker", "g"),
    ):
        res = runner.invoke(
            app, ["export", "-f", fmt, "-o", str(tmp_path / target), "--db", str(db)]
        )
        assert res.exit_code == 0, (fmt, res.output)
        assert (tmp_path / target).exists()
    assert len(list((tmp_path / "j" / "_posts").iterdir())) == len(ARTICLES)

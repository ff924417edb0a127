"""`newsarchive copy`: whole archives between backends, ids kept, resumable, refusing a
destination that holds another archive."""

from __future__ import annotations

import io
import json

import pytest
from typer.testing import CliRunner

from newsarchive.archive import ArchiveError
from newsarchive.cli import app
from newsarchive.components import SCHEMAS, open_archive
from newsarchive.export.jsonl import write_jsonl
from newsarchive.model import Capture
from newsarchive.search import search
from newsarchive.transfer import copy_archive
from newsarchive.transfer.tables import all_tables, component_tables, schema_tables

from .conftest import Address, add_articles, draft, dump, fill

PAIRS = [
    ("sqlite", "sqlite"),
    ("sqlite", "postgres"),
    ("postgres", "sqlite"),
    ("postgres", "postgres"),
]


def jsonl(where: str) -> str:
    with open_archive(where, readonly=True) as a:
        out = io.StringIO()
        write_jsonl(a, out)
        return out.getvalue()


def hits(where: str, query: str) -> list[int]:
    with open_archive(where, readonly=True) as a:
        return sorted(h.id for h in search(a, query, limit=100).hits)


def test_schema_tables_follow_creates_and_drops_in_order() -> None:
    scripts = [
        "CREATE TABLE a (x INTEGER); -- CREATE TABLE not_me (y)\n"
        'CREATE VIRTUAL TABLE f USING fts5(t);\nCREATE TABLE IF NOT EXISTS "b" (z);',
        "DROP TABLE IF EXISTS a; CREATE TABLE c (w);",
    ]
    assert schema_tables(scripts) == ["f", "b", "c"]


@pytest.mark.parametrize("which", ["sqlite", "postgres"])
def test_plan_holds_every_table_of_a_fresh_archive(address: Address, which: str) -> None:
    """A component's table the copy would not see (made some way the plan does not
    read) would be silently left behind: the plan must name every table there is."""
    with open_archive(address(which, "fresh")) as a:
        planned = {t for schema in SCHEMAS for t in component_tables(a.session, schema)}
        assert planned == all_tables(a.session)


@pytest.mark.parametrize(("src_backend", "dst_backend"), PAIRS)
def test_copy_keeps_everything_and_search_works(
    address: Address, src_backend: str, dst_backend: str
) -> None:
    src = address(src_backend, "src")
    fill(src)
    dst = address(dst_backend, "dst")
    report = copy_archive(src, dst)
    assert dump(dst) == dump(src)
    assert jsonl(dst) == jsonl(src)
    rebuilt = [s.name for s in report.steps if s.how == "rebuilt"]
    replaced = [s.name for s in report.steps if s.how == "replaced"]
    if src_backend == dst_backend:
        assert (rebuilt, replaced) == ([], ["search"])
    else:
        assert (rebuilt, replaced) == (["search"], [])
    assert hits(dst, "芯片") == hits(src, "芯片") != []
    # A re-run finds everything there and adds nothing.
    again = copy_archive(src, dst)
    assert again.steps == []
    assert dump(dst) == dump(src)


def test_round_trip_sqlite_postgres_sqlite_is_the_original(address: Address) -> None:
    original = address("sqlite", "original")
    fill(original)
    pg = address("postgres", "pg")
    back = address("sqlite", "back")
    copy_archive(original, pg)
    copy_archive(pg, back)
    assert dump(back) == dump(original)
    assert jsonl(back) == jsonl(original)
    assert hits(back, "出口管制") == hits(original, "出口管制")


@pytest.mark.parametrize(("src_backend", "dst_backend"), [("sqlite", "postgres")])
def test_new_rows_after_a_copy_take_new_ids(
    address: Address, src_backend: str, dst_backend: str
) -> None:
    """Explicit ids do not move PostgreSQL's identity sequences: the copy moves them, or
    the destination's next article would collide with a copied one."""
    src = address(src_backend, "src")
    add_articles(src, range(1, 6))
    dst = address(dst_backend, "dst")
    copy_archive(src, dst)
    add_articles(dst, range(6, 7))
    with open_archive(dst) as a:
        assert a.counts()["articles"] == 6
        assert a.find("https://www.voachinese.com/a/6.html").id == 6  # type: ignore[union-attr]


def test_a_source_changed_since_the_copy_began_is_refused(address: Address) -> None:
    src, dst = address("sqlite", "src"), address("sqlite", "dst")
    add_articles(src, range(1, 21))
    copy_archive(src, dst, batch=7)
    add_articles(src, range(21, 22))
    with pytest.raises(ArchiveError, match=r"has changed since .*articles: 20 rows then, 21"):
        copy_archive(src, dst)


def test_a_destination_holding_another_archive_is_refused(address: Address) -> None:
    a, b, dst = address("sqlite", "a"), address("sqlite", "b"), address("sqlite", "dst")
    add_articles(a, range(1, 4))
    add_articles(b, range(1, 4))  # the same articles, observed at other times
    add_articles(dst, range(1, 2))
    with pytest.raises(ArchiveError, match="already holds another archive"):
        copy_archive(a, dst)
    other = address("sqlite", "other")
    copy_archive(b, other)
    with pytest.raises(ArchiveError, match="holds a copy of another archive"):
        copy_archive(a, other)
    fresh = address("sqlite", "fresh")
    copy_archive(a, fresh)
    add_articles(fresh, range(9, 10))
    with pytest.raises(ArchiveError, match="changed since"):
        copy_archive(a, fresh)
    with pytest.raises(ArchiveError, match="same archive"):
        copy_archive(a, a)


@pytest.mark.parametrize("which", ["postgres"])
def test_refused_on_postgres_too(address: Address, which: str) -> None:
    src, dst = address("sqlite", "src"), address(which, "dst")
    add_articles(src, range(1, 3))
    add_articles(dst, range(5, 6))
    with pytest.raises(ArchiveError, match="already holds another archive"):
        copy_archive(src, dst)


def test_nul_in_text_becomes_a_replacement_character_on_postgres(address: Address) -> None:
    src = address("sqlite", "src")
    with open_archive(src) as a:
        a.ingest(draft(1, "前\x00后"), Capture(b"x", "feedx", "n.md"))
    dst = address("postgres", "dst")
    copy_archive(src, dst)
    with open_archive(dst, readonly=True) as a:
        assert a.article(1).text == "前\ufffd后"  # type: ignore[union-attr]


def test_cli_copies_and_reports_errors_in_one_line(address: Address) -> None:
    src, dst = address("sqlite", "src"), address("sqlite", "dst")
    add_articles(src, range(1, 4))
    runner = CliRunner()
    done = runner.invoke(app, ["copy", src, dst, "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["rows"] >= 9 and {s["name"] for s in summary["steps"]} >= {"articles"}
    refused = runner.invoke(app, ["copy", src, src])
    assert refused.exit_code == 2
    assert refused.stderr.count("\n") == 1 and "same archive" in refused.stderr
    missing = runner.invoke(app, ["copy", src.replace("src", "nope"), dst])
    assert missing.exit_code == 2 and "no such archive" in missing.stderr


@pytest.mark.parametrize(("src_backend", "dst_backend"), PAIRS)
def test_the_destination_index_takes_new_versions_after_a_copy(
    address: Address, src_backend: str, dst_backend: str
) -> None:
    """A copied (or rebuilt) index is one the hook can go on updating: a new version of
    a copied article replaces its old words."""
    src = address(src_backend, "src")
    add_articles(src, range(1, 4))
    dst = address(dst_backend, "dst")
    copy_archive(src, dst)
    with open_archive(dst) as a:
        changed = draft(2, "全新的正文：稀土出口限制。")
        changed.title = "稀土出口限制"
        a.ingest(changed, Capture(b"raw 2 v2", "feedx", "articles/voa/2b.md"))
    assert hits(dst, "稀土") == [2]
    assert hits(dst, "芯片") == [1, 3]

"""Honest commands (issue #20): `import` fails when it stored nothing, reports counts
from the first second; `show` says an article is gone at its source."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsarchive.cli import app
from newsarchive.components import open_archive
from newsarchive.ingest import import_paths
from newsarchive.model import Capture, Draft

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "data" / "readers" / "seeds"
runner = CliRunner()


def test_import_of_only_unreadable_files_exits_non_zero(db_address: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.md").write_bytes(b"\xff\xfe not a post")
    (bad / "b.md").write_text("---\nbroken: [\n---\n", "utf-8")
    result = runner.invoke(app, ["import", "--db", db_address, "--workers", "1", str(bad)])
    assert result.exit_code == 1, result.output
    assert "nothing imported: 2 file(s) could not be read" in result.stderr
    missing = runner.invoke(app, ["import", "--db", db_address, "--json", str(tmp_path / "no")])
    assert missing.exit_code == 1
    assert json.loads(missing.stdout)["errors"] == 1


def test_import_with_some_bad_files_still_succeeds(db_address: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["import", "--db", db_address, "--json", "--workers", "1", str(SEEDS)]
    )
    assert result.exit_code == 0, result.output
    # Importing the same files again stores nothing new, which is not a failure.
    again = runner.invoke(
        app, ["import", "--db", db_address, "--json", "--workers", "1", str(SEEDS)]
    )
    assert again.exit_code == 0 and json.loads(again.stdout)["unchanged"] > 0


def test_import_reports_files_read_before_the_first_is_stored(db_address: str) -> None:
    events: list[tuple[str, int]] = []
    with open_archive(db_address) as archive:
        import_paths(
            archive,
            [SEEDS],
            workers=1,
            on_read=lambda n: events.append(("read", n)),
            on_file=lambda _loc: events.append(("stored", 0)),
        )
    assert events[0] == ("read", 1)
    reads = [n for kind, n in events if kind == "read"]
    assert reads == list(range(1, len(reads) + 1))
    assert len(reads) == sum(1 for kind, _ in events if kind == "stored")


def test_show_says_an_article_is_gone_at_its_source(db_address: str) -> None:
    with open_archive(db_address) as archive:
        result = archive.ingest(
            Draft(
                title="被删除的报道",
                text="正文。",
                html="<p>正文。</p>",
                url="https://example.org/gone",
                outlet="某媒体",
                published=datetime(2023, 2, 1, tzinfo=UTC),
            ),
            Capture(b"x", "feedx", "gone.md"),
        )
        archive.ingest(
            Draft(
                title="还在的报道",
                text="正文二。",
                html="<p>正文二。</p>",
                url="https://example.org/live",
                outlet="某媒体",
            ),
            Capture(b"y", "feedx", "live.md"),
        )
        archive.mark_gone(result.article_id, 410, datetime(2024, 5, 1, tzinfo=UTC))
    gone = runner.invoke(app, ["show", "--db", db_address, "https://example.org/gone"])
    assert gone.exit_code == 0, gone.output
    assert "gone at source since 2024-05-01" in gone.stdout and "HTTP 410" in gone.stdout
    live = runner.invoke(app, ["show", "--db", db_address, "https://example.org/live"])
    assert "gone at source" not in live.stdout and "live at source" in live.stdout
    as_json = json.loads(
        runner.invoke(
            app, ["show", "--db", db_address, "--json", "https://example.org/gone"]
        ).stdout
    )
    assert as_json["gone_status"] == 410 and as_json["gone_at"].startswith("2024-05-01")


def test_stories_limit_cuts_whole_rows(db_address: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # scripts/demo.sh piped `stories` into `head`, which cut the table mid-row.
    from newsarchive.cli.commands import stories as stories_cmd
    from newsarchive.dedup import Story

    when = datetime(2023, 2, 1, tzinfo=UTC)
    found = [
        Story(i, f"事件{i}", when, when, ["甲", "乙"], [2 * i, 2 * i + 1], "甲")
        for i in range(1, 6)
    ]
    monkeypatch.setattr(stories_cmd, "stories", lambda *_a, **_k: list(found))
    open_archive(db_address).close()
    result = runner.invoke(app, ["stories", "--db", db_address, "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "事件1" in result.stdout and "事件2" in result.stdout and "事件3" not in result.stdout
    assert result.stdout.rstrip().endswith("… and 3 more (--limit 2)")
    table = result.stdout.split("…")[0].rstrip().splitlines()
    assert table[-1].startswith("└")  # the table is closed: no row cut
    as_json = runner.invoke(app, ["stories", "--db", db_address, "--json", "-n", "3"])
    assert len(as_json.stdout.splitlines()) == 3
    assert "--limit 8" in (ROOT / "scripts" / "demo.sh").read_text("utf-8")
    assert "| head" not in (ROOT / "scripts" / "demo.sh").read_text("utf-8")


def test_publish_and_reindex_report_progress_with_totals_from_the_start(
    db_address: str, tmp_path: Path
) -> None:
    from newsarchive.publish import PublishOptions, publish
    from newsarchive.search import reindex

    with open_archive(db_address) as archive:
        import_paths(archive, [SEEDS], workers=1)
        total = archive.counts()["articles"]
        steps: list[tuple[str, int, int]] = []
        publish(
            archive,
            tmp_path / "site",
            PublishOptions(parallel=False, on_progress=lambda *a: steps.append(a)),
        )
        assert steps[0] == ("articles", 0, total)
        assert ("articles", total, total) in steps
        assert steps[-1] == ("search index", 1, 1)
        seen: list[tuple[int, int]] = []
        reindex(archive, on_progress=lambda done, n: seen.append((done, n)))
        assert seen[0] == (0, total) and seen[-1] == (total, total)

"""The CLI's one progress display (cli/common.py): every command's bar is built there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

from newsarchive.cli import common
from newsarchive.cli.common import err_console, progress_bar, progress_display

COMMANDS = Path(common.__file__).parent / "commands"


def test_the_bar_counts_on_stderr_and_goes_away() -> None:
    bar = progress_bar("[bold]publishing[/] {task.description}")
    kinds = [type(c) for c in bar.columns]
    assert kinds == [TextColumn, BarColumn, MofNCompleteColumn, TimeElapsedColumn]
    assert isinstance(bar.columns[0], TextColumn)
    assert bar.columns[0].text_format == "[bold]publishing[/] {task.description}"
    assert bar.console is err_console and bar.live.transient
    rate = progress_bar(rate=True, remaining=True)
    assert [type(c).__name__ for c in rate.columns] == [
        "TextColumn",
        "BarColumn",
        "MofNCompleteColumn",
        "TextColumn",
        "TimeElapsedColumn",
        "TimeRemainingColumn",
    ]


def test_no_bar_with_json_or_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # Under pytest stderr is not a terminal: the bar is off either way.
    assert not err_console.is_terminal
    assert progress_bar().disable and progress_display().disable
    # What an interactive shell has:
    monkeypatch.setattr(common, "err_console", Console(stderr=True, force_terminal=True))
    assert not progress_bar().disable and not progress_display().disable
    assert progress_bar(json_out=True).disable
    assert progress_display(json_out=True).disable


def test_commands_build_no_progress_display_of_their_own() -> None:
    # One helper: the same look and the same rules (stderr, transient, off for --json
    # and pipes) for import, fetch, publish, copy and reindex.
    own = [
        path.name
        for path in COMMANDS.glob("*.py")
        if re.search(r"\bProgress\(", path.read_text("utf-8"))
    ]
    assert own == []

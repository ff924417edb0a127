"""What every command shares: the --db option, opening the archive with a clean error,
and the consoles."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from newsarchive.archive import Archive, ArchiveError

if TYPE_CHECKING:
    from rich.progress import Progress, ProgressColumn

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Archive: a file, or a postgresql:// URL (default: $NEWSARCHIVE_DB or"
        " ./newsarchive.db).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def fail(message: str, code: int = 2) -> NoReturn:
    """An expected failure: one clear line on stderr, no traceback. The line is never
    wrapped (logs and grep see it whole; a narrow terminal wraps it itself), and the
    message is escaped: paths and URLs may hold rich markup such as `[b]`."""
    err_console.print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True
    )
    raise typer.Exit(code)


@contextmanager
def open_archive(
    db: str | Path | None, *, readonly: bool = False, create: bool = True
) -> Iterator[Archive]:
    from newsarchive import components  # the composition root loads every component's schema

    try:
        archive = components.open_archive(db, readonly=readonly, create=create)
    except ArchiveError as exc:
        fail(str(exc))
    try:
        yield archive
    finally:
        archive.close()


def print_json(obj: Any) -> None:
    """One JSON object per line, UTF-8, Chinese unescaped."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def progress_display(
    *columns: ProgressColumn, json_out: bool = False, refresh_per_second: float = 10
) -> Progress:
    """A progress display as every command shows one: on stderr, so that stdout stays
    the command's output; gone once done (transient); off with --json or when stderr is
    not a terminal (in logs and pipes a bar is only noise)."""
    # rich.progress only here: `search` and `show` draw no bar and start faster.
    from rich.progress import Progress

    return Progress(
        *columns,
        console=err_console,
        transient=True,
        disable=json_out or not err_console.is_terminal,
        refresh_per_second=refresh_per_second,
    )


def progress_bar(
    description: str = "{task.description}",
    *,
    json_out: bool = False,
    rate: bool = False,
    remaining: bool = False,
) -> Progress:
    """The CLI's progress bar (`progress_display`): `description` (a `TextColumn`
    format), the bar, done/total counts (real counts from the first second, issue #20)
    and the time elapsed. `rate` adds the task's ``rate`` field after the counts,
    `remaining` an estimate of the time left."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns: list[ProgressColumn] = [TextColumn(description), BarColumn(), MofNCompleteColumn()]
    if rate:
        columns.append(TextColumn("{task.fields[rate]}"))
    columns.append(TimeElapsedColumn())
    if remaining:
        columns.append(TimeRemainingColumn())
    return progress_display(*columns, json_out=json_out)

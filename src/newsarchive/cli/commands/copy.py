"""`newsarchive copy SRC DST`: move a whole archive to another file or database
(library: newsarchive.transfer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from newsarchive.archive import ArchiveError
from newsarchive.cli.common import JsonOption, console, fail, print_json, progress_bar
from newsarchive.transfer import CopyReport, copy_archive

if TYPE_CHECKING:
    from rich.progress import TaskID

_ADDRESS = "an archive file, or a postgresql:// URL"


def register(app: typer.Typer) -> None:
    @app.command("copy")
    def copy_command(
        source: Annotated[str, typer.Argument(help=f"The archive to copy: {_ADDRESS}.")],
        destination: Annotated[
            str,
            typer.Argument(help=f"Where to copy it: {_ADDRESS} (new or empty)."),
        ],
        json_out: JsonOption = False,
        batch: Annotated[
            int | None,
            typer.Option(min=1, help="Rows per transaction (default: adapted to the rows' size)."),
        ] = None,
    ) -> None:
        """Copy a whole archive, between SQLite and PostgreSQL or the same backend.

        Articles, versions, raw captures, import errors, duplicate and story data and the
        collection state keep their ids. The search index is rebuilt on the destination
        when the backends differ. Interrupted, it resumes where it stopped when run
        again; run again when done, it adds only what the source gained since.
        """
        with progress_bar(
            "[bold]{task.description:<24}", json_out=json_out, rate=True, remaining=True
        ) as progress:
            tasks: dict[str, TaskID] = {}

            def on_progress(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = progress.add_task(step, total=total or None, rate="")
                task = tasks[step]
                progress.update(task, completed=done, total=total or None)
                speed = progress.tasks[task].speed
                progress.update(task, rate=f"{speed:,.0f} rows/s" if speed else "")

            error: str | None = None
            try:
                report = copy_archive(source, destination, batch=batch, on_progress=on_progress)
            except ArchiveError as exc:
                error = str(exc)
        if error is not None:
            fail(error)  # once the progress display is gone, so the line stays whole
        if json_out:
            print_json(_as_json(report))
            return
        _print_report(report)


def _as_json(report: CopyReport) -> dict[str, object]:
    return {
        "source": report.source,
        "destination": report.destination,
        "rows": report.rows,
        "seconds": round(report.seconds, 3),
        "steps": [
            {"name": s.name, "how": s.how, "rows": s.rows, "seconds": round(s.seconds, 3)}
            for s in report.steps
        ],
    }


def _print_report(report: CopyReport) -> None:
    if not report.steps:
        console.print(f"{report.destination} already holds everything: nothing to copy")
        return
    table = Table(title=f"{report.source} → {report.destination}")
    table.add_column("table")
    table.add_column("", style="dim")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    for step in report.steps:
        table.add_row(step.name, step.how, f"{step.rows:,}", f"{step.seconds:.1f}")
    console.print(table)

"""`newsarchive import PATH...`: mirror files, folders and archives into the archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsarchive.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    open_archive,
    print_json,
)
from newsarchive.ingest import ImportSummary, import_paths


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_command(
        paths: Annotated[
            list[Path],
            typer.Argument(help="Mirror files, folders, or .tar.xz/.tar.gz/.zip archives."),
        ],
        db: DbOption = None,
        json_out: JsonOption = False,
        workers: Annotated[
            int | None,
            typer.Option(help="Parsing processes (default: one per spare core)."),
        ] = None,
    ) -> None:
        """Import mirror files (Jekyll posts, feed items, gfw-breaker pages).

        Files that cannot be read are recorded (see `newsarchive errors`) and the import
        goes on; the exit status is 0 even when some files failed.
        """
        with open_archive(db) as archive:
            if json_out:
                summary = import_paths(archive, paths, workers=workers)
                print_json(summary.to_json())
                return
            with Progress(
                SpinnerColumn(),
                TextColumn("[bold]importing[/] {task.completed} files"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("[dim]{task.fields[where]}", justify="left"),
                console=err_console,
                transient=True,
            ) as progress:
                task = progress.add_task("import", total=None, rate="", where="")

                def on_file(location: str) -> None:
                    progress.advance(task)
                    t = progress.tasks[0]
                    speed = f"{t.speed:,.0f} files/s" if t.speed else ""
                    progress.update(task, rate=speed, where=location.split("\n")[0][-60:])

                summary = import_paths(archive, paths, on_file=on_file, workers=workers)
            _print_summary(summary)


def _print_summary(summary: ImportSummary) -> None:
    table = Table(title="import summary", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, value in (
        ("files read", summary.files),
        ("new articles", summary.articles),
        ("new versions", summary.new_versions),
        ("unchanged", summary.unchanged),
        ("errors", summary.errors),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)
    if summary.errors:
        console.print(f"{summary.errors} file(s) could not be read: see `newsarchive errors`.")

"""`newsarchive import PATH...`: mirror files, folders and archives into the archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsarchive.archive import Archive
from newsarchive.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    fail,
    open_archive,
    print_json,
    progress_display,
)
from newsarchive.history import GitError, HistorySummary, import_repository, is_repository
from newsarchive.ingest import ImportSummary, import_paths


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_command(
        paths: Annotated[
            list[Path],
            typer.Argument(
                help="Mirror files, folders, .tar.xz/.tar.gz/.zip archives, or git"
                " repositories (their whole history; again: only the new commits)."
            ),
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
        goes on. Exit status 1 when it imported nothing and some files failed.
        """
        repos = [p for p in paths if is_repository(p)]
        paths = [p for p in paths if p not in repos]
        summary: ImportSummary | None = None
        with open_archive(db) as archive:
            histories = [_import_history(archive, r, json_out, workers) for r in repos]
            if json_out:
                # One object per input: a repository's history, or the files' import.
                out = [h.to_json() for h in histories]
                if paths or not histories:
                    summary = import_paths(archive, paths, workers=workers)
                    out.append(summary.to_json())
                print_json(out[0] if len(out) == 1 else out)
            elif paths or not histories:
                summary = _import_with_progress(archive, paths, workers)
                _print_summary(summary)
        if summary is not None and failed(summary):
            err_console.print(
                f"[bold red]error:[/] nothing imported: {summary.errors} file(s) could not be"
                " read (see `newsarchive errors`)",
                highlight=False,
            )
            raise typer.Exit(1)


def failed(summary: ImportSummary) -> bool:
    """An import failed at its job when files failed and none was stored."""
    stored = summary.articles + summary.new_versions + summary.unchanged
    return summary.errors > 0 and stored == 0


def _import_with_progress(
    archive: Archive, paths: list[Path], workers: int | None
) -> ImportSummary:
    # Two real counts from the first second: files read (the reading thread runs a
    # batch ahead) and files stored; the spinner's "0 files" for the first batch's
    # ~5 s looked like a hang.
    with progress_display(
        SpinnerColumn(),
        TextColumn("[bold]importing[/] {task.fields[read]:,} read · {task.completed:,} stored"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[where]}", justify="left"),
        refresh_per_second=4,
    ) as progress:
        task = progress.add_task("import", total=None, rate="", where="", read=0)

        def on_read(count: int) -> None:
            progress.update(task, read=count)

        def on_file(location: str) -> None:
            progress.advance(task)
            t = progress.tasks[0]
            speed = f"{t.speed:,.0f} files/s" if t.speed else ""
            progress.update(task, rate=speed, where=location.split("\n")[0][-60:])

        return import_paths(archive, paths, on_file=on_file, on_read=on_read, workers=workers)


def _import_history(
    archive: Archive, repo: Path, quiet: bool, workers: int | None
) -> HistorySummary:
    """One repository's history, with a progress line of commits and files."""
    try:
        if quiet:
            return import_repository(archive, repo, workers=workers)
        with progress_display(
            SpinnerColumn(),
            TextColumn("[bold]importing history[/] {task.fields[commits]} commits,"),
            TextColumn("{task.completed} files"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[where]}", justify="left"),
        ) as progress:
            task = progress.add_task("history", total=None, rate="", where="", commits=0)

            def on_progress(commits: int, files: int, where: str) -> None:
                progress.update(task, completed=files, commits=f"{commits:,}")
                t = progress.tasks[0]
                speed = f"{t.speed:,.0f} files/s" if t.speed else ""
                progress.update(task, rate=speed, where=where.split("\n")[0][-60:])

            summary = import_repository(archive, repo, on_progress=on_progress, workers=workers)
    except GitError as exc:
        fail(str(exc))
    _print_summary(summary, title=f"history of {repo} ({summary.branch})")
    return summary


def _print_summary(summary: ImportSummary, title: str = "import summary") -> None:
    table = Table(title=title, show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    extra: tuple[tuple[str, int], ...] = ()
    if isinstance(summary, HistorySummary):
        extra = (
            ("commits read", summary.commits),
            ("removed from the mirror", summary.removed),
            ("restored", summary.restored),
        )
    for label, value in (
        *extra,
        ("files read", summary.files),
        ("new articles", summary.articles),
        ("new versions", summary.new_versions),
        ("unchanged", summary.unchanged),
        ("errors", summary.errors),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)
    if isinstance(summary, HistorySummary) and summary.rewritten:
        console.print(
            "The branch's history was rewritten since the last import: nothing stored was lost."
        )
    if summary.errors:
        console.print(f"{summary.errors} file(s) could not be read: see `newsarchive errors`.")

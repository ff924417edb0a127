"""`newsarchive publish OUTDIR`: the static site (library: newsarchive.publish)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from newsarchive.cli.common import (
    DbOption,
    JsonOption,
    console,
    fail,
    open_archive,
    print_json,
    progress_bar,
)


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date (use YYYY-MM-DD or an ISO 8601 time)")
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def register(app: typer.Typer) -> None:
    @app.command()
    def publish(
        outdir: Annotated[Path, typer.Argument(help="Folder to write the site into.")],
        query: Annotated[
            str | None, typer.Option(help="Only articles matching this search.")
        ] = None,
        outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
        since: Annotated[str | None, typer.Option(help="Published on/after (YYYY-MM-DD).")] = None,
        until: Annotated[str | None, typer.Option(help="Published before (YYYY-MM-DD).")] = None,
        base_url: Annotated[
            str | None, typer.Option(help="Absolute URL the site is served from (feeds, QR).")
        ] = None,
        images: Annotated[
            bool, typer.Option("--images", help="Serve images captured in the archive.")
        ] = False,
        db: DbOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Write (or update) a self-contained static site with offline search and feeds."""
        from newsarchive.publish import PublishError, PublishOptions, Selection
        from newsarchive.publish import publish as run_publish

        if base_url and not base_url.startswith(("http://", "https://")):
            fail(f"--base-url {base_url!r} must start with http:// or https://")
        options = PublishOptions(
            selection=Selection(
                query=query,
                outlet=outlet,
                since=_when(since, "--since"),
                until=_when(until, "--until"),
            ),
            base_url=base_url,
            images=images,
        )
        progress = progress_bar("[bold]publishing[/] {task.description}", json_out=json_out)
        task = progress.add_task("reading the archive", total=None)

        def on_progress(step: str, done: int, total: int) -> None:
            progress.update(task, description=step, completed=done, total=total)

        options.on_progress = on_progress
        error: str | None = None
        with open_archive(db, create=False) as archive, progress:
            try:
                summary = run_publish(archive, outdir, options)
            except (PublishError, ValueError) as exc:  # ValueError: search.QueryError
                error = str(exc)
            except OSError as exc:
                error = f"cannot write {outdir}: {exc.strerror or exc}"
        if error is not None:
            fail(error)  # once the progress display is gone, so the line stays whole
        if json_out:
            print_json(summary.to_json())
            return
        console.print(
            f"{summary.articles} articles, {summary.outlets} outlets, {summary.stories} stories"
            f" → {outdir} in {summary.seconds}s: {summary.written} files written,"
            f" {summary.skipped} unchanged inputs, {summary.unchanged} identical,"
            f" {summary.deleted} deleted"
        )

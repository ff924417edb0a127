"""`newsarchive export --format F [-o PATH]`: every article in another format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsarchive.cli.common import DbOption, err_console, fail, open_archive
from newsarchive.export import EXPORTERS
from newsarchive.export.mirrors import MIRROR_WRITERS
from newsarchive.history import GitError
from newsarchive.history.exporting import export_to_git


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export_command(
        fmt: Annotated[
            str, typer.Option("--format", "-f", help="Output format (see the list below).")
        ] = "jsonl",
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
        ] = None,
        db: DbOption = None,
        git: Annotated[
            Path | None,
            typer.Option(
                "--git",
                help="Write a mirror format (jekyll, feedx, gfw-breaker) into this git"
                " working copy and commit what changed since the last export.",
            ),
        ] = None,
    ) -> None:
        """Export the archive (latest version of every article)."""
        exporter = EXPORTERS.get(fmt)
        if exporter is None:
            fail(f"unknown export format {fmt!r}; known: {', '.join(sorted(EXPORTERS))}")
        if git is not None:
            _export_git(fmt, git, db)
            return
        if exporter.needs_path and output is None:
            fail(f"--format {fmt} writes files: give -o PATH")
        with open_archive(db, readonly=True, create=False) as archive:
            try:
                count = exporter.run(archive, output)
            except OSError as exc:
                fail(f"cannot write {output}: {exc.strerror or exc}")
        if output is not None:
            err_console.print(f"exported {count:,} articles to {output}")


def _export_git(fmt: str, repo: Path, db: str | None) -> None:
    if fmt not in MIRROR_WRITERS:
        fail(f"--git writes a mirror format ({', '.join(MIRROR_WRITERS)}), not {fmt!r}")
    with open_archive(db, readonly=True, create=False) as archive:
        try:
            run = export_to_git(archive, fmt, repo)
        except GitError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot write {repo}: {exc.strerror or exc}")
    if run.commit is None:
        err_console.print(
            f"{repo}: nothing changed since the last export ({run.articles:,} articles)",
            soft_wrap=True,
            markup=False,
        )
    else:
        err_console.print(
            f"{repo}: committed {run.commit[:10]}: {run.summary()}", soft_wrap=True, markup=False
        )

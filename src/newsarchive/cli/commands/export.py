"""`newsarchive export --format F [-o PATH]`: every article in another format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsarchive.cli.common import DbOption, err_console, fail, open_archive
from newsarchive.export import EXPORTERS


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
    ) -> None:
        """Export the archive (latest version of every article)."""
        exporter = EXPORTERS.get(fmt)
        if exporter is None:
            fail(f"unknown export format {fmt!r}; known: {', '.join(sorted(EXPORTERS))}")
        if exporter.needs_path and output is None:
            fail(f"--format {fmt} writes files: give -o PATH")
        with open_archive(db, readonly=True, create=False) as archive:
            try:
                count = exporter.run(archive, output)
            except OSError as exc:
                fail(f"cannot write {output}: {exc.strerror or exc}")
        if output is not None:
            err_console.print(f"exported {count:,} articles to {output}")

"""`newsarchive errors`: every input that could not be read, and why."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from newsarchive.cli.common import DbOption, JsonOption, console, open_archive, print_json


def register(app: typer.Typer) -> None:
    @app.command("errors")
    def errors_command(db: DbOption = None, json_out: JsonOption = False) -> None:
        """List the files an import could not read, with the reason."""
        with open_archive(db, readonly=True, create=False) as archive:
            rows = archive.errors()
        if json_out:
            print_json(rows)
            return
        if not rows:
            console.print("no import errors")
            return
        table = Table(title=f"{len(rows)} import error(s)")
        table.add_column("file", overflow="fold")
        table.add_column("reason", overflow="fold")
        for row in rows:
            # File names may contain newlines; show them escaped, on one line.
            table.add_row(escape(row["location"].replace("\n", "\\n")), escape(row["reason"]))
        console.print(table)

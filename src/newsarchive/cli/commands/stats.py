"""`newsarchive stats`: what the archive holds, by outlet, format and year."""

from __future__ import annotations

import typer
from rich.table import Table

from newsarchive.cli.common import DbOption, JsonOption, console, open_archive, print_json


def register(app: typer.Typer) -> None:
    @app.command("stats")
    def stats_command(db: DbOption = None, json_out: JsonOption = False) -> None:
        """Counts of articles by outlet, captures by format, articles by year."""
        with open_archive(db, readonly=True, create=False) as archive:
            stats = archive.stats()
        if json_out:
            print_json(stats)
            return
        totals = Table(title="archive", show_header=False)
        totals.add_column("what")
        totals.add_column("count", justify="right")
        for key, value in stats["totals"].items():
            totals.add_row(key, f"{value:,}")
        console.print(totals)
        for key, title, col in (
            ("by_outlet", "articles by outlet", "outlet"),
            ("by_format", "captures by format", "format"),
            ("by_year", "articles by year published", "year"),
        ):
            table = Table(title=title)
            table.add_column(col)
            table.add_column("count", justify="right")
            for name, count in stats[key].items():
                table.add_row(name, f"{count:,}")
            console.print(table)

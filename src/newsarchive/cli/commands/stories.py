"""`newsarchive stories`: events reported by several outlets."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from newsarchive.cli.common import (
    DbOption,
    JsonOption,
    console,
    fail,
    open_archive,
    print_json,
)
from newsarchive.dedup import rebuild_stories, stories


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r}: not a date (use YYYY-MM-DD or an ISO 8601 time)")
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def register(app: typer.Typer) -> None:
    @app.command("stories")
    def stories_cmd(
        query: str = typer.Option(None, "--query", "-q", help="Words every story must match."),
        since: str = typer.Option(None, "--since", help="Stories still running at this date."),
        until: str = typer.Option(None, "--until", help="Stories begun by this date."),
        rebuild: bool = typer.Option(False, "--rebuild", help="Recompute all stories first."),
        limit: int = typer.Option(
            0, "--limit", "-n", min=0, help="Show only the first N stories (0: all)."
        ),
        db: DbOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """List stories: articles from different outlets about one event.

        Stories are recomputed automatically when articles changed since the last pass.
        """
        start, end = _when(since, "--since"), _when(until, "--until")
        with open_archive(db, create=False) as archive:
            if rebuild:
                rebuild_stories(archive)
            found = stories(archive, query=query, since=start, until=end)
            # Cut whole rows here: `stories | head` cut the table mid-row.
            more = max(0, len(found) - limit) if limit else 0
            if more:
                found = found[:limit]
            if json_out:
                for s in found:
                    print_json(s.to_json())
                return
            if not found:
                console.print("no stories")
                return
            table = Table("id", "first", "last", "outlets", "articles", "label")
            for s in found:
                table.add_row(
                    str(s.id),
                    s.first.date().isoformat(),
                    s.last.date().isoformat(),
                    ", ".join(s.outlets),
                    str(len(s.articles)),
                    s.label,
                )
            console.print(table)
            if more:
                console.print(f"… and {more} more (--limit {limit})", highlight=False)

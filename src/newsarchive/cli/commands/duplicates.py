"""`newsarchive duplicates`: near-duplicate groups, one per line."""

from __future__ import annotations

import typer
from rich.table import Table

from newsarchive.cli.common import DbOption, JsonOption, console, open_archive, print_json
from newsarchive.dedup import duplicate_groups, rebuild_index


def register(app: typer.Typer) -> None:
    @app.command()
    def duplicates(
        db: DbOption = None,
        json_out: JsonOption = False,
        rebuild: bool = typer.Option(
            False,
            "--rebuild",
            help="Recompute every fingerprint and group first (archives filled before "
            "duplicate detection existed).",
        ),
    ) -> None:
        """List groups of near-duplicate articles (same text under different URLs)."""
        with open_archive(db, readonly=not rebuild, create=False) as archive:
            if rebuild:
                with archive.transaction() as conn:
                    rebuild_index(conn)
            if json_out:
                for group in duplicate_groups(archive):
                    print_json(group.to_json())
                return
            table = Table("representative", "member", "similarity", "url")
            n = 0
            for group in duplicate_groups(archive):
                n += 1
                for i, m in enumerate(group.members):
                    table.add_row(
                        str(group.representative) if i == 0 else "",
                        str(m.id),
                        f"{m.similarity:.3f}",
                        m.url,
                    )
            console.print(table if n else "no duplicate groups")

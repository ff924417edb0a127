"""`newsarchive entities`, `entity NAME` and `figures`: who and what the archive's
articles name, and the figures they cite (library: newsarchive.entities)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from newsarchive.cli.common import DbOption, JsonOption, console, fail, open_archive, print_json
from newsarchive.entities.queries import entity_page, figures, list_entities


def register(app: typer.Typer) -> None:
    @app.command("entities")
    def entities_cmd(
        query: Annotated[
            str | None, typer.Option("--query", "-q", help="Name, alias or English name part.")
        ] = None,
        limit: Annotated[int, typer.Option("--limit", "-n", min=1)] = 50,
        db: DbOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """List entities (people, organisations, places) by how many articles name them."""
        with open_archive(db, readonly=True, create=False) as archive:
            found = list_entities(archive.session, query, limit)
        if json_out:
            for item in found:
                print_json(item)
            return
        table = Table(title=f"{len(found)} entities")
        for col in ("articles", "name", "kind", "English", "id"):
            table.add_column(col)
        for item in found:
            table.add_row(
                str(item["article_count"]),
                escape(item["name"]),
                item["kind"],
                escape(item["en"] or ""),
                escape(item["id"]),
            )
        console.print(table)

    @app.command("entity")
    def entity_cmd(
        name: Annotated[
            str, typer.Argument(help="A name or alias in any script (华为, 華為, Huawei).")
        ],
        db: DbOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """One entity: its aliases, articles over time, outlets, co-occurring entities."""
        with open_archive(db, readonly=True, create=False) as archive:
            page = entity_page(archive.session, name)
            if page is None:
                fail(f"no article in {archive.name} names {name!r}", code=1)
        if json_out:
            print_json(page)
            return
        console.print(f"[bold]{escape(page['name'])}[/] ({page['kind']}, {escape(page['id'])})")
        if page["en"] or page["aliases"]:
            console.print(
                "aliases: " + escape(", ".join([page["en"] or "", *page["aliases"]]).strip(", "))
            )
        console.print(f"{page['article_count']} articles")
        console.print(
            "by month: " + ", ".join(f"{t['period']}: {t['count']}" for t in page["timeline"])
        )
        console.print(
            "outlets: "
            + escape(", ".join(f"{o['outlet']} ({o['count']})" for o in page["outlets"]))
        )
        console.print(
            "named with: "
            + escape(", ".join(f"{c['name']} ({c['count']})" for c in page["cooccurring"]))
        )
        table = Table()
        for col in ("id", "published", "outlet", "title"):
            table.add_column(col)
        for a in page["articles"]:
            table.add_row(
                str(a["id"]),
                (a["published"] or "")[:10],
                escape(a["outlet"] or ""),
                escape(a["title"]),
            )
        console.print(table)

    @app.command("figures")
    def figures_cmd(
        query: Annotated[
            str | None, typer.Option("--query", "-q", help="Words of what is measured (自给率).")
        ] = None,
        entity: Annotated[
            str | None, typer.Option("--entity", "-e", help="Only articles naming this entity.")
        ] = None,
        limit: Annotated[int, typer.Option("--limit", "-n", min=1)] = 100,
        db: DbOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Figures the articles cite (money, shares, process nodes), newest first."""
        with open_archive(db, readonly=True, create=False) as archive:
            found = figures(archive.session, query, entity, limit)
        if json_out:
            for item in found:
                print_json(item)
            return
        table = Table(title=f"{len(found)} figures")
        for col in ("published", "outlet", "figure", "value", "what", "article"):
            table.add_column(col)
        for f in found:
            table.add_row(
                (f["published"] or "")[:10],
                escape(f["outlet"] or ""),
                escape(f["text"]),
                f"{f['value']:g} {f['unit']}",
                escape(f["what"]),
                str(f["article_id"]),
            )
        console.print(table)

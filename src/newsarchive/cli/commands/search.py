"""`newsarchive search`: query the archive's full-text index (library: newsarchive.search)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from newsarchive.cli.common import DbOption, JsonOption, console, fail, open_archive, print_json
from newsarchive.entities.queries import entity_id_for
from newsarchive.search import DEFAULT_MODE, MODES, QueryError, SearchPage, search

_TAG = re.compile(r"<mark>(.*?)</mark>", re.S)


def _date(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{name} {value!r} is not a date: use YYYY-MM-DD or an ISO 8601 time")
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def _show(page: SearchPage) -> None:
    import html

    title = f"{page.total} results for {page.query!r} ({page.took_ms:.1f} ms, {page.mode})"
    table = Table(title=title)
    table.add_column("#", justify="right")
    table.add_column("article")
    for n, hit in enumerate(page.hits, 1):
        # The snippet is HTML: show its <mark>s as bold, its entities as characters.
        snippet = _TAG.sub(lambda m: f"[bold yellow]{m.group(1)}[/]", escape(hit.snippet))
        when = hit.published.date().isoformat() if hit.published else "?"
        why = ", ".join(hit.why) + (f" ({' · '.join(hit.matched)})" if hit.matched else "")
        table.add_row(
            str(n),
            f"[bold]{escape(hit.title)}[/]\n{escape(hit.outlet or '?')} · {when} · "
            f"{escape(hit.url)}\n{html.unescape(snippet)}\n[dim]matched: {escape(why)}[/]",
        )
    if page.notice:
        console.print(f"[yellow]{escape(page.notice)}[/]")
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command("search")
    def search_cmd(
        query: Annotated[
            str | None, typer.Argument(help='Words (AND), OR, -word, "phrase".')
        ] = None,
        limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Results per query.")] = 20,
        outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
        since: Annotated[
            str | None, typer.Option(help="Published at or after (YYYY-MM-DD).")
        ] = None,
        until: Annotated[str | None, typer.Option(help="Published before (YYYY-MM-DD).")] = None,
        format: Annotated[
            str | None,
            typer.Option("--format", help="Captured in this format (jekyll, feedx, ...)."),
        ] = None,
        lang: Annotated[str | None, typer.Option(help="Only articles in this language.")] = None,
        entity: Annotated[
            str | None,
            typer.Option(help="Only articles naming this entity (any name or alias)."),
        ] = None,
        mode: Annotated[
            str,
            typer.Option(
                "--mode",
                help="hybrid: words and meaning fused; lexical: words, their spellings,"
                " regional words and names' other forms; semantic: meaning only.",
            ),
        ] = DEFAULT_MODE,
        batch: Annotated[
            Path | None, typer.Option(help="Read one query per line from FILE ('-' = stdin).")
        ] = None,
        db: DbOption = None,
        json_out: JsonOption = False,
    ) -> None:
        """Search the archive. Simplified and traditional, full- and half-width all match."""
        if (query is None) == (batch is None):
            fail("give either a QUERY or --batch FILE")
        if mode not in MODES:
            fail(f"--mode {mode!r} is not a search mode: use {', '.join(MODES)}")
        filters = {
            "outlet": outlet,
            "since": _date(since, "--since"),
            "until": _date(until, "--until"),
            "format": format,
            "lang": lang,
        }
        # Read-only: a search writes nothing, and a writable archive would load the
        # indexing hooks (numpy, MinHash) only to start up slower.
        with open_archive(db, readonly=True, create=False) as archive:
            if entity is not None:
                entity_id = entity_id_for(archive.session, entity)
                if entity_id is None:
                    fail(f"--entity {entity!r}: no article in {archive.name} names it", code=1)
                filters["entity_id"] = entity_id
            if batch is not None:
                if not json_out:
                    fail("--batch prints JSON: add --json")
                try:
                    lines = (
                        typer.get_text_stream("stdin").read()
                        if str(batch) == "-"
                        else batch.read_text(encoding="utf-8")
                    ).splitlines()
                except OSError as exc:
                    fail(f"{batch}: cannot read queries: {exc.strerror}")
                for line in lines:
                    if not line.strip():
                        continue
                    try:
                        page = search(archive, line.strip(), limit=limit, mode=mode, **filters)  # type: ignore[arg-type]
                    except QueryError as exc:
                        print_json({"query": line.strip(), "error": str(exc), "results": []})
                        continue
                    print_json(page.to_json())
                return
            assert query is not None
            try:
                page = search(archive, query, limit=limit, mode=mode, **filters)  # type: ignore[arg-type]
            except QueryError as exc:
                fail(str(exc))
            if json_out:
                for hit in page.hits:
                    print_json(hit.to_json())
            else:
                _show(page)

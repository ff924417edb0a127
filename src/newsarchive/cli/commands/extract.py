"""`newsarchive extract FILE...`: the article of saved HTML pages, as the collector sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsarchive.cli.common import JsonOption, console, err_console, print_json
from newsarchive.extract import ExtractionError
from newsarchive.extract.files import draft_json, extract_file


def register(app: typer.Typer) -> None:
    @app.command("extract")
    def extract_command(
        files: Annotated[
            list[Path], typer.Argument(help="HTML files (.html or .html.gz), any encoding.")
        ],
        url: Annotated[
            str | None,
            typer.Option(
                "--url", help="The pages' URL: resolves images, picks the outlet profile."
            ),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Extract title, author, date, text, sanitized HTML, images and language."""
        failures = 0
        for path in files:
            try:
                draft = extract_file(path, url)
            except ExtractionError as exc:
                failures += 1
                err_console.print(
                    f"[bold red]error:[/] {path}: {exc}", highlight=False, soft_wrap=True
                )
                continue
            if as_json:
                print_json(draft_json(path, draft))
                continue
            published = draft.published.isoformat() if draft.published else "-"
            console.print(f"[bold]{path}[/]", highlight=False)
            console.print(f"  title: {draft.title}", highlight=False, markup=False)
            console.print(
                f"  published: {published}  author: {draft.author or '-'}  lang: {draft.lang or '-'}"
                f"  images: {len(draft.images)}  chars: {len(draft.text)}",
                highlight=False,
                markup=False,
            )
            console.print(draft.text, highlight=False, markup=False)
        if failures:
            raise typer.Exit(1)

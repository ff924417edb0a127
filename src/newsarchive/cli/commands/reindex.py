"""`newsarchive reindex`: rebuild the search index from the stored articles."""

from __future__ import annotations

import typer
from rich.progress import Progress

from newsarchive.cli.common import DbOption, console, open_archive
from newsarchive.entities.index import reindex_entities
from newsarchive.search import reindex


def register(app: typer.Typer) -> None:
    @app.command("reindex")
    def reindex_cmd(db: DbOption = None) -> None:
        """Rebuild the search index and the entities and figures (after upgrading the
        segmenter or the entity lexicon, or to verify them)."""
        with open_archive(db, create=False) as archive, Progress(console=console) as progress:
            task = progress.add_task("indexing", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            n = reindex(archive, on_progress=on_progress)
            task = progress.add_task("entities", total=None)
            reindex_entities(archive, on_progress=on_progress)
        console.print(f"indexed {n} articles")

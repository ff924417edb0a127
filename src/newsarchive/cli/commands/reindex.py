"""`newsarchive reindex`: rebuild the search index and the vectors from the stored
articles."""

from __future__ import annotations

import typer

from newsarchive.cli.common import DbOption, console, fail, open_archive, progress_bar
from newsarchive.entities.index import reindex_entities
from newsarchive.names.grown import reindex_names
from newsarchive.search import reindex
from newsarchive.vectors import ModelMissingError, reindex_vectors


def register(app: typer.Typer) -> None:
    @app.command("reindex")
    def reindex_cmd(db: DbOption = None) -> None:
        """Rebuild the search index, the entities and figures, the names grown from the
        articles, and the vectors (after upgrading the segmenter, the entity lexicon or
        the embedding model, or to verify them)."""
        with open_archive(db, create=False) as archive, progress_bar() as progress:
            task = progress.add_task("indexing", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            n = reindex(archive, on_progress=on_progress)
            entities = progress.add_task("entities", total=None)

            def on_entities(done: int, total: int) -> None:
                progress.update(entities, completed=done, total=total)

            reindex_entities(archive, on_progress=on_entities)
            names = progress.add_task("names", total=None)
            n_names = reindex_names(archive)
            progress.update(names, completed=1, total=1)
            vectors = progress.add_task("embedding", total=None)

            def on_vectors(done: int, total: int) -> None:
                progress.update(vectors, completed=done, total=total)

            try:
                n_vectors = reindex_vectors(archive, on_progress=on_vectors)
            except ModelMissingError as exc:
                progress.stop()
                console.print(f"indexed {n} articles")
                fail(f"vectors not rebuilt: {exc}", code=1)
        console.print(f"indexed {n} articles, embedded {n_vectors}, grew {n_names} names")

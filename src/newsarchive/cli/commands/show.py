"""`newsarchive show ID_OR_URL`: one article, optionally with its versions and captures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from newsarchive.cli.common import DbOption, JsonOption, console, fail, open_archive, print_json
from newsarchive.dedup import duplicates_of, representative_of, story_of
from newsarchive.entities.queries import article_entities, article_figures
from newsarchive.history.reads import article_history

if TYPE_CHECKING:
    from newsarchive.vectors import SimilarArticle

# Articles `show --similar` lists.
SIMILAR_LIMIT = 10


def register(app: typer.Typer) -> None:
    @app.command("show")
    def show_command(
        id_or_url: Annotated[str, typer.Argument(help="Article id or URL.")],
        db: DbOption = None,
        json_out: JsonOption = False,
        versions: Annotated[
            bool, typer.Option("--versions", help="Also list versions and captures.")
        ] = False,
        similar: Annotated[
            bool,
            typer.Option(
                "--similar",
                help="Also list the articles nearest in meaning (other outlets and scripts"
                " included, its own duplicates left out).",
            ),
        ] = False,
    ) -> None:
        """Show one article (latest version)."""
        with open_archive(db, readonly=True, create=False) as archive:
            record = archive.find(id_or_url)
            if record is None:
                fail(f"no article {id_or_url!r} in {archive.name}", code=1)
            history: dict[str, Any] = {}
            if versions:
                history = {
                    "version_list": [
                        {k: v for k, v in row.items() if k not in ("text", "html")}
                        for row in archive.versions(record.id)
                    ],
                    "captures": archive.captures(record.id),
                    "history": [e.to_json() for e in article_history(archive, record.id)],
                }
            events = article_history(archive, record.id)
            removal = events[-1] if events and events[-1].kind == "removed" else None
            dups = duplicates_of(archive, record.id)
            story = story_of(archive, record.id)
            related = {
                "duplicates": [d.to_json() for d in dups],
                "representative": representative_of(archive, record.id),
                "story": story.to_json() if story else None,
                "entities": article_entities(archive.session, record.id),
                "figures": article_figures(archive.session, record.id),
            }
            alike: list[SimilarArticle] = []
            if similar:
                # Only here: the vectors bring numpy (and the model), which a plain
                # `show` does not need (start-up, issue #20).
                from newsarchive.vectors import (
                    ModelMissingError,
                    VectorsOutdatedError,
                    more_like_this,
                )

                try:
                    alike = more_like_this(archive, record.id, SIMILAR_LIMIT)
                except (ModelMissingError, VectorsOutdatedError) as exc:
                    fail(f"--similar: {exc}", code=1)
                related["similar"] = [a.to_json() for a in alike]
            if json_out:
                print_json({**record.to_json(), **history, **related})
                return
            console.print(f"[bold]{escape(record.title)}[/]")
            if record.gone_at is not None:
                # The archive's copy may be the only one left: say so before anything else.
                console.print(
                    f"[bold red]gone at source[/] since {record.gone_at.isoformat()}"
                    f" (HTTP {record.gone_status or '?'}): the source no longer serves it",
                    highlight=False,
                )
            meta = Table.grid(padding=(0, 2))
            meta.add_column(style="dim")
            meta.add_column()
            for label, value in (
                ("id", str(record.id)),
                ("url", record.url),
                ("outlet", record.outlet or ""),
                ("published", record.published.isoformat() if record.published else ""),
                ("author", record.author or ""),
                ("tags", ", ".join(record.tags)),
                ("versions", str(record.version_count)),
                (
                    "status",
                    f"gone at source (HTTP {record.gone_status or '?'})"
                    if record.gone_at
                    else "live at source as far as known",
                ),
            ):
                meta.add_row(label, escape(value))
            if removal is not None:
                meta.add_row(
                    "removed",
                    escape(
                        f"from the mirror {removal.repository}/{removal.path} at "
                        f"{removal.committed} (commit {removal.short}: {removal.subject})"
                    ),
                )
            for image in record.images:
                meta.add_row("image", escape(f"{image.url}  {image.caption or ''}"))
            for role, stamp in record.timestamps.items():
                meta.add_row(f"time:{role}", escape(f"{stamp['value']}  ({stamp['source']})"))
            for d in dups:
                meta.add_row("duplicate", escape(f"{d.id}  {d.similarity:.2f}  {d.url}"))
            if story:
                meta.add_row(
                    "story",
                    escape(
                        f"{story.id}  {story.label}  ({len(story.articles)} articles, "
                        f"{', '.join(story.outlets)})"
                    ),
                )
            entities, figures = related["entities"], related["figures"]
            assert isinstance(entities, list) and isinstance(figures, list)
            if entities:
                meta.add_row("entities", escape(", ".join(e["name"] for e in entities)))
            for f in figures:
                meta.add_row("figure", escape(f"{f['text']}  {f['what']}"))
            console.print(meta)
            console.print()
            console.print(escape(record.text), highlight=False)
            if versions:
                _print_history(history)
            if similar:
                _print_similar(alike)


def _print_similar(alike: list[SimilarArticle]) -> None:
    console.print()
    if not alike:
        console.print("[dim]more like this: none (no other article has a vector)[/]")
        return
    table = Table(title="more like this")
    for col in ("id", "score", "outlet", "published", "title"):
        table.add_column(col)
    for a in alike:
        s = a.article
        table.add_row(
            str(s.id),
            f"{a.score:.2f}",
            escape(s.outlet or ""),
            s.published.date().isoformat() if s.published else "",
            escape(s.title),
        )
    console.print(table)


def _print_history(history: dict[str, Any]) -> None:
    table = Table(title="versions")
    for col in ("id", "first_seen", "title", "content_hash"):
        table.add_column(col)
    for v in history["version_list"]:
        table.add_row(str(v["id"]), v["first_seen"], escape(v["title"]), v["content_hash"][:12])
    console.print(table)
    table = Table(title="captures")
    for col in ("version", "format", "location", "observed"):
        table.add_column(col)
    for c in history["captures"]:
        table.add_row(str(c["version_id"]), c["format"], escape(c["location"]), c["observed"])
    console.print(table)
    if history["history"]:
        table = Table(title="history in mirror repositories")
        for col in ("committed", "event", "version", "commit", "where"):
            table.add_column(col)
        for e in history["history"]:
            table.add_row(
                e["committed"],
                e["kind"],
                str(e["version_id"] or ""),
                escape(
                    f"{e['commit'][:10]} {e['message'].splitlines()[0] if e['message'] else ''}"
                ),
                escape(f"{e['repository']}/{e['path']}"),
            )
        console.print(table)

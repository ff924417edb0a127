"""`newsarchive serve`: the web app and REST API over an archive."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from newsarchive.archive import ArchiveError, describe, resolve_address
from newsarchive.cli.common import DbOption, console, fail
from newsarchive.components import open_archive


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        db: DbOption = None,
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        workers: Annotated[
            int, typer.Option(min=1, help="Server processes (each runs its own threads).")
        ] = 1,
    ) -> None:
        """Serve the web app and REST API. Writes (sources, fetch, import) need
        $NEWSARCHIVE_TOKEN to be set; without it they are disabled."""
        import uvicorn

        from newsarchive.web import create_app

        path = resolve_address(db)
        from newsarchive.web.security import TokenError, validated_token

        try:
            token = validated_token(os.environ.get("NEWSARCHIVE_TOKEN"))
        except TokenError as exc:
            fail(str(exc))
        try:
            # Creates/migrates the archive, and refuses a foreign file with a clean error.
            open_archive(path).close()
        except ArchiveError as exc:
            fail(str(exc))
        console.print(
            f"Serving [bold]{describe(path)}[/] at [bold]http://{host}:{port}/[/]"
            + ("" if token else " (read-only: set NEWSARCHIVE_TOKEN to enable writes)"),
            highlight=False,
        )
        _fewer_malloc_arenas()
        if workers == 1:
            uvicorn.run(create_app(path, token=token), host=host, port=port, log_level="warning")
            return
        # Several processes need an importable factory; it reads the same settings.
        os.environ["NEWSARCHIVE_DB"] = str(path.resolve()) if isinstance(path, Path) else path
        uvicorn.run(
            "newsarchive.web:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )


def _fewer_malloc_arenas() -> None:
    """glibc gives each thread that allocates its own malloc arena (up to 8 per core),
    and freed memory stays in them: a server whose 17 threads each parsed pages, ranked
    and rendered grew from 185 to 512 MB under bench/server_load.py. Two arenas are
    enough for threads that mostly wait on SQLite and sockets. Set before the server's
    threads start; a no-op where glibc's mallopt is absent."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        return

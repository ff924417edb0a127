"""The `newsarchive` command: a thin layer over the library.

Each command lives in its own module under `newsarchive.cli.commands` and exposes
`register(app)`; they are discovered here, so stages add commands without editing a
central list.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from newsarchive import __version__
from newsarchive.cli import commands

app = typer.Typer(
    name="newsarchive",
    help="Collect, archive, search and republish Chinese-language journalism.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"newsarchive {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Collect, archive, search and republish Chinese-language journalism."""


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(app)


_register_all()


def main() -> None:
    app()

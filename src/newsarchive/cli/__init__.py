"""The `newsarchive` command: a thin layer over the library.

Each command lives in its own module under `newsarchive.cli.commands` and exposes
`register(app)`. A command's module (and the libraries it needs: HTTP, the web stack,
clustering ...) is imported only when that command runs: `COMMANDS` says which module
holds which command. A module missing from `COMMANDS` still works: it is discovered
and imported at every start, as all modules were before (start-up then pays for it;
tests/cli/test_startup.py names such modules).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    # Typer vendors its own click; these are the types its groups are written with.
    from typer._click.core import Command, Context

from newsarchive import __version__
from newsarchive.cli import commands

# command name -> the module under newsarchive.cli.commands that registers it.
COMMANDS: dict[str, str] = {
    "sources": "collect",
    "fetch": "collect",
    "watch": "collect",
    "copy": "copy",
    "duplicates": "duplicates",
    "entities": "entities",
    "entity": "entities",
    "figures": "entities",
    "errors": "errors",
    "export": "export",
    "extract": "extract",
    "import": "importing",
    "publish": "publish",
    "reindex": "reindex",
    "search": "search",
    "serve": "serve",
    "show": "show",
    "stats": "stats",
    "stories": "stories",
}


def _module_group(module_name: str) -> TyperGroup:
    """The click group of the commands one module registers (imported now)."""
    module = importlib.import_module(f"{commands.__name__}.{module_name}")
    sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    module.register(sub)

    @sub.callback()
    def _group() -> None:  # makes `sub` a group even when it has one command
        pass

    group = typer.main.get_group(sub)
    assert isinstance(group, TyperGroup)
    return group


def unmapped_modules() -> list[str]:
    """Command modules that `COMMANDS` does not know (imported at every start)."""
    import pkgutil  # only to list commands (help, an unknown name): not at every start

    known = set(COMMANDS.values())
    return sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if m.name not in known)


class LazyCommands(TyperGroup):
    """Imports a command's module when the command is looked up, not at start-up."""

    _loaded: dict[str, TyperGroup]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded = {}

    def _group_of(self, module_name: str) -> TyperGroup:
        if module_name not in self._loaded:
            self._loaded[module_name] = _module_group(module_name)
        return self._loaded[module_name]

    def _unmapped(self) -> dict[str, Command]:
        found: dict[str, Command] = {}
        for module_name in unmapped_modules():
            found.update(self._group_of(module_name).commands)
        return found

    def list_commands(self, ctx: Context) -> list[str]:
        return sorted({*COMMANDS, *self._unmapped(), *super().list_commands(ctx)})

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is not None:
            return self._group_of(module_name).get_command(ctx, cmd_name)
        return self._unmapped().get(cmd_name) or super().get_command(ctx, cmd_name)


app = typer.Typer(
    cls=LazyCommands,
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


def main() -> None:
    app()

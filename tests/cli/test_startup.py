"""CLI start-up (issue #20): a command imports its own module only, and `search` and
`show` none of the libraries they do not use (bench/startup.py times them)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.cli import COMMANDS, app, unmapped_modules

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "tests" / "data" / "readers" / "seeds"
# Libraries of other commands (fetch, serve, import, stories): never loaded by a search.
# pydantic: the web API's models; typer 0.29 also coerced every CLI option through it
# (pyproject pins typer below it).
NOT_FOR_READING = (
    "psycopg",
    "httpx",
    "fastapi",
    "trafilatura",
    "jinja2",
    "scipy",
    "datasketch",
    "pydantic",
)


# Runs the command and lists, at exit, every module it had loaded.
_PROBE = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n"))
sys.argv = ["newsarchive", *sys.argv[1:]]
from newsarchive.cli import main
main()
"""


# The cache where a query's dictionary words are looked up (text/dictionary.py): one
# per test run, built by the first search.
_CACHE = tempfile.mkdtemp(prefix="newsarchive-startup-cache-")


@pytest.fixture(scope="module", autouse=True)
def _remove_cache() -> Iterator[None]:
    yield
    shutil.rmtree(_CACHE, ignore_errors=True)


def imported(*args: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NEWSARCHIVE_CACHE_DIR": _CACHE}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    line = result.stderr.rsplit("MODULES ", 1)[1]
    return set(line.split())


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("startup") / "s.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run(
        [sys.executable, "-m", "newsarchive", "import", "--db", db, "--workers", "1", str(SEEDS)],
        env=env,
        check=True,
        capture_output=True,
    )
    return db


def test_every_command_module_is_mapped() -> None:
    # A module missing from COMMANDS is imported at every start (still works, slower).
    assert unmapped_modules() == []


def test_the_command_list_is_complete() -> None:
    from typer.main import get_group

    group = get_group(app)
    names = set(group.list_commands(None))  # type: ignore[arg-type]
    assert names == set(COMMANDS)
    for name in names:
        assert group.get_command(None, name) is not None, name  # type: ignore[arg-type]


def test_version_loads_no_command() -> None:
    modules = imported("--version")
    assert not [m for m in modules if m.startswith("newsarchive.cli.commands.")]
    assert "numpy" not in modules and "newsarchive.components" not in modules
    assert "pydantic" not in modules


def test_search_loads_nothing_it_does_not_use(small_db: str) -> None:
    # By words only: no vectors, so no numpy.
    modules = imported("search", "--db", small_db, "--mode", "lexical", "中国")
    assert "newsarchive.cli.commands.search" in modules
    assert [m for m in modules if m.startswith("newsarchive.cli.commands.")] == [
        "newsarchive.cli.commands.search"
    ]
    assert not [lib for lib in (*NOT_FOR_READING, "numpy") if lib in modules]
    # A query is cut with the words it holds: jieba's whole dictionary (the `rjieba`
    # package builds it at import, 0.13 s) is not loaded.
    assert "rjieba.rjieba" in modules and "rjieba" not in modules
    # The default (hybrid) also ranks by meaning: numpy and the model are its work.
    modules = imported("search", "--db", small_db, "中国")
    assert not [lib for lib in NOT_FOR_READING if lib in modules]


def test_show_loads_nothing_it_does_not_use(small_db: str) -> None:
    modules = imported("show", "--db", small_db, "1")
    assert [m for m in modules if m.startswith("newsarchive.cli.commands.")] == [
        "newsarchive.cli.commands.show"
    ]
    # Duplicates and the story are read from their stored links: no numpy, no vectors.
    assert not [lib for lib in (*NOT_FOR_READING, "numpy") if lib in modules]
    # (Every command opens the archive through the composition root: schemas only.)
    assert [m for m in modules if m.startswith("newsarchive.vectors.")] == [
        "newsarchive.vectors.schema"
    ]
    # The meaning of an article is --similar's work only.
    modules = imported("show", "--db", small_db, "--similar", "--json", "1")
    assert "numpy" in modules and "newsarchive.vectors.query" in modules

"""CLI start-up: `newsarchive search` and `show` on a small archive, against `python -c
pass` measured in the same run (the machine is shared: ratios and CPU seconds are what
compare between runs).

    python bench/startup.py [--runs 7] [--src OTHER_CHECKOUT/src]

Prints, per command, the median wall time and CPU time (user + system of the child) of
`--runs` runs, and each minus `python -c pass`; the target (issue #20) is <= 0.5 s wall
for `search` and `show`. Also lists the heavy modules each command imports.

A search keeps three things in the user's cache directory, built on first use
(text/dictionary.py: jieba's words for cutting a query; names/tables.py: the built
alias table; text/script.py: OpenCC's characters and phrases for converting a query
to traditional). The bench uses a cache of its own: the warm-up run builds it and the
first line reports that run (the cost a user pays once).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "data" / "readers" / "seeds"
HEAVY = ("numpy", "scipy", "psycopg", "httpx", "fastapi", "trafilatura", "datasketch", "jinja2")


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def heavy_modules(argv: list[str], env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", *argv[1:]],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ).stderr
    names = {line.rsplit("|", 1)[-1].strip() for line in out.splitlines()}
    return [h for h in HEAVY if h in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--src", type=Path, default=ROOT / "src", help="the newsarchive sources to time"
    )
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.src)}
    # As installed: with compiled bytecode. (A shell with PYTHONDONTWRITEBYTECODE=1 makes
    # every start compile every module from source: +0.5 s CPU, not the CLI's cost.)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        env["NEWSARCHIVE_CACHE_DIR"] = str(Path(tmp) / "cache")
        db = str(Path(tmp) / "startup.db")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "newsarchive",
                "import",
                "--db",
                db,
                "--workers",
                "1",
                str(SEEDS),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "newsarchive --version": [sys.executable, "-m", "newsarchive", "--version"],
            "newsarchive search": [
                sys.executable,
                "-m",
                "newsarchive",
                "search",
                "--db",
                db,
                "中国",
            ],
            "newsarchive search --mode lexical": [
                sys.executable,
                "-m",
                "newsarchive",
                "search",
                "--db",
                db,
                "--mode",
                "lexical",
                "中国",
            ],
            "newsarchive show": [sys.executable, "-m", "newsarchive", "show", "--db", db, "1"],
        }
        first = run(commands["newsarchive search --mode lexical"], env)
        print(
            f"{'first search (empty cache)':24} wall {first[0]:6.3f} s  cpu {first[1]:6.3f} s",
            flush=True,
        )
        for argv in commands.values():  # warm-up: bytecode written, files cached
            run(argv, env)
        timings: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved: load changes hit every command alike
            for name, argv in commands.items():
                timings[name].append(run(argv, env))
        base_wall = statistics.median(w for w, _ in timings["python -c pass"])
        base_cpu = statistics.median(c for _, c in timings["python -c pass"])
        for name, samples in timings.items():
            wall = statistics.median(w for w, _ in samples)
            cpu = statistics.median(c for _, c in samples)
            line = (
                f"{name:24} wall {wall:6.3f} s (+{wall - base_wall:.3f} over python)"
                f"  cpu {cpu:6.3f} s (+{cpu - base_cpu:.3f})"
            )
            if name.startswith("newsarchive ") and name != "newsarchive --version":
                line += (
                    f"  heavy imports: {', '.join(heavy_modules(commands[name], env)) or 'none'}"
                )
            print(line, flush=True)


if __name__ == "__main__":
    main()

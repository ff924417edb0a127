"""The crash matrix: every command that writes is SIGKILLed at random moments, then run
again to completion; the archive must pass its integrity checks after every kill, no
process the command started may outlive it, and the final result must be exactly what
one uninterrupted run gives.

A command is one entry of COMMANDS (`import`, `fetch`, `publish`; `copy` joins the list
when it exists). Each entry says how to set up a fresh state, the command line, and how
to dump its result; the driver does the rest. Kill moments are drawn from a generator
seeded with the command's name, as fractions of the uninterrupted run's duration, so a
failure is replayed by running the test again (on a machine of another speed the same
fractions land at other points of the work).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from newsarchive.collect import add_source, list_sources, remove_source
from newsarchive.components import open_archive
from newsarchive.ingest import import_paths
from tests.collect import server as srv
from tests.collect.server import LocalServer, running
from tests.readers.test_sigkill import build_tarball

from .crashkit import (
    Child,
    Dump,
    command_env,
    describe_difference,
    dump_archive,
    group_members,
    integrity_problems,
)

KILLS = 3  # per command, before the run that completes
RUN_TIMEOUT = 240.0


class CrashCase:
    """One command of the matrix. A case's state lives in one folder (`where`): the
    archive `a.db`, and whatever else the command writes."""

    name = ""
    # Processes the command starts that are allowed to outlive a SIGKILL of its main
    # process. Only ever for a known, reported gap (see PublishCase).
    orphans_known = False
    # Seconds a killed run's claims stay with it before another run may take them over
    # (collection leases); the final run starts after them.
    settle = 0.0

    @contextmanager
    def inputs(self, tmp: Path) -> Iterator[None]:
        """Builds what every run reads (and serves it, for fetch)."""
        yield

    def fresh(self, where: Path) -> None:
        """The state before the command's first run."""
        where.mkdir(parents=True)

    def args(self, where: Path) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return command_env()

    def dump(self, where: Path) -> Dump:
        return dump_archive(where / "a.db")

    def problems(self, where: Path) -> list[str]:
        return integrity_problems(where / "a.db")


class ImportCase(CrashCase):
    """`import` of a 200-file tarball (articles, variants, unreadable files) with the
    default hooks: search index and near-duplicates are written in the same
    transactions as the articles."""

    name = "import"

    @contextmanager
    def inputs(self, tmp: Path) -> Iterator[None]:
        tmp.mkdir(parents=True)
        self.tarball = build_tarball(tmp / "mirror.tar.gz", files=200)
        yield

    def args(self, where: Path) -> list[str]:
        return ["import", "--db", str(where / "a.db"), "--json", str(self.tarball)]


class FetchCase(CrashCase):
    """`fetch` of one feed of 30 articles served on 127.0.0.1, with the default
    extraction processes; the host's rate limit spreads the pages over a few seconds."""

    name = "fetch"
    settle = 3.0
    PAGES = 30

    @contextmanager
    def inputs(self, tmp: Path) -> Iterator[None]:
        articles = srv.load_articles()
        with running(LocalServer()) as server:
            self.base = server.base
            feed = srv.rss2(
                server.base,
                [articles[i % len(articles)] for i in range(self.PAGES)],
                full=False,
                prefix="/a/",
            )
            server.routes["/feed.xml"] = srv.static(feed, "application/rss+xml")

            def page(req: srv.Request) -> None:
                i = int(req.path.removeprefix("/a/").removesuffix(".html"))
                a = articles[i % len(articles)]
                # Each page its own article: the shared body, and its own last line.
                req.send_body(srv.article_page(a, extra=f"<p>本文编号 {i}：{a['title']}</p>"))

            server.prefix_routes["/a/"] = page
            yield

    def fresh(self, where: Path) -> None:
        super().fresh(where)
        with open_archive(where / "a.db") as archive:
            for s in list_sources(archive):  # the builtin, real sources
                remove_source(archive, s.name)
            add_source(archive, "local", self.base + "/feed.xml")

    def args(self, where: Path) -> list[str]:
        return ["fetch", "--db", str(where / "a.db"), "--json"]

    def env(self) -> dict[str, str]:
        # Short leases: the pages a killed pass had claimed are taken over by the next
        # pass once they lapse (docs/collect.md, "Several collectors").
        return command_env(
            {
                "NEWSARCHIVE_HOST_RATE": "15",
                "NEWSARCHIVE_HOST_CONCURRENCY": "4",
                "NEWSARCHIVE_LEASE": str(self.settle / 2),
            }
        )


_GENERATED = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d UTC")


class PublishCase(CrashCase):
    """`publish` of a 120-article archive into a new site folder: pages, feeds, the
    offline search index (built in a second process) and the manifest."""

    name = "publish"

    @contextmanager
    def inputs(self, tmp: Path) -> Iterator[None]:
        tmp.mkdir(parents=True)
        tarball = build_tarball(tmp / "mirror.tar.gz", files=140)
        self.archive = tmp / "a.db"
        with open_archive(self.archive) as archive:
            import_paths(archive, [tarball], workers=1)
        yield

    def fresh(self, where: Path) -> None:
        super().fresh(where)
        shutil.copyfile(self.archive, where / "a.db")  # publish may compute stories

    def args(self, where: Path) -> list[str]:
        return ["publish", str(where / "site"), "--db", str(where / "a.db"), "--json"]

    def dump(self, where: Path) -> Dump:
        site = where / "site"
        files = {}
        for path in sorted(p for p in site.rglob("*") if p.is_file()):
            rel = path.relative_to(site).as_posix()
            data = path.read_bytes()
            if rel == "about.html":  # says when it was generated, to the minute
                data = _GENERATED.sub(b"<time>", data)
            if rel == ".newsarchive-publish.json":  # holds the bytes' hash of about.html
                manifest = json.loads(data)
                manifest["files"]["about.html"].pop("sha", None)
                data = json.dumps(manifest, sort_keys=True).encode()
            files[rel] = hashlib.sha256(data).hexdigest()
        return {**dump_archive(where / "a.db"), "site": files}


COMMANDS: list[CrashCase] = [ImportCase(), FetchCase(), PublishCase()]


def _kill_repeatedly(
    case: CrashCase, where: Path, took: float, logs: Path
) -> tuple[int, list[int]]:
    """KILLS runs, each SIGKILLed at a random moment; the archive checked after each.
    Returns how many kills found the command still running, and the processes that
    outlived it."""
    rng = random.Random(f"crash-matrix/{case.name}")
    landed, orphans = 0, []
    for _ in range(KILLS):
        delay = rng.uniform(0.05, 0.95) * took
        child = Child(case.args(where), case.env(), logs)
        # A known orphan would only be waited for: it is killed after a short grace.
        grace = 0.5 if case.orphans_known else 5.0
        was_running, left = child.sigkill_after(delay, grace)
        landed += was_running
        orphans += left
        problems = case.problems(where)
        assert problems == [], f"after a SIGKILL at {delay:.2f} s: {problems}"
    return landed, orphans


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("case", COMMANDS, ids=lambda c: c.name)
def test_crash_matrix_sigkill_then_rerun_equals_uninterrupted(
    case: CrashCase, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    with case.inputs(tmp_path / "inputs"):
        reference = tmp_path / "reference"
        case.fresh(reference)
        start = time.monotonic()
        Child(case.args(reference), case.env(), logs).finish(RUN_TIMEOUT)
        took = time.monotonic() - start
        assert case.problems(reference) == []
        expected = case.dump(reference)

        killed = tmp_path / "killed"
        case.fresh(killed)
        landed, orphans = _kill_repeatedly(case, killed, took, logs)
        # A kill must land mid-run, or the test proves nothing. Not all need to: a re-run
        # skips what is stored, and may end before a late kill moment.
        assert landed >= 1, f"none of {KILLS} kills found {case.name} running"
        if not case.orphans_known:
            assert orphans == [], f"processes outlived a killed {case.name}: {orphans}"

        time.sleep(case.settle)
        Child(case.args(killed), case.env(), logs).finish(RUN_TIMEOUT)
        assert case.problems(killed) == []
        actual = case.dump(killed)
    assert actual == expected, describe_difference(actual, expected)


@pytest.mark.slow
def test_crash_matrix_publish_leaves_no_process_behind(tmp_path: Path) -> None:
    case = PublishCase()
    with case.inputs(tmp_path / "inputs"):
        case.fresh(tmp_path / "run")
        child = Child(case.args(tmp_path / "run"), case.env(), tmp_path / "logs")
        deadline = time.monotonic() + RUN_TIMEOUT
        # Killed while the search index is being built in its second process.
        while len(group_members(child.pgid)) < 2:
            if child.proc.poll() is not None or time.monotonic() > deadline:
                child.reap()
                raise RuntimeError("publish never started its search-index process")
            time.sleep(0.02)
        was_running, left = child.sigkill_after(0)
    assert was_running
    assert left == [], f"processes outlived a killed publish: {left}"

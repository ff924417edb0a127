"""A throwaway PostgreSQL cluster for tests and benchmarks.

`initdb` and `postgres` refuse to run as root, and CI runs as root: the cluster then
belongs to an unprivileged user (``nobody``) and is started through ``runuser``. It
listens on 127.0.0.1 on a free port and on a private socket folder, trusts local
connections, and is stopped (and its files removed) at the end.

Each test gets a fresh database copied from a template that already holds every
component's tables (`CREATE DATABASE … TEMPLATE`, ~50 ms) instead of migrating anew.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

# Durability is not what tests measure: without fsync a test cluster starts and
# creates databases several times faster.
TEST_SETTINGS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off",)


class ClusterUnavailable(RuntimeError):
    """initdb/pg_ctl are missing, or the cluster did not start; says why."""


def find_program(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for root in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (root / name).exists():
            return str(root / name)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(
        self, *, fast: bool = True, base: Path | None = None, keep: Path | None = None
    ) -> None:
        """`keep`: the cluster's folder, kept after `stop` and started again (without
        initdb) by a later Cluster given the same folder: a benchmark imports once and
        measures many times."""
        initdb, pg_ctl = find_program("initdb"), find_program("pg_ctl")
        if not initdb or not pg_ctl:
            raise ClusterUnavailable("PostgreSQL's initdb/pg_ctl are not installed")
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.keep = keep is not None
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            self.base = keep.resolve()
        else:
            self.base = Path(tempfile.mkdtemp(prefix="na-pg-", dir=base))
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.sock.mkdir(exist_ok=True)
        self.port = _free_port()
        self.fast = fast
        self._as_root = os.geteuid() == 0
        self._counter = itertools.count(1)
        self.template: str | None = None
        self._started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self._as_root:
            cmd = ["runuser", "-u", "nobody", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> Cluster:
        if self._as_root:
            # The unprivileged owner needs to reach and write its folders.
            os.chmod(self.base, 0o755)
            shutil.chown(self.base, "nobody")
            shutil.chown(self.sock, "nobody")
        if self.keep and (self.data / "PG_VERSION").exists():
            return self._start()
        done = self._run(
            self.initdb,
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--lc-collate=C",
        )
        if done.returncode:
            raise ClusterUnavailable(f"initdb failed: {done.stderr.strip()[-500:]}")
        return self._start()

    def _start(self) -> Cluster:
        options = (
            f"-k {self.sock} -p {self.port} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c shared_buffers=128MB"
        )
        if self.fast:
            options += " " + " ".join(TEST_SETTINGS)
        done = self._run(
            self.pg_ctl, "-D", str(self.data), "-l", str(self.base / "log"), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip
        if done.returncode:
            log = (
                (self.base / "log").read_text(errors="replace")[-800:]
                if (self.base / "log").exists()
                else ""
            )
            raise ClusterUnavailable(f"pg_ctl start failed: {done.stderr.strip()} {log}")
        self._started = True
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self, template: str | None = None) -> str:
        """A fresh empty database (or a copy of `template`); returns its URL."""
        name = f"t{os.getpid()}_{next(self._counter)}"
        source = f" TEMPLATE {template}" if template else " TEMPLATE template0"
        self.admin(
            f"CREATE DATABASE {name}{source} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"
        )
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if self._started:
            # (a kept cluster shuts down cleanly: no recovery when it starts again)
            mode = "fast" if self.keep else "immediate"
            self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")
            self._started = False
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

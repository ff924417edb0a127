"""The worker processes of `import` and `fetch` end when the process that started them
is SIGKILLed; before, they waited on their task queue forever, holding the fork server
and the resource tracker with them (found by the crash matrix: 3-4 processes left per
killed `fetch`)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from .crashkit import ROOT, command_env, group_members

# Starts a pool the way ingest.py (multiprocessing Pool) or collect/extraction.py
# (ProcessPoolExecutor) do, makes each worker report its pid and then sleep, and
# SIGKILLs itself.
OWNER = """
import os, signal, sys, time
from concurrent.futures import ProcessPoolExecutor
from newsarchive.workers import init_worker, worker_context

ctx = worker_context(["newsarchive.workers"])
if sys.argv[1] == "pool":
    pool = ctx.Pool(2, initializer=init_worker, initargs=([],))
    pids = {pool.apply_async(os.getpid).get(timeout=60) for _ in range(8)}
    for _ in range(4):
        pool.apply_async(time.sleep, (300,))
else:
    pool = ProcessPoolExecutor(2, mp_context=ctx, initializer=init_worker, initargs=([],))
    pids = {pool.submit(os.getpid).result(timeout=60) for _ in range(8)}
    for _ in range(4):
        pool.submit(time.sleep, 300)
time.sleep(0.5)  # the sleeps are running
print(*pids, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("kind", ["pool", "executor"])
def test_workers_exit_when_their_writer_is_killed(kind: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", OWNER, kind],
        cwd=ROOT,
        env=command_env(),
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else b""
        assert proc.wait(timeout=120) == -9
        workers = {int(p) for p in line.split()}
        assert workers, "the pool never answered"
        deadline = time.monotonic() + 10
        while (left := set(group_members(proc.pid))) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left & workers, f"workers outlived the process that started them: {left}"
        assert not left, f"processes outlived the pool's owner: {left}"
    finally:
        if proc.stdout:
            proc.stdout.close()
        with contextlib.suppress(ProcessLookupError):  # its own group: never the test's
            os.killpg(proc.pid, signal.SIGKILL)

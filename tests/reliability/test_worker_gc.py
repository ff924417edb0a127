"""Parse workers collect cyclic garbage less often than Python's default (every 700 new
container objects) and leave what the fork server preloaded out of the collector's
walks: 0.12 -> 0.05 ms of CPU a file with every hook (`newsarchive.workers`)."""

from __future__ import annotations

import subprocess
import sys

from .crashkit import ROOT, command_env

# A pool started the way ingest.py starts it; each worker reports its collector's state.
PROBE = """
import gc
from newsarchive.workers import init_worker, worker_context

ctx = worker_context(["newsarchive.workers"])
with ctx.Pool(1, initializer=init_worker, initargs=([],)) as pool:
    threshold = pool.apply(gc.get_threshold)
    frozen = pool.apply(gc.get_freeze_count)
print(threshold[0], frozen)
"""


def test_workers_collect_less_often_and_freeze_what_was_preloaded() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    threshold, frozen = int(out[0]), int(out[1])
    assert threshold == 10_000
    # The preloaded modules' objects: tens of thousands at least.
    assert frozen > 10_000

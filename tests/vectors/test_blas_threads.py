"""numpy's OpenBLAS starts with one thread when the vectors package loads it (start-up,
issue #20): its per-core threads spun for nothing, every BLAS call here being limited
to one thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import newsarchive

_PROBE = (
    "import json, os, newsarchive.vectors.model, threadpoolctl;"
    "blas = [i['num_threads'] for i in threadpoolctl.threadpool_info()"
    " if i['user_api'] == 'blas'];"
    "print(json.dumps([os.environ.get('OPENBLAS_NUM_THREADS'), blas]))"
)


def _probe(**env: str) -> tuple[str | None, list[int]]:
    base = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    base["PYTHONPATH"] = str(Path(newsarchive.__file__).parents[1])  # these sources
    out = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env={**base, **env},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    value, threads = json.loads(out)
    return value, threads


def test_numpy_loaded_for_vectors_starts_one_blas_thread() -> None:
    value, threads = _probe()
    assert value == "1"
    assert threads and all(n == 1 for n in threads)


def test_a_users_choice_is_kept() -> None:
    value, _ = _probe(OPENBLAS_NUM_THREADS="2")
    assert value == "2"

"""numpy's OpenBLAS starts with one thread when the vectors package loads it (start-up,
issue #20): its per-core threads spun for nothing, every BLAS call here being limited
to one thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import threadpoolctl

import newsarchive
from newsarchive.vectors import query, snapshot

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


def test_the_model_and_the_vector_product_share_one_threadpool_controller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Making a controller inspects every loaded library: once a process is enough."""
    made: list[object] = []

    class Counting(threadpoolctl.ThreadpoolController):
        def __init__(self) -> None:
            made.append(self)
            super().__init__()

    monkeypatch.setattr(threadpoolctl, "ThreadpoolController", Counting)
    monkeypatch.setattr(query, "_controller", None, raising=False)  # (its old own one)
    snapshot.blas_controller.cache_clear()
    try:
        limit = snapshot._threadpool_limit()
        with limit(limits=1, user_api="blas"), query._one_blas_thread():
            pass
        with query._one_blas_thread():
            pass
    finally:
        snapshot.blas_controller.cache_clear()
    assert len(made) == 1

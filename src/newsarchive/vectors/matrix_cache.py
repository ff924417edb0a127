"""The archive's vector matrix kept on disk between processes, so that a one-shot
`newsarchive search` on a large archive does not rebuild it from the database.

Why: building the 51k archive's matrix from its rows (fetch 50,285 BLOBs, dequantise,
fill 98 MiB) took 1.5-2.9 s at load ~20, more than the model now takes to load
(`vectors/snapshot.py`). The cache holds the unit float32 rows and their article ids
(`.npy`) with the generation they describe, under `$XDG_CACHE_HOME/newsarchive/matrices/`.

When it is used: rows of ``vectors`` are never changed in place (a rewrite is a delete
and an insert with a higher seq; a removal or rebuild bumps ``vectors_meta.epoch``), so
a cache made at seq S stays exact for the rows up to S as long as the epoch is the same
and none of those rows went away, and the reader loads only the rows past S (as it
does in memory). That is checked before use: the same archive (its address and, for a
file, device and inode), the same epoch, the same number of rows up to S, and the last
rows up to S in the database equal to the cached ones (a copy of the archive that went
another way since differs there). Anything else, or any error: the matrix is built from
the database as before, and the cache rewritten. Small archives (< `MIN_ROWS`) are not
cached: they load in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from newsarchive.vectors.model import DIM, dequantise
from newsarchive.vectors.snapshot import cache_root

if TYPE_CHECKING:
    from newsarchive.archive import Archive

log = logging.getLogger(__name__)

MIN_ROWS = 5000
# Rows compared at the end of the cached range.
_TAIL = 8
FORMAT = 1


def _identity(archive: Archive) -> dict[str, Any]:
    address = archive.address
    if isinstance(address, str):  # a PostgreSQL URL
        return {"address": address}
    path = Path(address).resolve()
    st = path.stat()
    return {"address": str(path), "dev": st.st_dev, "ino": st.st_ino}


def _pointer(identity: dict[str, Any]) -> Path:
    key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:24]
    return cache_root() / "matrices" / f"{key}.json"


def _data(pointer: Path, token: str) -> tuple[Path, Path]:
    stem = pointer.with_suffix("")
    return stem.with_name(f"{stem.name}.{token}.ids.npy"), stem.with_name(
        f"{stem.name}.{token}.mat.npy"
    )


def _tail(archive: Archive, seq: int) -> list[list[Any]]:
    rows = archive.session.execute(
        "SELECT seq, article_id, vec FROM vectors WHERE seq <= ? ORDER BY seq DESC LIMIT ?",
        (seq, _TAIL),
    ).fetchall()
    return [[int(r[0]), int(r[1]), bytes(r[2])] for r in rows]


def load(
    archive: Archive, epoch: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], int] | None:
    """(article ids, unit rows, the seq they cover) from the cache, or None when there is
    none or it cannot be shown to describe this archive. The rows are mapped
    copy-on-write: read from the page cache as a query touches them, copied only where
    new vectors are written."""
    try:
        identity = _identity(archive)
        pointer = _pointer(identity)
        if not pointer.is_file():
            return None
        meta = json.loads(pointer.read_text())
        if meta.get("format") != FORMAT or meta.get("identity") != identity:
            return None
        if meta.get("epoch") != epoch:
            return None
        seq, n = int(meta["seq"]), int(meta["n"])
        # Counted as all rows less those past `seq`: a count over a seq range walks the
        # table's 25 MB of BLOB pages (92 ms on the 51k archive); the total comes from
        # an index, and the rows past `seq` are the few new ones.
        conn = archive.session
        total = int(conn.scalar("SELECT count(*) FROM vectors") or 0)
        newer = int(conn.scalar("SELECT count(*) FROM vectors WHERE seq > ?", (seq,)) or 0)
        if total - newer != n:
            return None
        ids_path, mat_path = _data(pointer, str(meta["token"]))
        ids = np.load(ids_path, allow_pickle=False)
        # A plain ndarray over the mapping (an np.memmap's results stay memmaps).
        mat = np.asarray(np.load(mat_path, mmap_mode="c", allow_pickle=False))
        if ids.shape != (n,) or mat.shape != (n, DIM) or mat.dtype != np.float32:
            return None
        # Rows are cached in seq order: the last rows up to `seq` are the last ids.
        tail = _tail(archive, seq)
        if [a for _, a, _ in tail] != ids[::-1][: len(tail)].tolist():
            return None
        stored = dequantise([blob for _, _, blob in tail])
        if not np.allclose(mat[::-1][: len(tail)], stored, atol=1e-6):
            return None
        return ids, mat, seq
    except Exception as exc:  # a cache problem never stops a search
        log.info("vector matrix cache not used: %s", exc)
        return None


def save(
    archive: Archive,
    epoch: str,
    seq: int,
    ids: npt.NDArray[np.int64],
    mat: npt.NDArray[np.float32],
) -> None:
    """Write the matrix, its rows in seq order as loaded from the database (all of
    them up to `seq`), for the next process, best effort. The data files get a new
    name each time and the small description that names them is replaced atomically,
    so a reader never pairs the ids of one save with the rows of another."""
    if len(ids) < MIN_ROWS:
        return
    try:
        identity = _identity(archive)
        pointer = _pointer(identity)
        pointer.parent.mkdir(parents=True, exist_ok=True)
        token = f"{os.getpid()}-{os.urandom(4).hex()}"
        ids_path, mat_path = _data(pointer, token)
        np.save(ids_path, np.ascontiguousarray(ids, dtype=np.int64), allow_pickle=False)
        np.save(mat_path, np.ascontiguousarray(mat, dtype=np.float32), allow_pickle=False)
        meta = {
            "format": FORMAT,
            "identity": identity,
            "epoch": epoch,
            "seq": seq,
            "n": len(ids),
            "token": token,
        }
        tmp = pointer.with_name(f".{pointer.name}.{token}")
        tmp.write_text(json.dumps(meta))
        tmp.replace(pointer)
        # Earlier saves of this archive (a process still mapping one keeps its pages).
        for old in pointer.parent.glob(f"{pointer.stem}.*.npy"):
            if token not in old.name:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("vector matrix cache not written: %s", exc)

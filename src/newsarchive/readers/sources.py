"""Walking inputs: plain files, folders and .tar.xz / .tar.gz / .zip archives.

Archives are streamed member by member (``tarfile`` stream mode ``r|*``), never unpacked
to disk and never held whole in memory. Member names are kept exactly as stored, newlines
included, because they are part of a capture's location.

Locations are rooted at the name the user gave (the archive's or folder's file name, not
the machine's absolute path) so the same import run from another directory or machine
names the same captures, and re-running an import finds them again.
"""

from __future__ import annotations

import os
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from newsarchive.readers.errors import ReadError

# Files bigger than this are not mirror articles (the largest in the corpus is ~300 KB);
# refusing them keeps memory bounded whatever an archive contains.
MAX_FILE_BYTES = 16 * 1024 * 1024

_TAR_SUFFIXES = (".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2")


@dataclass(frozen=True, slots=True)
class RawFile:
    """The bytes of one input file and where they came from."""

    location: str  # what captures and errors record
    member: str  # the path inside the archive or folder (format hints live in it)
    data: bytes


def is_archive(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(_TAR_SUFFIXES) or name.endswith(".zip")


def iter_files(path: Path) -> Iterator[RawFile | ReadError]:
    """Every file under `path`, in a stable order, as raw bytes."""
    if not path.exists():
        yield ReadError(str(path), "no such file or directory")
    elif path.is_dir():
        yield from _iter_folder(path)
    elif is_archive(path):
        if path.name.lower().endswith(".zip"):
            yield from _iter_zip(path)
        else:
            yield from _iter_tar(path)
    else:
        yield from _read_plain(path, path.name, path.name)


def _read_plain(path: Path, location: str, member: str) -> Iterator[RawFile | ReadError]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield ReadError(location, f"too large for a mirror article ({size} bytes)")
            return
        yield RawFile(location, member, path.read_bytes())
    except OSError as exc:
        yield ReadError(location, f"cannot read: {exc.strerror or exc}")


def _iter_folder(root: Path) -> Iterator[RawFile | ReadError]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        # Hidden folders (.git) hold no articles.
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in sorted(filenames):
            full = Path(dirpath) / name
            rel = full.relative_to(root).as_posix()
            if is_archive(full):
                yield from iter_files(full)
            else:
                yield from _read_plain(full, f"{root.name}/{rel}", rel)


def _iter_tar(path: Path) -> Iterator[RawFile | ReadError]:
    try:
        tar = tarfile.open(path, mode="r|*")  # noqa: SIM115 (closed by the `with` below)
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield ReadError(path.name, f"not a readable tar archive: {exc}")
        return
    with tar:
        try:
            for member in tar:
                if not member.isfile():
                    continue
                location = f"{path.name}/{member.name}"
                if member.size > MAX_FILE_BYTES:
                    yield ReadError(
                        location, f"too large for a mirror article ({member.size} bytes)"
                    )
                    continue
                fh = tar.extractfile(member)
                if fh is None:
                    continue
                yield RawFile(location, member.name, fh.read())
        except (tarfile.TarError, OSError, EOFError) as exc:
            # A damaged or truncated archive: keep what was read, report the rest.
            yield ReadError(path.name, f"archive damaged or truncated: {exc}")


def _iter_zip(path: Path) -> Iterator[RawFile | ReadError]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield ReadError(path.name, f"not a readable zip archive: {exc}")
        return
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            location = f"{path.name}/{info.filename}"
            if info.file_size > MAX_FILE_BYTES:
                yield ReadError(
                    location, f"too large for a mirror article ({info.file_size} bytes)"
                )
                continue
            try:
                yield RawFile(location, info.filename, zf.read(info))
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield ReadError(location, f"damaged zip member: {exc}")

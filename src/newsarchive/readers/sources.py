"""Walking inputs: plain files, folders and .tar.xz / .tar.gz / .zip archives.

Archives are streamed member by member (``tarfile`` stream mode over a decompressing
file object), never unpacked to disk and never held whole in memory: every read asks a
decompressor for at most `_READ_CHUNK` bytes, and no file bigger than `MAX_FILE_BYTES`
is kept, whatever its headers declare. A member that cannot be read (encrypted, an
unsupported method, corrupt data) is one `ReadError` naming it; the rest of the
archive is read on. Member names are kept exactly as stored, newlines included,
because they are part of a capture's location.

Locations are rooted at the name the user gave (the archive's or folder's file name, not
the machine's absolute path) so the same import run from another directory or machine
names the same captures, and re-running an import finds them again.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from newsarchive.readers.errors import ReadError

# Files bigger than this are not mirror articles (the largest in the corpus is 1.2 MB).
# The limit also bounds a parsing worker: parsing and indexing an article costs ~40
# times its size (a 4 MB post peaked at 280 MB, a 15 MB one at 700 MB).
MAX_FILE_BYTES = 4 * 1024 * 1024
# Read in pieces of this size, so that no decompressor is ever asked for more than this
# at once (a zip member's declared size may be a lie; its data is only checked by
# reading it).
_READ_CHUNK = 1024 * 1024

_TAR_SUFFIXES = (".tar", ".tar.xz", ".txz", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2")
# The zip compression methods whose inflation zipfile bounds by the size asked for;
# zipfile's bzip2 (and lzma) decompressors take whole compressed blocks, and a 4 KB
# bzip2 block may inflate to gigabytes.
_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_ZIP_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma", 9: "deflate64"}
# What reading a damaged, encrypted or unsupported member raises: zipfile's own errors,
# RuntimeError (a password is required), NotImplementedError (a method or feature
# zipfile lacks), and the decompressors' errors.
_MEMBER_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
    lzma.LZMAError,
    OSError,
    EOFError,
    ValueError,
)


@dataclass(frozen=True, slots=True)
class RawFile:
    """The bytes of one input file and where they came from."""

    location: str  # what captures and errors record
    member: str  # the path inside the archive or folder (format hints live in it)
    data: bytes


class _TooLarge(Exception):
    """A file turned out bigger than `MAX_FILE_BYTES` while being read."""


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
        yield _read_plain(path, path.name, path.name)


def _too_large(location: str, size: int | None = None) -> ReadError:
    what = f"{size} bytes" if size is not None else f"more than {MAX_FILE_BYTES} bytes"
    return ReadError(location, f"too large for a mirror article ({what})")


def _read_capped(fh: IO[bytes]) -> bytes:
    """All of `fh`, piece by piece, refusing more than `MAX_FILE_BYTES`."""
    pieces: list[bytes] = []
    size = 0
    while piece := fh.read(min(_READ_CHUNK, MAX_FILE_BYTES + 1 - size)):
        pieces.append(piece)
        size += len(piece)
        if size > MAX_FILE_BYTES:
            raise _TooLarge
    return b"".join(pieces)


def _read_plain(path: Path, location: str, member: str) -> RawFile | ReadError:
    try:
        info = path.stat()
        # A FIFO or a device (a link to /dev/zero) may never end: only regular files.
        if not stat.S_ISREG(info.st_mode):
            return ReadError(location, "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            return _too_large(location, info.st_size)
        with path.open("rb") as fh:
            return RawFile(location, member, _read_capped(fh))  # it may have grown
    except _TooLarge:
        return _too_large(location)
    except OSError as exc:
        return ReadError(location, f"cannot read: {exc.strerror or exc}")


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
                yield _read_plain(full, f"{root.name}/{rel}", rel)


def _decompressed(path: Path) -> io.BufferedIOBase:
    """The tar stream inside `path`, decompressed as it is read. The gzip, bz2 and lzma
    file objects inflate no more than they are asked for; tarfile's own stream mode
    (``r|*``) inflates each 10 KB block whole, which a bzip2 block can make gigabytes."""
    with path.open("rb") as fh:
        magic = fh.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.open(path, "rb")
    if magic.startswith(b"BZh"):
        return bz2.open(path, "rb")
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.open(path, "rb")
    return path.open("rb")


def _iter_tar(path: Path) -> Iterator[RawFile | ReadError]:
    try:
        stream = _decompressed(path)
    except OSError as exc:
        yield ReadError(path.name, f"cannot read: {exc.strerror or exc}")
        return
    with stream:
        try:
            tar = tarfile.open(fileobj=stream, mode="r|")  # noqa: SIM115 (closed below)
        except _MEMBER_ERRORS as exc:
            yield ReadError(path.name, f"not a readable tar archive: {_describe(exc)}")
            return
        with tar:
            try:
                for member in tar:
                    # tarfile keeps every member's header for random access, which a
                    # stream has none of: millions of empty members would fill memory.
                    # (`members` is missing from the type stubs.)
                    tar.members.clear()  # type: ignore[attr-defined]
                    if not member.isfile():
                        continue
                    location = f"{path.name}/{member.name}"
                    if member.size > MAX_FILE_BYTES:
                        yield _too_large(location, member.size)
                        continue
                    fh = tar.extractfile(member)
                    if fh is not None:  # exactly member.size bytes, checked above
                        yield RawFile(location, member.name, fh.read())
            except _MEMBER_ERRORS as exc:
                # A damaged or truncated archive: keep what was read, report the rest.
                yield ReadError(path.name, f"archive damaged or truncated: {_describe(exc)}")


def _iter_zip(path: Path) -> Iterator[RawFile | ReadError]:
    try:
        zf = zipfile.ZipFile(path)
    except _MEMBER_ERRORS as exc:
        yield ReadError(path.name, f"not a readable zip archive: {_describe(exc)}")
        return
    with zf:
        for info in zf.infolist():
            if not info.is_dir():
                yield _read_zip_member(zf, info, f"{path.name}/{info.filename}")


def _read_zip_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, location: str
) -> RawFile | ReadError:
    """One member, or one error naming it: a bad member never stops the archive."""
    name = info.filename
    if info.flag_bits & 0x1:
        return ReadError(location, f"zip member {name!r} is encrypted (a password is required)")
    if info.compress_type not in _ZIP_METHODS:
        method = info.compress_type
        label = f"{method} ({_ZIP_METHOD_NAMES[method]})" if method in _ZIP_METHOD_NAMES else method
        return ReadError(
            location,
            f"zip member {name!r}: compression method {label} is not supported"
            " (only stored and deflate)",
        )
    if info.file_size > MAX_FILE_BYTES:
        return _too_large(location, info.file_size)
    try:
        with zf.open(info) as fh:
            # zipfile stops at the declared size and then checks the CRC, so a member
            # that inflates past what it declares is read no further than that.
            return RawFile(location, name, _read_capped(fh))
    except _TooLarge:
        return _too_large(location)
    except _MEMBER_ERRORS as exc:
        return ReadError(location, f"damaged zip member {name!r}: {_describe(exc)}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, zlib.error | lzma.LZMAError):
        return f"corrupt compressed data ({exc})"
    return str(exc) or type(exc).__name__

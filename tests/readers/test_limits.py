"""Hostile archives (issue #19, F3 and F4): memory bounded whatever the input, and a
member that cannot be read is one error, never the end of the import."""

from __future__ import annotations

import gzip
import io
import os
import struct
import tarfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from typer.testing import CliRunner

from newsarchive.cli import app
from newsarchive.components import open_archive
from newsarchive.ingest import BATCH_BYTES, import_paths
from newsarchive.readers import ReadError, read_path
from newsarchive.readers.sources import MAX_FILE_BYTES, RawFile, iter_files

from .helpers import SEEDS

MiB = 1024 * 1024
SEED = sorted(SEEDS.iterdir())[0]
_T = TypeVar("_T")


def peak_traced(run: Callable[[], _T]) -> tuple[_T, int]:
    """What `run` returns, and the most memory Python objects held meanwhile (bytes
    objects included: every inflated piece of a member is one)."""
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class _Zeros(io.RawIOBase):
    """`size` zero bytes, made as they are read."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def _patch_zip_member(path: Path, name: str, **fields: int) -> None:
    """Rewrite header fields of one member in place, in its local header and in the
    central directory: `flags`, `method`, `crc`, `size` (uncompressed)."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(name).header_offset

    def name_at(central: int) -> bytes:
        length = struct.unpack_from("<H", raw, central + 28)[0]
        return bytes(raw[central + 46 : central + 46 + length])

    central = raw.index(b"PK\x01\x02")
    while name_at(central) != name.encode():
        central = raw.index(b"PK\x01\x02", central + 1)
    offsets = {"flags": (6, 8, "<H"), "method": (8, 10, "<H"), "crc": (14, 16, "<I")}
    offsets["size"] = (22, 24, "<I")
    for field, value in fields.items():
        in_local, in_central, fmt = offsets[field]
        struct.pack_into(fmt, raw, local + in_local, value)
        struct.pack_into(fmt, raw, central + in_central, value)
    path.write_bytes(bytes(raw))


# -- F3: memory bounded per read, per file and per import -----------------------------


def test_zip_member_that_lies_about_its_size_is_not_inflated_whole(tmp_path: Path) -> None:
    # 64 MiB of zeros (64 KB deflated) whose headers say 100 bytes, with the CRC of
    # those 100 bytes: zipfile.read() used to inflate all 64 MiB before cutting.
    path = tmp_path / "lie.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("lie.md", "w") as fh:
        for _ in range(64):
            fh.write(bytes(MiB))
    _patch_zip_member(path, "lie.md", crc=zlib.crc32(bytes(100)), size=100)
    items, peak = peak_traced(lambda: list(iter_files(path)))
    assert [(i.location, len(i.data)) for i in items if isinstance(i, RawFile)] == [
        ("lie.zip/lie.md", 100)
    ]
    assert peak < 8 * MiB, f"{peak / MiB:.0f} MiB held to read 100 bytes"


def test_tar_bz2_is_inflated_piece_by_piece(tmp_path: Path) -> None:
    # A 32 MiB member of zeros is ~100 bytes of bzip2: tarfile's own stream mode
    # inflated it in one call while skipping it.
    path = tmp_path / "bomb.tar.bz2"
    with tarfile.open(path, "w:bz2") as tar:
        big = tarfile.TarInfo("big.md")
        big.size = 32 * MiB
        tar.addfile(big, io.BufferedReader(_Zeros(big.size)))
        seed = tarfile.TarInfo("seed.md")
        seed.size = len(SEED.read_bytes())
        tar.addfile(seed, io.BytesIO(SEED.read_bytes()))
    items, peak = peak_traced(lambda: list(iter_files(path)))
    assert [i.location for i in items] == ["bomb.tar.bz2/big.md", "bomb.tar.bz2/seed.md"]
    assert isinstance(items[0], ReadError) and "too large" in items[0].reason
    assert isinstance(items[1], RawFile) and items[1].data == SEED.read_bytes()
    assert peak < 8 * MiB, f"{peak / MiB:.0f} MiB held to skip a member"


def test_tar_of_many_tiny_members_is_read_in_constant_memory(tmp_path: Path) -> None:
    # tarfile keeps every header it reads (~450 bytes each): 200,000 empty members
    # (a 300 KB .tar.xz) held 91 MiB; millions would hold gigabytes. 10,000 held 5.6.
    path = tmp_path / "many.tar.gz"
    with gzip.open(path, "wb", compresslevel=1) as tar:
        for i in range(10_000):
            tar.write(tarfile.TarInfo(f"m/{i}.md").tobuf())  # a header, no data
        tar.write(bytes(1024))  # the end-of-archive marker
    count, peak = peak_traced(lambda: sum(1 for _ in iter_files(path)))
    assert count == 10_000
    assert peak < 2.5 * MiB, f"{peak / MiB:.1f} MiB held to list 10,000 members"


def test_files_over_the_limit_are_refused_in_every_container(tmp_path: Path) -> None:
    big = b"a" * (MAX_FILE_BYTES + 1)
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "big.md").write_bytes(big)
    with zipfile.ZipFile(tmp_path / "a.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.md", big)
    with tarfile.open(tmp_path / "a.tar.xz", "w:xz") as tar:
        info = tarfile.TarInfo("big.md")
        info.size = len(big)
        tar.addfile(info, io.BytesIO(big))
    for path in (tmp_path / "folder", tmp_path / "a.zip", tmp_path / "a.tar.xz"):
        (item,) = iter_files(path)
        assert isinstance(item, ReadError) and "too large" in item.reason, path


def test_a_fifo_in_a_folder_is_an_error_not_a_hang(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "a.md").write_bytes(SEED.read_bytes())
    fifo = folder / "b.md"
    try:
        os.mkfifo(fifo)
    except (AttributeError, OSError):
        pytest.skip("no FIFOs here")
    results = list(iter_files(folder))
    assert isinstance(results[0], RawFile)
    assert isinstance(results[1], ReadError) and results[1].reason == "not a regular file"


def _text_tar(path: Path, count: int, size: int) -> Path:
    """`count` members of `size` bytes of text that is no mirror format."""
    line = b"this is not an article, only text\n"
    data = (line * (size // len(line) + 1))[:size]
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for i in range(count):
            info = tarfile.TarInfo(f"m/{i:03}.md")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_import_holds_a_bounded_number_of_bytes(tmp_path: Path, workers: int) -> None:
    # 96 files of 1 MiB: batches of 500 files held them all (and the reader queued
    # 1,000 files ahead). Now at most five batches of BATCH_BYTES exist at once, plus
    # the copies sent to the workers (measured: 16 MiB serial, 26 MiB with workers,
    # against 102 and 203 MiB before).
    count = 24 * BATCH_BYTES // MiB
    tarball = _text_tar(tmp_path / "big.tar.gz", count, MiB)
    archive = open_archive(tmp_path / "a.db", hooks=[])
    try:
        summary, peak = peak_traced(lambda: import_paths(archive, [tarball], workers=workers))
        errors = archive.errors()
    finally:
        archive.close()
    assert (summary.files, summary.errors) == (count, count)
    assert [e["location"] for e in errors] == [f"big.tar.gz/m/{i:03}.md" for i in range(count)]
    assert peak < 10 * BATCH_BYTES, f"{peak / MiB:.0f} MiB held for {count} MiB of input"


def test_batches_cut_by_bytes_store_everything_in_order(tmp_path: Path) -> None:
    seeds = sorted(SEEDS.iterdir())
    folder = tmp_path / "mixed"
    folder.mkdir()
    for i, seed in enumerate(seeds):
        (folder / f"{i}-seed.md").write_bytes(seed.read_bytes())
        (folder / f"{i}-text.md").write_bytes(b"not an article\n" * 20_000)
    stored: list[str] = []
    archive = open_archive(tmp_path / "a.db", hooks=[])
    try:
        # 300 KB of text after every seed: each batch holds one or two files.
        summary = import_paths(
            archive, [folder], workers=2, batch_bytes=400_000, on_file=stored.append
        )
    finally:
        archive.close()
    assert (summary.files, summary.articles, summary.errors) == (10, 5, 5)
    assert stored == [f"mixed/{i}-{kind}.md" for i in range(5) for kind in ("seed", "text")]


# -- F4: an unreadable member is one error; the import goes on --------------------------


def _zip_with_bad_members(path: Path) -> Path:
    """The seed, then members that are encrypted, use an unknown method, hold corrupt
    deflate data or use bzip2, then the seed again under another name."""
    text = b"hello world, " * 200
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/seed.md", SEED.read_bytes())
        zf.writestr("a/encrypted.md", text)
        zf.writestr("a/method99.md", text)
        zf.writestr("a/corrupt.md", text)
        zf.writestr("a/bzip2.md", text, compress_type=zipfile.ZIP_BZIP2)
        zf.writestr("a/seed-again.md", SEED.read_bytes())
    _patch_zip_member(path, "a/encrypted.md", flags=0x1)
    _patch_zip_member(path, "a/method99.md", method=99)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("a/corrupt.md")
    data_start = info.header_offset + 30 + len(info.filename)
    raw[data_start : data_start + 4] = b"\xff\xff\xff\xff"  # an invalid deflate block
    path.write_bytes(bytes(raw))
    return path


BAD_MEMBERS = {
    "a/encrypted.md": "is encrypted (a password is required)",
    "a/method99.md": "compression method 99 is not supported",
    "a/corrupt.md": "corrupt compressed data",
    "a/bzip2.md": "compression method 12 (bzip2) is not supported",
}


def test_unreadable_zip_members_are_errors_naming_them(tmp_path: Path) -> None:
    path = _zip_with_bad_members(tmp_path / "bad.zip")
    results = list(read_path(path))
    assert len(results) == 6
    errors = {r.location: r.reason for r in results if isinstance(r, ReadError)}
    assert set(errors) == {f"bad.zip/{name}" for name in BAD_MEMBERS}
    for name, why in BAD_MEMBERS.items():
        reason = errors[f"bad.zip/{name}"]
        assert why in reason and repr(name) in reason, reason
    assert [r[1].location for r in results if not isinstance(r, ReadError)] == [
        "bad.zip/a/seed.md",
        "bad.zip/a/seed-again.md",
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_import_of_unreadable_members_goes_on_and_reruns(tmp_path: Path, workers: int) -> None:
    path = _zip_with_bad_members(tmp_path / "bad.zip")
    archive = open_archive(tmp_path / "a.db", hooks=[])
    try:
        first = import_paths(archive, [path], workers=workers)
        again = import_paths(archive, [path], workers=workers)
        errors = {e["location"]: e["reason"] for e in archive.errors()}
    finally:
        archive.close()
    assert (first.files, first.articles, first.unchanged, first.errors) == (6, 1, 1, 4)
    assert (again.files, again.articles, again.errors) == (6, 0, 4)
    assert set(errors) == {f"bad.zip/{name}" for name in BAD_MEMBERS}


def test_cli_import_of_an_encrypted_zip_fails_cleanly(tmp_path: Path) -> None:
    # The reproduction: `zip -P pw enc.zip a.md && newsarchive import enc.zip`.
    # No traceback; since issue #20 an import that stored nothing and had errors exits 1.
    path = tmp_path / "enc.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.md", "x\n")
    _patch_zip_member(path, "a.md", flags=0x1)
    db = str(tmp_path / "x.db")
    runner = CliRunner()
    for _ in range(2):  # a re-run must not fail either
        result = runner.invoke(app, ["import", "--db", db, "--json", "--workers", "1", str(path)])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert '"errors": 1' in result.stdout
        assert "nothing imported" in result.stderr

"""Inputs: folders and archives streamed without unpacking, and bad files."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from newsarchive.readers import ReadError, read_path

from .helpers import SEEDS, read_error, read_one

SEED_NAMES = sorted(p.name for p in SEEDS.iterdir())


def _tar(path: Path, members: dict[str, bytes], mode: str) -> Path:
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _seed_members(prefix: str) -> dict[str, bytes]:
    return {f"{prefix}/{n}": (SEEDS / n).read_bytes() for n in SEED_NAMES}


@pytest.mark.parametrize(("suffix", "mode"), [(".tar.xz", "w:xz"), (".tar.gz", "w:gz")])
def test_tarballs_streamed_with_member_locations(tmp_path: Path, suffix: str, mode: str) -> None:
    members = _seed_members("mirror")
    # A member name with a newline, as in the real Jekyll tarball.
    members["mirror/2020-07-30-美四大科技巨头\n.md"] = (SEEDS / SEED_NAMES[0]).read_bytes()
    archive = _tar(tmp_path / f"m{suffix}", members, mode)
    results = list(read_path(archive))
    assert [r[1].location for r in results if not isinstance(r, ReadError)] == [
        f"m{suffix}/{name}" for name in members
    ]
    assert {r[1].format for r in results if not isinstance(r, ReadError)} == {
        "jekyll",
        "feedx",
        "gfw-breaker",
    }


def test_zip_and_folder(tmp_path: Path) -> None:
    zpath = tmp_path / "m.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for name, data in _seed_members("x").items():
            zf.writestr(name, data)
    assert [r[1].location for r in read_path(zpath) if not isinstance(r, ReadError)] == [
        f"m.zip/x/{n}" for n in SEED_NAMES
    ]
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "sub").mkdir()
    for n in SEED_NAMES:
        (folder / "sub" / n).write_bytes((SEEDS / n).read_bytes())
    assert [r[1].location for r in read_path(folder) if not isinstance(r, ReadError)] == [
        f"seeds/sub/{n}" for n in SEED_NAMES
    ]


def test_truncated_tarball_reports_and_keeps_what_was_read(tmp_path: Path) -> None:
    whole = _tar(tmp_path / "whole.tar.gz", _seed_members("m"), "w:gz").read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    results = list(read_path(cut))
    assert isinstance(results[-1], ReadError)
    assert "damaged or truncated" in results[-1].reason
    assert any(not isinstance(r, ReadError) for r in results)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


SEED = (SEEDS / "000_0e76638f8906f1b6.txt").read_bytes()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (bytes(range(256)) * 8, "binary data"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "binary data"),
        (SEED[: SEED.index("大纪元".encode()) + 2], "truncated"),
        (SEED[:120], "truncated: the front matter is never closed"),
        (b"Just some notes.\nNothing to see here.\n", "unrecognised format"),
        (b"\xff\xfe\x00\xd8a\x00", "not utf-16"),
    ],
)
def test_bad_files_become_errors_with_reasons(tmp_path: Path, data: bytes, reason: str) -> None:
    err = read_error(_write(tmp_path, "bad.md", data))
    assert err.location == "bad.md"
    assert reason.lower() in err.reason.lower()


def test_utf8_bom_and_mixed_line_endings_are_read(tmp_path: Path) -> None:
    mixed = SEED.replace(b"\n", b"\r\n", 5).replace(b"\n\n", b"\r\r", 1)
    draft, _ = read_one(_write(tmp_path, "bom.md", b"\xef\xbb\xbf" + mixed))
    reference, _ = read_one(SEEDS / "000_0e76638f8906f1b6.txt")
    assert draft.title == reference.title
    assert draft.text == reference.text
    assert draft.published == reference.published


def test_gbk_encoded_file_is_decoded(tmp_path: Path) -> None:
    text = SEED.decode("utf-8")
    draft, capture = read_one(_write(tmp_path, "gbk.md", text.encode("gb18030")))
    reference, _ = read_one(SEEDS / "000_0e76638f8906f1b6.txt")
    assert draft.title == reference.title and draft.text == reference.text
    assert capture.raw == text.encode("gb18030")  # the raw bytes are kept as they came


def test_big5_encoded_file_is_decoded(tmp_path: Path) -> None:
    text = (
        '---\nlayout: post\ntitle: "中國晶片產業發展受阻"\ndate: 2021-03-01T14:44:57.000Z\n'
        "author: 自由亞洲電台\nfrom: https://www.rfa.org/cantonese/news/chip-03012021.html\n"
        "tags: [ 自由亞洲電台 ]\ncategories: [ 自由亞洲電台 ]\n---\n<!--1614609897000-->\n"
        "[中國晶片產業發展受阻](https://www.rfa.org/cantonese/news/chip-03012021.html)\n------\n\n"
        "<div><p>美國對中國實施晶片出口管制，中國半導體產業面臨嚴峻挑戰。專家認為，"
        "自主研發仍需多年時間。</p></div>\n"
    )
    draft, _ = read_one(_write(tmp_path, "big5.md", text.encode("big5")))
    assert draft.title == "中國晶片產業發展受阻"
    assert draft.outlet == "自由亚洲电台"
    assert draft.text.startswith("美國對中國實施晶片出口管制")


def test_missing_path(tmp_path: Path) -> None:
    results = list(read_path(tmp_path / "nope.tar.xz"))
    assert len(results) == 1 and isinstance(results[0], ReadError)
    assert "no such file" in results[0].reason


def test_stray_control_characters_are_dropped(tmp_path: Path) -> None:
    data = SEED.replace("美欲遏止".encode(), "美欲\x01遏止".encode()).replace(
        "工信部部长".encode(), "工信部\x0b部长".encode()
    )
    draft, _ = read_one(_write(tmp_path, "ctl.md", data))
    assert draft.title == "中共十四五芯片计划求国际合作 美欲遏止"
    assert "工信部部长肖亚庆" in draft.text

"""Fuzzing the mirror readers: whatever bytes a file holds, `parse_file` gives an article
or a `ReadError` with a reason, never an exception, and never more than READER_MB of
memory for one file; an article's HTML holds nothing that could run script.

The contract is `newsarchive.readers.parse_file`'s docstring ("never raises for bad
input"): an import of thousands of files must not stop at one strange file.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.model import Capture, Draft
from newsarchive.readers import RawFile, ReadError, parse_file, read_path
from tests.readers.helpers import DATA, SEEDS

from .fuzzkit import (
    active_content,
    encoded,
    examples,
    markup,
    memory_below,
    mutated,
    nested,
    prose,
    urls,
)

# What one file may cost (Python heap, and peak RSS above the start). The largest real
# mirror file is ~300 KB; the inputs here are at most a few hundred KB.
READER_MB = 32

REAL_FILES = [p.read_bytes() for p in sorted(SEEDS.iterdir())] + [
    p.read_bytes() for p in sorted(DATA.glob("*.md")) if p.stat().st_size < 40_000
]


def check_reader(data: bytes, member: str = "articles/自由亚洲电台/1.md") -> None:
    raw = RawFile(f"fuzz/{member}", member, data)
    with memory_below(READER_MB, lambda: f"parse_file({data[:200]!r}...)"):
        result = parse_file(raw)
    if isinstance(result, ReadError):
        assert result.reason.strip(), "a ReadError must say why"
        assert result.location == raw.location
        return
    draft, capture = result
    assert isinstance(draft, Draft) and isinstance(capture, Capture)
    assert capture.raw == data
    assert isinstance(draft.title, str) and isinstance(draft.text, str)
    assert draft.url is None or isinstance(draft.url, str)
    assert active_content(draft.html) == []


# -- generated mirror files --------------------------------------------------------------


def _front_matter_value() -> st.SearchStrategy[str]:
    return st.one_of(
        prose(6),
        prose(6).map(lambda s: '"' + s.replace('"', '\\"') + '"'),
        st.just('"'),
        st.just('"unclosed \\" quote'),
        st.just("[ a, b, 'c' ]"),
        st.just("2021-03-01T14:44:57.000Z"),
        st.just("9999-99-99"),
        urls(),
    )


def jekyll_posts() -> st.SearchStrategy[str]:
    field = st.tuples(
        st.sampled_from(
            ["layout", "title", "date", "author", "from", "tags", "categories", "x-y", "Title"]
        ),
        _front_matter_value(),
    )
    return st.builds(
        lambda fields, epoch, title, url, body, closed: (
            "---\nlayout: post\n"
            + "".join(f"{k}: {v}\n" for k, v in fields)
            + ("---\n" if closed else "")
            + (f"<!--{epoch}-->\n" if epoch is not None else "")
            + f"[{title}]({url})\n------\n\n{body}\n"
        ),
        st.lists(field, max_size=8),
        st.one_of(st.none(), st.integers(0, 10**15)),
        prose(6),
        urls(),
        st.one_of(markup(), nested(40), st.just("<article><header>x</header>y</article>")),
        st.booleans(),
    )


def feed_items() -> st.SearchStrategy[str]:
    return st.builds(
        lambda epoch, title, url, date_line, body: (
            (f"<!--{epoch}-->\n" if epoch is not None else "")
            + f"[{title}]({url})\n------\n"
            + (f"日期：{date_line}\n" if date_line is not None else "")
            + f"\n{body}\n"
        ),
        st.one_of(st.none(), st.integers(0, 10**15)),
        prose(6),
        st.one_of(urls(), st.just("https://www.voachinese.com/a/x/6427409.html")),
        st.one_of(st.none(), prose(4), st.just("Fri, 26 Jun 2020 08:00:00 GMT")),
        st.one_of(markup(), nested(40)),
    )


def gfw_pages() -> st.SearchStrategy[str]:
    return st.builds(
        lambda title, menu, body, share, url: (
            f"### {title}\n------------------------\n\n"
            + ("#### [首页](../../README.md) | [p5](x.md)\n\n" if menu else "")
            + f"{body}\n"
            + ("<hr/>\n手机上长按并复制下列链接或二维码分享本文章：<br/>\n" if share else "")
            + f"原文地址（需翻墙访问）：{url}\n"
            + "------------------------\n#### [首页](../../README.md)\n"
            + "<img src='https://x/y.png' width='0px' height='0px'/>\n"
        ),
        prose(6),
        st.booleans(),
        st.one_of(markup(), nested(40)),
        st.booleans(),
        urls(),
    )


def mirror_texts() -> st.SearchStrategy[str]:
    return st.one_of(jekyll_posts(), feed_items(), gfw_pages())


# -- the properties ------------------------------------------------------------------------


def test_fuzz_readers_generated_mirror_files_give_an_article_or_a_reason() -> None:
    @examples(150)
    @given(data=encoded(mirror_texts()), member=st.sampled_from(["articles/美国之音/1.md", "x"]))
    def run(data: bytes, member: str) -> None:
        check_reader(data, member)

    run()


def test_fuzz_readers_mutated_real_files_give_an_article_or_a_reason() -> None:
    @examples(150)
    @given(data=mutated(REAL_FILES))
    def run(data: bytes) -> None:
        check_reader(data)

    run()


def test_fuzz_readers_arbitrary_bytes_give_an_article_or_a_reason() -> None:
    @examples(100)
    @given(data=st.binary(max_size=2000))
    def run(data: bytes) -> None:
        check_reader(data)

    run()


# -- archives ----------------------------------------------------------------------------


def _tarball(compression: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=f"w:{compression}") as tar:
        for i, data in enumerate(REAL_FILES[:6]):
            info = tarfile.TarInfo(f"mirror/articles/美国之音/{i}.md")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip(compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for i, data in enumerate(REAL_FILES[:6]):
            zf.writestr(f"articles/美国之音/{i}.md", data)
    return buf.getvalue()


def check_archive(data: bytes, suffix: str, folder: Path) -> None:
    path = folder / f"mirror{suffix}"
    path.write_bytes(data)
    with memory_below(READER_MB, lambda: f"read_path({suffix}: {data[:100]!r}...)"):
        for result in read_path(path):
            if isinstance(result, ReadError):
                assert result.reason.strip() and result.location.startswith(path.name)
            else:
                assert isinstance(result[0], Draft) and isinstance(result[1], Capture)


def test_fuzz_readers_damaged_tar_archives_give_articles_and_reasons() -> None:
    archives = {".tar.gz": _tarball("gz"), ".tar.xz": _tarball("xz")}
    with tempfile.TemporaryDirectory() as tmp:

        @examples(60)
        @given(suffix=st.sampled_from(sorted(archives)), data=st.data())
        def run(suffix: str, data: st.DataObject) -> None:
            check_archive(data.draw(mutated([archives[suffix]])), suffix, Path(tmp))

        run()


def test_fuzz_readers_damaged_zip_archives_give_articles_and_reasons() -> None:
    """Truncated, or with bytes changed anywhere (member data, names, directory)."""
    archive = _zip()
    with tempfile.TemporaryDirectory() as tmp:

        @examples(60)
        @given(data=st.data())
        def run(data: st.DataObject) -> None:
            check_archive(data.draw(mutated([archive])), ".zip", Path(tmp))

        run()


def _zip_with_garbage_member() -> bytes:
    data = bytearray(_zip())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode())
    data[start : start + info.compress_size] = b"\xff" * info.compress_size
    return bytes(data)


def _zip_with_undecodable_name() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("é.md", REAL_FILES[0])  # stored with the UTF-8 name flag
    return buf.getvalue().replace("é".encode(), b"\xff\xff")


@pytest.mark.parametrize(
    "build", [_zip_with_garbage_member, _zip_with_undecodable_name], ids=["zlib", "name"]
)
def test_known_zip_crashes(build: Callable[[], bytes], tmp_path: Path) -> None:
    """Each once raised out of the reader (zlib.error, UnicodeDecodeError); now each
    member gives an article or a reason."""
    check_archive(build(), ".zip", tmp_path)

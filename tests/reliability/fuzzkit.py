"""What the fuzz tests share: hostile-input strategies and the memory bounds they check.

Two kinds of input find different bugs. *Generated* documents (markup trees, feeds,
front matter) reach deep into a parser because they are nearly valid; *mutated* real
files (bytes flipped, cut, spliced, repeated) find what a parser assumes about a
well-formed file. Both are built from a few hostile atoms: unclosed and unknown tags,
control characters and lone surrogates as entities, `javascript:` links, CJK text in
several encodings.
"""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lxml.html
from hypothesis import settings
from hypothesis import strategies as st

# `NEWSARCHIVE_FUZZ=deep` (see conftest.py) multiplies every test's example count.
DEPTH = 20 if os.environ.get("NEWSARCHIVE_FUZZ") == "deep" else 1


def examples(n: int) -> settings:
    """`n` examples in the normal suite, twenty times more when hunting."""
    return settings(max_examples=n * DEPTH)


# -- memory ------------------------------------------------------------------------------

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _reset_rss_peak() -> bool:
    """Linux resets a process's peak RSS (VmHWM) to its current RSS when "5" is written
    to clear_refs: the peak of one call can then be read without forking."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


@contextmanager
def memory_below(limit_mb: float, what: Callable[[], str]) -> Iterator[None]:
    """Fails if what runs inside costs more than `limit_mb` at any moment.

    Two measures, because neither sees everything: tracemalloc counts every Python
    object (a parser's copies of a document) exactly, but not C libraries' own buffers
    (libxml2's trees); the peak RSS sees those, but not memory an earlier call freed and
    the allocator kept (reused without touching new pages). Peak RSS is a process-wide
    high-water mark, hence the reset (Linux; elsewhere only the heap is checked)."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    heap_base = tracemalloc.get_traced_memory()[0]
    rss_known = _reset_rss_peak()
    rss_base = _status_kib("VmRSS") if rss_known else 0
    try:
        yield
    finally:
        heap = (tracemalloc.get_traced_memory()[1] - heap_base) / 2**20
        rss = (_status_kib("VmHWM") - rss_base) / 1024 if rss_known else 0.0
        if started:
            tracemalloc.stop()
    assert heap <= limit_mb, f"{what()}: Python heap peaked {heap:.1f} MB above its start"
    assert rss <= limit_mb, f"{what()}: peak RSS rose {rss:.1f} MB"


# -- output checks -----------------------------------------------------------------------

_ACTIVE_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "base", "meta"}
_URL_ATTRS = {"href", "src", "action", "formaction", "background", "poster", "xlink:href"}
_INVISIBLE = dict.fromkeys([*range(0x21), 0x7F])


def active_content(html: str) -> list[str]:
    """What in sanitized HTML could run script: active elements, event handlers, and
    javascript:/vbscript:/data: URLs (browsers ignore whitespace and controls inside the
    scheme). Judged on the parsed tree: the same words as escaped text are harmless."""
    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.lower() in _ACTIVE_TAGS:
            found.append(f"<{el.tag}>")
        for name, value in el.attrib.items():
            scheme = value.translate(_INVISIBLE).lower()
            if name.lower().startswith("on"):
                found.append(f"{el.tag} {name}=")
            elif name.lower() in _URL_ATTRS and scheme.startswith(
                ("javascript:", "vbscript:", "data:")
            ):
                found.append(f"{el.tag} {name}={value!r}")
    return found


# -- text atoms ------------------------------------------------------------------------

CJK_WORDS = ["中国", "芯片", "習近平", "香港", "國安法", "新冠", "疫情", "记者", "審查", "台湾"]
LATIN_WORDS = ["the", "SMIC", "AI", "covid-19", "U.S.", "Huawei", "running", "lacaille"]
# What breaks naive text handling: controls, a BOM mid-text, bidi overrides, combining
# marks, astral characters, a lone surrogate spelled as an entity, NUL as an entity.
ODD_TEXT = [
    "\x00",
    "\x0b",
    "\x1f",
    "\ufeff",
    "\u202e",
    "\u0301",
    "😀",
    "𠀋",
    "\r",
    "\r\n",
    "\t",
    "&#0;",
    "&#xD800;",
    "&#99999999;",
    "&amp;",
    "&nbsp;",
    "&bogus;",
    "]]>",
    "<!--",
    "-->",
    "<![CDATA[",
    "</",
    "<",
    ">",
    '"',
    "'",
    "\\",
    "`",
]


def words() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(CJK_WORDS),
        st.sampled_from(LATIN_WORDS),
        st.sampled_from(ODD_TEXT),
        st.text(max_size=12),
    )


def prose(max_words: int = 40) -> st.SearchStrategy[str]:
    """Sentences of CJK and Latin words with odd characters mixed in."""
    return st.lists(words(), max_size=max_words).map(
        lambda ws: "".join(w if i % 3 else w + "，" for i, w in enumerate(ws))
    )


def urls() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "https://www.rfa.org/mandarin/yataibaodao/2021/story.html",
                "https://www.bbc.com/zhongwen/simp/world-56789",
                "http://127.0.0.1:1/x",
                "javascript:alert(1)",
                "JaVaScRiPt:alert(1)",
                "java&#x09;script:alert(1)",
                "data:text/html,<script>alert(1)</script>",
                "//evil.example/x",
                "mailto:a@b",
                "../../relative.html",
                "#frag",
                "",
                "http://[::1",
                "http://ex ample.com/ a b",
                "https://例子.中国/路径?查询=值",
                "http://" + "a" * 300 + ".com/",
            ]
        ),
        st.text(max_size=40),
    )


# -- markup ------------------------------------------------------------------------------

TAGS = [
    "p",
    "div",
    "span",
    "a",
    "img",
    "br",
    "h1",
    "h2",
    "h4",
    "article",
    "section",
    "header",
    "footer",
    "nav",
    "main",
    "table",
    "tr",
    "td",
    "ul",
    "li",
    "blockquote",
    "figure",
    "figcaption",
    "script",
    "style",
    "iframe",
    "svg",
    "math",
    "template",
    "noscript",
    "form",
    "input",
    "base",
    "meta",
    "title",
    "html",
    "body",
    "head",
    "x:custom",
    "font",
    "pre",
    "hr",
]
ATTRS = ["href", "src", "class", "id", "style", "onerror", "onload", "alt", "lang", "content"]
CLASS_NAMES = ["content", "article", "share", "comment", "related", "ad", "post-body", "caption"]


def _attr() -> st.SearchStrategy[str]:
    value = st.one_of(urls(), st.sampled_from(CLASS_NAMES), prose(3))
    return st.tuples(st.sampled_from(ATTRS), value, st.sampled_from(['"', "'", ""])).map(
        lambda t: f" {t[0]}={t[2]}{t[1]}{t[2]}"
    )


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda tag, attrs, inner, closed: (
            f"<{tag}{''.join(attrs)}>{''.join(inner)}" + (f"</{tag}>" if closed else "")
        ),
        st.sampled_from(TAGS),
        st.lists(_attr(), max_size=3),
        st.lists(children, max_size=4),
        st.booleans(),  # unclosed tags now and then
    )


def markup(max_leaves: int = 40) -> st.SearchStrategy[str]:
    """An HTML fragment: a random tree of tags (closed or not) around prose."""
    return st.recursive(prose(12), _element, max_leaves=max_leaves)


def nested(max_depth: int) -> st.SearchStrategy[str]:
    """A paragraph inside `depth` levels of one container tag."""
    return st.builds(
        lambda tag, depth, text: f"<{tag}>" * depth + f"<p>{text}</p>" + f"</{tag}>" * depth,
        st.sampled_from(["div", "section", "span", "blockquote", "table"]),
        st.integers(0, max_depth),
        prose(20),
    )


def html_page(body: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A whole page: head metadata (title, charset, dates, JSON-LD) and a body."""
    return st.builds(
        lambda title, charset, date, ld, content: (
            f"<!DOCTYPE html><html><head><meta charset='{charset}'><title>{title}</title>"
            f"<meta property='article:published_time' content='{date}'>"
            f"<script type='application/ld+json'>{ld}</script></head>"
            f"<body><h1>{title}</h1>{content}</body></html>"
        ),
        prose(8),
        st.sampled_from(["utf-8", "gbk", "big5", "utf-16", "x-unknown", ""]),
        st.one_of(st.sampled_from(["2021-03-04T05:06:07+08:00", "0000-00-00", ""]), prose(3)),
        st.one_of(st.just('{"@type":"NewsArticle","datePublished":"2021-01-01"}'), prose(5)),
        body,
    )


# -- bytes -------------------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "big5hkscs", "utf-16", "latin-1"]


def encoded(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """Text in one of the encodings mirror files and pages arrive in."""
    return st.builds(
        lambda t, codec: t.encode(codec, errors="replace"), text, st.sampled_from(ENCODINGS)
    )


SPLICES = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xe4\xb8",  # the first two bytes of a three-byte UTF-8 character
    b"\r",
    b"\n---\n",
    b"<div>" * 20,
    b"</div>",
    b"<",
    b'"',
    b"]]>",
    b"<!--",
    b"&#0;",
    b"\xa1\xa1",  # a full-width space in GBK
    "中文".encode(),
]


@st.composite
def mutated(draw: Callable[[st.SearchStrategy[Any]], Any], seeds: Sequence[bytes]) -> bytes:
    """A real file with a few byte-level edits: flips, cuts, inserts, repeats."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        n = len(data)
        op = draw(st.sampled_from(["flip", "delete", "insert", "repeat", "truncate"]))
        at = draw(st.integers(0, n))
        if op == "flip" and n:
            i = min(at, n - 1)
            data[i] ^= draw(st.integers(1, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(SPLICES), st.binary(max_size=16)))
        elif op == "repeat":
            piece = bytes(data[at : at + draw(st.integers(1, 200))])
            data[at:at] = piece * draw(st.integers(1, 20))
        else:
            del data[at:]
    return bytes(data)

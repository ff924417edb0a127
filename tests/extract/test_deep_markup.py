"""Deeply nested markup (issue #19, F5): read whole, or refused with the reason.

libxml2 stops at 256 levels of nesting and returns what it had read without raising:
300 unclosed <div> paragraphs kept 253 of them and lost the end of the article."""

from __future__ import annotations

import pytest

from newsarchive.extract import ExtractionError, extract_page, html_to_text
from newsarchive.readers import RawFile, ReadError, parse_file

FRONT_MATTER = (
    '---\nlayout: post\ntitle: "深层嵌套"\ndate: 2022-01-01T00:00:00Z\nauthor: 自由亚洲电台\n'
    "from: https://www.rfa.org/mandarin/deep.html\ntags: [ 自由亚洲电台 ]\n---\n"
    "<!--1644019142000-->\n[深层嵌套](https://www.rfa.org/mandarin/deep.html)\n------\n"
)


def unclosed_paragraphs(n: int) -> str:
    """`n` paragraphs, each in a <div> that is never closed, then the article's end."""
    return "".join(f"<div>第{i}段，这是正文的一段。" for i in range(n)) + "<p>全文完。THE END</p>"


def jekyll_post(body: str) -> RawFile:
    return RawFile("deep.md", "_posts/deep.md", (FRONT_MATTER + body).encode())


def page(body: str) -> bytes:
    return (
        "<html><head><title>深层嵌套</title></head><body><h1>深层嵌套</h1>"
        f"{body}</body></html>".encode()
    )


@pytest.mark.parametrize("depth", [300, 2000])
def test_mirror_file_nested_deep_is_read_whole(depth: int) -> None:
    result = parse_file(jekyll_post(unclosed_paragraphs(depth)))
    assert not isinstance(result, ReadError), result.reason
    draft, _ = result
    assert draft.text.count("这是正文的一段") == depth
    assert draft.text.endswith("THE END")


def test_mirror_file_nested_deeper_than_the_parser_follows_is_an_error() -> None:
    result = parse_file(jekyll_post(unclosed_paragraphs(3000)))
    assert isinstance(result, ReadError)
    assert "nested deeper than 2048 levels" in result.reason
    assert result.raw is not None  # recorded like any unreadable file


@pytest.mark.parametrize("depth", [300, 2000])
def test_page_nested_deep_is_extracted_whole(depth: int) -> None:
    draft = extract_page(page(unclosed_paragraphs(depth)), "https://www.rfa.org/mandarin/deep.html")
    assert draft.text.count("这是正文的一段") == depth
    assert draft.text.endswith("THE END")


def test_page_nested_deeper_than_the_parser_follows_is_an_error() -> None:
    with pytest.raises(ExtractionError, match="nested deeper than 2048 levels"):
        extract_page(page(unclosed_paragraphs(3000)), "https://www.rfa.org/mandarin/deep.html")


def test_html_to_text_reads_deep_markup_whole() -> None:
    # Twice Python's recursion limit: the walk keeps its own stack.
    html = "<div>" * 2000 + "<p>起</p>" + "<p>中</p>" * 3 + "</div>" * 2000 + "<p>止</p>"
    assert html_to_text(html) == "起\n中\n中\n中\n止"

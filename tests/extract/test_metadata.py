"""Metadata of fetched pages (issue #17 item 2): authors without reading times, `null`,
dates or repeats; titles without the site's name; dates with the source's offset."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest

from newsarchive.extract import extract_page
from newsarchive.extract.authors import clean_author, ld_json_authors
from newsarchive.extract.dates import parse_iso
from newsarchive.extract.metadata import author_from_text, find_author, find_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("安东尼 7 分钟", "安东尼"),  # RFI's byline with the reading time
        ("null 张筠青", "张筠青"),  # a template printed an empty field
        ("张筠青 null", "张筠青"),
        ("张筠青 张筠青", "张筠青"),  # the name twice (screen and screen reader)
        ("Jane Doe Jane Doe", "Jane Doe"),
        ("Jane Doe, Jane Doe", "Jane Doe"),
        ("张三、李四、张三", "张三, 李四"),
        ("Dakota Hebert July 3, 2025", "Dakota Hebert"),
        ("Team SimplyThrilledSeptember 4, 2025", "Team SimplyThrilled"),
        ("Jason 2024-05-01", "Jason"),  # "on" inside a name is not "on <date>"
        ("Posted By: Samuel Wade", "Samuel Wade"),
        ("Written by Brian Jenney", "Brian Jenney"),
        ("Recipe by PJ Hamel", "PJ Hamel"),
        ("Matteo Laratta| Author", "Matteo Laratta"),
        ("Cazzy MagennisLast Updated", "Cazzy Magennis"),
        ("5 min read", None),
        ("香港特約記者 麥燕庭", "麥燕庭"),
        ("作者：王五", "王五"),
        ("Read more about The Upwork Team", "The Upwork Team"),
        ("the", None),  # "by the …" in a sentence is not a byline
        ("Author", None),
        ("Name *", None),  # a comment form's label
        ("null", None),
        ("https://example.com/people/jane", None),
        ("", None),
        (None, None),
    ],
)
def test_clean_author(raw: str | None, expected: str | None) -> None:
    assert clean_author(raw) == expected


def _tree(head: str, body: str = "") -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


def test_json_ld_authors_as_objects_lists_and_graph_references() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": "https://x.test/#page"},
            {
                "@type": "NewsArticle",
                "author": [{"@id": "https://x.test/#/person/1"}, {"name": "Bo Li"}],
            },
            {"@type": "Person", "@id": "https://x.test/#/person/1", "name": "Ann Lee"},
        ],
    }
    root = _tree(f'<script type="application/ld+json">{json.dumps(graph)}</script>')
    assert ld_json_authors(root) == "Ann Lee, Bo Li"
    assert find_author(root, "") == "Ann Lee, Bo Li"


def test_byline_class_variants_are_read_and_cleaned() -> None:
    root = _tree("", '<div class="blog__authorname">By Michelle Lee · 5 min read</div>')
    assert find_author(root, "") == "Michelle Lee"


def test_a_sentence_with_by_gives_no_author() -> None:
    assert author_from_text("Costs are driven by the market and by leveraging data.") is None


def test_real_rfi_byline_loses_its_reading_time(shared: Path) -> None:
    page = shared / "corpus/web/html/rfi/cwced_0ef8393b_rfi_press_review.html"
    assert extract_page(page.read_bytes(), None).author == "安东尼"


@pytest.mark.parametrize(
    ("og", "site", "url", "expected"),
    [
        ("Best High School Tutors in 2025 | Bold.org", None, "https://bold.org/x", None),
        ("Leadfeeder | State of SEO in 2026", None, "https://www.leadfeeder.com/blog/x", None),
        ("Chips and export rules – Example News", "Example News", None, None),
        # A part that only mentions a word of the host is kept when it is long.
        ("Why bold ideas win in business and what to do about them", None, "https://bold.org/", 0),
    ],
)
def test_title_loses_the_site_named_by_og_site_name_or_host(
    og: str, site: str | None, url: str | None, expected: int | None
) -> None:
    head = f'<meta property="og:title" content="{og}">'
    if site:
        head += f'<meta property="og:site_name" content="{site}">'
    title = find_title(_tree(head + "<title>t</title>"), url)
    if expected == 0:
        assert title == og
    else:
        assert "Bold.org" not in title and "Leadfeeder" not in title
        assert "Example News" not in title
        assert len(title) > 15


@pytest.mark.parametrize(
    ("text", "offset_hours"),
    [
        ("2024-03-05T10:00:00+05:30", 5.5),
        ("2024-03-05T10:00:00+0530", 5.5),
        ("2024-03-05T10:00:00.123-05:00", -5),
        ("2024-03-05T10:00:00+08", 8),
        ("2024-03-05T10:00:00 GMT+0800", 8),
        ("Tue, 05 Mar 2024 10:00:00 +0100", 1),
        ("2024-03-05T10:00Z", 0),
    ],
)
def test_dates_keep_the_source_offset(text: str, offset_hours: float) -> None:
    value = parse_iso(text, "en")
    assert value is not None
    assert (value.hour, value.minute) == (10, 0)
    assert value.utcoffset() == timedelta(hours=offset_hours)


def test_zoneless_dates_take_the_page_language_zone_and_ranges_are_not_offsets() -> None:
    assert parse_iso("2024-03-05 10:00", "zh").utcoffset() == timedelta(hours=8)  # type: ignore[union-attr]
    value = parse_iso("2024-03-05 10:00-20:00", "en")
    assert value is not None and value.utcoffset() == timedelta(0) and value.hour == 10


def test_extracted_page_keeps_its_meta_offset() -> None:
    para = "<p>" + "The council met on Monday and agreed the budget, after a long debate. " * 4
    page = (
        '<html><head><meta property="article:published_time" content="2024-03-05T22:30:00-07:00">'
        f"<title>Budget</title></head><body><h1>Budget</h1>{para}</p></body></html>"
    )
    published = extract_page(page.encode()).published
    assert published is not None and published.isoformat() == "2024-03-05T22:30:00-07:00"


def test_site_suffix_learned_from_many_titles_of_one_site() -> None:
    from newsarchive.extract.titles import learn_site_affixes, strip_site_affixes

    titles = [
        "马克龙访问莫斯科 – 法国国际广播电台 - RFI",
        "台湾增加国防开支 – 法国国际广播电台 - RFI",
        "中国经济放缓 – 法国国际广播电台 - RFI",
        "乌克兰武器射程达700公里",
        "法国报纸摘要 - 马克龙星期一在莫斯科与普京会面",
    ]
    affixes = learn_site_affixes(titles)
    assert "法国国际广播电台 - RFI" in affixes
    cleaned = [strip_site_affixes(t, affixes) for t in titles]
    assert cleaned[:3] == ["马克龙访问莫斯科", "台湾增加国防开支", "中国经济放缓"]
    # Headlines without the shared part, or with a part of their own, stay whole.
    assert cleaned[3:] == titles[3:]
    # Two titles are not "many": nothing is learned from them.
    assert learn_site_affixes(titles[:2]) == frozenset()
    # A prefix shared by the titles goes too.
    prefixed = ["BBC | 标题一", "BBC | 标题二", "BBC | 标题三"]
    assert [strip_site_affixes(t, learn_site_affixes(prefixed)) for t in prefixed] == [
        "标题一",
        "标题二",
        "标题三",
    ]


_PROSE = "<p>" + "The council met on Monday and agreed the budget, after a long debate. " * 4


def _dated_page(head: str, header: str) -> bytes:
    return (
        f"<html><head>{head}<title>Budget</title></head><body><h1>Budget</h1>"
        f"<div class='flex gap-xs'><span>By Jane Doe</span><p>{header}</p></div>{_PROSE}</p>"
        "<ul><li>Other story, March 3, 2019</li></ul></body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("January 31, 2024", "2024-01-31"),
        ("Last updated: Nov. 13, 2025", "2025-11-13"),
        ("21 November 2018", "2018-11-21"),
        ("2023-04-26", "2023-04-26"),
    ],
)
def test_the_date_line_under_the_headline_dates_a_page_without_metadata(
    header: str, expected: str
) -> None:
    """wcxb-dev: 13 pages show their date only as a line beside the byline (htmldate's
    fast mode found none of them)."""
    published = extract_page(_dated_page("", header)).published
    assert published is not None and published.date().isoformat() == expected


def test_meta_dates_with_english_month_names_are_read() -> None:
    """A `<meta>` date comes before JSON-LD's (which held a first-published day that
    the page's own label and the wcxb truth do not give)."""
    head = (
        '<meta name="date" content="November 25, 2025">'
        '<script type="application/ld+json">{"datePublished": "2024-08-29"}</script>'
    )
    published = extract_page(_dated_page(head, "")).published
    assert published is not None and published.date().isoformat() == "2025-11-25"


def test_json_ld_dates_must_be_iso() -> None:
    """schema.org asks for ISO 8601: "Jun 24, 2025" there was a template filled with the
    CMS item's time, while readers saw (and the labels say) the date line's day."""
    head = '<script type="application/ld+json">{"datePublished": "Jun 24, 2025"}</script>'
    published = extract_page(_dated_page(head, "August 25, 2024")).published
    assert published is not None and published.date().isoformat() == "2024-08-25"

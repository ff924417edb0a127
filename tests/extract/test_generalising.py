"""Rules added for pages nobody tuned for (issue #17 item 1), each on a real wcxb-dev page
of the shape that failed (read from the shared corpus; skipped without it) and, where the
shape is small enough, in miniature. The F1 before each rule is in the comment."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsarchive.extract import extract_page
from newsarchive.extract.evaluate import f1, shingle_score

WCXB = "corpus/extraction/wcxb-dev"


def _wcxb_f1(shared: Path, key: str) -> float:
    root = shared / WCXB
    raw = gzip.decompress((root / f"html/{key}.html.gz").read_bytes())
    item = json.loads((root / f"ground-truth/{key}.json").read_text("utf-8"))
    text = extract_page(raw, item.get("url")).text
    return f1(shingle_score(item["ground_truth"]["main_content"], text))


@pytest.mark.parametrize(
    ("key", "minimum"),
    [
        # An unclosed header menu <button> swallowed the article; buttons were dropped
        # whole (0.00, 15 characters kept).
        ("0044", 0.9),
        # Squarespace text modules, one per section: only the first was kept (0.07).
        ("4610", 0.9),
        # A page builder's text modules (Divi), six levels apart (0.20).
        ("0128", 0.9),
        # A one-sentence box under the headline beside a 14,000-character body (0.00).
        ("0281", 0.9),
        # A display-hidden partner list was the first prose after the headline (0.00).
        ("4618", 0.9),
        # An author tooltip's bio was the first prose after the headline (0.00).
        ("4708", 0.85),
        # A 350-character box kept of a 5,000-character article: the wider whole-page
        # article (0.16).
        ("4531", 0.9),
        # The right container, but trafilatura dropped its `ck-widget` rows (the class
        # word "widget" as a substring): 900 of 3,800 characters kept (0.31).
        ("4705", 0.9),
        # The same with a list page's sections (0.19).
        ("4106", 0.8),
        # A container of a fifth of the page, a service guide's first sections: the
        # whole-page article is 6x longer in short sections, the paragraph-length test
        # of the small-container tier refused it (0.33).
        ("0336", 0.9),
        # The same, 11x, a glossary page of short sections (0.17).
        ("0005", 0.7),
        # A 3,300-character code listing outscored the article's paragraphs (0.00).
        ("0382", 0.9),
        # No container by the headline; trafilatura's recall run on the whole page kept
        # one block of 340 characters, its balanced run the 1,500-character article (0.30).
        ("4715", 0.8),
        # The same, 410 of 2,000 characters (0.34).
        ("4526", 0.9),
        # A citation box under the headline won (96 characters); trafilatura's balanced
        # run on the whole page leaves it out and finds the 5,000-character essay (0.01).
        ("0463", 0.85),
        # The same with a listing's intro box beside a 38,000-character guide (0.05).
        ("0030", 0.9),
    ],
)
def test_wcxb_page_shapes(shared: Path, key: str, minimum: float) -> None:
    assert _wcxb_f1(shared, key) >= minimum


PARA = (
    "<p>The council met on Monday and agreed the budget after a long debate about "
    "schools, roads and the library, which will now open on Sundays as well.</p>"
)


def _page(body: str) -> bytes:
    return f"<html><head><title>Budget agreed</title></head><body>{body}</body></html>".encode()


def test_an_unclosed_button_keeps_the_article_inside_it() -> None:
    body = f"<header><button class='menu'><span>Menu</span><main><h1>Budget agreed</h1>{PARA * 6}"
    text = extract_page(_page(body)).text
    assert "library, which will now open on Sundays" in text


def test_hidden_blocks_are_not_the_article_start() -> None:
    partner = (
        "<p>Our partner sites give students help with essays, applications, interviews, "
        "loans, grants, visas, housing, jobs and more, every day of the year.</p>"
    )
    hidden = f"<div class='partners hidden'>{partner * 3}</div>"
    body = (
        f"<div class='top'><div class='head'><h1>Budget agreed</h1>{hidden}</div></div>"
        f"<div class='wrap'><div class='x'><div class='y'>{PARA * 6}</div></div></div>"
    )
    text = extract_page(_page(body)).text
    assert "partner sites" not in text
    assert "library, which will now open on Sundays" in text


def test_a_code_listing_is_not_the_article() -> None:
    """Code's punctuation is syntax: a long listing scored above the paragraphs around it
    and was the whole "article"."""
    listing = "".join(f"result.items[{i}] = fetch(url, timeout=5).json();\n" for i in range(300))
    body = (
        f"<h1>Budget agreed</h1><div class='post'>{PARA * 4}"
        f"<div class='code-block'><div class='frame'><div class='scroll'><pre><code>{listing}"
        f"</code></pre></div></div></div>{PARA * 2}</div>"
    )
    text = extract_page(_page(body)).text
    assert "library, which will now open on Sundays" in text


def test_a_consent_dialog_is_not_the_article() -> None:
    """A consent manager's notice, a modal by its ARIA role, held most of a short story's
    page: the 40 % guard kept it and it won the container (magic-html, 0.00)."""
    notice = (
        "<p>This Cookie Notice explains how the company and its partners, including "
        "advertisers and vendors, use cookies and similar technologies on our services.</p>"
    )
    body = (
        f"<div class='story'><h1>Budget agreed</h1>{PARA * 3}</div>"
        f"<div id='consent-sdk'><div role='alertdialog' aria-modal='true'>"
        f"<div class='pc-content'>{notice * 20}</div></div></div>"
    )
    text = extract_page(_page(body)).text
    assert "library, which will now open on Sundays" in text
    assert "Cookie Notice" not in text


def test_wider_article_is_not_taken_around_a_short_item(shared: Path) -> None:
    """A short item on a page of other long items (magic-html, Turkish): the whole-page
    pass gives 30x the container's text, which is the page, not the article (0.12 before
    the ratio cap)."""
    root = shared / "corpus/extraction/magic-html"
    base = json.loads((root / "base.json").read_text("utf-8"))
    key = next(k for k in base if k.startswith("eba2fde503ef"))
    raw = gzip.decompress((root / f"htmls/{key}.html.gz").read_bytes())
    text = extract_page(raw, base[key]["url"]).text
    assert f1(shingle_score(base[key]["content"], text)) >= 0.85


def test_article_sections_in_widget_classes_are_kept() -> None:
    """A page builder's rows (`ck-widget`) hold most of the article: trafilatura's junk
    test matches "widget" inside the class and dropped them all; the retry without class
    attributes keeps them (our own pruning had judged those classes already)."""
    plant = (
        "<p>Plant number {n} grows well in a dark corner, needs water twice a month in "
        "winter, and tolerates dry air, dust and neglect better than most of its kin.</p>"
    )
    rows = "".join(
        f"<div class='ck-widget row'><div class='col'><h6>Plant {n}</h6>{plant.format(n=n)}"
        f"{plant.format(n=n + 100)}</div></div>"
        for n in range(12)
    )
    # Six paragraphs of intro, more than a seventh of the text: below that, trafilatura's
    # guard against over-pruning keeps everything.
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Sunday")
    intro = "".join(PARA.replace("Monday", day) for day in days)
    body = f"<main><h1>Budget agreed</h1><div class='body'>{intro}{rows}</div></main>"
    text = extract_page(_page(body)).text
    assert "Plant number 11 grows" in text
    assert "Plant number 111 grows" in text

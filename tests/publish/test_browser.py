"""The published site in headless Chromium, offline: search in both scripts, follow a
result, switch script, and prove no request left the site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import segno

from newsarchive.archive import Archive
from newsarchive.publish import PublishOptions, publish
from newsarchive.publish.spellings import static_spellings
from newsarchive.publish.tokens import fold
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.publish.conftest import ARTICLES

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "publish"

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page(filled: Archive, tmp_path: Path) -> Iterator[tuple[object, Path, list[str]]]:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is absent (or set NEWSARCHIVE_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api")
    site = tmp_path / "site"
    publish(filled, site, PublishOptions(base_url="https://mirror.example.org/news/"))
    outside: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page()

        def guard(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if url.startswith(("file://", "data:", "about:")):
                route.continue_()  # type: ignore[attr-defined]
            else:
                outside.append(url)
                route.abort()  # type: ignore[attr-defined]

        page.route("**/*", guard)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page, site, outside
        browser.close()
        assert not errors, errors


def _search(page: object, site: Path, query: str) -> list[str]:
    page.goto((site / "search.html").as_uri() + "?q=" + query)  # type: ignore[attr-defined]
    page.wait_for_selector("#search-status[data-count]", timeout=10_000)  # type: ignore[attr-defined]
    return page.locator("#search-results li a").all_inner_texts()  # type: ignore[attr-defined]


def _segno_standard_padding(monkeypatch: pytest.MonkeyPatch) -> None:
    """segno appends a whole zero byte when the bit stream is already byte-aligned after
    the terminator (harmless: decoders stop at the terminator); ISO/IEC 18004 7.4.10
    pads only to the next boundary, as qr.js does. Compare against the standard."""
    import segno.encoder

    def pad(buff: object, version: object, length: int) -> None:
        buff.extend([0] * ((8 - length % 8) % 8))  # type: ignore[attr-defined]

    monkeypatch.setattr(segno.encoder, "write_padding_bits", pad)


def test_offline_search_follow_and_switch(
    browser_page: tuple[object, Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    page, site, outside = browser_page
    _segno_standard_padding(monkeypatch)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto((site / "index.html").as_uri())  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "front.png"), full_page=True)  # type: ignore[attr-defined]

    # Simplified query finds the simplified and the traditional article about the law.
    titles = _search(page, site, "国安法")
    assert set(titles) == {ARTICLES[3][2], ARTICLES[4][2]}
    # Traditional query (loads the t2s table) finds the same two.
    assert set(_search(page, site, "國安法")) == set(titles)
    # 華為 (traditional) matches 华为 in simplified articles too, newest first.
    titles = _search(page, site, "華為")
    assert ARTICLES[2][2] in titles and any(t.startswith("华为芯片断供") for t in titles)
    page.screenshot(path=str(ARTIFACTS / "search-traditional.png"), full_page=True)  # type: ignore[attr-defined]
    assert _search(page, site, "5G iPhone") == [ARTICLES[5][2]]
    # 瞭解 (traditional) folds, character by character, to 瞭解, never to the simplified
    # article's 了解: search.js searches both spellings (static/variants.js).
    assert _search(page, site, "瞭解") == [ARTICLES[1][2]] == _search(page, site, "了解")
    # The browser's spellings are the Python mirror's, in the same order.
    for query in ("瞭解中国", "想像力", "了解了解了解了解", "一見鍾情", "借口", "芯片"):
        folded = fold(query)
        got = page.evaluate("q => NAsearch.spellings(q)", folded)  # type: ignore[attr-defined]
        assert got == static_spellings(folded), query
    assert _search(page, site, "不存在的词语") == []

    # Follow a result.
    _search(page, site, "国安法")
    page.locator("#search-results li a").first.click()  # type: ignore[attr-defined]
    page.wait_for_selector("article h1")  # type: ignore[attr-defined]
    h1 = page.locator("article h1").inner_text()  # type: ignore[attr-defined]
    assert h1 in (ARTICLES[3][2], ARTICLES[4][2])
    # The QR code drawn by qr.js is exactly segno's (same version, level L, mask 0).
    share = page.locator(".qr").get_attribute("data-qr")  # type: ignore[attr-defined]
    assert share and share.startswith("https://mirror.example.org/news/a/")
    page.wait_for_selector(".qr svg", timeout=10_000)  # type: ignore[attr-defined]  # drawn by script after load
    assert page.locator(".qr svg").count() == 1  # type: ignore[attr-defined]
    for text in (
        share,
        share + "?" + "x" * 300,
        "https://www.rfa.org/mandarin/yataibaodao/cl-03022022102227.html?q=" + "z" * 90,
    ):
        got = page.evaluate("t => NAqr.matrix(t)", text)  # type: ignore[attr-defined]
        want = segno.make(text, error="l", mask=0, mode="byte", micro=False, boost_error=False)
        assert got == [[bool(v) for v in row] for row in want.matrix], text

    # Switch script: the page turns traditional, and back.
    page.goto((site / "search.html").as_uri() + "?q=华为")  # type: ignore[attr-defined]
    page.wait_for_selector("#search-status[data-count]")  # type: ignore[attr-defined]
    page.locator("#search-results li a", has_text="华为芯片断供").first.click()  # type: ignore[attr-defined]
    page.wait_for_selector("article h1")  # type: ignore[attr-defined]
    page.click("#script-switch")  # type: ignore[attr-defined]
    page.locator("body[data-script=hant]").wait_for()  # type: ignore[attr-defined]
    assert page.locator("article h1").inner_text().startswith("華爲芯片斷供")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "article-traditional.png"), full_page=True)  # type: ignore[attr-defined]
    # The choice is remembered on the next page.
    page.goto((site / "index.html").as_uri())  # type: ignore[attr-defined]
    page.locator("body[data-script=hant]").wait_for()  # type: ignore[attr-defined]
    page.click("#script-switch")  # type: ignore[attr-defined]
    page.locator("body[data-script=hans]").wait_for()  # type: ignore[attr-defined]

    assert outside == [], f"requests left the site: {outside}"

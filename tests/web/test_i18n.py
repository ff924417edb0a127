"""The interface in zh-Hans by default, zh-Hant and English on request; the choice
remembered; dates in one stated zone; the Admin link for a signed-in operator only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsarchive import catalogues, i18n
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from newsarchive.web import create_app
from newsarchive.web.pages import FORMATS
from newsarchive.web.render import fmt_date
from tests.web.conftest import TOKEN, TestClient, build_sample
from tests.web.english import english_words
from tests.web.fakes import Calls

OUTLETS = ["自由亚洲电台", "美国之音", "中央社", "BBC中文", "德国之声"]
DATA_NAMES = [*OUTLETS, *FORMATS, "jekyll", "feedx", "gfw-breaker", "feed", "listing"]
MAIN_PAGES = [
    "/",
    "/search?q=芯片",
    "/search?q=芯片&by_outlet=true",
    "/articles/1",
    "/outlets/",
    "/outlets/美国之音",
    "/stories/",
    "/stories/7",
    "/api/docs",
    "/admin",
    "/articles/999",
    "/stories/999",
]


@pytest.fixture
def reader(sample_db: str, fakes: Calls) -> Iterator[TestClient]:
    """A browser that says nothing about its languages."""
    with TestClient(create_app(sample_db, token=TOKEN)) as c:
        yield c


def test_the_catalogues_translate_every_message_id_in_use() -> None:
    ids = [m.id for m in catalogues.extract() if m.id]
    assert len(ids) > 80  # the extraction found the templates and the code
    assert "Search the archive" in ids and "No article with id %(id)s." in ids
    assert catalogues.check() == {"zh-Hans": [], "zh-Hant": []}


def test_a_missing_translation_is_reported() -> None:
    problems = catalogues.check(["Search the archive", "A string nobody translated"])
    for locale in i18n.TRANSLATED:
        assert [p.message_id for p in problems[locale]] == ["A string nobody translated"]


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_pages_are_in_simplified_chinese_by_default(reader: TestClient, path: str) -> None:
    page = reader.get(path)
    assert page.status_code in (200, 404)
    assert '<html lang="zh-Hans">' in page.text
    assert page.headers["content-language"] == "zh-Hans"
    assert english_words(page.text, DATA_NAMES) == []


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_pages_in_traditional_chinese_have_no_english_either(reader: TestClient, path: str) -> None:
    page = reader.get(path, params={"lang": "zh-Hant"})
    assert '<html lang="zh-Hant">' in page.text
    assert english_words(page.text, DATA_NAMES) == []


def test_each_language_shows_its_own_words(reader: TestClient) -> None:
    assert "搜索存档" in reader.get("/?lang=zh-Hans").text
    assert "搜索存檔" in reader.get("/?lang=zh-Hant").text
    english = reader.get("/?lang=en").text
    assert "Search the archive" in english and '<html lang="en">' in english


def test_the_choice_is_remembered_and_beats_accept_language(reader: TestClient) -> None:
    reader.get("/", params={"lang": "en"})
    assert reader.cookies.get("lang") == "en"
    page = reader.get("/outlets/", headers={"Accept-Language": "zh-TW"})
    assert '<html lang="en">' in page.text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-TW,zh;q=0.9", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-CN,en;q=0.8", "zh-Hans"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5", "en"),
        ("fr-FR", "zh-Hans"),
        ("en;q=0.3, zh-Hant;q=0.7", "zh-Hant"),
        ("", "zh-Hans"),
    ],
)
def test_accept_language_is_honoured(reader: TestClient, header: str, expected: str) -> None:
    page = reader.get("/", headers={"Accept-Language": header})
    assert f'<html lang="{expected}">' in page.text


def test_an_unknown_lang_value_falls_back() -> None:
    assert i18n.negotiate("klingon", None, None) == "zh-Hans"
    assert i18n.negotiate("klingon", "zh-Hant", None) == "zh-Hant"


def test_the_admin_link_shows_only_to_a_signed_in_operator(reader: TestClient) -> None:
    assert 'id="admin-link"' not in reader.get("/").text
    wrong = reader.post("/admin", data={"action": "sign-in", "token": "not-the-token"})
    assert wrong.status_code == 401 and "令牌错误" in wrong.text
    assert 'id="admin-link"' not in reader.get("/").text
    signed = reader.post("/admin", data={"action": "sign-in", "token": TOKEN})
    assert signed.status_code == 200
    assert TOKEN not in (reader.cookies.get("operator") or "")
    assert 'id="admin-link"' in reader.get("/").text
    # Signed in, the forms need no token field.
    jobs = reader.post("/admin", data={"action": "jobs"})
    assert jobs.status_code == 200 and '<table class="jobs">' in jobs.text
    reader.post("/admin", data={"action": "sign-out"})
    assert 'id="admin-link"' not in reader.get("/").text
    assert reader.post("/admin", data={"action": "jobs"}).status_code == 401


def test_a_forged_operator_cookie_is_not_an_operator(reader: TestClient) -> None:
    reader.cookies.set("operator", "0" * 64)
    assert 'id="admin-link"' not in reader.get("/").text
    assert reader.post("/admin", data={"action": "jobs"}).status_code == 401


def test_dates_are_shown_in_one_stated_zone() -> None:
    # The same instant: 2023-02-01 20:00 UTC is 2023-02-02 in Beijing.
    utc = datetime(2023, 2, 1, 20, tzinfo=UTC)
    beijing = utc.astimezone(timezone(timedelta(hours=8)))
    assert fmt_date(utc) == fmt_date(beijing) == fmt_date(utc.isoformat()) == "2023-02-02"
    assert fmt_date(utc.replace(tzinfo=None)) == "2023-02-02"  # naive is UTC
    assert fmt_date(utc, time=True) == "2023-02-02 04:00"


def test_home_and_outlets_pages_agree_on_a_date_near_midnight(
    db_address: str, fakes: Calls
) -> None:
    with open_archive(db_address) as archive:
        archive.ingest(
            Draft(
                title="深夜的报道",
                text="正文。",
                html="<p>正文。</p>",
                url="https://example.org/late",
                outlet="午夜台",
                published=datetime(2023, 2, 2, 3, 30, tzinfo=timezone(timedelta(hours=8))),
            ),
            Capture(b"x", "feedx", "late.md"),
        )
    with TestClient(create_app(db_address)) as client:
        home = client.get("/").text
        outlets = client.get("/outlets/").text
    assert "2023-02-02" in home and "2023-02-02" in outlets
    assert "2023-02-01" not in home + outlets
    assert "Asia/Shanghai" in home


def test_the_sample_builds(db_address: str) -> None:
    assert build_sample(db_address)


def test_a_translation_written_ahead_is_taken_when_its_id_comes_into_use() -> None:
    from babel.messages.catalog import Catalog, Message

    from newsarchive.catalogues import _revive

    catalog = Catalog(locale="zh_Hans")
    catalog.add("Search", "搜索")
    catalog.obsolete["More like this"] = Message("More like this", "相似文章")
    catalog.obsolete["Never translated"] = Message("Never translated", "")
    template = Catalog()
    template.add("Search")
    template.add("More like this")  # a merged branch's template now uses it
    catalog.update(template, no_fuzzy_matching=True)
    _revive(catalog)
    message = catalog.get("More like this")
    assert message is not None and message.string == "相似文章"
    assert list(catalog.obsolete) == []  # the untranslated one is gone, the other revived
    # An id that falls out of use keeps its translation, waiting.
    catalog.update(Catalog(), no_fuzzy_matching=True)
    _revive(catalog)
    assert {k: m.string for k, m in catalog.obsolete.items()} == {
        "Search": "搜索",
        "More like this": "相似文章",
    }

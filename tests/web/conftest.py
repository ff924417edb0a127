"""Fixtures for the web tests: a small archive (simplified and traditional articles,
one edited twice), an app over it, and contract fakes for the other components."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft, Image
from newsarchive.web import create_app
from tests.conftest import BACKENDS
from tests.pgcluster import Cluster
from tests.web.fakes import Calls, install, make_components

with warnings.catch_warnings():
    # Starlette would like httpx2; the httpx we depend on works the same for tests.
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

TOKEN = "s3cret-token"


def _draft(
    title: str, paragraphs: list[str], url: str, outlet: str, when: datetime, **extra: Any
) -> Draft:
    return Draft(
        title=title,
        text="\n".join(paragraphs),
        html="".join(f"<p>{p}</p>" for p in paragraphs),
        url=url,
        outlet=outlet,
        published=when,
        **extra,
    )


def build_sample(address: str) -> str:
    """Five articles; article 1 has three versions. `address`: a file or a
    postgresql:// URL (`db_address`)."""
    with open_archive(address) as a:
        rfa = "https://www.rfa.org/mandarin/yataibaodao/chip-01.html"
        v1 = ["北京大学的报告承认，美中科技脱钩让中国损失更大。", "报告说中国只能做低阶芯片。"]
        v2 = [v1[0], "报告说中国目前只能制造低阶芯片。", "美国的出口管制持续收紧。"]
        v3 = [*v2, "编者按：本文已更新。"]
        for i, paras in enumerate((v1, v2, v3)):
            a.ingest(
                _draft(
                    "北大报告承认美中科技脱钩中国损失更大",
                    paras,
                    rfa,
                    "自由亚洲电台",
                    datetime(2022, 2, 3, 9, tzinfo=UTC),
                    images=[Image("https://www.rfa.org/chip.jpg", "中芯国际的晶圆厂")],
                ),
                Capture(f"rfa v{i}".encode(), "jekyll", f"_posts/2022-02-03-chip-{i}.md"),
            )
        a.ingest(
            _draft(
                "美国扩大对华芯片出口管制",
                ["美国商务部宣布扩大芯片出口管制范围。"],
                "https://www.voachinese.com/a/chips-2022.html",
                "美国之音",
                datetime(2022, 10, 7, 14, tzinfo=UTC),
            ),
            Capture(b"voa", "feedx", "articles/voa/1.md"),
        )
        a.ingest(
            _draft(
                "台積電擴大在美國的晶片投資",
                ["台積電宣布擴大在美國亞利桑那州的投資。", "美國的出口管制影響大陸晶片產業。"],
                "https://www.cna.com.tw/news/1.aspx",
                "中央社",
                datetime(2022, 12, 6, 2, tzinfo=UTC),
            ),
            Capture(b"cna", "jekyll", "_posts/cna.md"),
        )
        a.ingest(
            _draft(
                "香港国安法实施一周年",
                ["国安法实施一年来，香港社会发生巨大变化。"],
                "https://www.bbc.com/zhongwen/simp/chinese-news-1",
                "BBC中文",
                datetime(2021, 6, 30, 8, tzinfo=UTC),
            ),
            Capture(b"bbc", "gfw-breaker", "pages/bbc/1.md"),
        )
        a.ingest(
            _draft(
                "德国之声：芯片短缺冲击汽车业",
                ["芯片短缺让德国汽车厂减产。"],
                "https://www.dw.com/zh/chip/a-1",
                "德国之声",
                datetime(2021, 3, 1, 10, tzinfo=UTC),
            ),
            Capture(b"dw", "feedx", "articles/dw/1.md"),
        )
    return address


@pytest.fixture(scope="session", params=BACKENDS)
def sample_db(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    """The sample, built once a run on each backend (the tests over it only read)."""
    if request.param == "postgres":
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        return build_sample(cluster.new_database(cluster.template))
    return build_sample(str(tmp_path_factory.mktemp("web") / "sample.db"))


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch, calls: Calls) -> Calls:
    """Route the web layer's component calls to the contract fakes."""
    table = make_components(calls)
    install(monkeypatch, table)
    return calls


# The pages default to zh-Hans (tests/web/test_i18n.py); the tests that read their
# English wording ask for English as a browser would.
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def client(sample_db: str, fakes: Calls) -> Iterator[TestClient]:
    with TestClient(create_app(sample_db), headers=ENGLISH) as c:
        yield c


@pytest.fixture
def writable(db_address: str, fakes: Calls) -> Iterator[TestClient]:
    """An app with a token over its own copy of the sample (tests here write)."""
    db = build_sample(db_address)
    with TestClient(create_app(db, token=TOKEN), headers=ENGLISH) as c:
        yield c


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

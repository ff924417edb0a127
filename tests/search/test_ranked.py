"""A ranking brought up to date (`search(previous=...)`) equals a full ranking of the
same data, whatever was committed in between, or the engine ranks fully again."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import newsarchive.search.ranked as ranked
from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from newsarchive.search import SearchPage, search
from tests.conftest import BACKENDS
from tests.pgcluster import Cluster

WORDS = ["芯片", "出口", "管制", "华为", "美国", "台湾", "选举", "疫苗", "经济", "记者"] + [
    f"{a}{b}" for a in "中英法德俄日韩澳" for b in "国方军政商"
]
OUTLETS = ["美国之音", "德国之声", "法广"]
# Articles before the first ranking: enough that a few more move BM25's statistics
# (document frequencies, average length) by well under a percent, as in a real archive.
BASE = 600


def _put(archive: Archive, n: int, rng: random.Random, revision: int = 0) -> int:
    words = rng.choices(WORDS, k=rng.randint(3, 12))
    result = archive.ingest(
        Draft(
            title="".join(rng.choices(WORDS, k=2)),
            text="，".join(words) + "。",
            html="",
            url=f"https://example.org/{n}",
            outlet=OUTLETS[n % len(OUTLETS)],
            # Few distinct dates: equal scores must be ordered the same way too.
            published=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=n % 4),
        ),
        Capture(f"{n}/{revision}/{words}".encode(), "jekyll", f"{n}.md"),
    )
    return result.article_id


def _same(archive: Archive, query: str, page: SearchPage, **filters: object) -> None:
    """`page` is the full ranking's page, except that rows whose scores drifted apart by
    less than BM25's statistics moved since the state was ranked may trade places."""
    full = search(archive, query, **filters)  # type: ignore[arg-type]
    assert page.total == full.total
    assert len(page.hits) == len(full.hits)
    if [h.id for h in page.hits] == [h.id for h in full.hits]:
        return
    everything = search(archive, query, **{**filters, "limit": 10_000, "offset": 0})  # type: ignore[arg-type]
    now = {h.id: h.score for h in everything.hits}
    assert [now[h.id] for h in page.hits] == pytest.approx([h.score for h in full.hits], rel=0.02)


@pytest.fixture(autouse=True)
def _update_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """These archives are small: update rankings of any size (see UPDATE_FROM)."""
    monkeypatch.setattr(ranked, "UPDATE_FROM", 0)


def _fill(address: str) -> None:
    with open_archive(address) as archive, archive.transaction():
        rng = random.Random(7)
        for n in range(BASE):
            _put(archive, n, rng)


@pytest.fixture(scope="module", params=BACKENDS)
def base_archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(backend, address) of an archive of BASE articles, built once per backend."""
    if request.param == "postgres":
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        url = cluster.new_database(cluster.template)
        _fill(url)
        yield "postgres", url
        cluster.drop_database(url)
    else:
        path = str(tmp_path_factory.mktemp("ranked") / "base.db")
        _fill(path)
        yield "sqlite", path


@pytest.fixture
def base_copy(
    base_archive: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A fresh copy of the base archive, for one test to write to."""
    backend, address = base_archive
    if backend == "postgres":
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        url = cluster.new_database(address.rsplit("/", 1)[-1])
        yield url
        cluster.drop_database(url)
    else:
        shutil.copy(address, tmp_path / "t.db")
        yield str(tmp_path / "t.db")


@pytest.mark.parametrize("filters", [{}, {"outlet": "法广"}, {"offset": 5, "limit": 5}])
def test_updated_rankings_equal_full_rankings(
    base_copy: str, monkeypatch: pytest.MonkeyPatch, filters: dict[str, object]
) -> None:
    archive = open_archive(base_copy)
    rng = random.Random(11)
    updates = []
    real_update = ranked.update

    def counting(*args: object, **kw: object) -> object:
        result = real_update(*args, **kw)  # type: ignore[arg-type]
        updates.append(result is not None)
        return result

    monkeypatch.setattr(ranked, "update", counting)
    pages = {q: search(archive, q, **filters) for q in ("芯片", "美国 经济", "华为 OR 台湾")}  # type: ignore[arg-type]
    n = BASE
    for step in range(12):
        for _ in range(rng.randint(1, 6)):  # new articles
            _put(archive, n, rng)
            n += 1
        if step % 3 == 1:  # an older article gets a new version
            _put(archive, rng.randrange(BASE), rng, revision=step + 1)
        for q, page in pages.items():
            page = search(archive, q, previous=page, **filters)  # type: ignore[arg-type]
            _same(archive, q, page, **filters)
            pages[q] = page
    # Most updates were incremental (with filters a revision forces a full ranking).
    assert sum(updates) >= len(updates) // 2
    archive.close()


def test_a_removed_article_forces_a_full_ranking(archive: Archive) -> None:
    rng = random.Random(3)
    ids = [_put(archive, n, rng) for n in range(30)]
    page = search(archive, "芯片")
    assert page.state is not None
    shown = page.hits[0].id
    archive.remove_article(shown)
    assert ranked.update(archive.session, page.state, page.state.key, 30) is None
    again = search(archive, "芯片", previous=page)
    assert shown not in [h.id for h in again.hits] and shown in ids
    _same(archive, "芯片", again)


def test_an_old_state_is_not_merged(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    for n in range(10):
        _put(archive, n, rng)
    page = search(archive, "芯片")
    assert page.state is not None
    key = page.state.key
    assert ranked.update(archive.session, page.state, key, 30) is page.state  # nothing new
    monkeypatch.setattr(ranked, "MAX_MERGE_AGE", -1.0)
    assert ranked.update(archive.session, page.state, key, 30) is None
    other = search(archive, "华为")
    assert other.state is not None
    assert ranked.update(archive.session, page.state, other.state.key, 30) is None


def test_few_matches_are_ranked_afresh(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(9)
    for n in range(10):
        _put(archive, n, rng)
    page = search(archive, "芯片")
    assert page.state is not None and page.state.total > 0
    monkeypatch.setattr(ranked, "UPDATE_FROM", page.state.total + 1)
    _put(archive, 10, rng)
    assert ranked.update(archive.session, page.state, page.state.key, 30) is None

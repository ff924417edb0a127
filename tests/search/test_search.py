"""Search behaviour on a small archive built from real sentences of the corpus
(jekyll-waimei: 中央社 in traditional script, 大纪元 and 美国之音 in simplified)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from newsarchive.search import QueryError, reindex, search, timeline
from tests.pgcluster import Cluster

CNA_HUAWEI = Draft(
    title="美國封殺華為／華為禁令將生效 供應鏈調整客戶比重補缺口",
    text=(
        "美國對華為禁令將在美國時間15日生效，華為在禁令前積極拉貨，帶動台積電、聯發科等8月"
        "營收衝上歷史新高。面對未來訂單缺口，台廠供應鏈以其他客戶填補，包括IC設計、晶圓代工、"
        "IC載板等供應影響有限。"
    ),
    html="",
    url="https://www.cna.com.tw/news/afe/202009140015.aspx",
    outlet="中央社",
    published=datetime(2020, 9, 14, 2, 56, tzinfo=UTC),
    lang="zh-Hant",
)
ETT_SMIC = Draft(
    title="美商务部将中芯国际等数十家中企列入黑名单",
    text=(
        "出于国家安全考虑，美国商务部周五宣布把数十家中企列入贸易管制黑名单。商务部特别提到"
        "中国最大芯片制造商中芯国际，并限制其获得关键美国技术。商务部工业与安全局（BIS）将"
        "中国企业中芯国际（SMIC）列入实体清单。"
    ),
    html="",
    url="https://www.epochtimes.com/gb/20/12/18/n12661.htm",
    outlet="大纪元",
    published=datetime(2020, 12, 18, 14, 6, tzinfo=UTC),
    lang="zh-Hans",
)
VOA_CHIPS = Draft(
    title="中国芯片产业“虚火”正旺 滑向低端产能粗放扩张",
    text=(
        "从美国对中兴、华为的出口制裁、到中芯国际最近海外融资受限，中国芯片技术软肋一览无余。"
        "半导体产业投资热钱涌动，从中央政府到地方政府，再到民间融资市场，中国半导体芯片行业"
        "近年来投资火爆。AI芯片的需求同比增长15.9%，预计2025年翻倍。"
    ),
    html="",
    url="https://www.voachinese.com/a/china-chips-20210110/5731.html",
    outlet="美国之音",
    published=datetime(2021, 1, 10, 14, 11, tzinfo=UTC),
    lang="zh-Hans",
)
CNA_RETAIL = Draft(
    title="官員估11月零售業營業額旺 全年有望正成長",
    text=(
        "防疫有成及振興三倍券發揮功效，兩大因素刺激消費，買氣紛紛回籠。指標產業的百貨公司在"
        "2月至4月慘遭疫情重創，呈現雙位數衰退，直到7月政府推出振興三倍券。"
    ),
    html="",
    url="https://www.cna.com.tw/news/afe/202012200013.aspx",
    outlet="中央社",
    published=datetime(2020, 12, 20, 3, 0, tzinfo=UTC),
    lang="zh-Hant",
)


def _ingest(archive: Archive, draft: Draft, fmt: str = "jekyll") -> int:
    cap = Capture(raw=(draft.title + draft.text).encode(), format=fmt, location=draft.url or "x")
    return archive.ingest(draft, cap).article_id


def ingest_samples(archive: Archive) -> dict[str, int]:
    """The four sample articles (shared by the search tests), by name."""
    return {
        "huawei": _ingest(archive, CNA_HUAWEI),
        "smic": _ingest(archive, ETT_SMIC),
        "chips": _ingest(archive, VOA_CHIPS, fmt="feedx"),
        "retail": _ingest(archive, CNA_RETAIL),
    }


@pytest.fixture
def ids(archive: Archive) -> dict[str, int]:
    return ingest_samples(archive)


def found(archive: Archive, query: str, **kw: object) -> set[int]:
    return {h.id for h in search(archive, query, **kw).hits}  # type: ignore[arg-type]


def test_simplified_query_finds_traditional_article_and_reverse(
    archive: Archive, ids: dict[str, int]
) -> None:
    assert ids["huawei"] in found(archive, "华为禁令")
    assert found(archive, "中芯國際") == {ids["smic"], ids["chips"]}
    assert found(archive, "晶圆代工") == {ids["huawei"]}


def test_snippet_highlights_in_the_articles_own_script(
    archive: Archive, ids: dict[str, int]
) -> None:
    page = search(archive, "华为")
    hit = next(h for h in page.hits if h.id == ids["huawei"])
    assert "<mark>華為</mark>" in hit.snippet and "华为" not in hit.snippet
    assert "<mark>華為</mark>" in hit.title_html


def test_two_character_and_single_character_queries(archive: Archive, ids: dict[str, int]) -> None:
    assert found(archive, "芯片") == {ids["smic"], ids["chips"]}
    # 券 only occurs inside the word 三倍券: a word index alone would miss it.
    assert found(archive, "券") == {ids["retail"]}
    assert found(archive, "衝") == {ids["huawei"]}  # traditional single character


def test_mixed_script_and_language_queries(archive: Archive, ids: dict[str, int]) -> None:
    # SMIC is a form of 中芯国际 (the alias table, issue #15): the VOA article that
    # writes only 中芯国际 is found by either.
    assert found(archive, "中芯國際 SMIC") == {ids["smic"], ids["chips"]}
    assert found(archive, "ＳＭＩＣ") == {ids["smic"], ids["chips"]}  # full-width
    assert found(archive, "中芯國際 SMIC", expand=False) == {ids["smic"]}
    assert found(archive, "AI芯片") == {ids["chips"]}
    assert found(archive, "15.9%") == {ids["chips"]}
    assert found(archive, "2025年") == {ids["chips"]}
    assert found(archive, "15") == {ids["huawei"]}  # 15日, not 15.9


def test_phrase_does_not_match_words_apart(archive: Archive, ids: dict[str, int]) -> None:
    # Both articles contain 美国 and 技术; only one has them as "美国技术".
    assert {ids["smic"], ids["chips"]} <= found(archive, "美国 技术")
    assert found(archive, '"美国技术"') == {ids["smic"]}


def test_phrase_copied_from_mid_word_finds_article(archive: Archive, ids: dict[str, int]) -> None:
    # Indexed as 半导体/产业/投资/热钱/涌动: the phrase starts inside 半导体 and ends in 涌动.
    assert found(archive, '"导体产业投资热钱涌"') == {ids["chips"]}
    # Unquoted and in the other script: the same.
    assert found(archive, "導體產業投資熱錢湧") == {ids["chips"]}
    # Ends inside 聯發科, starts inside 拉貨.
    assert found(archive, '"货，带动台积电、联发"') == {ids["huawei"]}
    # A fragment whose characters are all there but not in this order is not found.
    assert found(archive, '"产业导体"') == set()


def test_or_and_exclusion(archive: Archive, ids: dict[str, int]) -> None:
    assert found(archive, "华为 OR 零售业") == {ids["huawei"], ids["chips"], ids["retail"]}
    assert found(archive, "芯片 -SMIC", expand=False) == {ids["chips"]}
    # Excluding a name excludes it in every form: the VOA article names 中芯国际.
    assert found(archive, "芯片 -SMIC") == set()
    assert found(archive, '中芯国际 -"海外融资"') == {ids["smic"]}


def test_filters_combine(archive: Archive, ids: dict[str, int]) -> None:
    assert found(archive, "疫情 OR 华为", outlet="中央社") == {ids["huawei"], ids["retail"]}
    assert found(
        archive, "疫情 OR 华为", outlet="中央社", since=datetime(2020, 10, 1, tzinfo=UTC)
    ) == {ids["retail"]}
    assert found(archive, "华为", until=datetime(2020, 12, 31, tzinfo=UTC)) == {ids["huawei"]}
    assert found(archive, "中芯国际", format="feedx") == {ids["chips"]}
    assert found(archive, "中芯国际", lang="zh-Hans", format="jekyll") == {ids["smic"]}


def test_title_outranks_body_and_recency_breaks_ties(archive: Archive) -> None:
    title_hit = _ingest(
        archive,
        Draft(title="芯片出口", text="新闻内容。", html="", url="https://a.org/1", outlet="x"),
    )
    body_hit = _ingest(
        archive,
        Draft(title="新闻", text="芯片出口内容。", html="", url="https://a.org/2", outlet="x"),
    )
    assert [h.id for h in search(archive, "芯片").hits] == [title_hit, body_hit]
    old, new = (
        _ingest(
            archive,
            Draft(
                title="同一篇",
                text="雷同的报道。",
                html="",
                url=f"https://b.org/{year}",
                published=datetime(year, 1, 1, tzinfo=UTC),
            ),
        )
        for year in (2019, 2021)
    )
    assert [h.id for h in search(archive, "雷同").hits] == [new, old]


def test_new_version_replaces_old_text(archive: Archive, ids: dict[str, int]) -> None:
    edited = Draft(**{**_fields(CNA_RETAIL), "text": "振興五倍券的新聞稿已經改寫。"})
    archive.ingest(edited, Capture(raw=b"v2", format="jekyll", location="v2.md"))
    assert found(archive, "三倍券") == set()
    assert found(archive, "五倍券") == {ids["retail"]}
    hit = search(archive, "五倍券").hits[0]
    assert "五倍券" in hit.snippet and "三倍" not in hit.snippet


def test_removed_article_never_returns(archive: Archive, ids: dict[str, int]) -> None:
    archive.remove_article(ids["smic"])
    assert found(archive, "SMIC", expand=False) == set()
    assert found(archive, "中芯国际") == {ids["chips"]}


def test_reindex_gives_same_results(archive: Archive, ids: dict[str, int]) -> None:
    queries = ["华为", "中芯國際 SMIC", '"导体产业投资"', "券", "疫情 OR 芯片 -华为"]
    before = [[(h.id, round(h.score, 6)) for h in search(archive, q).hits] for q in queries]
    progress: list[tuple[int, int]] = []
    assert reindex(archive, on_progress=lambda d, t: progress.append((d, t))) == 4
    assert progress[-1] == (4, 4)
    after = [[(h.id, round(h.score, 6)) for h in search(archive, q).hits] for q in queries]
    assert before == after


def test_snippet_is_safe_html(archive: Archive) -> None:
    _ingest(
        archive,
        Draft(
            title="<b>标题</b>",
            text="正文<script>alert(1)</script>芯片",
            html="",
            url="https://c.org/1",
        ),
    )
    hit = search(archive, "芯片").hits[0]
    assert "<script" not in hit.snippet and "&lt;/script&gt;<mark>芯片</mark>" in hit.snippet
    assert hit.title_html == "&lt;b&gt;标题&lt;/b&gt;"


@pytest.mark.parametrize(
    "query", ["", "   ", '"unclosed', "-华为", "OR 华为", "华为 OR", "，。！", "-"]
)
def test_malformed_queries_raise_query_error(archive: Archive, query: str) -> None:
    with pytest.raises(QueryError):
        search(archive, query)


def test_paging_and_total(archive: Archive, ids: dict[str, int]) -> None:
    page = search(archive, "中芯国际 OR 华为", limit=1)
    assert page.total == 3 and len(page.hits) == 1 and page.took_ms > 0
    rest = search(archive, "中芯国际 OR 华为", limit=5, offset=1)
    assert len(rest.hits) == 2 and page.hits[0].id not in {h.id for h in rest.hits}


def test_timeline(archive: Archive, ids: dict[str, int]) -> None:
    months = timeline(archive, "中芯国际 OR 华为", interval="month")
    assert [(b.period, b.outlet, b.count) for b in months] == [
        ("2020-09", None, 1),
        ("2020-12", None, 1),
        ("2021-01", None, 1),
    ]
    weeks = timeline(archive, "疫情 OR 华为", interval="week", by_outlet=True)
    assert [(b.period, b.outlet, b.count) for b in weeks] == [
        ("2020-W38", "中央社", 1),
        ("2020-W51", "中央社", 1),
        ("2021-W01", "美国之音", 1),
    ]
    assert timeline(archive, "华为", outlet="大纪元") == []
    # A phrase starting inside a word counts like in search().
    assert [(b.period, b.count) for b in timeline(archive, '"导体产业投资"', interval="month")] == [
        ("2021-01", 1)
    ]


def _fields(d: Draft) -> dict[str, object]:
    return {f: getattr(d, f) for f in Draft.__dataclass_fields__}


def test_index_built_by_another_segmenter_is_refused_until_reindex(
    archive: Archive, ids: dict[str, int]
) -> None:
    from newsarchive.search.index import IndexOutdatedError

    archive.session.execute("UPDATE search_meta SET value='0;old' WHERE key='segmenter'")
    edited = Draft(**{**_fields(CNA_RETAIL), "text": "改寫後的新聞稿。"})
    with pytest.raises(IndexOutdatedError, match="reindex"):
        archive.ingest(edited, Capture(raw=b"v2", format="jekyll", location="v2.md"))
    # A new article needs no delete: it is indexed meanwhile.
    _ingest(archive, Draft(title="新文章", text="正文。", html="", url="https://d.org/1"))
    reindex(archive)
    archive.ingest(edited, Capture(raw=b"v2", format="jekyll", location="v2.md"))
    assert found(archive, "新聞稿") == {ids["retail"]}


def test_a_batch_that_revises_articles_indexes_each_latest_version_once(
    archive: Archive, ids: dict[str, int]
) -> None:
    # An import batch is one transaction: an article stored and revised twice in it,
    # and an older article revised, each keep exactly one index row, of their latest
    # version (PostgreSQL deletes replaced rows at the end of the transaction).
    new = Draft(title="新文章", text="初稿提到鸭嘴兽。", html="", url="https://d.org/1")
    with archive.transaction() as tx, tx.pipelined():
        fresh = _ingest(archive, new)
        _ingest(archive, Draft(**{**_fields(new), "text": "二稿提到袋鼠。"}))
        _ingest(archive, Draft(**{**_fields(new), "text": "三稿提到考拉。"}))
        _ingest(archive, Draft(**{**_fields(CNA_RETAIL), "text": "改寫後提到企鵝。"}))
    assert found(archive, "考拉") == {fresh}
    assert found(archive, "鸭嘴兽") == found(archive, "袋鼠") == set()
    assert found(archive, "企鹅") == {ids["retail"]}
    assert ids["retail"] not in found(archive, "百货公司")  # its first version's body
    rows = archive.session.all("SELECT article_id, version_id FROM search_docs")
    assert len(rows) == len({r[0] for r in rows}) == 5
    latest = dict(archive.session.all("SELECT id, latest_version_id FROM articles"))
    assert {r[0]: r[1] for r in rows} == latest


def test_many_matches_take_the_fts_only_ranking_path(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsarchive.search.engine as engine

    for n in range(6):
        _ingest(
            archive,
            Draft(
                title="芯片" * (n + 1),
                text="新闻。",
                html="",
                url=f"https://e.org/{n}",
                published=datetime(2020, 1, 1 + n, tzinfo=UTC),
            ),
        )
    _ingest(
        archive,
        Draft(
            title="芯片",
            text="同分。",
            html="",
            url="https://e.org/late",
            published=datetime(2021, 1, 1, tzinfo=UTC),
        ),
    )
    slow = [h.id for h in search(archive, "芯片", limit=4).hits]
    monkeypatch.setattr(engine, "MANY_MATCHES", 0)
    fast = search(archive, "芯片", limit=4)
    assert [h.id for h in fast.hits] == slow and fast.total == 7


def test_a_word_typed_as_its_indexed_stem_still_matches(archive: Archive) -> None:
    # "lacaille" is indexed as its stem "lacaill", which stems once more to "lacail".
    draft = Draft(
        title="Lacaille 谈全球市场",
        text="分析师 Lacaille 认为市场还会下跌。",
        html="",
        url="https://example.org/lacaille",
        outlet="路透",
        published=datetime(2020, 3, 1, tzinfo=UTC),
    )
    article = _ingest(archive, draft)
    assert found(archive, "lacaille") == {article}
    assert found(archive, "lacaill") == {article}
    assert found(archive, "lacaill 市场") == {article}
    assert found(archive, "lacaill -市场") == set()


# Real sentences (jekyll-waimei: BBC中文 2020-11-01, 法广 2021-01-13) whose words are
# spelled differently by the two scripts' folding: 想象/想像, 迳/逕.
BBC_BOREDOM = Draft(
    title="儿童教育：“无聊”对小孩原来并非坏事",
    text=(
        "然而，英国教育专家则指出，其实一定的无聊时间对孩子来说并非是件坏事，可以激发"
        "想象力和潜在创造力，对培养未来生活技能有好处。"
    ),
    html="",
    url="https://bbc.com/zhongwen/simp/uk-54709238",
    outlet="BBC中文",
    published=datetime(2020, 11, 1, 12, 44, tzinfo=UTC),
    lang="zh-Hans",
)
RFI_COVID = Draft(
    title="美国单日病殁近4500人创新高",
    text="美国各州防疫措施大相迳庭且「听者藐藐」，最终只能指望去年12月中展开的大规模疫苗接种计画。",
    html="",
    url="https://rfi.fr/cn/20210113-covid",
    outlet="法广",
    published=datetime(2021, 1, 13, 8, 32, tzinfo=UTC),
    lang="zh-Hans",
)


def test_a_words_other_script_spelling_finds_it(archive: Archive) -> None:
    boredom, covid = _ingest(archive, BBC_BOREDOM), _ingest(archive, RFI_COVID)
    # Traditional queries: t2s folds them to 想像力 and 大相径庭, not the articles' words.
    assert found(archive, "無聊 想像力 創造力") == {boredom}
    assert found(archive, "大相逕庭 聽者") == {covid}
    assert found(archive, '"激發想像力"') == {boredom}
    page = search(archive, "想像力")
    assert "<mark>想象力</mark>" in page.hits[0].snippet
    # An excluded word is excluded in every spelling.
    assert found(archive, "创造力 -想像力") == set()
    assert found(archive, "创造力 OR 大相逕庭") == {boredom, covid}


def _index_contents(archive: Archive) -> list[tuple[object, ...]]:
    conn = archive.session
    if archive.dialect == "postgres":
        rows = conn.execute(
            "SELECT article_id, version_id, doc::text, lossy, tokens, grams::text FROM search_docs"
            " ORDER BY article_id"
        ).fetchall()
        return [tuple(r) for r in rows]
    conn.execute("INSERT INTO search_fts(search_fts, rank) VALUES('integrity-check', 0)")
    conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, search_fts, instance)")
    try:
        rows = conn.execute("SELECT * FROM temp.vocab ORDER BY 1, 2, 3, 4").fetchall()
        rows += conn.execute("SELECT * FROM search_fts_docsize ORDER BY id").fetchall()
        return [tuple(r) for r in rows]
    finally:
        conn.execute("DROP TABLE temp.vocab")


def _revisions(archive: Archive) -> None:
    for draft in (CNA_HUAWEI, ETT_SMIC, VOA_CHIPS, CNA_RETAIL):
        _ingest(archive, draft)
    for n, text in enumerate(["振興五倍券的新聞稿已經改寫。", "振興六倍券。"]):
        edited = Draft(**{**_fields(CNA_RETAIL), "text": text})
        archive.ingest(edited, Capture(raw=text.encode(), format="jekyll", location=f"v{n}.md"))
    edited = Draft(**{**_fields(CNA_HUAWEI), "text": "華為禁令今日生效。"})
    archive.ingest(edited, Capture(raw=b"h2", format="jekyll", location="h2.md"))
    smic = archive.find(ETT_SMIC.url or "")
    assert smic is not None
    archive.remove_article(smic.id)


@pytest.fixture
def other_address(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second fresh archive address on the same backend as `db_address`."""
    if backend == "postgres":
        return str(request.getfixturevalue("pg_url2"))
    return str(tmp_path / "other.db")


@pytest.fixture
def pg_url2(pg_cluster: Cluster) -> Iterator[str]:
    url = pg_cluster.new_database(pg_cluster.template)
    try:
        yield url
    finally:
        pg_cluster.drop_database(url)


def test_index_writes_held_to_commit_give_the_same_index(
    db_address: str, other_address: str
) -> None:
    """On SQLite the hook defers search_fts writes to the end of the transaction (in
    rowid order, an insert and the delete of the same row dropped); PostgreSQL writes at
    once. Either way the index holds the same postings and sizes as when every change
    commits on its own."""
    one_by_one = open_archive(db_address)
    batched = open_archive(other_address)
    try:
        _revisions(one_by_one)
        with batched.transaction():
            _revisions(batched)
        assert _index_contents(batched) == _index_contents(one_by_one)
        assert found(batched, "六倍券") == found(one_by_one, "六倍券") != set()
        assert found(batched, "五倍券 OR 三倍券 OR SMIC", expand=False) == set()
    finally:
        one_by_one.close()
        batched.close()


def test_rolled_back_transaction_leaves_no_index_writes(archive: Archive) -> None:
    with pytest.raises(RuntimeError), archive.transaction():
        _ingest(archive, CNA_HUAWEI)
        raise RuntimeError("interrupted")
    retail = _ingest(archive, CNA_RETAIL)
    assert found(archive, "三倍券") == {retail}
    assert found(archive, "华为") == set()
    assert len(_index_contents(archive)) > 0


def test_distinct_chars_in_code_point_order() -> None:
    from newsarchive.search.tokens import distinct_chars as _distinct_chars

    runs = "華為禁令華为𠀋中央社中"
    assert _distinct_chars(runs) == " ".join(sorted(set(runs)))
    assert _distinct_chars("") == ""


# PostgreSQL keeps tsvector positions below 16,384 and 256 positions per lexeme; FTS5
# has no such limits. A phrase past them must be found alike (search.postgres: "lossy").
LONG_FILLER = "今天天气很好。" * 6000  # 18,000 tokens: 今天天气 / 很 / 好


def test_a_phrase_past_sixteen_thousand_words_is_found(archive: Archive) -> None:
    long = _ingest(
        archive,
        Draft(
            title="每日广播稿",
            text=LONG_FILLER + "华为芯片出口管制。",
            html="",
            url="https://f.org/long",
        ),
    )
    short = _ingest(
        archive, Draft(title="短讯", text="华为芯片出口。", html="", url="https://f.org/short")
    )
    assert found(archive, '"华为芯片出口管制"') == {long}
    assert found(archive, '"华为芯片出口"') == {long, short}
    assert found(archive, "华为 管制") == {long}
    assert found(archive, '"管制出口"') == set()  # both words there, not in this order
    assert found(archive, '芯片 -"芯片出口管制"') == {short}
    assert found(archive, '"芯片出口管" OR 短讯') == {long, short}  # ends inside 管制


def test_a_phrase_with_a_word_repeated_hundreds_of_times_is_found(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsarchive.search.engine as engine

    # Exact phrases only: the fragment (loose) form would find these by substring.
    monkeypatch.setattr(engine, "LOOSE_BELOW", 0)
    article = _ingest(
        archive,
        Draft(
            title="书单",
            text="我的书。" * 300 + "美国的芯片禁令。",
            html="",
            url="https://f.org/many",
        ),
    )
    assert found(archive, '"美国的芯片"') == {article}
    assert found(archive, '"的芯片禁令"') == {article}
    assert found(archive, '"芯片的美国"') == set()


def test_a_word_too_long_for_a_postgres_lexeme_is_indexed_and_found(archive: Archive) -> None:
    word = "z" * 3000  # a garbled page: a 3,000-letter "word" (PostgreSQL lexemes: 2,047 bytes)
    article = _ingest(
        archive, Draft(title="乱码", text=f"正文 {word} 结束。", html="", url="https://f.org/z")
    )
    assert found(archive, word) == {article}
    assert found(archive, word[:2999]) == set()
    assert found(archive, f"正文 {word}") == {article}

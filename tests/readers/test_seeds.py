"""The five seed files, every field checked against what a reader sees in them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from newsarchive.model import Image

from .helpers import SEEDS, assert_no_junk, read_one

BEIJING = timezone(timedelta(hours=8))


def stamps(draft) -> dict[str, tuple[datetime, str]]:
    return {role: (t.value, t.source) for role, t in draft.timestamps.items()}


def test_seed_000_jekyll_epochtimes() -> None:
    draft, capture = read_one(SEEDS / "000_0e76638f8906f1b6.txt")
    assert capture.format == "jekyll"
    assert capture.location == "000_0e76638f8906f1b6.txt"
    assert draft.title == "中共十四五芯片计划求国际合作 美欲遏止"
    assert draft.url == "https://www.epochtimes.com/gb/21/3/1/n12782341.htm"
    assert draft.outlet == "大纪元"
    assert draft.published == datetime(2021, 3, 1, 14, 44, 57, tzinfo=UTC)
    assert draft.published.utcoffset() == timedelta(0)
    # The front matter's author is the feed's name, not a person.
    assert draft.author == "张北"  # from （大纪元记者张北综合报导）
    # The outlet's own keyword links are the article's tags.
    assert draft.tags == ["芯片", "十四五", "科技战"]
    assert draft.images == []
    assert draft.lang == "zh-Hans"
    assert stamps(draft) == {
        "feed": (datetime(2021, 3, 1, 14, 44, 57, tzinfo=UTC), "jekyll:comment-epoch"),
        "post": (datetime(2021, 3, 1, 14, 44, 57, tzinfo=UTC), "jekyll:front-matter.date"),
        "dateline": (datetime(2021, 3, 1, tzinfo=BEIJING), "body:dateline"),
        "url": (datetime(2021, 3, 1, tzinfo=BEIJING), "url:path-date"),
        "published": (datetime(2021, 3, 1, 14, 44, 57, tzinfo=UTC), "jekyll:comment-epoch"),
    }
    assert draft.text.startswith(
        "【大纪元2021年03月01日讯】（大纪元记者张北综合报导）中共造芯“大跃进”，多地明星芯片项目"
    )
    assert draft.text.endswith("责任编辑：高静")
    assert draft.text.count("\n") == 15  # 16 paragraphs, one per line
    assert '<a href="https://www.epochtimes.com/gb/tag/%E8%8A%AF%E7%89%87.html"' in draft.html
    assert "中共十四五芯片计划求国际合作 美欲遏止](" not in draft.text
    assert_no_junk(draft)


def test_seed_001_feedx_voa() -> None:
    draft, capture = read_one(SEEDS / "001_2b8f0b1099bcdc1e.txt")
    assert capture.format == "feedx"
    assert draft.title == "设立工作组、推励志电视剧 习近平的中国芯片梦能否成真？"
    assert draft.url == (
        "https://www.voachinese.com/a/xi-push-for-chip-self-reliance-may-fail-20220204/6427409.html"
    )
    assert draft.outlet == "美国之音"
    # The page date shown in the body wins over the feed's epoch comment (13 min later).
    assert draft.published == datetime(2022, 2, 4, 23, 45, 54, tzinfo=UTC)
    assert stamps(draft) == {
        "page": (datetime(2022, 2, 4, 23, 45, 54, tzinfo=UTC), "body:div-i"),
        "feed": (datetime(2022, 2, 4, 23, 59, 2, tzinfo=UTC), "feedx:comment-epoch"),
        "published": (datetime(2022, 2, 4, 23, 45, 54, tzinfo=UTC), "body:div-i"),
    }
    assert draft.author is None
    assert draft.tags == []
    assert draft.images == [
        Image(
            "https://gdb.voanews.com/B08BCE47-E313-4F6B-A3A3-3034D6C4E2DF_r1_s_w900.jpg",
            "在北京第21届国际科技产业博览会上有人在通过显微镜看电脑芯片 （2018年5月17日）",
        )
    ]
    assert 'src="https://gdb.voanews.com/B08BCE47' in draft.html
    assert "Fri, 04 Feb 2022" not in draft.text
    assert draft.text.splitlines()[1].startswith("2019年，当中国电信设备巨头华为")
    assert draft.text.endswith("这只是因为该行业的结构和发展方式的原因而行不通。”")
    assert "<strong>拉塞尔：中国芯片本土化进展不顺利</strong>" in draft.html
    assert_no_junk(draft)


def test_seed_002_jekyll_rfa() -> None:
    draft, capture = read_one(SEEDS / "002_7199012020170643.txt")
    assert capture.format == "jekyll"
    assert draft.title == "北大报告承认美中科技脱钩中国损失更大 只能做低阶芯片"
    assert draft.url == "https://www.rfa.org/mandarin/yataibaodao/jingmao/hx-02032022040014.html"
    assert draft.outlet == "自由亚洲电台"
    assert draft.published == datetime(2022, 2, 3, 9, 0, tzinfo=UTC)
    assert stamps(draft)["post"] == (
        datetime(2022, 2, 3, 9, 0, tzinfo=UTC),
        "jekyll:front-matter.date",
    )
    assert stamps(draft)["url"] == (datetime(2022, 2, 3, tzinfo=BEIJING), "url:path-date")
    assert draft.author is None
    assert draft.tags == []
    base = "https://www.rfa.org/mandarin/yataibaodao/jingmao/hx-02032022040014.html/"
    assert draft.images == [
        Image(
            base + "ap21362025326074.jpg/@@images/838e61e4-1bd1-4d02-86a9-31f4f7921831.jpeg",
            "2021 年 9 月 26 日，中国北京国际科技产业博览会上，北京微芯区块链与边缘计算研究院开发的芯片。（美联社）",
        ),
        Image(
            base + "ap21362025370389.jpg/@@images/45d1b0a7-d56e-4107-8b6a-c050b446bc92.jpeg",
            "2021 年 9 月 26 日，中国北京国际科技产业博览会上，展示北京清微智能科技有限公司开发的芯片。（美联社）",
        ),
    ]
    # The lightbox's zoom icon and the "related stories" list are the page's, not text.
    assert "icon-zoom" not in draft.html
    assert "中国最钱线" not in draft.text
    assert draft.text.startswith("北京大学近日发表报告罕见承认")
    assert "北大报告：留美中国公民88%选择留在美国" in draft.text
    assert draft.text.endswith("自由亚洲电台记者夏小华 台北报道 责编 温晓平 梒青 网编 瑞哲")
    assert_no_junk(draft)


def test_seed_003_gfw_breaker_secretchina() -> None:
    draft, capture = read_one(SEEDS / "003_43ec97775d2f5570.txt")
    assert capture.format == "gfw-breaker"
    assert draft.title == "习近平再提解决技术“卡脖子” 但对手越来越多(图)"
    assert draft.url == "https://www.secretchina.com/news/gb/2023/02/02/1028027.html"
    assert draft.outlet == "看中国"
    # Only the body's dateline dates it: Beijing time, no time of day.
    assert draft.published == datetime(2023, 2, 2, tzinfo=BEIJING)
    assert draft.published.isoformat() == "2023-02-02T00:00:00+08:00"
    assert stamps(draft) == {
        "dateline": (datetime(2023, 2, 2, tzinfo=BEIJING), "body:dateline"),
        "url": (datetime(2023, 2, 2, tzinfo=BEIJING), "url:path-date"),
        "published": (datetime(2023, 2, 2, tzinfo=BEIJING), "body:dateline"),
    }
    assert draft.author is None
    assert draft.tags == ["习近平", "技术", "芯片", "半导体", "拜登"]
    assert draft.images == [
        Image(
            "https://img3.secretchina.com/pic/2020/12-9/p2834862a171523277-ss.jpg",
            "习近平再提解决外国对华技术“卡脖子”的问题。（图片来源：Getty Images）",
        )
    ]
    lines = draft.text.splitlines()
    assert lines[0] == "习近平再提解决外国对华技术“卡脖子”的问题。（图片来源：Getty Images）"
    # Pretty-printing whitespace between Chinese words is gone.
    assert lines[1].startswith(
        "【看中国2023年2月2日讯】（看中国记者李正鑫综合报导）中共总书记习近平在政治局会议上，"
    )
    assert "造成国有资产损失”。" in draft.text
    assert lines[-1] == "来源:看中国"
    # Disabled links are links again, made absolute.
    assert (
        '<a href="https://www.secretchina.com/news/gb/tag/%E4%B9%A0%E8%BF%91%E5%B9%B3"'
        in draft.html
    )
    for junk in ("span href", "kzgmembership", "🎬", "💌", "🔥", "荣誉会员", "版权所有"):
        assert junk not in draft.html
    assert "荣誉会员" not in draft.text
    assert_no_junk(draft)


def test_seed_004_feedx_dw_gallery() -> None:
    draft, capture = read_one(SEEDS / "004_38e325384dfded78.txt")
    assert capture.format == "feedx"
    assert draft.title == "美国加码限制AI芯片出口中国"
    assert draft.url == (
        "https://www.dw.com/zh/%E7%BE%8E%E5%9B%BD%E5%8A%A0%E7%A0%81%E9%99%90%E5%88%B6AI"
        "%E8%8A%AF%E7%89%87%E5%87%BA%E5%8F%A3%E4%B8%AD%E5%9B%BD/a-68703331"
    )
    assert draft.outlet == "德国之声"
    page = datetime(2024, 3, 30, 10, 21, 50, 15000, tzinfo=UTC)
    assert draft.published == page
    assert stamps(draft) == {
        "page": (page, "body:div-i"),
        "feed": (datetime(2024, 3, 30, 10, 47, 4, tzinfo=UTC), "feedx:comment-epoch"),
        "published": (page, "body:div-i"),
    }
    assert draft.author is None
    assert [i.url for i in draft.images] == [
        f"https://static.dw.com/image/{n}_303.jpg"
        for n in (68278387, 46982422, 59635817, 66768901, 53538398, 66713587, 49748778, 49748745)
    ]
    assert draft.images[0].caption == "美国正在积极说服盟友进一步限制向中国出口与先进芯片有关的产品"
    # Gallery pictures are captioned by their own cell's text.
    assert draft.images[1].caption is not None
    assert draft.images[1].caption.startswith('"中国芯"：“中国芯”的提法在2000年代初')
    assert draft.images[-1].caption is not None
    assert draft.images[-1].caption.startswith("道阻且长：依靠自己的力量")
    assert "2024-03-30T10:21:50" not in draft.text
    assert draft.text.startswith(
        "美国正在积极说服盟友进一步限制向中国出口与先进芯片有关的产品\n（德国之声中文网）"
    )
    assert "相关图集：中国芯片产业发展至今，赢了吗？" in draft.text
    assert_no_junk(draft)

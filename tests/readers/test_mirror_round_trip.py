"""The cases the whole-corpus round trip (`test_mirror_corpus.py`) found, each on the
smallest piece of the corpus file that shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsarchive.export.mirrors import MIRROR_WRITERS
from newsarchive.model import Draft
from newsarchive.readers import parse_file
from newsarchive.readers.dates import parse_date
from newsarchive.readers.errors import ReadError
from newsarchive.readers.sources import RawFile
from tests.readers.test_mirror_corpus import as_record, differences


def _read(text: str, member: str = "_posts/x.md") -> Draft:
    result = parse_file(RawFile(member, member, text.encode("utf-8")))
    assert not isinstance(result, ReadError), result
    return result[0]


def _round_trips(draft: Draft) -> None:
    record = as_record(draft, 1)
    for fmt, (path_of, render) in MIRROR_WRITERS.items():
        again = _read(render(record), path_of(record))
        assert differences(draft, again) == [], fmt


# jekyll-waimei: archived/2020-10-25/2020-10-25-喀麦隆英语区学校遇袭 … – 法国国际广播电台 - RFI.md
# (cut to its header and first paragraph). 02:35 on 25 October 2020 happened twice in
# Paris (summer time ended at 03:00).
RFI_AMBIGUOUS_HOUR = """---
layout: post
title: "喀麦隆英语区学校遇袭 至少8学童丧命12人受伤 – 法国国际广播电台 - RFI"
date: 2020-10-25T01:56:06.000Z
author: 法广
from: http://www.rfi.fr//cn/contenu/20201025-cameroon
tags: [ 法广 ]
categories: [ 法广 ]
---
<!--1603590966000-->
[喀麦隆英语区学校遇袭 至少8学童丧命12人受伤 – 法国国际广播电台 - RFI](http://www.rfi.fr//cn/contenu/20201025-cameroon)
------

<div>
<div>25/10/2020 - 02:35</div><div class="t-content__body u-clearfix">            <p>（法新社喀麦隆昆巴24日电）    联合国表示，持枪和砍刀的攻击者今天袭击喀麦隆西南部城市昆巴（Kumba）一所双语学校，造成至少8名学童丧命和12人受伤。</p></div>
</div>
"""


def test_an_hour_the_clock_showed_twice_comes_back_equal() -> None:
    draft = _read(RFI_AMBIGUOUS_HOUR)
    assert draft.published is not None
    assert draft.published.utcoffset() == timedelta(hours=2)  # the first of the two hours
    assert draft.published == datetime(2020, 10, 25, 0, 35, tzinfo=UTC)
    _round_trips(draft)


@pytest.mark.parametrize(
    ("shown", "offset"),
    [("25/10/2020 - 02:35", 2), ("25/10/2020 - 03:35", 1), ("29/06/2020 - 05:50", 2)],
)
def test_paris_times_keep_the_offset_the_clock_showed(shown: str, offset: int) -> None:
    when = parse_date(shown)
    assert when is not None and when.utcoffset() == timedelta(hours=offset)
    assert when == when.astimezone(UTC)  # comparable with any fixed offset


# jekyll-waimei: archived/nei.st/2019-12-25-中国受形势所迫弱化减煤行动.md (its chart box,
# an ai2html export whose labels are SVG <tspan>s in HTML headings, and one paragraph).
NEIST_CHART = """---
layout: post
title: "中国受形势所迫弱化减煤行动"
date: 2019-12-25T09:19:57+00:00
author: Nei.st
from: https://nei.st/medium/wsj/in-tougher-times-china-falls-back-on-coal
tags: [ Nei.st ]
categories: [ Nei.st ]
---

<article class="post-12756 post type-post status-publish format-standard hentry category-wsj" id="post-12756">
 <div class="entry-content aesop-entry-content" id="post-12756-content">
  <p>
   中国北方地区的一些居民和工厂曾在冬天时没有供暖和燃料。
  </p>
  <div class="ai2html_export" id="g-CCOAL-box">
   <h3 class="djai2html-headline">
    <tspan class="g-pstyle0">
     Green Commitments
    </tspan>
    <br/>
   </h3>
   <h4 class="djai2html-leadin">
    <tspan>
     Beijing remains on track to meet its Paris Agreement emission targets.
    </tspan>
    <br/>
   </h4>
   <div class="g-artboard"><svg><text>2,000 MW</text></svg><math><mi>x</mi></math></div>
  </div>
 </div>
</article>
"""


def test_text_the_html_shows_survives_the_sanitizer_and_the_round_trip() -> None:
    draft = _read(NEIST_CHART)
    assert "Green Commitments" in draft.text and "Green Commitments" in draft.html
    assert "Paris Agreement" in draft.html and "<tspan" not in draft.html
    # What the sanitizer removes with its content is not text either.
    assert "2,000 MW" not in draft.text and "x" not in draft.text.split("\n")
    _round_trips(draft)

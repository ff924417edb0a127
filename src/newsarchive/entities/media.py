"""Outlets named as a source: 据 X 报道 (据信报报道, 据《中国新闻周刊》微信公众号报道,
据国家卫健委网站消息). News cites its sources in a fixed phrase, so what stands between
据 and 报道 is a name even when the dictionary does not know it (信报, 政知见), and
short forms (央视, 中新网) are found the same way."""

from __future__ import annotations

import re

from newsarchive.entities.concepts import plain_tagger
from newsarchive.entities.mention import Mention

_SOURCE = re.compile(
    r"据[《“\"]?(?P<name>[\u4e00-\u9fff]{2,10}?)[》”\"]?"
    r"(?:微信公众号|微信公号|官方网站|网站|官网|官方微博|微博|的)?"
    r"(?:报道|报导|消息|援引|引述|披露)"
)
_NOT_SOURCE_TAGS = frozenset({"vn", "v", "a", "ad", "an", "d", "l", "i", "r", "s", "t", "f"})
# What stands there without being a name: media in general, people, officials.
_NOT_SOURCES = ("媒体", "媒", "人士", "官员", "官方", "方面", "报告", "知情者", "消息人士")


def media_mentions(text: str) -> list[Mention]:
    out = []
    for match in _SOURCE.finditer(text):
        name = match.group("name")
        if name.endswith(_NOT_SOURCES):
            continue
        tokens = plain_tagger().tag(name, False)
        if len(tokens) == 1 and tokens[0][1] in _NOT_SOURCE_TAGS:
            continue  # 据调查报道, 据当地消息 (a noun may be a paper: 据信报报道)
        start = match.start("name")
        out.append(Mention(name, "org", start, start + len(name), False))
    return out

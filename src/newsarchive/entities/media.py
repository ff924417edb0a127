"""Outlets named as a source: 据 X 报道 (据信报报道, 据《中国新闻周刊》微信公众号报道,
据国家卫健委网站消息). News cites its sources in a fixed phrase, so what stands between
据 and 报道 is a name even when the dictionary does not know it (信报, 政知见), and
short forms (央视, 中新网) are found the same way. And the people its credit lines name
(译者, 编译, 责编 ...: `credit_mentions`), whom the labelling rules count as the
article's reporters."""

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


# Credit lines: who wrote, translated or edited the article (中央社 "（译者：刘文瑜/核稿：
# 曾依璇）", Reuters "编译 汪红英/白云; 审校 王颖/李春喜", RFA "责编 许书婷 网编 瑞哲").
# The role and a colon or space, then names of 2-4 characters standing alone, apart by
# slashes, 、 or spaces. A name there is a person whatever the dictionary makes of it (白云
# is a cloud to it); without the colon or space the role is prose (总编辑胡锡进在).
_CREDIT_ROLES = ("译者", "核稿", "编译", "审校", "责任编辑", "责编", "网编", "编辑", "撰稿", "校对")
_CREDIT = re.compile(f"(?:{'|'.join(_CREDIT_ROLES)})" r"(?:[ \t]*[：:][ \t]*|[ \t]+)")
_CREDIT_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}(?![\u4e00-\u9fff])")
_CREDIT_APART = re.compile(r"[ \t]*[/／、][ \t]*|[ \t]+")
# Deutsche Welle's closing line: the authors apart by slashes, then the agencies in
# brackets ("李京慧/苗子 （据德新社）").
_AUTHORS_LINE = re.compile(
    r"^[ \t]*([\u4e00-\u9fff]{2,4}(?:[ \t]*[/／][ \t]*[\u4e00-\u9fff]{2,4})+)[ \t]*[（(]", re.M
)


def credit_mentions(text: str) -> list[Mention]:
    """The people an article's credit lines name (see `_CREDIT`)."""
    out: list[Mention] = []
    for match in _CREDIT.finditer(text):
        at = match.end()
        while (name := _CREDIT_NAME.match(text, at)) is not None:
            if name.group() in _CREDIT_ROLES:
                break  # the next credit (编译：李昕颐/核稿：张佑之): its own match
            out.append(Mention(name.group(), "person", name.start(), name.end(), False))
            apart = _CREDIT_APART.match(text, name.end())
            if apart is None:
                break
            at = apart.end()
    for line in _AUTHORS_LINE.finditer(text):
        at = line.start(1)
        for author in re.split(r"[ \t]*[/／][ \t]*", line.group(1)):
            at = text.index(author, at)
            out.append(Mention(author, "person", at, at + len(author), False))
            at += len(author)
    return out

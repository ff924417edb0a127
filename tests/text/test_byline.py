"""Reporters read from the opening credit line, and only from there."""

from __future__ import annotations

import pytest

from newsarchive.extract.metadata import author_from_text
from newsarchive.text.byline import reporters_from_credit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("【大纪元2021年01月14日讯】（大纪元记者程木兰报导）北京当局发布", "程木兰"),
        ("【大纪元2020年09月09日讯】（大纪元记者张家熙香港综合报导）政府推行的", "张家熙"),
        (
            "【大纪元2021年01月13日讯】（大纪元记者徐简、戴芙若、李言综合报导）根据",
            "徐简、戴芙若、李言",
        ),
        ("【大纪元2020年10月16日讯】（大纪元记者李睿悉尼采访报导）在美国", "李睿"),
        ("【看中国2020年8月18日讯】（看中国记者李怀橘报导）昨日", "李怀橘"),
        ("（大纪元特约记者林丹纽约报导）警方", "林丹"),
        ("【大紀元2021年01月14日訊】（大紀元記者駱亞、周蘭採訪報導）1月12日", "駱亞、周蘭"),
    ],
)
def test_credit_names_the_reporters(text: str, expected: str) -> None:
    assert reporters_from_credit(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Name glued to an unknown place and a date: not split, not guessed.
        "（中央社記者張雄風台北10日電）經濟部今天",
        # A photo credit, and 记者 inside a sentence.
        "资料照。(Photo by Andrea Hanks) 【大纪元】",
        "国安部新闻办以答记者问的形式报导了此事（新华社）",
        # A credit that is not at the start of the text.
        "美国总统当选人拜登1月8日抨击。（大纪元记者刘毅报导）",
        # What is left is too long to be a name.
        "（大纪元记者一个很长很长的不是名字的东西报导）正文",
    ],
)
def test_no_reporter_without_a_clean_opening_credit(text: str) -> None:
    assert reporters_from_credit(text) is None


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        ("By Jane Q. Doe\nWASHINGTON — The", "Jane Q. Doe"),
        ("作者：刘向南 云南杨维骏老先生去世。", "刘向南"),
        ("【大纪元2021年03月01日讯】（大纪元记者张北综合报导）中共", "张北"),
        ("资料照。(Photo by Andrea Hanks) 【大纪元】", None),
        ("U.S. Navy photo by Mass Communication Specialist", None),
    ],
)
def test_extraction_byline_fallback(lead: str, expected: str | None) -> None:
    assert author_from_text(lead) == expected

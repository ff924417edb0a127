"""Shared helpers for the reader tests."""

from __future__ import annotations

from pathlib import Path

from newsarchive.model import Capture, Draft
from newsarchive.readers import ReadError, read_path

DATA = Path(__file__).resolve().parent.parent / "data" / "readers"
SEEDS = DATA / "seeds"


def read_one(path: Path) -> tuple[Draft, Capture]:
    results = list(read_path(path))
    assert len(results) == 1, results
    result = results[0]
    assert not isinstance(result, ReadError), str(result)
    return result


def read_error(path: Path) -> ReadError:
    results = list(read_path(path))
    assert len(results) == 1, results
    result = results[0]
    assert isinstance(result, ReadError), f"{path.name} was read as an article"
    return result


# What no article's text or HTML may contain: the mirrors' and aggregators' additions.
MIRROR_JUNK = (
    "获取更多RSS",
    "feedx",
    "weserv",
    "手机上长按",
    "原文地址",
    "翻墙",
    "退出中共组织",
    "诚征荣誉会员",
    "本文短网址",
    "gfw-breaker",
    "div-gpt-ad",
    "adsbygoogle",
    "<script",
    "<!--",
    "layout: post",
)


def assert_no_junk(draft: Draft) -> None:
    for junk in MIRROR_JUNK:
        assert junk not in draft.text, f"{junk!r} in text"
        assert junk not in draft.html, f"{junk!r} in html"

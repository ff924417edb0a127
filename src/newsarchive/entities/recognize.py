"""Recognising the people, organisations and places an article names.

The base is jieba's part-of-speech dictionary (`chinese.py`). On the annotated sample (bench/entities.py) the tags alone are far
from the targets, so four rules sit on top, each for a failure measured there:

1. The lexicon's names (``lexicon.tsv`` and the shared alias table) are words of this
   tagger's own dictionary, so 长江存储科技股份有限公司 or 中芯国际 are cut whole (the
   default dictionary cuts them into 长江/存储/... and 中/芯/国际).
2. Long organisation names are merged: a registered suffix (有限公司, 大学, 研究院 ...)
   takes the proper and noun tokens before it, trimmed to start at a proper token.
3. Latin-script names (IC Insights, YMTC) are found by their capitals; written in
   brackets right after a Chinese name they are that name's alias, not a new entity.
4. What only looks like a name (a surname run without a role or speech around it, an
   unknown capitalised Latin word) is kept as *weak*: it counts once the archive sees the
   same name from two outlets (`queries.py` applies that at read time; a name that
   recurs across outlets is a name, a one-off accident is not). Dictionary words the
   tags only suggest (two-character 'nr', 'nz', 'nrt') are not kept at all: they are
   common words as often as names, and recur across outlets just the same; but an
   'nr'/'nrt' word of 3+ characters made only of transliteration sounds (普拉蒂尼) is a
   foreign name, weak once and strong when the article writes it twice.

Places also come from the gazetteer (`places.tsv`, built by `build_places` from packaged
GeoNames, ISO 3166 and CLDR data), the lexicon's third source and words of the tagger.

Text is folded to simplified script first (jieba's dictionary is simplified). Rules 1-2
and the Chinese half of 4 live in `chinese.py`, rule 3 in `latin.py`, their word lists in
`words.py`; this module joins the mentions into entities and applies the article-wide
context (商务部, place suffixes, short forms of full names).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from newsarchive.entities.chinese import name_tagger, tagged_mentions
from newsarchive.entities.latin import latin_mentions
from newsarchive.entities.lexicon import Entity, Lexicon, fold, lexicon, middle_dots
from newsarchive.entities.media import credit_mentions, media_mentions
from newsarchive.entities.mention import Mention
from newsarchive.text.script import to_simplified
from newsarchive.text.segment import nfkc


@dataclass(frozen=True, slots=True)
class Found:
    """One entity an article names: how often, and whether only weakly (see rule 4)."""

    entity: Entity
    mentions: int
    weak: bool


# 商务部 alone: whose ministry depends on the article (see `_commerce_context`).
_BARE_COMMERCE = "商务部"
_COUNTRY_COMMERCE = {"usa": "us-commerce", "china": "cn-commerce"}


def _commerce_context(text: str, found: Counter[str], lex: Lexicon) -> Entity | None:
    """The ministry a bare 商务部 means: one the article names in full, else the US one
    when the article is about the US (美国 named more often than 中国), else the Chinese
    one when it is about China."""
    for entity_id in ("us-commerce", "cn-commerce"):
        if found[entity_id]:
            return lex.by_id(entity_id)
    us = text.count("美国") + text.count("美方")
    cn = text.count("中国") + text.count("中方") + text.count("中共")
    if us > cn:
        return lex.by_id("us-commerce")
    if cn > us:
        return lex.by_id("cn-commerce")
    return None


_TITLE = re.compile(r"《([^《》\n]{1,60})》")
_PLACE_SUFFIXES = ("特别行政区", "特区", "地区", "省", "市")


def _place_stem(form: str, lex: Lexicon) -> str:
    """甘肃省, 昆明市, 澳门特区 name the places 甘肃, 昆明, 澳门: one entity each. A
    form no source knows goes to a stem the dictionary has; a known one to a stem that
    is a known place (台中市 of the gazetteer and 台中 of the shared table)."""
    known = lex.resolve(form)
    for suffix in _PLACE_SUFFIXES:
        stem = form.removesuffix(suffix)
        if stem == form or len(stem) < 2:
            continue
        if known is None and name_tagger().has_word(stem):
            return stem
        if known is not None:
            place = lex.resolve(stem)
            if place is not None and place.kind == "place":
                return stem
    return form


def _inside_title(mention: Mention, titles: list[tuple[int, int]]) -> bool:
    """Whether `mention` lies inside one of `titles` (spans in text order, apart: 《》
    stand between two) without being all of it. Only the last title starting at or
    before the mention can hold it: the ones before it end before that one starts."""
    k = bisect_right(titles, (mention.start, _AFTER_ANY)) - 1
    if k < 0:
        return False
    start, end = titles[k]
    return mention.end <= end and (mention.start, mention.end) != (start, end)


_AFTER_ANY = 1 << 62  # sorts after any end offset


def recognize(title: str, text: str, lex: Lexicon | None = None) -> list[Found]:
    """The entities an article names, most mentioned first."""
    lex = lex or lexicon()
    # `nfkc` is unicodedata's NFKC by a cheaper path (tests/text/test_segment.py checks
    # that they agree): 0.03 against 0.14 ms an article (2,000 Jekyll articles).
    folded = to_simplified(nfkc(f"{title}\n{text}"))
    folded = middle_dots(folded)
    cjk = tagged_mentions(folded, lex)
    latin, bracketed = latin_mentions(folded, lex, cjk)
    sources = media_mentions(folded) + credit_mentions(folded)
    if sources:
        taken = {(m.start, m.end) for m in sources}
        cjk = [m for m in cjk if not any(s <= m.start and m.end <= e for s, e in taken)]
    # A name inside a title that is more than the name (海南 of 《海南自由贸易港建设总体
    # 方案》) is part of a document's title, not named by the article; a whole title
    # (《纽约时报》) is a publication.
    titles = [(t.start(1), t.end(1)) for t in _TITLE.finditer(folded)]
    if titles:
        cjk = [m for m in cjk if not _inside_title(m, titles)]
    counts: Counter[str] = Counter()
    strong: set[str] = set()
    entities: dict[str, Entity] = {}
    bare_commerce = 0
    # 拉塞尔 after 马丁·拉塞尔 in one article is the same person.
    short = {m.form.rsplit("·", 1)[1]: m.form for m in cjk if "·" in m.form and m.kind == "person"}
    for mention in cjk:
        if mention.form in short:
            mention.form, mention.kind, mention.weak = short[mention.form], "person", False
            mention.guess = False
    cjk = [m for m in cjk if not m.guess]
    named = {lex.entity(m.form, m.kind).id for m in cjk + sources}
    named |= {lex.entity(m.form, m.kind).id for m in latin if not m.guess}
    latin = [m for m in latin if not m.guess or lex.entity(m.form, m.kind).id in named]
    for mention in cjk + latin + sources:
        if mention.kind == "place" and mention.form.endswith(_PLACE_SUFFIXES):
            mention.form = _place_stem(mention.form, lex)
        entity = lex.entity(mention.form, mention.kind)
        if entity.id == "commerce" or fold(mention.form) == _BARE_COMMERCE:
            bare_commerce += 1
            continue
        entities.setdefault(entity.id, entity)
        counts[entity.id] += 1
        if not mention.weak:
            strong.add(entity.id)
    if bare_commerce:
        ministry = _commerce_context(folded, counts, lex) or lex.by_id("commerce")
        if ministry is not None:
            entities.setdefault(ministry.id, ministry)
            counts[ministry.id] += bare_commerce
            strong.add(ministry.id)
    # A bracketed Latin form confirms the name before it (中芯国际（SMIC）).
    for name_form in bracketed.values():
        strong.add(lex.entity(name_form).id)
    return [Found(entities[k], n, k not in strong) for k, n in counts.most_common()]

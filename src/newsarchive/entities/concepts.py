"""Rows of the mined alias table that are concepts, not names.

The table (`newsarchive.names`) pairs any Chinese phrase with the English written after
it in brackets, so beside 华为（Huawei）it holds 居民消费价格指数（CPI）, 武汉肺炎
（COVID-19）, 外交政策（Foreign Policy）and 华为首席财务官（CFO）. Its forms are words of
the recogniser's dictionary (they cut real names whole), but a row only counts as an
entity when its name looks like one.
"""

from __future__ import annotations

from functools import lru_cache

import rjieba

from newsarchive.entities.lexicon import Entity, Lexicon
from newsarchive.entities.words import COMMON_TAGS, CONCEPT_ENDINGS, ROLE_ENDINGS
from newsarchive.text.script import to_simplified
from newsarchive.text.segment import _segmenter


def plain_tagger() -> rjieba.Jieba:
    """jieba's standard dictionary, for what it says of a word before the lexicon's:
    the search segmenter's own instance (same dictionary), so a worker process that
    indexes and recognises loads it once (a second load cost ~0.3 s a process)."""
    tagger: rjieba.Jieba = _segmenter()
    return tagger


def mined_concept(entity: Entity, lex: Lexicon, form: str = "") -> bool:
    """Whether `entity`, named by `form`, is a concept, a role or a common word that
    only the mined table lists (lexicon.tsv rows are hand-checked: never)."""
    if lex.by_id(entity.id) is not None:
        return False
    if entity.en and entity.en.islower():
        return True  # possibilities, not a name
    for word in {_simplified(entity.name), form} - {""}:
        if word.endswith(CONCEPT_ENDINGS):
            return True
        if entity.kind != "person" and word.endswith(ROLE_ENDINGS):
            return True
    if not form or not form[0] >= "\u3400":
        return False
    return _common_word(form)


# The recogniser asks about the same names in article after article: a name's folding
# and the standard dictionary's word for a form are remembered (both depend on the
# text alone), which took a tagger call and an OpenCC call off each lookup.
_simplified = lru_cache(maxsize=100_000)(to_simplified)


@lru_cache(maxsize=100_000)
def _common_word(form: str) -> bool:
    """Whether jieba's standard dictionary has `form` as one common word."""
    tokens = plain_tagger().tag(form, False)
    return len(tokens) == 1 and tokens[0][1] in COMMON_TAGS

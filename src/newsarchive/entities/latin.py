"""Latin-script names in Chinese prose (IC Insights, YMTC, CNN), and the bracketed ones
that are the alias of the Chinese name just before them (马丁·拉塞尔(Martijn Rasser))."""

from __future__ import annotations

import re

from newsarchive.entities.chinese import name_tagger
from newsarchive.entities.concepts import mined_concept
from newsarchive.entities.lexicon import Lexicon
from newsarchive.entities.mention import Mention
from newsarchive.entities.words import (
    CJK,
    CLOSE,
    LATIN,
    LATIN_STOP,
    NOT_NAMES,
    OPEN,
    PROPER_TAGS,
    ROLE_ENDINGS,
    RUN_STOP_TAGS,
    TITLES,
)

# A person's name in Latin script: two or three capitalised words (Jeff Wilpon, Brodie
# Van Wagenen), not acronyms.
_TITLED = re.compile(r"[A-Z][a-z][A-Za-z'-]*")
_PERSON = re.compile(r"[A-Z][a-z][A-Za-z'-]*(?: [A-Z][a-z][A-Za-z'-]*){1,3}")
# What joins a foreign name's parts: the middle dot, or a hyphen (鲁本-纳瓦雷特).
_JOINERS = "·-"
_CAMEL = re.compile(r"(?=.*[a-z].*[A-Z]|[A-Z]{2,}[A-Z][a-z])(?:[A-Z]{2,}|[A-Z][a-z]{2,}){2,}")
_RUN_BEFORE = 8  # characters of Chinese looked at before a bracketed Latin name


def _name_before(text: str, opened: int) -> str | None:
    """The Chinese name that ends right before a bracket at `opened`: the last tokens of
    the run before it that are proper names or single characters (the pieces of an
    unknown transliteration), e.g. 营运长威尔彭 -> 威尔彭."""
    run = ""
    for char in reversed(text[max(0, opened - _RUN_BEFORE) : opened]):
        if not CJK.match(char) and char not in _JOINERS:
            break
        run = char + run
    tokens = name_tagger().tag(run, False) if run else []
    name = ""
    for word, tag in reversed(tokens):
        piece = len(word) == 1 and tag not in RUN_STOP_TAGS
        if not (tag in PROPER_TAGS or piece or word in _JOINERS) or word.endswith(ROLE_ENDINGS):
            break
        name = word + name
    name = name.strip(_JOINERS)
    # A role the dictionary cut into pieces (主/席曼 of 主席曼佛瑞德) is not the name.
    name = next((name[len(t) :] for t in TITLES if name.startswith(t)), name)
    return name if 2 <= len(name) <= 7 and name not in NOT_NAMES else None


def latin_mentions(
    text: str, lex: Lexicon, cjk: list[Mention]
) -> tuple[list[Mention], dict[str, str]]:
    """Latin-script names, and the bracketed ones that are aliases of the Chinese name
    just before them (returned as alias form -> that name's form). A Chinese name found
    from its bracketed Latin spelling replaces the pieces of it in `cjk`."""
    ends = {m.end: m for m in cjk}
    out: list[Mention] = []
    aliases: dict[str, str] = {}
    for match in LATIN.finditer(text):
        form = match.group().strip(" .'-&")
        if len(form) < 2 or form.upper() in LATIN_STOP:
            continue
        before = match.start() - 1
        after = match.end()
        while after < len(text) and text[after] == " ":
            after += 1
        if before >= 0 and text[before] in OPEN and after < len(text) and text[after] in CLOSE:
            opened = before
            while opened > 0 and text[opened - 1] == " ":
                opened -= 1
            name = _name_before(text, opened) if _PERSON.fullmatch(form) else None
            if opened in ends and (name is None or len(name) <= len(ends[opened].form)):
                aliases[form] = ends[opened].form
                continue
            if name is not None:
                # 范维格南（Brodie Van Wagenen）: news writes a foreign person's name
                # once with its original spelling, so the run before it is that name
                # (and 密尔顿 of 韩密尔顿 only a piece of it).
                start = opened - len(name)
                cjk[:] = [m for m in cjk if m.end <= start or m.start >= opened]
                out.append(Mention(name, "person", start, opened, False))
                aliases[form] = name
                continue
        known = lex.resolve(form)
        if known is not None and mined_concept(known, lex):
            continue
        if known is not None:
            # A bare surname (Judge, Smith: the mined table adds a person's last Latin
            # word) is that person only beside another form of the name (`guess`).
            bare = known.kind == "person" and " " not in form and " " in (known.en or "")
            out.append(Mention(form, known.kind, match.start(), match.end(), False, bare))
            continue
        # In Chinese prose a capitalised Latin word is nearly always a name (Nokia,
        # TikTok, CNN); which ones are, the outlet statistics decide (weak). Two or
        # more capitalised words (Barbara Cegavske, Edison Research) are a name.
        if _PERSON.fullmatch(form):
            out.append(Mention(form, "person", match.start(), match.end(), False))
        elif len(form) >= 3 or len(form.split()) >= 2:
            # Capitalised words (Edison Research), or a word made of capitalised
            # words and acronyms (DailyNK, YouGov, US MissionCN: a brand's or an
            # outlet's name), are names; one capitalised word (Talk) or capitals only
            # (KYC, FRAND) may be a term, mixed letters a code (JMdecZZ): the outlet
            # statistics decide those.
            words = form.split()
            titled = len(words) >= 2 and all(_TITLED.fullmatch(w) for w in words)
            camel = any(_CAMEL.fullmatch(w) for w in words)
            out.append(Mention(form, "org", match.start(), match.end(), not (titled or camel)))
    return out, aliases

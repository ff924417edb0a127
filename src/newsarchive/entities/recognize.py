"""Recognising the people, organisations and places an article names.

The base is jieba's part-of-speech dictionary (jieba-rs through ``rjieba``, the segmenter
search already ships; HMM off: it cost 19 ms an article against 2.6 ms and its guesses
were mostly noise). On the annotated sample (bench/entities.py) the tags alone are far
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
   common words as often as names, and recur across outlets just the same.

Text is folded to simplified script first (jieba's dictionary is simplified).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache

import rjieba

from newsarchive.entities.lexicon import Entity, Lexicon, fold, lexicon
from newsarchive.text.script import to_simplified

# Role words a person's name follows (部长肖亚庆, 记者夏小华): with HMM off such names
# come as single characters, so a surname after one of these starts a name.
_TITLES = frozenset(
    [
        "部长",
        "副部长",
        "记者",
        "主任",
        "发言人",
        "总裁",
        "董事长",
        "总书记",
        "主席",
        "总理",
        "总统",
        "所长",
        "院长",
        "教授",
        "研究员",
        "分析师",
        "总监",
        "外长",
        "首相",
        "责编",
        "网编",
        "编辑",
        "总经理",
        "创办人",
        "创始人",
        "大使",
        "局长",
        "市长",
        "省长",
    ]
)
_FUNCTION_TAGS = frozenset({"p", "v", "c", "r", "uj", "ul", "uz", "ug", "uv", "ud", "y", "m", "q"})
_CJK = re.compile(r"^[\u3400-\u9fff]+$")
# Common words jieba's dictionary tags as names or places (seen in corpus articles).
NOT_NAMES = frozenset(
    [
        "外国",
        "回国",
        "三国",
        "大国",
        "各国",
        "两国",
        "本国",
        "全国",
        "祖国",
        "中外",
        "国外",
        "海外",
        "国内",
        "许可证",
        "远非",
        "关联",
        "新政府",
        "显微镜",
        "已达成",
        "封锁",
        "曝光",
        "美国化",
        "半壁江山",
        "高科技",
        "纳米",
        "奈米",
        "多达",
        "比达",
        "对华",
        "通讯",
        "明星",
        "大跃进",
        "印发",
        "中文网",
        "集成电路",
        "民主联盟",
        "美国大学",
        "中国电信",
    ]
)
_TAG_KIND = {"nt": "org", "ns": "place", "nr": "person", "nrfg": "person", "nz": "other"}
# Suffixes that make the tokens before them an organisation's name (longest first).
ORG_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "研究中心",
    "研究院",
    "研究所",
    "委员会",
    "通讯社",
    "电视台",
    "基金会",
    "交易所",
    "集团",
    "大学",
    "学院",
    "银行",
    "电台",
    "公司",
)
_SKIP_TAGS = frozenset(
    {
        "x",
        "m",
        "uj",
        "ul",
        "uz",
        "ug",
        "uv",
        "ud",
        "p",
        "c",
        "d",
        "r",
        "y",
        "e",
        "o",
        "ad",
        "f",
        "v",
    }
)
_SUFFIX_ENDS = frozenset(s[-1] for s in ORG_SUFFIXES)
# A plain 公司 or 集团 after only a place and common nouns is a description
# (美国芯片公司), not a name.
_GENERIC_SUFFIXES = frozenset({"公司", "集团"})
_PROPER_TAGS = frozenset({"ns", "nt", "nz", "nr", "nrfg", "nrt", "j", "eng"})
_NOUNISH_TAGS = _PROPER_TAGS | {"n", "vn", "an", "nl", "ng"}
_MAX_MERGE_TOKENS = 6
# Common surnames: a three-character 'nr' starting with one is a name; two-character
# 'nr' tokens (紫光, 高阶, 亚太 in the sample) are mostly not.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤温苗柯詹邢洪翁甘包祝左裴骆鲍欧阳岳施牛季庞"
)
# Runs of single characters are where the dictionary (HMM off) left an unknown word.
# A run starting with a surname is a name; these tags end a run (function words).
_RUN_STOP_TAGS = frozenset({"p", "c", "uj", "ul", "uz", "ug", "uv", "ud", "y", "r", "x", "e", "o"})
# What follows a person's name in news prose: speech verbs, a date, a bracket.
_AFTER_NAME = frozenset(
    [
        "表示",
        "说",
        "指出",
        "称",
        "认为",
        "强调",
        "透露",
        "坦言",
        "回应",
        "质询",
        "说明",
        "提到",
        "介绍",
        "宣布",
        "接受",
        "告诉",
        "呼吁",
        "也",
        "则",
        "今天",
        "日前",
        "昨天",
        "此前",
        "等",
        "曾",
        "在",
        "对",
        "与",
        "和",
        "任",
        "为",
    ]
)
# Characters that end a two-character name rather than being its third (彭斯将 -> 彭斯).
_NOT_THIRD = frozenset("将在是也已曾称说和与对向被把从就都还又再的了")
# How the dictionary tags a surname standing alone (高 as 'a' is the adjective: 高达).
_SURNAME_TAGS = frozenset({"nr", "zg", "ng", "n", "nz", "ns", "vg", "j", "tg", "b", "ag"})
_ROLE_ENDINGS = ("员", "长", "官", "者", "师", "家", "人", "主任", "主席", "总统", "书记", "代表")
# Capitalised words and acronyms, with inner spaces, dots, ampersands and digits.
_LATIN = re.compile(r"[A-Z][A-Za-z0-9&.'-]*(?:[ ][A-Z][A-Za-z0-9&.'-]*)*")
# Latin capitals that are words, units or technology, not names.
LATIN_STOP = frozenset(
    [
        "AI",
        "IT",
        "CEO",
        "CFO",
        "CTO",
        "EUV",
        "DUV",
        "GDP",
        "PC",
        "TV",
        "APP",
        "CPU",
        "GPU",
        "NAND",
        "DRAM",
        "RAM",
        "USB",
        "PDF",
        "HTML",
        "HTTP",
        "OK",
        "PM",
        "AM",
        "VS",
        "NO",
        "I",
        "A",
        "THE",
        "AND",
        "OF",
        "IN",
        "ON",
        "FOR",
        "TO",
        "BY",
        "LED",
        "LCD",
        "OLED",
        "VR",
        "AR",
        "IC",
        "PCB",
        "IOT",
        "IPO",
        "ETF",
        "R&D",
        "VIP",
        "DNA",
        "RNA",
        "PCR",
        "CT",
        "MRI",
        "CN",
        "EN",
        "GB",
        "NM",
        "MM",
        "KM",
        "KG",
        "PPT",
        "FAQ",
        "AIDS",
        "COVID",
        "PRO",
        "MAX",
        "WTO",
        "UN",
    ]
)
_OPEN, _CLOSE = "(（", ")）"


@dataclass(frozen=True, slots=True)
class Found:
    """One entity an article names: how often, and whether only weakly (see rule 4)."""

    entity: Entity
    mentions: int
    weak: bool


@dataclass(slots=True)
class _Mention:
    form: str
    kind: str
    start: int
    end: int
    weak: bool
    # A dictionary word the tags only suggest is a name (see below): it counts only as
    # the short form of a full name in the same article (拉塞尔 after 马丁·拉塞尔).
    guess: bool = False


@cache
def _tagger() -> rjieba.Jieba:
    """jieba's dictionary plus the lexicon's names, in an instance of its own (the
    search segmenter's dictionary must stay jieba's standard one)."""
    tagger = rjieba.Jieba()
    tags = {"org": "nt", "place": "ns", "person": "nr", "other": "nz"}
    for form, entity in lexicon().forms():
        folded = to_simplified(form)
        if _CJK.match(folded.replace("·", "")):
            tagger.add_word(folded, 100000, tags[entity.kind])
    return tagger


@cache
def _known_words() -> frozenset[str]:
    return frozenset(to_simplified(form) for form, _ in lexicon().forms())


def _merge_org(tokens: list[tuple[str, str]], i: int) -> int | None:
    """The first token of a long organisation name ending at token `i` (a registered
    suffix), or None when the tokens before it are no name."""
    word = tokens[i][0]
    if word[-1] not in _SUFFIX_ENDS:
        return None
    if len(word) >= 4 and (tokens[i][1] == "nt" or word in _known_words()):
        return None  # a whole name already (战略与国际研究中心)
    suffix = next((s for s in ORG_SUFFIXES if word.endswith(s)), None)
    if suffix is None:
        return None
    start = i
    while start > 0 and i - start < _MAX_MERGE_TOKENS:
        prev_word, prev_tag = tokens[start - 1]
        # Single characters outside the function words are pieces of an unknown word
        # (清/微 of 清微智能): part of the name.
        piece = len(prev_word) == 1 and prev_tag not in _FUNCTION_TAGS and prev_tag != "x"
        if not (prev_tag in _NOUNISH_TAGS or piece) or not _CJK.match(prev_word):
            break
        start -= 1
    # Trim leading common nouns: 制造商长江存储... starts at 长江.
    while start < i and tokens[start][1] not in _PROPER_TAGS and len(tokens[start][0]) > 1:
        start += 1
    if start == i:
        return None
    if suffix in _GENERIC_SUFFIXES and word == suffix:
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
    return len(token[0]) == 1 and token[1] not in _RUN_STOP_TAGS and bool(_CJK.match(token[0]))


def _surname_run(
    tokens: list[tuple[str, str]], offsets: list[int], i: int
) -> tuple[_Mention, int] | None:
    """A person's name the dictionary cut into single characters (刘/云/平), starting at
    token `i` (a surname): two characters when the run has two, else three. Strong
    when a role comes before it (议员刘云平) or speech, a date or punctuation after."""
    end = i
    while end + 1 < len(tokens) and _single(tokens[end + 1]) and end - i < 3:
        end += 1
    if end == i:
        return None
    last = i + 1 if end == i + 1 or tokens[i + 2][0] in _NOT_THIRD else i + 2
    name = "".join(w for w, _ in tokens[i : last + 1])
    before = tokens[i - 1][0] if i else ""
    after = tokens[last + 1] if last + 1 < len(tokens) else ("", "x")
    strong = (
        before.endswith(_ROLE_ENDINGS)
        or before in _TITLES
        or after[0] in _AFTER_NAME
        or after[1] in ("x", "m")
    )
    mention = _Mention(name, "person", offsets[i], offsets[i] + len(name), not strong)
    return mention, last + 1


def _tagged_mentions(text: str, lex: Lexicon) -> list[_Mention]:
    tokens = [(w, t) for w, t in _tagger().tag(text, False)]
    offsets = []
    pos = 0
    for word, _ in tokens:
        offsets.append(pos)
        pos += len(word)
    out: list[_Mention] = []
    i = 0
    while i < len(tokens):
        word, tag = tokens[i]
        # Transliterated names: 马丁·拉塞尔 (tokens around middle dots).
        if i + 2 < len(tokens) and tokens[i + 1][0] == "·" and _CJK.match(word):
            j = i
            while j + 2 < len(tokens) and tokens[j + 1][0] == "·" and _CJK.match(tokens[j + 2][0]):
                j += 2
            form = "".join(w for w, _ in tokens[i : j + 1])
            out.append(_Mention(form, "person", offsets[i], offsets[j] + len(tokens[j][0]), False))
            i = j + 1
            continue
        if tag in _SKIP_TAGS:
            i += 1  # punctuation, numbers, function words and verbs start no name
            continue
        if (
            len(word) == 1
            and word in _SURNAMES
            and (tag in _SURNAME_TAGS or (tag == "q" and i and tokens[i - 1][1] != "m"))
        ):
            found = _surname_run(tokens, offsets, i)
            if found is not None:
                out.append(found[0])
                i = found[1]
                continue
        start = _merge_org(tokens, i) if tag in _NOUNISH_TAGS else None
        if start is not None and start < i:
            form = "".join(w for w, _ in tokens[start : i + 1])
            out[:] = [m for m in out if m.start < offsets[start]]
            known = lex.resolve(form)
            out.append(
                _Mention(
                    form,
                    known.kind if known else "org",
                    offsets[start],
                    offsets[i] + len(word),
                    False,
                )
            )
            i += 1
            continue
        if len(word) >= 2 and _CJK.match(word):
            known = lex.resolve(word)
            if known is not None:
                out.append(_Mention(word, known.kind, offsets[i], offsets[i] + len(word), False))
            elif word in NOT_NAMES:
                pass
            elif tag in ("nr", "nrt") and i and tokens[i - 1][0] in _SURNAMES and len(word) == 2:
                # HMM off, 田玉龙 comes as 田/玉龙: a surname before a name is its start.
                if out and out[-1].end == offsets[i - 1] + 1 and out[-1].start == offsets[i - 1]:
                    out.pop()
                out.append(
                    _Mention(
                        tokens[i - 1][0] + word, "person", offsets[i - 1], offsets[i] + 2, False
                    )
                )
            elif tag in ("nrfg", "ns", "nt") or (
                tag == "nr" and len(word) == 3 and word[0] in _SURNAMES
            ):
                # Two-character 'nr', 'nz' and 'nrt' words of the dictionary are left
                # out: kept as weak, the outlet statistics let in the common words
                # among them (祝福, 东西, 第一夫人), precision 0.60 -> 0.67 on the
                # held-out sample for 0.03 of recall (bench/entities.py).
                out.append(
                    _Mention(word, _TAG_KIND[tag], offsets[i], offsets[i] + len(word), False)
                )
            elif tag in ("nr", "nrt", "nz"):
                out.append(_Mention(word, "person", offsets[i], offsets[i] + len(word), True, True))
        i += 1
    return out


def _latin_mentions(
    text: str, lex: Lexicon, cjk: list[_Mention]
) -> tuple[list[_Mention], dict[str, str]]:
    """Latin-script names, and the bracketed ones that are aliases of the Chinese name
    just before them (returned as alias form -> that name's form)."""
    ends = {m.end: m for m in cjk}
    out: list[_Mention] = []
    aliases: dict[str, str] = {}
    for match in _LATIN.finditer(text):
        form = match.group().strip(" .'-&")
        if len(form) < 2 or form.upper() in LATIN_STOP:
            continue
        before = match.start() - 1
        after = match.end()
        while after < len(text) and text[after] == " ":
            after += 1
        if before >= 0 and text[before] in _OPEN and after < len(text) and text[after] in _CLOSE:
            opened = before
            while opened > 0 and text[opened - 1] == " ":
                opened -= 1
            if opened in ends:
                aliases[form] = ends[opened].form
                continue
        known = lex.resolve(form)
        if known is not None:
            out.append(_Mention(form, known.kind, match.start(), match.end(), False))
            continue
        # In Chinese prose a capitalised Latin word is nearly always a name (Nokia,
        # TikTok, CNN); which ones are, the outlet statistics decide (weak).
        if len(form) >= 3 or len(form.split()) >= 2:
            out.append(_Mention(form, "org", match.start(), match.end(), True))
    return out, aliases


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


_PLACE_SUFFIXES = ("特别行政区", "特区", "省", "市")


def _place_stem(form: str) -> str:
    """甘肃省, 昆明市, 澳门特区 name the places 甘肃, 昆明, 澳门: one entity each."""
    for suffix in _PLACE_SUFFIXES:
        stem = form.removesuffix(suffix)
        if stem != form and len(stem) >= 2 and _tagger().has_word(stem):
            return stem
    return form


def recognize(title: str, text: str, lex: Lexicon | None = None) -> list[Found]:
    """The entities an article names, most mentioned first."""
    lex = lex or lexicon()
    folded = to_simplified(unicodedata.normalize("NFKC", f"{title}\n{text}"))
    folded = folded.replace("•", "·").replace("・", "·")
    cjk = _tagged_mentions(folded, lex)
    latin, bracketed = _latin_mentions(folded, lex, cjk)
    counts: Counter[str] = Counter()
    strong: set[str] = set()
    entities: dict[str, Entity] = {}
    bare_commerce = 0
    # 拉塞尔 after 马丁·拉塞尔 in one article is the same person.
    short = {m.form.rsplit("·", 1)[1]: m.form for m in cjk if "·" in m.form}
    for mention in cjk:
        if mention.form in short:
            mention.form, mention.kind, mention.weak = short[mention.form], "person", False
            mention.guess = False
    cjk = [m for m in cjk if not m.guess]
    for mention in cjk + latin:
        if mention.kind == "place" and lex.resolve(mention.form) is None:
            mention.form = _place_stem(mention.form)
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

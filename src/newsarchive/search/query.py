"""Reading a user's query and compiling it to FTS5 match expressions.

Syntax: words are ANDed; ``a OR b``; ``-word`` excludes; ``"exact phrase"``. A query is
normalised exactly like documents (`segment_for_index`), so traditional, simplified,
full-width and mixed-language queries (``AI芯片``, ``中芯國際 SMIC``) meet the same tokens.

Each term compiles to two forms:

- *strict*: its tokens as an FTS5 phrase (one token: just that word). A document that
  matches it contains the term's words in order.
- *loose* (multi-token terms and quoted phrases only): a superset that also finds the
  term where it starts or ends inside an indexed word. jieba cuts a fragment copied
  from the middle of ``半导体产业发`` as ``导体/产业/发`` while the article was indexed as
  ``半导体/产业/发展``: the edge tokens disagree, the interior agrees. Loose drops the edge
  tokens from the phrase and asks the ``chars`` column for their characters instead; a
  document found only by the loose form is accepted after a substring check of the
  term on the document's folded text (`Term.needle`).

A single CJK character is matched exactly through the ``chars`` column (it is usually
part of a word, which a word index alone would miss).

What a query may cost is bounded here (issue #19, F1): a word typed twice is one word
(``a a`` finds what ``a`` finds; FTS5 and its BM25 cost grew with the square of the
repeats, 40 s for one word typed 300 times), and at most MAX_TERMS different words are
searched for; the rest of the query is ignored and reported (`ParsedQuery.ignored`), as
web search engines do with a pasted paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsarchive.text.regional import regional_spellings
from newsarchive.text.segment import fold, is_cjk, segment_folded
from newsarchive.text.variants import spellings

if TYPE_CHECKING:
    from newsarchive.names import AliasTable

_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"', "「": '"', "」": '"'})
_LEXEME = re.compile(r'"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+)|(?P<bad>")')
_TEXT_COLS = "{title body}"
_SPACE = re.compile(r"\s+")

# Different words (and phrases, and excluded words) searched for at most. Each costs a
# doclist walk and a BM25 term per matching article, and every word narrows an AND
# further: by 32 words a query is a pasted passage whose first words already find it.
# (Google's limit is 32 words too.) Repeats of a word are free: they are merged.
MAX_TERMS = 32
# Forms searched for one term at most (spellings, regional words and a name's aliases):
# each is a phrase in its OR clause; a name has a dozen forms at most once folded.
MAX_FORMS = 16


class QueryError(ValueError):
    """A malformed query; the message is written for the person who typed it."""


def _q(token: str) -> str:
    """An FTS5 string literal (tokens never contain quotes, but be safe)."""
    return '"' + token.replace('"', '""') + '"'


def _chars_expr(tokens: list[str]) -> str | None:
    chars = sorted({c for t in tokens if is_cjk(t) for c in t})
    if not chars:
        return None
    return "chars:(" + " AND ".join(_q(c) for c in chars) + ")"


@dataclass(slots=True)
class Term:
    text: str  # as typed
    tokens: list[str]
    quoted: bool
    negated: bool = False
    needle: str = ""  # folded, whitespace-free: what a loose match must contain
    # A Latin word as typed, when stemming changes it: matched too (see `_make_term`).
    typed: str | None = None
    # Another spelling of the term as typed (`_make_terms`): matched exactly, never
    # by the loose form, so a spelling variant never changes how a query runs.
    alternative: bool = False
    # Why a document holding this term matches: "word" (as typed, script-folded),
    # "variant" (another spelling or region's word) or "alias" (another form of a name).
    reason: str = "word"
    # The form searched for, folded, spaces kept (华为, huawei technologies): what a
    # hit's text is checked for to say why it matched (`search.why`).
    form: str = ""

    @property
    def single_char(self) -> bool:
        return len(self.tokens) == 1 and len(self.tokens[0]) == 1 and is_cjk(self.tokens[0])

    @property
    def needs_check(self) -> bool:
        """Whether documents found by the loose form must be checked by substring."""
        return (
            not self.alternative and not self.single_char and (self.quoted or len(self.tokens) > 1)
        )

    @property
    def key(self) -> tuple[object, ...]:
        """What decides how the term matches: two terms with one key are one term."""
        return (tuple(self.tokens), self.quoted, self.negated, self.needle, self.typed)

    def strict(self) -> str:
        if self.single_char:
            # chars decides the match; the word form only ranks (weight 0 on chars).
            c = _q(self.tokens[0])
            return f"({_TEXT_COLS}:{c} OR chars:{c})"
        if self.typed:
            return f"{_TEXT_COLS}:({_q(self.tokens[0])} OR {_q(self.typed)})"
        return f"{_TEXT_COLS}:{_q(' '.join(self.tokens))}"

    def cut_edges(self) -> tuple[list[str], list[str]]:
        """The loose form of a multi-token term: (the interior tokens, matched as a
        phrase; the edge tokens, matched by their characters). Only a CJK edge token can
        be a piece of a longer indexed word: numbers and Latin words are whole by
        construction, so they stay exact. (Shared by both backends' compilers.)"""
        toks = self.tokens
        first_cut, last_cut = is_cjk(toks[0]), is_cjk(toks[-1])
        inner = toks[int(first_cut) : len(toks) - int(last_cut)]
        cut = ([toks[0]] if first_cut else []) + ([toks[-1]] if last_cut else [])
        return inner, cut

    def loose(self) -> str:
        if not self.needs_check:
            return self.strict()
        toks = self.tokens
        if len(toks) == 1:
            found = _chars_expr(toks) or self.strict()
        else:
            inner, cut = self.cut_edges()
            parts = [f"{_TEXT_COLS}:{_q(' '.join(inner))}"] if inner else []
            chars = _chars_expr(cut)
            if chars:
                parts.append(chars)
            found = " AND ".join(parts)
        return f"({self.strict()} OR ({found}))"


@dataclass(slots=True)
class ParsedQuery:
    text: str
    clauses: list[list[Term]]  # AND of ORs
    excluded: list[Term] = field(default_factory=list)
    # The end of the query past MAX_TERMS different words, as typed: not searched for.
    ignored: str = ""

    @property
    def needs_check(self) -> bool:
        return any(t.needs_check for clause in self.clauses for t in clause)

    @property
    def cjk_needles_only(self) -> bool:
        """Whether every substring check is on CJK characters only; then the document
        needs only t2s folding (NFKC and lower-casing leave CJK ideographs alone, and
        NFKC is the costly part of `fold`)."""
        terms = [*self.positive_terms(), *self.excluded]
        return all(is_cjk(t.needle) for t in terms if t.needs_check)

    def positive_terms(self) -> list[Term]:
        return [t for clause in self.clauses for t in clause]

    def _expr(self, loose: bool) -> str:
        parts = []
        for clause in self.clauses:
            forms = [t.loose() if loose else t.strict() for t in clause]
            parts.append(forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")")
        expr = " AND ".join(parts)
        if self.excluded:
            expr = f"({expr}) NOT (" + " OR ".join(t.strict() for t in self.excluded) + ")"
        return expr

    def strict_expr(self) -> str:
        return self._expr(loose=False)

    def loose_expr(self) -> str:
        return self._expr(loose=True)

    def accepts(self, folded_doc: str) -> bool:
        """Substring check of a loose candidate (``folded_doc``: folded title + text with
        whitespace removed). Single words were already matched exactly by FTS5."""
        for clause in self.clauses:
            # An alternative spelling has no loose form, but a candidate the loose form
            # found must still hold it to pass on its account.
            if not any(
                t.needle in folded_doc if t.needs_check or t.alternative else True for t in clause
            ):
                return False
        return not any(t.needs_check and t.needle in folded_doc for t in self.excluded)


def _make_terms(
    text: str,
    *,
    quoted: bool,
    negated: bool,
    expand: bool = True,
    aliases: AliasTable | None = None,
) -> list[Term]:
    """The term as typed, then one term per other form a document may hold for it:
    another spelling (`variants.spellings`: 想像力 also finds 想象力), another region's
    word (`regional`: 芯片 also finds 晶片) and, for a name, its other forms (the alias
    table: 华为 also finds Huawei). They are alternatives: a positive term's forms share
    its OR clause, an excluded term's are all excluded. A quoted phrase asks for its
    words: it gets spellings only. `expand` False: the term as typed (and folded) only."""
    folded = fold(text)
    forms: list[tuple[str, str]] = [(folded, "word")]
    if expand:
        forms += [(s, "variant") for s in spellings(folded)[1:]]
        if not quoted:
            forms += [(r, "variant") for s in spellings(folded) for r in regional_spellings(s)[1:]]
            forms += [(fold(a), "alias") for a in aliases_of(text, aliases)]
    terms: list[Term] = []
    seen: set[str] = set()
    for form, reason in forms:
        if form in seen or len(terms) > MAX_FORMS:
            continue
        seen.add(form)
        term = _make_term(text, form, quoted=quoted, negated=negated)
        if term is not None and all(t.tokens != term.tokens for t in terms):
            term.alternative = bool(terms)
            term.reason = reason if terms else "word"
            terms.append(term)
    return terms


# English words that are also a name's acronym (WHO, US, IT): the index is case-folded,
# so searching for them as a name's other form would find every "who" and "us".
AMBIGUOUS_LATIN = frozenset(
    [
        "a",
        "am",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "for",
        "go",
        "he",
        "her",
        "his",
        "i",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "one",
        "or",
        "our",
        "she",
        "so",
        "the",
        "to",
        "up",
        "us",
        "was",
        "we",
        "who",
        "you",
    ]
)


def aliases_of(text: str, table: AliasTable | None = None) -> list[str]:
    """The other forms of the name `text`, when the alias table (default: the shipped
    one) knows it, in a stable order (Latin names last); acronyms that are English words
    are left out."""
    if table is None:
        from newsarchive.names import alias_table

        table = alias_table()
    if text not in table:
        return []
    forms = [f for f in table.forms(text) if fold(f).strip() not in AMBIGUOUS_LATIN]
    return sorted(forms, key=lambda f: (f.isascii(), len(f), f))


def _make_term(text: str, folded: str, *, quoted: bool, negated: bool) -> Term | None:
    tokens = segment_folded(folded)
    if not tokens:
        return None
    # Snowball stemming is not idempotent (lacaille -> lacaill -> lacail): a word typed
    # in the form the index holds would stem once more and miss. Like Elasticsearch's
    # keyword_repeat, a single Latin word matches as typed or stemmed.
    word = folded.strip()
    typed = word if len(tokens) == 1 and word.isalpha() and word != tokens[0] else None
    if typed is not None and is_cjk(typed):
        typed = None
    needle = _SPACE.sub("", folded)
    return Term(text, tokens, quoted, negated, needle=needle, typed=typed, form=folded.strip())


def parse_query(
    query: str, *, expand: bool = True, aliases: AliasTable | None = None
) -> ParsedQuery:
    """Parse `query`; raises `QueryError` with a reason the user can act on. `expand`
    False searches each term as typed only (no spellings, regional words or aliases:
    the benchmark's peer, and the regional table's own counts). `aliases`: the table
    names are expanded with (the archive's grown table; default the shipped one)."""
    text = query.translate(_QUOTES).strip()
    if not text:
        raise QueryError("empty query: type at least one word")
    items, ignored = _items(query, text, expand, aliases)
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    last_negated = False
    for item in items:
        if item == "OR":
            if pending_or or not clauses or last_negated:
                raise QueryError(f"'OR' needs a word on each side in {query!r}")
            pending_or = True
            continue
        assert isinstance(item, Term)
        last_negated = item.negated
        if item.negated:
            if pending_or:
                raise QueryError(f"an excluded word cannot be one side of 'OR' in {query!r}")
            excluded.append(item)
        elif pending_or:
            clauses[-1].append(item)
            pending_or = False
        else:
            clauses.append([item])
    if pending_or:
        raise QueryError(f"'OR' needs a word on each side in {query!r}")
    if not clauses:
        if excluded:
            raise QueryError(f"nothing to find in {query!r}: add a word that is not excluded")
        raise QueryError(f"nothing searchable in {query!r}: it has no words, only punctuation")
    return ParsedQuery(query, _distinct_clauses(clauses), _distinct(excluded), ignored)


def _items(
    query: str, text: str, expand: bool = True, aliases: AliasTable | None = None
) -> tuple[list[Term | str], str]:
    """The terms and "OR" keywords of `text`, and the part of it past MAX_TERMS
    different words (ignored). Each different word is segmented once however often it
    is typed (segmentation and spelling variants cost ~0.05 ms a word)."""
    items: list[Term | str] = []  # terms and the "OR" keyword
    made: dict[tuple[str, bool, bool], list[Term]] = {}
    for m in _LEXEME.finditer(text):
        if m.group("bad") is not None:
            raise QueryError(f'unbalanced quote in {query!r}: close the phrase with a second "')
        negated = False
        if m.group("phrase") is not None:
            raw, quoted = m.group("phrase"), True
            if text[m.start() - 1 : m.start()] == "-" and m.start() > 0:
                negated = True
        else:
            raw, quoted = m.group("word"), False
            if raw == "OR":
                items.append("OR")
                continue
            if raw.startswith("-"):
                raw, negated = raw[1:], True
                if not raw:
                    # "-" directly before a phrase: the phrase branch handles it.
                    if text[m.end() : m.end() + 1] == '"':
                        continue
                    raise QueryError(f"'-' must be followed by a word to exclude in {query!r}")
        lexeme = (raw, quoted, negated)
        terms = made.get(lexeme)
        if terms is None:
            if len(made) == MAX_TERMS:
                # Past the limit: this word and everything after it are not searched
                # for (nor is an "OR" left without its other side).
                begin = m.start() - (1 if negated and quoted else 0)
                if items and items[-1] == "OR":
                    items.pop()
                return items, text[begin:].strip()
            terms = made[lexeme] = _make_terms(
                raw, quoted=quoted, negated=negated, expand=expand, aliases=aliases
            )
        for i, term in enumerate(terms):
            if i and not negated:
                items.append("OR")
            items.append(term)
    return items, ""


def _distinct(terms: list[Term]) -> list[Term]:
    """`terms` without repeats (first one kept, order kept)."""
    return list({t.key: t for t in reversed(terms)}.values())[::-1]


def _distinct_clauses(clauses: list[list[Term]]) -> list[list[Term]]:
    """The clauses without repeats: an AND holds `a AND a` exactly when it holds `a`.
    FTS5 does not merge them, and its BM25 walks every pair of phrase instances."""
    seen: dict[frozenset[tuple[object, ...]], list[Term]] = {}
    for clause in clauses:
        terms = _distinct(clause)
        seen.setdefault(frozenset(t.key for t in terms), terms)
    return list(seen.values())

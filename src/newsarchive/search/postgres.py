"""The search index in PostgreSQL: one weighted `tsvector` per article, GIN-indexed.

The tsvector holds exactly the tokens the SQLite index holds (`tokens.index_row`: the
same jieba segmentation of the same OpenCC-folded text), written as a tsvector literal,
not through a text-search parser, so nothing (a parser's idea of a word, the database's
ctype, stop words) can make the two backends disagree on what an article contains:

- title tokens at positions 1..n with weight A, body tokens after a one-position gap
  (a phrase never runs from the title into the body, as FTS5 columns keep them apart)
  with weight D;
- each distinct CJK character of the text as a lexeme of its own, marked with `MARK`
  (no token can contain it), without positions: FTS5's ``chars`` column.

The column is stored out of line, uncompressed (STORAGE EXTERNAL): a tsvector hardly
compresses (pglz gave up on it), and kept out of the table's own pages it leaves the
heap small, which is what counting matches reads: 22,142 matches of 美国 counted in
16-20 ms against 470-630 ms with the documents inline (STORAGE MAIN), while ranking
them read the documents in about the same time either way (51k archive).

Queries compile from the same `ParsedQuery` as FTS5 expressions do (`strict_expr`,
`loose_expr`): ``&`` for AND, ``|`` for OR, ``!`` for NOT and ``<->`` for phrases,
marked characters for single characters and word fragments. One tsquery per query, so
one GIN scan; a second one, the query's words OR-ed, ranks.

Why not `pg_trgm`: a trigram index cannot serve two-character words (华为, 芯片: most
Chinese words), which then took 0.7-1.2 s on 20,000 articles; word lexemes answer them
in milliseconds, and the marked characters serve what trigrams would (single
characters, fragments of words) exactly. Character n-grams do serve one thing: the
substring check of a fragment (`fragment_candidates`), from a second tsvector,
``grams``, of each article's CJK bigrams (where SQLite's ``search_tri`` keeps
trigrams: see `grams`), not pg_trgm's trigrams.

Ranking is `ts_rank` of the query's words with the title weighted TITLE_WEIGHT times
the body (see NORMALIZATION). It reads every match's document (FTS5's BM25 reads only
the query's postings) and knows no inverse document frequency: scores differ from
BM25's while the matches are the same (docs/search.md has the measured difference).
Ties go to the most recent article, as on SQLite.

PostgreSQL limits a tsvector to positions below 16,384 and 256 positions per lexeme.
An article past either limit (a few long transcripts and lists) is marked ``lossy``
and keeps its token text: its phrases are looked up there (`Compiled.lossy_sql`),
which is exactly FTS5's phrase match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from newsarchive.archive.session import Session
from newsarchive.search.meta import check_segmenter, claim_index
from newsarchive.search.query import ParsedQuery, Term
from newsarchive.search.sql import BODY_WEIGHT, TITLE_WEIGHT
from newsarchive.search.tokens import IndexRow
from newsarchive.search.trigrams import cjk_text, needed, trigrams_complete
from newsarchive.text.segment import is_cjk

# Marks a CJK character lexeme (FTS5's chars column): tokens are letters, digits, "."
# or "%", never "#".
MARK = "#"
# ts_rank's weights, in its order {D, C, B, A}: body, unused, unused, title.
WEIGHTS = f"{{{BODY_WEIGHT / TITLE_WEIGHT:g},0,0,1}}"
# ts_rank normalisation 1: divide by 1 + log(document length), as BM25 discounts long
# documents. Measured on bench/search.py's known-item queries (200 articles x 2
# scripts, 51k archive; FTS5's BM25 0.927): MRR@10 0.908 with this and the query's
# words OR-ed (`Compiled.rank`); 0.895 with them AND-ed (ts_rank then scores how close
# together they are, not how often they occur), 0.892 / 0.890 with normalisation 0 / 2,
# 0.861 with ts_rank_cd. Weighting each word by its inverse document frequency (counted
# in the GIN index per query, one ts_rank call per word) gave 0.909 at twice the cost.
NORMALIZATION = 1

RANK = f"ts_rank('{WEIGHTS}', d.doc, q.r, {NORMALIZATION})"

# PostgreSQL's tsvector limits (src/include/tsearch/ts_type.h): positions saturate at
# MAXPOS, a lexeme keeps its first MAXNUMPOS positions, a lexeme is at most MAXLEXEME
# bytes (2047; a longer token, say a run of letters in a garbled page, is refused).
MAXPOS = 16383
MAXNUMPOS = 256
MAXLEXEME = 2000


def is_query_error(exc: Exception) -> bool:
    return isinstance(exc, psycopg.errors.SyntaxError | psycopg.errors.DataException) and (
        "tsquery" in str(exc)
    )


# -- documents ---------------------------------------------------------------------


def lexeme(token: str) -> str:
    """`token` as a quoted tsvector/tsquery lexeme. A token too long for a lexeme is
    replaced by its prefix and a digest, in documents and queries alike."""
    if len(token) * 4 > MAXLEXEME and len(token.encode()) > MAXLEXEME:
        digest = hashlib.sha1(token.encode()).hexdigest()[:16]
        token = f"{token[:200]}~{digest}"
    if "'" in token or "\\" in token:
        token = token.replace("\\", "\\\\").replace("'", "''")
    return "'" + token + "'"


# Quoted lexemes of the tokens seen lately: the same words recur from article to
# article, and quoting each anew was a third of a document's cost.
_LEXEMES: dict[str, str] = {}
_LEXEME_CACHE = 100_000
# Position numbers as text, made once (a document's positions are most of its literal).
_POSITIONS = [str(p) for p in range(MAXPOS + 1)]


def _quoted(token: str) -> str:
    found = _LEXEMES.get(token)
    if found is None:
        found = lexeme(token)
        if len(_LEXEMES) >= _LEXEME_CACHE:
            _LEXEMES.clear()
        _LEXEMES[token] = found
    return found


def tsvector(row: IndexRow) -> tuple[str, bool]:
    """The tsvector literal of an index row, and whether PostgreSQL's limits dropped
    positions from it (see the module docstring).

    It is built for every article (by an import, in its parse workers: `prepared`): 2.5 ms an
    article (400 corpus articles, 456 tokens and ~300 distinct characters each) when
    each position and lexeme was formatted anew; cached lexemes, position strings made
    once and the characters joined in one go made it ~0.5 ms."""
    title, body, chars = row
    positions: dict[str, list[str]] = {}
    title_tokens = title.split()
    for pos, token in enumerate(title_tokens, 1):
        where = positions.get(token)
        if where is None:
            positions[token] = [_POSITIONS[min(pos, MAXPOS)] + "A"]
        else:
            where.append(_POSITIONS[min(pos, MAXPOS)] + "A")
    start = len(title_tokens) + 2  # one position apart from the title
    body_tokens = body.split()
    lossy = start + len(body_tokens) - 1 > MAXPOS
    numbers = _POSITIONS
    for pos, token in enumerate(body_tokens, start):
        at = numbers[pos] if pos < MAXPOS else numbers[MAXPOS]
        where = positions.get(token)
        if where is None:
            positions[token] = [at]
        else:
            where.append(at)
    parts = []
    quoted = _quoted
    for token, where in positions.items():
        if len(where) > MAXNUMPOS:
            lossy = True
            where = where[:MAXNUMPOS]
        parts.append(quoted(token) + ":" + ",".join(where))
    if chars:
        if "'" in chars or "\\" in chars:  # never from `distinct_chars` (CJK only)
            parts += [lexeme(MARK + c) for c in chars.split()]
        else:
            parts.append(f"'{MARK}" + f"' '{MARK}".join(chars.split()) + "'")
    return " ".join(parts), lossy


# -- queries -----------------------------------------------------------------------

# A compiled query is first a small tree, rendered twice: as a tsquery, and as SQL for
# the lossy documents (where a phrase is looked up in the stored token text).
Node = tuple[Any, ...]  # ("lex", token) | ("phrase", tokens) | ("and"|"or", nodes) | ("not", node)


@dataclass(frozen=True, slots=True)
class Compiled:
    tsquery: str
    # What ranks: the words of the query, OR-ed (no marked characters, no excluded
    # words; see NORMALIZATION).
    rank: str
    # When the query has a phrase: a tsquery without phrases that every match
    # satisfies (what the GIN index is asked; it cannot check positions anyway), and
    # the condition on a lossy document ``d`` with its parameters. None: the tsquery
    # is exact on every document.
    necessary: str | None = None
    lossy_sql: str = ""
    lossy_params: tuple[Any, ...] = ()


def _phrase(tokens: list[str]) -> Node:
    return ("lex", tokens[0]) if len(tokens) == 1 else ("phrase", tuple(tokens))


def _chars(tokens: list[str]) -> Node | None:
    chars = sorted({c for t in tokens if is_cjk(t) for c in t})
    if not chars:
        return None
    return ("and", tuple(("lex", MARK + c) for c in chars))


def _strict(term: Term) -> Node:
    """What FTS5's `Term.strict` matches."""
    if term.single_char:
        # The character lexeme decides the match (it is there whenever the word is);
        # the word lexeme ranks, as the chars column does not.
        c = term.tokens[0]
        return ("or", (("lex", c), ("lex", MARK + c)))
    if term.typed:
        return ("or", (("lex", term.tokens[0]), ("lex", term.typed)))
    return _phrase(term.tokens)


def _loose(term: Term) -> Node:
    """What FTS5's `Term.loose` matches."""
    if not term.needs_check:
        return _strict(term)
    if len(term.tokens) == 1:
        found = _chars(term.tokens) or _strict(term)
    else:
        inner, cut = term.cut_edges()
        parts = [_phrase(inner)] if inner else []
        chars = _chars(cut)
        if chars:
            parts.append(chars)
        found = parts[0] if len(parts) == 1 else ("and", tuple(parts))
    return ("or", (_strict(term), found))


def _tree(parsed: ParsedQuery, loose: bool) -> Node:
    form = _loose if loose else _strict
    clauses = [
        form(c[0]) if len(c) == 1 else ("or", tuple(form(t) for t in c)) for c in parsed.clauses
    ]
    tree: Node = clauses[0] if len(clauses) == 1 else ("and", tuple(clauses))
    if parsed.excluded:
        excluded = tuple(_strict(t) for t in parsed.excluded)
        tree = ("and", (tree, ("not", ("or", excluded))))
    return tree


def _tsquery(node: Node) -> str:
    kind = node[0]
    if kind == "lex":
        return lexeme(node[1])
    if kind == "phrase":
        return "(" + " <-> ".join(lexeme(t) for t in node[1]) + ")"
    if kind == "not":
        return "!" + _tsquery(node[1])
    op = " & " if kind == "and" else " | "
    return "(" + op.join(_tsquery(n) for n in node[1]) + ")"


def _has_phrase(node: Node) -> bool:
    kind = node[0]
    if kind == "phrase":
        return True
    if kind == "lex":
        return False
    if kind == "not":
        return _has_phrase(node[1])
    return any(_has_phrase(n) for n in node[1])


def _lossy(node: Node, params: list[Any]) -> str:
    """`node` as a condition on a lossy document ``d``: a phrase is its tokens, space
    delimited, in ``d.tokens`` (the title and body tokens: FTS5's phrase, exactly);
    a part without a phrase is matched by the tsquery, whose lexemes are all there."""
    if not _has_phrase(node):
        params.append(_tsquery(node))
        return "d.doc @@ CAST(? AS tsquery)"
    kind = node[0]
    if kind == "phrase":
        params.append(" " + " ".join(node[1]) + " ")
        return "strpos(d.tokens, ?) > 0"
    if kind == "not":
        return f"NOT {_lossy(node[1], params)}"
    op = " AND " if kind == "and" else " OR "
    return "(" + op.join(_lossy(n, params) for n in node[1]) + ")"


def _rank_words(tree: Node) -> str:
    """The distinct word lexemes of `tree`'s positive part, OR-ed."""
    found: dict[str, None] = {}

    def walk(node: Node) -> None:
        kind = node[0]
        if kind == "lex":
            if not node[1].startswith(MARK):
                found[node[1]] = None
        elif kind == "phrase":
            found.update(dict.fromkeys(node[1]))
        elif kind != "not":
            for child in node[1]:
                walk(child)

    walk(tree)
    return " | ".join(map(lexeme, found)) or _tsquery(tree)


def _necessary(node: Node) -> Node | None:
    """A tsquery without phrases that every document matching `node` matches (None: no
    such condition): phrases loosened to their words, excluded parts left out."""
    kind = node[0]
    if kind == "lex":
        return node
    if kind == "phrase":
        return ("and", tuple(("lex", t) for t in node[1]))
    if kind == "not":
        return None
    parts = [_necessary(n) for n in node[1]]
    if kind == "or":
        # An OR constrains only if each of its sides does.
        return None if any(p is None for p in parts) else ("or", tuple(parts))
    kept = tuple(p for p in parts if p is not None)
    return None if not kept else kept[0] if len(kept) == 1 else ("and", kept)


def _compile(parsed: ParsedQuery, loose: bool) -> Compiled:
    tree = _tree(parsed, loose)
    rank = _rank_words(tree)
    if not _has_phrase(tree):
        return Compiled(_tsquery(tree), rank)
    params: list[Any] = []
    sql = _lossy(tree, params)
    # (None only for a query without a positive term, which parse_query refuses.)
    necessary = _necessary(tree) or tree
    return Compiled(_tsquery(tree), rank, _tsquery(necessary), sql, tuple(params))


def score_share(whole: Compiled, part: Compiled) -> float:
    """`ts_rank` of OR-ed words sums each word's weight and divides by the number of
    words (PostgreSQL's calc_rank_or); a part's words weigh their share of the whole's."""
    return len(part.rank.split(" | ")) / len(whole.rank.split(" | "))


def strict_expr(parsed: ParsedQuery) -> Compiled:
    return _compile(parsed, loose=False)


def loose_expr(parsed: ParsedQuery) -> Compiled:
    return _compile(parsed, loose=True)


# -- reading -----------------------------------------------------------------------

# The matches (``f``, from `matches`) joined to their articles and latest versions.
JOINS = " JOIN articles a ON a.id = f.id JOIN versions v ON v.id = a.latest_version_id"


def matches(
    expr: Compiled, *, scored: bool, restrict: str = "", restrict_params: Sequence[Any] = ()
) -> tuple[str, list[Any]]:
    """The FROM item ``f`` (``f.id``, and ``f.score`` when `scored`, lower is better)
    of the articles matching `expr`, and its parameters; `restrict`: a further
    condition (`after_or_among`). The lossy documents are looked at apart only when
    the query has a phrase."""
    score = f", -{RANK} AS score" if scored else ""
    if expr.necessary is None:
        params: list[Any] = [expr.tsquery, expr.rank]
        match = "d.doc @@ q.q"
        if restrict:
            match += f" AND {restrict}"
            params += list(restrict_params)
        sql = (
            f"(SELECT d.article_id AS id{score} FROM search_docs d,"
            f" (SELECT CAST(? AS tsquery) AS q, CAST(? AS tsquery) AS r) q WHERE {match}) f"
        )
        return sql, params
    # The index finds the candidates by their words; the phrases are checked on each
    # candidate once: in its positions, or in a lossy document's tokens (whose clamped
    # positions could even fake a phrase). Asking the index for the phrase itself read
    # each document once more (PostgreSQL rechecks the index condition, then the
    # filter): 世卫组织 ranked in 48 ms that way.
    candidates = "d.doc @@ CAST(? AS tsquery)"
    params = [expr.necessary]
    if restrict:
        candidates += f" AND {restrict}"
        params += list(restrict_params)
    # Checking the phrase and ranking each read the document out of TOAST, and that
    # read is most of their cost (1,923 candidates of 新冠: 17-20 ms a read on 10,000
    # articles). PostgreSQL detoasts a column anew for each function given it, but
    # an array is built of detoasted elements: the candidates' subquery (OFFSET 0
    # keeps it one) hands the document on read once, in memory, to both. The scores
    # are computed within ``f`` (OFFSET 0 again): flattened into the statement, the
    # documents would travel up to where the score is used, through a window's store
    # (`rank_counted`, `ranked.rank_filtered`: 1,850 documents of 新冠 spilled to disk).
    doc, keep = ("(ARRAY[d.doc])[1]", " OFFSET 0") if scored else ("d.doc", "")
    params += [expr.tsquery, expr.rank, *expr.lossy_params]
    sql = (
        f"(SELECT d.article_id AS id{score} FROM"
        f" (SELECT d.article_id, {doc} AS doc, d.lossy, d.tokens FROM search_docs d"
        f" WHERE {candidates} OFFSET 0) d,"
        " (SELECT CAST(? AS tsquery) AS q, CAST(? AS tsquery) AS r) q"
        f" WHERE (NOT d.lossy AND d.doc @@ q.q) OR (d.lossy AND {expr.lossy_sql}){keep}) f"
    )
    return sql, params


def after_or_among(n_ids: int) -> str:
    """The condition "id above the first parameter, or among the next `n_ids`"."""
    if not n_ids:
        return "d.article_id > ?"
    return f"(d.article_id > ? OR d.article_id IN ({','.join('?' * n_ids)}))"


def filtered_first(expr: Compiled, where: str) -> str | None:
    """For a query with a phrase: the filters applied to each candidate before its
    document is read for the phrase (`matches`); two index lookups a candidate instead
    of a document read (新冠 in the spring of 2020: 1,923 documents read, 50-60 ms,
    to find none). Without a phrase nothing is read before the filters apply."""
    if expr.necessary is None:
        return None
    return (
        "EXISTS (SELECT 1 FROM articles a JOIN versions v ON v.id = a.latest_version_id"
        f" WHERE a.id = d.article_id{where})"
    )


def count_matches(conn: Session, expr: Compiled) -> int:
    source, params = matches(expr, scored=False)
    return int(conn.execute(f"SELECT count(*) FROM {source}", params).fetchone()[0])


def rank_counted(
    conn: Session, expr: Compiled, depth: int
) -> tuple[list[tuple[int, float]], int] | None:
    """`rank_everything` and `count_matches` in one statement: ranking reads every
    match's document anyway (`RANK`), and counting them apart read each of them once
    more when the query has a phrase (its positions are checked in the document)."""
    source, params = matches(expr, scored=True)
    # OFFSET 0: each match is scored below the window (its store then holds scores,
    # not documents to be scored above it).
    rows = conn.execute(
        f"SELECT f.id, f.score, count(*) OVER () FROM (SELECT f.id, f.score FROM {source}"
        " OFFSET 0) f ORDER BY f.score LIMIT ?",
        [*params, depth],
    ).fetchall()
    return [(r[0], r[1]) for r in rows], (int(rows[0][2]) if rows else 0)


def rank_everything(conn: Session, expr: Compiled, depth: int) -> list[tuple[int, float]]:
    """The best `depth` matches of the whole archive, (id, score): one pass over the
    matching documents, no join."""
    source, params = matches(expr, scored=True)
    rows = conn.execute(
        f"SELECT f.id, f.score FROM {source} ORDER BY f.score LIMIT ?", [*params, depth]
    )
    return [(r[0], r[1]) for r in rows]


def begin_snapshot(conn: Session) -> None:
    """A read transaction that sees one snapshot throughout (READ COMMITTED, the
    default, would let each statement see later commits), planned without sequential
    scans of the index table.

    The planner does not know that testing a document reads it from TOAST: the table
    itself is small, so for a common word (美国, 22,000 of 50,000 articles) it chose to
    scan it and test every document, 1,031 ms, where the GIN index counts the matches in
    16-20 ms. Every search statement is best served by an index (GIN for matching,
    primary keys for the joins). One round trip: without parameters psycopg sends both
    statements as one simple query."""
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL enable_seqscan = off")


def grams(row: IndexRow) -> str:
    """The tsvector literal of an article's ``grams``: the bigrams of its trigrams
    (`trigrams.trigrams` of `trigrams.cjk_text`, what SQLite's ``search_tri``
    indexes), as lexemes without positions. CJK characters need no quoting.

    Bigrams, not the trigrams themselves, because of what the GIN index pays per
    distinct key: 3,000 corpus articles hold 1.1 million distinct trigrams (70% in one
    article only) but 350,000 bigrams, most of them common. Storing the trigrams and
    their index was the largest part of storing an article on PostgreSQL (2.1-2.3 ms of
    server CPU, ~100 KB of WAL an article, a 64 MB index); bigrams cost 1.4 ms, 60 KB,
    22 MB, and the index grows with the vocabulary, which saturates, rather than with
    the articles. Narrowing hardly suffers: the needles of 400 random spans of 3-10
    characters kept 7.9 candidates on average against 6.8 by trigrams (6.7 really
    hold them); the text check decides either way (`fragment_candidates`).

    Bigrams of the trigrams, so an article of fewer than three CJK characters has none,
    as it has no trigram: it cannot hold a needle of three (shorter ones are never
    narrowed, `trigrams.needed`). With three or more, every bigram of the text lies in
    one of its trigrams: they are taken from the text directly, unsorted (the tsvector
    sorts its lexemes), 0.25 ms an article in the importer's one writing process,
    where the sorted trigrams took 0.39 and the bigrams of those 0.77."""
    cjk = cjk_text(row)
    if len(cjk) < 3:
        return ""
    return "'" + "' '".join({cjk[i : i + 2] for i in range(len(cjk) - 1)}) + "'"


def _bigrams(grams3: list[str]) -> list[str]:
    """The distinct bigrams of the trigrams `grams3` (each trigram's two), sorted."""
    return sorted({t[:2] for t in grams3} | {t[1:] for t in grams3})


def fragment_candidates(conn: Session, parsed: ParsedQuery) -> set[int] | None:
    """The articles that may pass `parsed.accepts` (a superset), from the column
    ``grams`` (`schema`, PostgreSQL migration 2), or None when it cannot say (no
    trigram of three CJK characters in some clause's checked needles, or an archive
    opened read-only before the migration). Why every trigram of a needle's CJK
    characters must be there: `newsarchive.search.trigrams`; then so must each
    trigram's bigrams. A document whose grams are unknown (NULL: see the migration) is
    always a candidate.

    A document holds bigrams (`grams`) or, filled by migration 2 and not reindexed
    since, trigrams: each needle is asked both ways in one tsquery. The two never mix
    up, a bigram and a trigram lexeme are never equal, so each document answers the
    form it holds.

    Not pg_trgm: it keeps a trigram of multibyte characters as a three-byte hash
    (show_trgm('李文亮医生') begins '0xa29c9b'), so its index cannot decide and each
    candidate's text is read again to recheck; and what it counts as a word depends
    on the database's ctype. Lexemes are exact and, without weights or phrases, a GIN
    match on a tsvector needs no recheck: the candidates come from the index alone
    (李文亮 on the 10,000-article bench archive: 45 candidates in 2.4 ms, none left
    to check, against 55 texts read and folded in Python before)."""
    clauses = [
        "("
        + " | ".join(
            f"({' & '.join(map(lexeme, each))})"
            for form in forms
            for each in (_bigrams(form), form)
        )
        + ")"
        for forms in needed(parsed)
    ]
    if not clauses or not trigrams_complete(conn):
        return None
    rows = conn.execute(
        "SELECT article_id FROM search_docs WHERE grams @@ CAST(? AS tsquery) OR grams IS NULL",
        [" & ".join(clauses)],
    )
    return {r[0] for r in rows}


def database_key(conn: Session) -> str:
    return str(conn.name) + "#" + str(conn.scalar("SELECT current_database()"))


# -- writing -----------------------------------------------------------------------

_INSERT = (
    "INSERT INTO search_docs(article_id, version_id, doc, lossy, tokens, grams)"
    " VALUES(?, ?, CAST(? AS tsvector), ?, ?, CAST(? AS tsvector))"
)


def lossy_tokens(row: IndexRow) -> str:
    """The token text a lossy document's phrases are looked up in: title and body
    tokens, space-delimited, a line apart (a phrase never spans them)."""
    return f" {row[0]} \n {row[1]} "


class Writer:
    """One transaction's index writes, all at `flush` (just before commit): the
    replaced rows go in one ``DELETE … = ANY``, the new ones in one `executemany`,
    which psycopg pipelines. Deleting each replaced row as its article was stored cost
    a round trip per article (the answer was read: whether a row existed decides
    whether the segmenter must match, `meta.check_segmenter`); at `flush` the same
    check fails the same transaction. `deferred=False` (reindex, which flushes itself)
    changes nothing here: both ways the rows are written by the end of `flush`.

    A row added and removed within the transaction is never written."""

    def __init__(self, conn: Session) -> None:
        self.tx = conn
        self._claimed = False
        self._pending: dict[int, tuple[Any, ...]] = {}  # article id -> its new row
        self._stale: set[int] = set()  # articles whose stored row goes

    def add(self, article_id: int, version_id: int, row: IndexRow, prepared: Any = None) -> None:
        """Index an article that has no row (`remove` first to replace one).
        `prepared`: `prepared(row)`, made in a parse worker."""
        if not self._claimed:
            claim_index(self.tx)
            self._claimed = True
        self._pending[article_id] = (article_id, version_id, *(prepared or _literals(row)))

    def remove(self, article_id: int) -> None:
        self._pending.pop(article_id, None)  # added in this transaction: never written
        self._stale.add(article_id)

    def flush(self) -> None:
        if self._stale:
            gone = self.tx.execute(
                "DELETE FROM search_docs WHERE article_id = ANY(?) RETURNING article_id",
                (sorted(self._stale),),
            )
            self._stale.clear()
            if gone.fetchone() is not None:
                # As on SQLite, a row indexed by another segmenter is not replaced
                # (`meta`): the error rolls the transaction, and this delete, back.
                check_segmenter(self.tx)
        if self._pending:
            self.tx.executemany(_INSERT, list(self._pending.values()))
            self._pending.clear()


def _literals(row: IndexRow) -> tuple[str, bool, str | None, str]:
    """An index row's columns from ``doc`` to ``grams``, as `_INSERT` takes them."""
    doc, lossy = tsvector(row)
    return doc, lossy, lossy_tokens(row) if lossy else None, grams(row)


def prepared(row: IndexRow) -> tuple[str, bool, str | None, str]:
    """The row's literals (`_literals`), made where the importer prepares a draft (its
    parse workers) rather than in its one writing process, which waits for the server
    while it is not running Python: ~0.75 ms an article (`tsvector` ~0.5, `grams`
    0.25) off the writer."""
    return _literals(row)


def writer(conn: Session, *, deferred: bool = True) -> Writer:
    return Writer(conn)


def clear(conn: Session) -> None:
    conn.execute("DELETE FROM search_docs")


def optimize(conn: Session) -> None:
    """Merge the GIN index's pending entries into the index (after a rebuild), and
    give the planner statistics on the new rows."""
    conn.execute("SELECT gin_clean_pending_list('search_docs_doc')")
    conn.execute("SELECT gin_clean_pending_list('search_docs_grams')")
    conn.execute("ANALYZE search_docs")


def settle(conn: Session) -> None:
    """After an import or a fetch pass, as after a rebuild (`optimize`). Measured on
    10,000 freshly imported Jekyll files: search p99 93.5 ms right after the import,
    19-21 ms once the GIN indexes' pending lists were merged and the planner had
    statistics (bench/backends.py); autovacuum gets there only later. The cost is the
    pending entries' merge (which the next searches would otherwise pay) plus ANALYZE's
    sample of the table."""
    optimize(conn)

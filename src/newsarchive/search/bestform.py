"""A term's forms count once: the head of a ranking rescored by each clause's best form.

A query term is matched in all its forms (`query._make_terms`: 华为 also finds 華為's
folding, 华为技术 and Huawei; 网路 also finds 网络). The index scores every form that a
document holds: FTS5's BM25 is a sum over the expression's phrases, PostgreSQL's
`ts_rank` of the OR-ed words a sum over the words. So a document that writes a name in
two forms (塔利班（Taliban）, a mirror's 网路 beside the outlet's 网络) earns the clause
twice, and a rare form (Taliban in a Chinese archive) earns it a lot: it outranks the
article that writes the term once, in one form, and is about it.

Measured on the known-item queries of `bench/search_vocab.py` (an article's three most
distinctive words, own and other script; 600 queries, jekyll-full archive): MRR@10
plain (each term as typed) 0.913, expanded 0.897 (18 of 400 queries lost rank, 2 gained
on the 400-query sample), expanded with the head rescored 0.911
(`/work/runs/s13/bestform2.py`). A document is rescored only where it holds two forms of
one clause (a form's needle in its text, in either script); the others keep their
score: the forms' scores are needed for few documents and are asked of the index
restricted to them.

Like Lucene's SynonymQuery (one term, whichever form), but applied to the head only:
the first HEAD rows are reordered, the rest keep the index's order, so a page boundary
inside the head is the same on every page of the same query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from newsarchive.archive.session import Session
from newsarchive.search.backends import backend, matched_among
from newsarchive.search.query import ParsedQuery, Term
from newsarchive.search.sql import latest
from newsarchive.text.script import to_traditional

# Rows reordered: the first page of the web app (20) and the CLI (20), with the spare
# rows the ranking keeps for ties (`ranked.SPARE_ROWS`).
HEAD = 30


def alternatives(parsed: ParsedQuery) -> list[list[Term]]:
    """The clauses whose term has more than one form (excluded terms are not clauses)."""
    return [c for c in parsed.clauses if len(c) > 1]


def rescored(conn: Session, parsed: ParsedQuery, whole: Any, rows: Sequence[Any]) -> list[Any]:
    """`rows` ((id, score, ...), lower score better, best first) with the first HEAD
    rescored so that each clause counts its best form only, and reordered; `whole`:
    `parsed` as the backend compiled it for the ranking."""
    clauses = alternatives(parsed)
    head = list(rows[:HEAD])
    if not clauses or len(head) < 2:
        return list(rows)
    texts = latest(conn, "v.title, v.text", [r[0] for r in head])
    # Not folded: OpenCC over 30 whole articles took ~3 ms, a third of the rescoring.
    # Each form's needle is looked for in both scripts instead; a form missed (a
    # full-width Latin name) leaves that document as the index scored it.
    docs = {i: "".join((t + "\n" + x).lower().split()) for i, (t, x) in texts.items()}
    extra: dict[int, float] = {}
    for clause in clauses:
        spelt = {id(t): {t.needle, to_traditional(t.needle)} for t in clause}
        present = {
            i: [t for t in clause if any(n in doc for n in spelt[id(t)])] for i, doc in docs.items()
        }
        affected = [i for i, forms in present.items() if len(forms) > 1]
        if not affected:
            continue
        # The form typed counts where the document holds it (the index matched it
        # there: a needle is what a form's tokens spell), so only the other forms'
        # shares are asked for, and the typed form's, usually the commonest, never is.
        typed = clause[0]
        wanted = {id(t): t for i in affected for t in present[i] if t is not typed}
        scores = {k: _form_scores(conn, parsed, whole, t, affected) for k, t in wanted.items()}
        for i in affected:
            others = [scores[id(t)].get(i, 0.0) for t in present[i] if t is not typed]
            # Scores are <= 0 (lower is better): all but the kept form's share go.
            kept = 0.0 if present[i][0] is typed else min(others)
            extra[i] = extra.get(i, 0.0) + sum(others) - kept
    if not extra:
        return list(rows)
    head = [(r[0], r[1] - extra.get(r[0], 0.0), *r[2:]) for r in head]
    # A stable sort: ties keep the order the ranking gave them (recency for its own
    # ties, and fragment matches, all scored 0, most recent first).
    return [*sorted(head, key=lambda r: r[1]), *rows[HEAD:]]


def _form_scores(
    conn: Session, parsed: ParsedQuery, whole: Any, term: Term, ids: list[int]
) -> dict[int, float]:
    """{id: score} of the documents `ids` for the one form `term`: its share of their
    score for the whole query `whole` (the same weights and normalisation)."""
    index = backend(conn)
    alone = replace(term, alternative=False)
    expr = index.strict_expr(replace(parsed, clauses=[[alone]], excluded=[]))
    source, params = matched_among(conn, expr, ids, scored=True)
    share = index.score_share(whole, expr)
    rows = conn.execute(f"SELECT f.id, f.score {source}", params)
    return {r[0]: float(r[1]) * share for r in rows}

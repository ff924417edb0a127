"""Scoring extracted text against ground truth, shared by bench/extraction.py and the
quality gate test.

- `shingle_score`: the Zyte article-extraction-benchmark metric, reimplemented from its
  evaluate.py: 4-grams ("shingles") of `\\w+` tokens, tp/fp/fn over the multisets,
  normalised per page so long pages weigh no more; `summarise` averages precision and
  recall over pages and takes F1 of the averages, as that script does.
- `jieba_score` / `bigram_score`: the same counting over jieba words or character bigrams,
  because `\\w+` makes a whole unspaced Chinese sentence one token.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"\w+", re.UNICODE)


def _aeb_ngrams(text: str, n: int = 4) -> list[tuple[str, ...]]:
    tokens = _WORD.findall(text or "")
    out = []
    for i in range(max(1, len(tokens) - n + 1)):
        shingle = tuple(tokens[i : i + n])
        if shingle:
            out.append(shingle)
    return out


def _match(true: Iterable[object], pred: Iterable[object]) -> tuple[float, float, float]:
    """tp/fp/fn over multisets, normalised so that long pages weigh no more (as aeb)."""
    t, p = Counter(true), Counter(pred)
    tp = fp = fn = 0.0
    for key in set(t) | set(p):
        tc, pc = t.get(key, 0), p.get(key, 0)
        tp += min(tc, pc)
        fp += max(0, pc - tc)
        fn += max(0, tc - pc)
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s > 0 else (0.0, 0.0, 0.0)


def shingle_score(true: str, pred: str) -> tuple[float, float, float]:
    return _match(_aeb_ngrams(true), _aeb_ngrams(pred))


def jieba_tokens(text: str) -> list[str]:
    import jieba  # loads a dictionary: only when Chinese is scored

    return [t for t in jieba.lcut(text or "") if _WORD.search(t)]


def jieba_score(true: str, pred: str) -> tuple[float, float, float]:
    return _match(jieba_tokens(true), jieba_tokens(pred))


def _bigrams(text: str) -> list[str]:
    chars = [c for c in (text or "") if c.isalnum()]
    return ["".join(chars[i : i + 2]) for i in range(len(chars) - 1)]


def bigram_score(true: str, pred: str) -> tuple[float, float, float]:
    return _match(_bigrams(true), _bigrams(pred))


def summarise(tp_fp_fns: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """aeb's metrics_from_tp_fp_fns: mean precision, mean recall, F1 of the means."""

    def prec(tp: float, fp: float, fn: float) -> float:
        if fp == fn == 0:
            return 1.0
        return 0.0 if tp == fp == 0 else tp / (tp + fp)

    def rec(tp: float, fp: float, fn: float) -> float:
        if fp == fn == 0:
            return 1.0
        return 0.0 if tp == fn == 0 else tp / (tp + fn)

    ps = [prec(*x) for x in tp_fp_fns if x[0] + x[1] > 0] or [0.0]
    rs = [rec(*x) for x in tp_fp_fns if x[0] + x[2] > 0] or [0.0]
    p, r = statistics.mean(ps), statistics.mean(rs)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def f1(score: tuple[float, float, float]) -> float:
    """One page's F1 from its normalised tp/fp/fn."""
    tp, fp, fn = score
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

"""A learned choice between a container away from the headline and the whole page
(issue #17): fit it on the tune halves of the extraction sets, measure it on both halves.

    PYTHONPATH=src /work/main/.venv/bin/python bench/train_chooser.py dump [--cache FILE]
    PYTHONPATH=src /work/main/.venv/bin/python bench/train_chooser.py fit [--cache FILE]
        [--l2 X] [--write FILE]

The choice: when the density pass's best container is not anchored to the headline
(`density.Candidate.near_title` false), `extract_page` reads the whole page with
trafilatura. On 152 of the 1,050 pages of the four sets that container yields an article
of its own; it is the better text on about a third of them, much worse on others.

`dump` extracts every page of bench/extraction.py's sets (aeb, magic-html zh and other,
wcxb-dev) as shipped, and again with that container taken (`page._article_tree`
replaced, for this process only, by the same pruning and density pass followed by
`page._container_doc` on copies of the container's blocks; Chinese containers and ones
trafilatura keeps < 20 % of are no choice, as for the shipped container). Both final
texts are scored with the set's metric (jieba words for Chinese pages, shingles else)
and kept in one JSON cache (minutes on the shared cores; `fit` never re-extracts).

`fit` computes `features` (length ratio, the share of the container's lines the whole
page's text holds, paragraph lengths, the container's share of the page) and fits a
weighted logistic regression on the TUNE halves of all sets together: label "the whole
page scores better", weight |F1 difference| (ties teach nothing, large gains and losses
count most), L2 on standardised features with its strength chosen by 5-fold
cross-validation on the tune pages (or `--l2`), Newton's method (deterministic). It
reports per set and half: before (the whole page), after (the model), the container
always, and the oracle (the better text per page), as the bench's F1 (F1 of mean P and
R), mean per-page F1 and pages below 0.5. `--write FILE` stores the weights as JSON.

Measured (docs/extract.md, session 11): the model did not meet the bar to ship (it lost
on wcxb-dev's held-out half), so extraction does not use it; this script is the record
and the way to try again with other features.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from extraction import Page, load_aeb, load_magic, load_wcxb
from newsarchive.extract import (
    ExtractionError,
    boilerplate,
    density,
    extract_page,
    images,
    profiles,
)
from newsarchive.extract import page as page_module
from newsarchive.extract.evaluate import f1, jieba_score, shingle_score, summarise

DEFAULT_CACHE = Path("/tmp/newsarchive-chooser/unanchored.json")
L2_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
FOLDS = 5
THRESHOLD = 0.5
LINE_CHARS = 20  # shorter lines are not matched between texts (dates, "Share")
_SPACE = re.compile(r"\s+")
Score = tuple[float, float, float]
FEATURES = (
    "log_share",
    "log_ratio",
    "log_ratio_sq",
    "contained",
    "log_mean_paragraph",
    "log_container_mean_paragraph",
    "log_container_chars",
    "log_blocks",
)


# ---------------------------------------------------------------- features and model


@dataclass(frozen=True)
class Candidate:
    """One candidate article: its text and the character count of each of its lines."""

    text: str

    @property
    def paragraphs(self) -> list[int]:
        return [n for n in (len(_SPACE.sub("", line)) for line in self.text.splitlines()) if n]

    @property
    def chars(self) -> int:
        return len(_SPACE.sub("", self.text))

    @property
    def mean_paragraph(self) -> float:
        sizes = self.paragraphs
        return sum(sizes) / len(sizes) if sizes else 0.0


def contained(container: Candidate, other: Candidate) -> float:
    """The share of the container's lines (of some length) that `other`'s text holds."""
    wide = _SPACE.sub("", other.text)
    lines = [_SPACE.sub("", line) for line in container.text.splitlines()]
    lines = [line for line in lines if len(line) >= LINE_CHARS]
    return sum(line in wide for line in lines) / len(lines) if lines else 0.0


def features(share: float, container: Candidate, whole: Candidate) -> list[float]:
    ratio = math.log((whole.chars + 1) / (container.chars + 1))
    return [
        math.log(max(share, 1e-3)),
        ratio,
        ratio * ratio,
        contained(container, whole),
        math.log1p(whole.mean_paragraph),
        math.log1p(container.mean_paragraph),
        math.log1p(container.chars),
        math.log1p(len(whole.paragraphs)),
    ]


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float) -> dict[str, Any]:
    """Weighted, L2-regularised logistic regression (standardised features) by Newton."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -60, 60)))
        grad = z.T @ (w * (p - y)) + penalty * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return {
        "features": list(FEATURES),
        "mean": [float(v) for v in mean],
        "scale": [float(v) for v in scale],
        "weights": [float(v) for v in beta[1:]],
        "bias": float(beta[0]),
        "threshold": THRESHOLD,
    }


def probability(model: dict[str, Any], x: list[float]) -> float:
    z = model["bias"] + sum(
        w * (v - m) / s
        for w, v, m, s in zip(model["weights"], x, model["mean"], model["scale"], strict=True)
    )
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


# ---------------------------------------------------------------- dump


class _NoChoice(Exception):
    pass


def _container_tree(seen: dict[str, float]) -> Callable[..., tuple[Any, Any]]:
    """`page._article_tree` with the unanchored container taken (raises _NoChoice where
    there is none): the shipped function's first steps, then its container run."""

    def tree(root: Any, html: str, url: str | None, title_el: Any) -> tuple[Any, Any]:
        body = root.body if root.find("body") is not None else root
        profile = profiles.profile_for_url(url)
        boilerplate.prune_tree(root, profile.junk_elements(root) if profile else ())
        if profile and profile.content_element(root) is not None:
            raise _NoChoice
        found = density.best_container(body, title_el)
        if found is None or found.near_title or found.element is body:
            raise _NoChoice
        parts = [copy.deepcopy(p) for p in found.parts]
        available = sum(page_module._chars(p) for p in parts)
        pics = [img for p in parts for img in images.find_images(p, url)]
        doc = page_module._container_doc(parts, url, available)
        kept = page_module._kept(doc)
        if kept < max(page_module.MIN_TEXT_CHARS, page_module.MIN_KEPT_SHARE * available):
            raise _NoChoice
        if page_module._mostly_han(doc.text or ""):
            raise _NoChoice
        seen["share"] = available / max(1, page_module._chars(body))
        return doc, pics

    return tree


def _pages() -> list[tuple[str, Page]]:
    out = [("aeb", p) for p in load_aeb(None)]
    out += [("zh" if p.chinese else "other", p) for p in load_magic(None)]
    out += [("wcxb", p) for p in load_wcxb(None)]
    return out


def _text(page: Page) -> str:
    try:
        return extract_page(page.raw, page.url or None).text
    except ExtractionError:
        return ""


def dump(cache: Path) -> None:
    records = []
    pages = _pages()
    shipped = page_module._article_tree
    for n, (group, page) in enumerate(pages):
        scorer = jieba_score if group == "zh" else shingle_score
        whole = _text(page)
        entry: dict[str, Any] = {
            "group": group,
            "key": page.key,
            "held": page.held_out,
            "scores": {"whole": scorer(page.truth, whole)},
        }
        seen: dict[str, float] = {}
        page_module._article_tree = _container_tree(seen)
        try:
            container = extract_page(page.raw, page.url or None).text
        except (_NoChoice, ExtractionError):
            container = None
        finally:
            page_module._article_tree = shipped
        if container is not None and "share" in seen:
            entry.update(share=seen["share"], container=container, whole=whole)
            entry["scores"]["container"] = scorer(page.truth, container)
        records.append(entry)
        if n % 100 == 0:
            print(f"{n}/{len(pages)}", file=sys.stderr)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(records, ensure_ascii=False), "utf-8")
    print(f"{len(records)} pages, {sum('share' in r for r in records)} with a choice -> {cache}")


# ---------------------------------------------------------------- fit and report


def _rows(records: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, labels, weights = [], [], []
    for r in records:
        gain = f1(r["scores"]["whole"]) - f1(r["scores"]["container"])
        rows.append(features(r["share"], Candidate(r["container"]), Candidate(r["whole"])))
        labels.append(1.0 if gain > 0 else 0.0)
        weights.append(abs(gain))
    return np.array(rows), np.array(labels), np.array(weights)


def _takes_whole(model: dict[str, Any], r: dict[str, Any]) -> bool:
    whole = Candidate(r["whole"])
    if whole.chars == 0:
        return False
    return probability(model, features(r["share"], Candidate(r["container"]), whole)) > THRESHOLD


def _fold(key: str) -> int:
    return hashlib.sha256(key.encode()).digest()[1] % FOLDS


def cross_validated_l2(tune: list[dict[str, Any]]) -> float:
    """The L2 strength whose models, fitted on FOLDS-1 folds of the tune pages, gain the
    most F1 on the fold left out (summed); the held-out half is not looked at."""
    best, best_gain = L2_GRID[0], -math.inf
    for l2 in L2_GRID:
        gain = 0.0
        for k in range(FOLDS):
            model = fit_logistic(*_rows([r for r in tune if _fold(r["key"]) != k]), l2)
            for r in (r for r in tune if _fold(r["key"]) == k):
                pick = "whole" if _takes_whole(model, r) else "container"
                gain += f1(r["scores"][pick]) - f1(r["scores"]["whole"])
        print(f"  L2 {l2:g}: cross-validated gain over the whole page {gain:+.3f} (F1 page sum)")
        if gain > best_gain + 1e-9:
            best, best_gain = l2, gain
    return best


def report(records: list[dict[str, Any]], policies: dict[str, Callable[[Any], str]]) -> None:
    print(f"{'set':<7}{'half':<6}{'pages':>6}  " + "  ".join(f"{p:>22}" for p in policies))
    print(f"{'':<19}  " + "  ".join(f"{'F1  meanF1 <0.5':>22}" for _ in policies))
    for group in ("aeb", "zh", "other", "wcxb", "all"):
        for half in ("tune", "held", "both"):
            members = [
                r
                for r in records
                if (group == "all" or r["group"] == group)
                and (half == "both" or r["held"] == (half == "held"))
            ]
            cells = []
            for pick in policies.values():
                scores: list[Score] = [
                    tuple(r["scores"][pick(r) if "share" in r else "whole"]) for r in members
                ]
                per_page = [f1(s) for s in scores]
                low = sum(1 for v in per_page if v < 0.5)
                cells.append(f"{summarise(scores)[2]:.4f} {np.mean(per_page):.4f} {low:4d}")
            print(f"{group:<7}{half:<6}{len(members):>6}  " + "  ".join(f"{c:>22}" for c in cells))


def fit(cache: Path, l2: float | None, write: Path | None) -> None:
    records = json.loads(cache.read_text("utf-8"))
    tune = [r for r in records if "share" in r and not r["held"]]
    print(
        f"{len(records)} pages, {sum('share' in r for r in records)} with a choice "
        f"({len(tune)} tune)"
    )
    if l2 is None:
        l2 = cross_validated_l2(tune)
    x, y, w = _rows(tune)
    print(
        f"L2 {l2:g}; {len(x)} tune samples: the whole page better by > 0.01 on "
        f"{int(y[w > 0.01].sum())}, the container on {int((1 - y)[w > 0.01].sum())}"
    )
    model = fit_logistic(x, y, w, l2)
    print(
        f"bias {model['bias']:+.3f}, "
        + ", ".join(f"{f} {v:+.3f}" for f, v in zip(FEATURES, model["weights"], strict=True))
    )

    def oracle(r: dict[str, Any]) -> str:
        return max(("whole", "container"), key=lambda k: f1(r["scores"][k]))

    report(
        records,
        {
            "before: whole page": lambda r: "whole",
            "learned": lambda r: "whole" if _takes_whole(model, r) else "container",
            "container always": lambda r: "container",
            "oracle": oracle,
        },
    )
    if write:
        write.write_text(json.dumps(model, indent=1) + "\n", "utf-8")
        print(f"weights -> {write}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("step", choices=["dump", "fit"])
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--l2", type=float, default=None, help="fit: this L2, not cross-validated")
    ap.add_argument("--write", type=Path, default=None, help="fit: store the weights here")
    args = ap.parse_args()
    if args.step == "dump":
        dump(args.cache)
    else:
        fit(args.cache, args.l2, args.write)


if __name__ == "__main__":
    main()

"""Main-content extraction, ours against the peers, on the same pages in one run.

    PYTHONPATH=src /work/venv/bin/python bench/extraction.py [--tools ours,trafilatura,...]
        [--sets aeb,magic-html] [--limit N] [--per-page]

Data sets (read-only, /work/shared/corpus/extraction/):
- aeb: Zyte's article-extraction-benchmark, 181 English pages. Scored with the benchmark's
  own metric, reimplemented faithfully from its evaluate.py: 4-word shingles of `\\w+`
  tokens, per-page tp/fp/fn normalised to sum 1, precision and recall averaged over pages,
  F1 = harmonic mean of the averages.
- magic-html: opendatalab's article benchmark, 158 pages. Its unspaced Chinese pages are
  scored as bags of jieba tokens and, separately, of character bigrams (per-page P/R/F1,
  averaged the same way as aeb); its other pages with the aeb shingle metric.

Every figure is also given on two halves of the pages (a fixed split by page id: "tune" and
"held-out"), so tuning on one half can be checked on the other.

Peers (not project dependencies; `pip install -e .[bench]`, and magic-html with
`pip install numpy && pip install --ignore-requires-python magic-html`): trafilatura,
readability-lxml, gne, magic-html. A peer that is not installed is skipped with a note.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsarchive.extract.evaluate import (
    bigram_score,
    f1,
    jieba_score,
    jieba_tokens,
    shingle_score,
    summarise,
)

CORPUS = Path("/work/shared/corpus/extraction")
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_DATE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")


@dataclass
class Page:
    key: str
    url: str
    raw: bytes
    truth: str
    chinese: bool
    held_out: bool


@dataclass
class Output:
    text: str = ""
    title: str | None = None
    published: str | None = None
    seconds: float = 0.0
    error: str | None = None


@dataclass
class Scores:
    tp_fp_fn: list[tuple[float, float, float]] = field(default_factory=list)


# ---------------------------------------------------------------- data


def _held_out(key: str) -> bool:
    return hashlib.sha256(key.encode()).digest()[0] % 2 == 1


def load_aeb(limit: int | None) -> list[Page]:
    truth = json.loads((CORPUS / "aeb/ground-truth.json").read_text("utf-8"))
    pages = []
    for key in sorted(truth)[:limit]:
        raw = gzip.decompress((CORPUS / f"aeb/html/{key}.html.gz").read_bytes())
        item = truth[key]
        pages.append(
            Page(key, item.get("url", ""), raw, item["articleBody"], False, _held_out(key))
        )
    return pages


def is_chinese(text: str) -> bool:
    n = max(1, len(text))
    return len(_CJK.findall(text)) / n > 0.3 and len(_KANA.findall(text)) / n < 0.01


def load_magic(limit: int | None) -> list[Page]:
    base = json.loads((CORPUS / "magic-html/base.json").read_text("utf-8"))
    pages = []
    for key in sorted(base)[:limit]:
        raw = gzip.decompress((CORPUS / f"magic-html/htmls/{key}.html.gz").read_bytes())
        item = base[key]
        content = item["content"]
        pages.append(Page(key, item["url"], raw, content, is_chinese(content), _held_out(key)))
    return pages


# ---------------------------------------------------------------- tools


def _peer_text(raw: bytes) -> str:
    # Peers take text; give them the same decoding ours does so charset is not the contest.
    from newsarchive.extract import decode_html

    return decode_html(raw)


def run_ours(page: Page) -> Output:
    from newsarchive.extract import extract_page

    d = extract_page(page.raw, page.url or None)
    return Output(d.text, d.title, d.published.date().isoformat() if d.published else None)


def run_trafilatura(page: Page) -> Output:
    import trafilatura

    doc = trafilatura.bare_extraction(
        _peer_text(page.raw), url=page.url or None, with_metadata=True
    )
    if doc is None:
        return Output()
    return Output(doc.text or "", doc.title, doc.date)


def run_readability(page: Page) -> Output:
    from readability import Document

    from newsarchive.extract import html_to_text

    d = Document(_peer_text(page.raw))
    return Output(html_to_text(d.summary(html_partial=True)), d.short_title())


def run_gne(page: Page) -> Output:
    from gne import GeneralNewsExtractor

    r = GeneralNewsExtractor().extract(_peer_text(page.raw))
    return Output(r.get("content") or "", r.get("title"), r.get("publish_time") or None)


def run_magic_html(page: Page) -> Output:
    from magic_html import GeneralExtractor

    from newsarchive.extract import html_to_text

    r = GeneralExtractor().extract(_peer_text(page.raw), base_url=page.url)
    return Output(html_to_text(r.get("html") or ""), r.get("title"))


TOOLS: dict[str, Callable[[Page], Output]] = {
    "ours": run_ours,
    "trafilatura": run_trafilatura,
    "readability-lxml": run_readability,
    "gne": run_gne,
    "magic-html": run_magic_html,
}
PEER_MODULES = {
    "trafilatura": "trafilatura",
    "readability-lxml": "readability",
    "gne": "gne",
    "magic-html": "magic_html",
}


def run_tool(run: Callable[[Page], Output], page: Page) -> Output:
    # CPU time of this process (all its threads): wall clock on a shared machine measures
    # the neighbours; every peer here runs in-process, so the comparison is like for like.
    start = time.process_time()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = run(page)
    except Exception as exc:  # a peer crashing on a page scores as an empty output
        out = Output(error=f"{type(exc).__name__}: {exc}")
    out.seconds = time.process_time() - start
    return out


# ---------------------------------------------------------------- report


def date_right(published: str | None, truth: str) -> bool | None:
    """The truth's first lines often hold the date; None when they do not."""
    m = _DATE.search("\n".join(truth.strip().split("\n")[:4]))
    if not m:
        return None
    want = f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    return bool(published) and str(published).startswith(want)


def per_page_table(
    pages: list[Page],
    outs: dict[str, list[Output]],
    members: list[int],
    scorer: Callable[[str, str], tuple[float, float, float]],
) -> None:
    """Every page's F1 per tool, ours' shortfall against the best peer first, with our
    false-positive and false-negative shares (included junk vs missed text)."""
    f1s = {t: {i: scorer(pages[i].truth, res[i].text) for i in members} for t, res in outs.items()}
    peers = [t for t in outs if t != "ours"]
    print(f"   {'ours-best':>9} {'fp':>5} {'fn':>5} " + " ".join(f"{t[:8]:>8}" for t in outs))

    def gap(i: int) -> float:
        best = max((f1(f1s[t][i]) for t in peers), default=0.0)
        return f1(f1s["ours"][i]) - best if "ours" in f1s else 0.0

    for i in sorted(members, key=gap):
        _tp, fp, fn = f1s["ours"][i] if "ours" in f1s else (0.0, 0.0, 0.0)
        row = " ".join(f"{f1(f1s[t][i]):8.2f}" for t in outs)
        print(
            f"   {gap(i):+9.2f} {fp:5.2f} {fn:5.2f} {row}  {pages[i].key[:12]} {pages[i].url[:60]}"
        )


def report(name: str, pages: list[Page], outs: dict[str, list[Output]], per_page: bool) -> None:
    groups: list[tuple[str, list[int], Callable[[str, str], tuple[float, float, float]]]]
    idx = list(range(len(pages)))
    if name == "aeb":
        groups = [("aeb shingle-F1", idx, shingle_score)]
    else:
        zh = [i for i in idx if pages[i].chinese]
        other = [i for i in idx if not pages[i].chinese]
        groups = [
            (f"magic-html zh({len(zh)}) jieba-F1", zh, jieba_score),
            (f"magic-html zh({len(zh)}) bigram-F1", zh, bigram_score),
            (f"magic-html other({len(other)}) shingle-F1", other, shingle_score),
        ]
    for label, members, scorer in groups:
        print(f"\n== {label}")
        print(
            f"{'tool':<18}{'P':>7}{'R':>7}{'F1':>7}  {'F1 tune':>8}{'F1 held':>8}{'cpu ms/page':>12}{'errors':>7}"
        )
        for tool, results in outs.items():
            scores = {i: scorer(pages[i].truth, results[i].text) for i in members}
            p, r, f = summarise(list(scores.values()))
            ft = summarise([s for i, s in scores.items() if not pages[i].held_out])[2]
            fh = summarise([s for i, s in scores.items() if pages[i].held_out])[2]
            ms = 1000 * statistics.mean(results[i].seconds for i in members)
            errs = sum(1 for i in members if results[i].error)
            print(f"{tool:<18}{p:7.3f}{r:7.3f}{f:7.3f}  {ft:8.3f}{fh:8.3f}{ms:12.1f}{errs:7d}")
        if per_page:
            per_page_table(pages, outs, members, scorer)
    if name == "magic-html":
        # Neither set has title or date fields; the magic-html truth of some Chinese
        # pages starts with a dateline, which is used to judge dates there.
        zh = [i for i in idx if pages[i].chinese]
        print(f"\n== magic-html zh({len(zh)}) date right, on pages whose truth shows a date")
        for tool, results in outs.items():
            dated = [date_right(results[i].published, pages[i].truth) for i in zh]
            judged = [ok for ok in dated if ok is not None]
            share = sum(judged) / max(1, len(judged))
            print(f"{tool:<18} date {share:.3f} (of {len(judged)}); titles: no ground truth")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--sets", default="aeb,magic-html")
    ap.add_argument("--limit", type=int, default=None, help="first N pages of each set")
    ap.add_argument(
        "--per-page",
        "--details",
        action="store_true",
        help="per-page F1 of every tool, worst pages for ours first",
    )
    args = ap.parse_args()
    import importlib.util

    tools = {}
    for t in args.tools.split(","):
        mod = PEER_MODULES.get(t)
        if mod and importlib.util.find_spec(mod) is None:
            print(f"# {t}: not installed, skipped", file=sys.stderr)
            continue
        tools[t] = TOOLS[t]
    jieba_tokens("预热")  # load jieba's dictionary before any timing
    loaders = {"aeb": load_aeb, "magic-html": load_magic}
    for name in args.sets.split(","):
        pages = loaders[name](args.limit)
        outs = {}
        for tool, run in tools.items():
            run_tool(run, pages[0])  # warm-up: imports and lazy loading stay out of timing
            outs[tool] = [run_tool(run, p) for p in pages]
        print(f"\n######## {name}: {len(pages)} pages")
        report(name, pages, outs, args.per_page)


if __name__ == "__main__":
    main()

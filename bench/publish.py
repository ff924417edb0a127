"""Publish the ~51,000-article Jekyll archive and measure the static site.

    PYTHONPATH=src /work/venv/bin/python bench/publish.py [--db ARCHIVE] [--out DIR]

Without --db, the archive is built first from the shared corpus with the readers'
`import_paths` (bench/out/jekyll.db, reused on later runs). Prints one line per figure:
full build seconds, output size, search index size, bytes a query downloads (the same
files static/search.js would load, counted by newsarchive.publish.indexreader), and the
seconds to republish after 100 new articles. Also compares the two ways of cutting
Chinese for the index (character bigrams vs jieba words) on a sample of articles.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import time
from pathlib import Path

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.publish import PublishOptions, Selection, publish
from newsarchive.publish.catalog import load_entries
from newsarchive.publish.indexreader import StaticIndex
from newsarchive.publish.tokens import fold, query_terms, terms

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("NEWSARCHIVE_SHARED", ROOT.parent / "shared")) / "corpus"
# Typical reader queries: names, places, events, in both scripts, 2 to 8 characters.
QUERIES = [
    "华为",
    "香港国安法",
    "新冠疫苗",
    "特朗普 拜登",
    "台湾",
    "習近平",
    "美國大選",
    "芯片出口管制",
    "武汉肺炎",
    "新疆 维吾尔",
    "中美贸易战",
    "法輪功",
    "人权律师",
    "疫情 封城",
    "南海",
    "抖音",
    "蓬佩奥",
    "一带一路",
    "香港警察",
    "六四",
    "WHO",
    "李文亮",
    "民主",
    "台灣 疫苗",
]


def build_archive(db: Path) -> Archive:
    if db.exists():
        return open_archive(db)
    from newsarchive.ingest import import_paths  # the readers component (issue 2)

    db.parent.mkdir(parents=True, exist_ok=True)
    archive = open_archive(db)
    t = time.perf_counter()
    summary = import_paths(archive, [CORPUS / "mirrors" / "jekyll-waimei.tar.xz"])
    print(f"import_seconds {time.perf_counter() - t:.1f} ({summary.to_json()})")
    return archive


def cpu() -> float:
    """CPU seconds of this process and its finished children (the index job): the
    machine is shared, so wall time alone says little."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def du(path: Path) -> tuple[int, int]:
    size = files = 0
    for p in path.rglob("*"):
        if p.is_file():
            size += p.stat().st_size
            files += 1
    return size, files


def query_bytes(site: Path) -> None:
    index = StaticIndex(site)
    sizes, hits = [], []
    for q in QUERIES:
        trace = index.search(q)
        sizes.append(trace.bytes)
        hits.append(len(trace.docs))
        print(
            f"query {q!r}: {len(trace.docs)} hits, {len(trace.files)} files, {trace.bytes / 1024:.0f} KB"
        )
    sizes.sort()
    print(f"query_kb_median {statistics.median(sizes) / 1024:.0f}")
    print(f"query_kb_p90 {sizes[int(len(sizes) * 0.9) - 1] / 1024:.0f}")
    print(f"query_kb_max {sizes[-1] / 1024:.0f}")


def segmentation(archive: Archive, sample: int = 3000) -> None:
    """Bigrams vs jieba words on the same articles: index terms, postings, and how often
    an AND query misses articles that contain the query as a substring (recall)."""
    import jieba

    jieba.setLogLevel(60)
    texts = []
    for rec in archive.iter_articles():
        texts.append(fold(rec.title + "\n" + rec.text))
        if len(texts) >= sample:
            break
    t = time.perf_counter()
    bigram_docs = [terms(x) for x in texts]
    t_bi = time.perf_counter() - t
    t = time.perf_counter()
    jieba_docs = [{w for w in jieba.cut_for_search(x) if w.strip()} for x in texts]
    t_jb = time.perf_counter() - t
    for name, docs, secs in (("bigram", bigram_docs, t_bi), ("jieba", jieba_docs, t_jb)):
        vocab = set().union(*docs)
        postings = sum(len(d) for d in docs)
        print(
            f"seg_{name}: {len(vocab)} terms, {postings} postings, {secs / len(texts) * 1000:.2f} ms/article"
        )
    for q in ("国安法", "新冠", "芯片", "香港警察", "武汉肺炎", "李文亮", "人权"):
        truth = {i for i, x in enumerate(texts) if q in x}
        bi = set.intersection(
            *[{i for i, d in enumerate(bigram_docs) if t in d} for t in query_terms(q)]
        )
        jw = [w for w in jieba.cut_for_search(q) if w.strip()] or [q]
        jb = set.intersection(*[{i for i, d in enumerate(jieba_docs) if t in d} for t in jw])
        rec_bi = len(bi & truth) / max(1, len(truth))
        rec_jb = len(jb & truth) / max(1, len(truth))
        print(
            f"seg_recall {q}: substring {len(truth)}, bigram found {len(bi)} (recall {rec_bi:.2f}), jieba found {len(jb)} (recall {rec_jb:.2f})"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "jekyll.db")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "site")
    ap.add_argument("--skip-segmentation", action="store_true")
    args = ap.parse_args()
    archive = build_archive(args.db)
    print(
        f"archive {archive.counts()} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )

    # The site before the 100 newest articles arrived, then the full build timed.
    entries = load_entries(archive, Selection())
    cut = entries[-100].when
    shutil.rmtree(args.out, ignore_errors=True)
    opts = PublishOptions(base_url="https://mirror.example.org/news/")
    t, c = time.perf_counter(), cpu()
    first = publish(
        archive, args.out, PublishOptions(selection=Selection(until=cut), base_url=opts.base_url)
    )
    full = time.perf_counter() - t
    print(
        f"full_build_seconds {full:.1f} wall, {cpu() - c:.1f} cpu ({first.articles} articles, {first.written} files)"
    )
    size, files = du(args.out)
    index_size, index_files = du(args.out / "search")
    print(f"output_mb {size / 1e6:.0f} ({files} files)")
    print(f"search_index_mb {index_size / 1e6:.0f} ({index_files} files)")

    t, c = time.perf_counter(), cpu()
    again = publish(archive, args.out, opts)
    print(
        f"republish_100_new_seconds {time.perf_counter() - t:.1f} wall, {cpu() - c:.1f} cpu"
        f" ({again.articles - first.articles} new articles, {again.written} files written,"
        f" {again.skipped} skipped, search full rebuild: {again.search_full_rebuild})"
    )
    t, c = time.perf_counter(), cpu()
    same = publish(archive, args.out, opts)
    print(
        f"republish_unchanged_seconds {time.perf_counter() - t:.1f} wall, {cpu() - c:.1f} cpu ({same.written} files written)"
    )
    query_bytes(args.out)
    if not args.skip_segmentation:
        segmentation(archive)


if __name__ == "__main__":
    main()

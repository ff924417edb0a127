"""Story purity and recall, the old clustering as the peer, on the 51k jekyll archive.

    PYTHONPATH=src python bench/stories.py [--db /work/bench-archive/jekyll-full.db] [--methods before,cores,s8,s11,after]

The methods cluster the same snapshot in this process (read only: nothing is written
to the archive; `--methods` picks some):
- before: the clustering before session 4 (average link >= 0.12 in time order, words in
  more than 5% of articles weigh nothing, no cores);
- cores: session 4's (cores grown from the medoid), figures and title numbers not
  consulted;
- s8: session 8's (members on other days with other figures, or one outlet's titles
  with other numbers, are not alike), entities not consulted;
- s11: session 11's (also members more than 12 hours apart that name no entity in
  common), without session 13's steps;
- after: `newsarchive.dedup.story_pass` as it is (session 13: members more than 48
  hours from their core's medoid must be like the medoid by 0.3, and cores of different
  candidate clusters that are one event are merged, `story_merge`).

Purity: bench/data/story_purity.json holds hand-judged event keys of story members
(how they were judged is in its `about`). Each method's stories are sampled by the rule
the judges followed (`sample`: the 8 newest stories and 60 drawn with a fixed seed,
at most 10 members of each); a story's purity is the share of its judged members
about its main event (the most frequent key); reported over all judged members and
as a mean over stories. Members without a label are counted and left out (a changed
method samples stories nobody judged: label them before trusting the figure).
p(old): the same over members judged before the latest change (those not listed in
`added_session13`: held out, labels not written for the latest methods' samples).

proxy: purity over every labelled article in the stories that hold at least two of them
(needs no new judging, so variants can be compared before their own sample is judged;
labels written for one method's sample favour that method a little).

Recall, two ways: pairs of articles of one event (bench/data/stories.json: 23 events
labelled from title patterns, independent of either method's stories) that end up in
one story, pair-weighted and as a mean over events; and the same over the pairs of
same-event articles among the purity labels.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from newsarchive.components import open_archive
from newsarchive.dedup import story_pass

ROOT = Path(__file__).resolve().parent.parent
PURITY = ROOT / "bench" / "data" / "story_purity.json"
EVENTS = ROOT / "bench" / "data" / "stories.json"
NEWEST, DRAWN, SEED, MAX_JUDGED = 8, 60, 1, 10

Stories = list[list[int]]  # member article ids, in time order


@contextlib.contextmanager
def session11_method() -> Iterator[None]:
    """Session 11's method: no far-member rule, no merging of cores across candidates."""
    saved = (story_pass.FAR_HOURS, story_pass.MERGE)
    story_pass.FAR_HOURS, story_pass.MERGE = float("inf"), False
    try:
        yield
    finally:
        story_pass.FAR_HOURS, story_pass.MERGE = saved


@contextlib.contextmanager
def old_method() -> Iterator[None]:
    saved = (story_pass.JOIN_MIN, story_pass.MAX_DF, story_pass._cores)
    story_pass.JOIN_MIN, story_pass.MAX_DF = 0.12, 0.05
    story_pass._cores = lambda members, x, apart=None, hours=None: [members]
    try:
        with session11_method():
            yield
    finally:
        story_pass.JOIN_MIN, story_pass.MAX_DF, story_pass._cores = saved


@contextlib.contextmanager
def cores_method() -> Iterator[None]:
    """Session 4's method: cores, but figures and title numbers not consulted."""
    saved = story_pass._apart
    story_pass._apart = lambda members: np.zeros((len(members),) * 2, dtype=bool)
    try:
        with session11_method():
            yield
    finally:
        story_pass._apart = saved


@contextlib.contextmanager
def session8_method() -> Iterator[None]:
    """Session 8's method: figures and title numbers, entities not consulted."""
    saved = story_pass.ENTITIES_APART_HOURS
    story_pass.ENTITIES_APART_HOURS = float("inf")
    try:
        with session11_method():
            yield
    finally:
        story_pass.ENTITIES_APART_HOURS = saved


METHODS: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
    "before": old_method,
    "cores": cores_method,
    "s8": session8_method,
    "s11": session11_method,
    "after": contextlib.nullcontext,
}


def cluster(
    docs: list[story_pass._Doc], terms: list[list[str]]
) -> tuple[Stories, float, dict[int, float]]:
    t = time.perf_counter()
    clusters = story_pass._clusters(docs, terms)
    took = time.perf_counter() - t
    ts = {d.id: d.ts for d in docs}
    out = []
    for members in clusters:
        if len({docs[m].outlet for m in members if docs[m].outlet}) >= 2:
            out.append(sorted((docs[m].id for m in members), key=lambda a: (ts[a], a)))
    return out, took, ts


def sample(stories: Stories, ts: dict[int, float]) -> list[list[int]]:
    newest = sorted(stories, key=lambda s: -ts[s[0]])[:NEWEST]
    picked = newest + random.Random(SEED).sample(stories, DRAWN)
    return [
        s
        if len(s) <= MAX_JUDGED
        else sorted(random.Random(s[0]).sample(s, MAX_JUDGED), key=s.index)
        for s in picked
    ]


def purity(judged: list[list[int]], label: dict[int, str]) -> tuple[float, float, int, int]:
    same = total = unlabelled = 0
    per_story = []
    for members in judged:
        keys = [label[a] for a in members if a in label]
        unlabelled += len(members) - len(keys)
        if not keys:
            continue
        top = Counter(keys).most_common(1)[0][1]
        same += top
        total += len(keys)
        per_story.append(top / len(keys))
    return same / max(total, 1), sum(per_story) / max(len(per_story), 1), total, unlabelled


def proxy_purity(stories: Stories, label: dict[int, str]) -> tuple[float, int]:
    same = total = 0
    for members in stories:
        keys = [label[a] for a in members if a in label]
        if len(keys) >= 2:
            same += Counter(keys).most_common(1)[0][1]
            total += len(keys)
    return same / max(total, 1), total


def pair_recall(stories: Stories, events: list[list[int]]) -> tuple[float, float]:
    story_of = {a: k for k, s in enumerate(stories) for a in s}
    hit = total = 0
    per_event = []
    for ids in events:
        pairs = list(itertools.combinations(ids, 2))
        h = sum(1 for a, b in pairs if a in story_of and story_of[a] == story_of.get(b))
        hit, total = hit + h, total + len(pairs)
        per_event.append(h / max(len(pairs), 1))
    return hit / max(total, 1), sum(per_event) / max(len(per_event), 1)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", default="/work/bench-archive/jekyll-full.db")
    ap.add_argument(
        "--methods",
        default="before,cores,s8,s11,after",
        help="comma-separated: " + ", ".join(METHODS),
    )
    args = ap.parse_args()
    archive = open_archive(args.db, readonly=True)
    t = time.perf_counter()
    docs, terms = story_pass._load(archive.session)
    print(f"loaded and segmented {len(docs)} articles in {time.perf_counter() - t:.1f} s")

    def ids_of(urls: list[str]) -> list[int]:
        found = (archive.find(u) for u in urls)
        return sorted({r.id for r in found if r is not None})

    judgements = json.loads(PURITY.read_text("utf-8"))
    labels_by_url: dict[str, str] = judgements["labels"]
    label = {r.id: key for url, key in labels_by_url.items() if (r := archive.find(url))}
    # Members judged in session 13 for its methods' samples; the others were judged
    # before that session changed the clustering (its held-out figure, "p(old)").
    added = {r.id for url in judgements.get("added_session13", []) if (r := archive.find(url))}
    by_key: dict[str, list[int]] = {}
    for aid, key in label.items():
        by_key.setdefault(key, []).append(aid)
    judged_events = [sorted(v) for v in by_key.values() if len(v) > 1]
    events = [ids_of(e["articles"]) for e in json.loads(EVENTS.read_text("utf-8"))["events"]]
    print(
        f"purity labels: {len(label)} articles; recall events: {len(events)} ({sum(map(len, events))} articles)"
    )
    print(
        f"{'method':8} {'stories':>8} {'members':>8} {'pass s':>7} {'purity':>7} {'(mean/story)':>12}"
        f" {'judged':>6} {'unlab.':>6} {'p(old)':>7} {'n':>5} {'proxy':>6} {'n':>5}"
        f" {'recall':>7} {'(mean/event)':>12}"
        f" {'recall(labels)':>14}"
    )
    held_out = {a: k for a, k in label.items() if a not in added}
    for name in args.methods.split(","):
        with METHODS[name]():
            stories, took, ts = cluster(docs, terms)
        judged = sample(stories, ts)
        p, p_story, n_judged, n_unlabelled = purity(judged, label)
        p_old, _, n_old, _ = purity(judged, held_out)
        p_proxy, n_proxy = proxy_purity(stories, label)
        rec, rec_event = pair_recall(stories, events)
        r_labels, _ = pair_recall(stories, judged_events)
        print(
            f"{name:8} {len(stories):8d} {sum(map(len, stories)):8d} {took:7.1f} {p:7.3f} {p_story:12.3f}"
            f" {n_judged:6d} {n_unlabelled:6d} {p_old:7.3f} {n_old:5d} {p_proxy:6.3f} {n_proxy:5d}"
            f" {rec:7.3f} {rec_event:12.3f} {r_labels:14.3f}"
        )
    archive.close()


if __name__ == "__main__":
    main()

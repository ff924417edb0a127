"""`newsarchive import REPO`: a mirror repository's history, oldest commit first.

Every commit's added or changed mirror files are parsed and stored as captures
observed at the commit's time; the commit (id, time, author, message) is kept as their
provenance in `history_events`. Deleted files mark their articles removed (see
`state`). The machinery is the tarball import's (`newsarchive.ingest`): a reader thread
(here: `git log` and `git cat-file`) cuts batches, parse workers parse them, this process
stores each batch in one transaction. A commit is marked done in the transaction that
stores its last item, so a killed import resumes after the last complete commit, and the
branch's ref is recorded when the walk ends, so the next import reads only new commits.

Merges: the imported branch's first-parent chain is its published state. Commits on a
merged side branch contribute their files (captures, versions, events) but not their
deletions; the merge's own diff against its first parent brings the side branch's
result into the branch's tree (known blobs: nothing is parsed twice).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import cast

from newsarchive.archive import Archive, IngestOutcome
from newsarchive.history import gitcli
from newsarchive.history.state import (
    CommitMeta,
    Writer,
    blob_known,
    branch_files,
    commit_done,
    repo_id,
    set_ref,
    stored_ref,
)
from newsarchive.ingest import (
    BATCH_BYTES,
    BATCH_SIZE,
    ImportSummary,
    Unseen,
    _cut,
    _parse,
    _parse_in_pool,
    _prefetch,
    default_workers,
)
from newsarchive.model import Capture, Draft
from newsarchive.readers import RawFile, ReadError
from newsarchive.readers.sources import MAX_FILE_BYTES
from newsarchive.workers import hook_modules, init_worker, worker_context

_MIRROR_SUFFIXES = (".md", ".markdown")


def is_mirror_path(path: str) -> bool:
    """Files the mirrors publish articles as; READMEs and site files are not articles."""
    low = path.lower()
    name = low.rsplit("/", 1)[-1]
    return low.endswith(_MIRROR_SUFFIXES) and not name.startswith(("readme", "license"))


@dataclass(slots=True)
class HistorySummary(ImportSummary):
    """An import's counts (`ImportSummary`'s, over the files read from commits) plus the
    commits read, articles removed from and restored to the mirror, and whether the
    branch's history had been rewritten since the last import."""

    commits: int = 0
    removed: int = 0
    restored: int = 0
    rewritten: bool = False
    branch: str = ""
    head: str = ""


# -- what the reader thread sends -------------------------------------------------


@dataclass(slots=True)
class _File:
    """A file to parse (`item` is Unseen, or a ReadError for an oversized blob)."""

    meta: CommitMeta
    path: str
    blob: str
    item: Unseen | ReadError


@dataclass(slots=True)
class _Known:
    """A blob already stored (moved, re-added, merged): placed without parsing."""

    meta: CommitMeta
    path: str
    blob: str


@dataclass(slots=True)
class _Deleted:
    meta: CommitMeta
    path: str


@dataclass(slots=True)
class _Done:
    meta: CommitMeta
    reconciled: bool = False  # the end of a reconciliation, not a commit read


_Item = _File | _Known | _Deleted | _Done


@dataclass(slots=True)
class _Plan:
    repo: int
    name: str
    branch: str
    tip: str
    revs: list[str]
    rewritten: bool
    mainline: set[str] = field(default_factory=set)


def import_repository(
    archive: Archive,
    path: Path,
    *,
    branch: str | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    workers: int | None = None,
    batch_size: int = BATCH_SIZE,
    limit: int | None = None,
) -> HistorySummary:
    """Import the history of `branch` (default: HEAD's) of the repository at `path`.
    `on_progress(commits, files, where)` is called after each stored batch; `limit`
    stops after that many new commits (the rest is read by the next import)."""
    path = path.resolve()
    name = path.name.removesuffix(".git") or "repository"
    branch = branch or gitcli.current_branch(path)
    summary = HistorySummary(branch=branch)
    tip = gitcli.resolve(path, branch)
    if tip is None:
        if gitcli.resolve(path, "HEAD") is None and branch == gitcli.current_branch(path):
            return summary  # a repository without commits yet
        raise gitcli.GitError(f"{path}: no branch or commit named {branch!r}")
    summary.head = tip
    with archive.transaction() as tx:
        rid = repo_id(tx, str(path), name)
        old = stored_ref(tx, rid, branch)
    plan = _plan(path, rid, name, branch, tip, old)
    summary.rewritten = plan.rewritten
    if old == tip:
        return summary
    writer = Writer(rid, branch)
    items = _read(archive, path, plan, limit)
    batches = _prefetch(_cut(items, batch_size, BATCH_BYTES, _size), 1)
    state = _Progress(summary, on_progress)
    n = default_workers() if workers is None else workers
    if n <= 1:
        hooks = archive.hooks
        parsed = (
            (b, [cast(_Result, _parse(i.item, hooks)) if isinstance(i, _File) else i for i in b])
            for b in batches
        )
        _store_all(archive, writer, parsed, state)
    else:
        ctx = worker_context(["newsarchive.readers", *hook_modules(archive.hooks)])
        with ctx.Pool(n, initializer=init_worker, initargs=(archive.hooks,)) as pool:
            _store_all(archive, writer, _in_pool(pool, batches), state)
    summary.removed, summary.restored = writer.removed, writer.restored
    if limit is None or summary.commits < limit:
        with archive.transaction() as tx:
            set_ref(tx, rid, branch, tip)
    archive.settle()
    return summary


def _plan(path: Path, rid: int, name: str, branch: str, tip: str, old: str | None) -> _Plan:
    rewritten = False
    revs = [tip]
    if old and old != tip:
        if gitcli.resolve(path, old) and gitcli.git_ok(
            path, "merge-base", "--is-ancestor", old, tip
        ):
            revs = [tip, "^" + old]
        else:
            # Force-pushed or rewritten: read from where the two histories part (all of
            # it when the old commits are gone); what was stored stays, and the tree is
            # reconciled with the new tip at the end.
            rewritten = True
            base = gitcli.git(path, "merge-base", old, tip, check=False).strip()
            if base and gitcli.resolve(path, old):
                revs = [tip, "^" + base]
    plan = _Plan(rid, name, branch, tip, revs, rewritten)
    plan.mainline = set(gitcli.rev_list(path, revs, "--first-parent"))
    return plan


def _read(archive: Archive, path: Path, plan: _Plan, limit: int | None) -> Iterator[_Item]:
    """The items to store, in order (runs in the reader thread with its own read-only
    connection, which sees the batches already committed)."""
    known = _Seen(Archive.open(archive.address, schemas=(), readonly=True, create=False))
    blobs = gitcli.BlobReader(path, MAX_FILE_BYTES)
    try:
        commits = 0
        tip_meta: CommitMeta | None = None
        for commit in gitcli.log(path, plan.revs):
            meta = CommitMeta(
                commit.sha,
                commit.committed,
                commit.author,
                commit.message,
                commit.sha in plan.mainline,
            )
            if commit.sha == plan.tip:
                tip_meta = meta
            if commit_done(known.archive.session, plan.repo, commit.sha):
                continue
            if limit is not None and commits >= limit:
                return
            commits += 1
            changes = [c for c in commit.changes if is_mirror_path(c.path)]
            # Additions first: a file moved within the commit still lives when its
            # old path's deletion is handled.
            for c in changes:
                if c.status != "D":
                    yield _added(known, blobs, plan.name, meta, c.path, c.new_blob)
            if meta.mainline:
                for c in changes:
                    if c.status == "D":
                        yield _Deleted(meta, c.path)
            yield _Done(meta)
        if plan.rewritten:
            yield from _reconcile(known, blobs, path, plan, tip_meta)
    finally:
        blobs.close()
        known.archive.close()


class _Seen:
    """Blobs stored before this run (the archive, committed batches) or sent to be
    parsed earlier in it: a blob is parsed once per import whatever the batches' timing
    (20 bytes a blob: 1.5 MB for the 77,000 distinct contents of the waimei history)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.sent: set[bytes] = set()

    def check(self, blob: str) -> bool:
        key = bytes.fromhex(blob)
        if key in self.sent or blob_known(self.archive.session, blob):
            return True
        self.sent.add(key)
        return False


def _added(
    known: _Seen, blobs: gitcli.BlobReader, name: str, meta: CommitMeta, path: str, blob: str
) -> _Item:
    if known.check(blob):
        return _Known(meta, path, blob)
    location = f"{name}/{path}"
    data = blobs.read(blob)
    if isinstance(data, int):
        too_large = ReadError(location, f"too large for a mirror article ({data} bytes)")
        return _File(meta, path, blob, too_large)
    digest = hashlib.sha256(data).hexdigest()
    return _File(meta, path, blob, Unseen(RawFile(location, path, data), digest))


def _reconcile(
    known: _Seen, blobs: gitcli.BlobReader, path: Path, plan: _Plan, meta: CommitMeta | None
) -> Iterator[_Item]:
    """After a rewritten history: the branch's tree made equal to the new tip's (paths
    the rewrite dropped are removals at the tip's time)."""
    if meta is None:
        c = next(gitcli.log(path, ["-1", plan.tip]))
        meta = CommitMeta(c.sha, c.committed, c.author, c.message, True)
    stored = branch_files(known.archive.session, plan.repo, plan.branch)
    for p, blob in gitcli.ls_tree(path, plan.tip):
        if not is_mirror_path(p):
            continue
        if stored.pop(p, None) != blob:
            yield _added(known, blobs, plan.name, meta, p, blob)
    for p in sorted(stored):
        yield _Deleted(meta, p)
    yield _Done(meta, reconciled=True)


def _size(item: _Item) -> int:
    if isinstance(item, _File) and isinstance(item.item, Unseen):
        return len(item.item.raw.data)
    return 0


# -- parsing and storing ------------------------------------------------------------

_Result = tuple[Draft, Capture] | ReadError | _Known | _Deleted | _Done


def _in_pool(
    pool: object, batches: Iterator[list[_Item]]
) -> Iterator[tuple[list[_Item], list[_Result]]]:
    """The tarball import's pooled parsing (two batches in flight), each batch paired
    with its items: only `_File`s go to the workers, the rest passes through."""
    sent: deque[list[_Item]] = deque()

    def unwrapped() -> Iterator[list[Unseen | ReadError]]:
        for batch in batches:
            sent.append(batch)
            yield [cast(Unseen | ReadError, i.item if isinstance(i, _File) else i) for i in batch]

    for results in _parse_in_pool(pool, unwrapped()):  # type: ignore[arg-type]
        yield sent.popleft(), cast(list[_Result], results)


@dataclass(slots=True)
class _Progress:
    summary: HistorySummary
    report: Callable[[int, int, str], None] | None


def _store_all(
    archive: Archive,
    writer: Writer,
    batches: Iterator[tuple[list[_Item], list[_Result]]],
    progress: _Progress,
) -> None:
    summary = progress.summary
    for items, results in batches:
        where = ""
        with archive.transaction() as tx:
            for item, result in zip(items, results, strict=True):
                if isinstance(item, _File):
                    _store_file(archive, writer, item, result, summary)
                    where = item.path
                elif isinstance(item, _Known):
                    outcome = writer.blob_outcome(tx, item.blob)
                    if outcome:
                        writer.placed(
                            tx, item.meta, item.path, item.blob, *outcome, new_content=False
                        )
                    summary.files += 1
                    summary.unchanged += 1
                    where = item.path
                elif isinstance(item, _Deleted):
                    writer.deleted(tx, item.meta, item.path)
                else:
                    writer.finish_commit(tx, item.meta)
                    summary.commits += not item.reconciled
        if progress.report:
            progress.report(summary.commits, summary.files, where)


def _store_file(
    archive: Archive, writer: Writer, item: _File, result: _Result, summary: HistorySummary
) -> None:
    tx = archive.session
    summary.files += 1
    if isinstance(result, ReadError):
        archive.record_error(result.location, result.reason, result.raw)
        writer.remember_blob(tx, item.blob, None, None)
        summary.errors += 1
        return
    draft, capture = cast(tuple[Draft, Capture], result)
    capture.observed = datetime.fromisoformat(item.meta.committed)
    stored = archive.ingest(draft, capture)
    if stored.outcome is IngestOutcome.NEW_ARTICLE:
        summary.articles += 1
    elif stored.outcome is IngestOutcome.NEW_VERSION:
        summary.new_versions += 1
    else:
        summary.unchanged += 1
    writer.remember_blob(tx, item.blob, stored.article_id, stored.version_id)
    writer.placed(
        tx,
        item.meta,
        item.path,
        item.blob,
        stored.article_id,
        stored.version_id,
        new_content=stored.outcome is IngestOutcome.NEW_VERSION,
    )

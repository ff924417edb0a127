"""The history tables, read and written inside the archive's transactions.

Removal semantics: a mirror file deleted on the imported branch marks its article
removed from the mirror (`articles.gone_at` at the commit's time, `gone_status`
`REMOVED_STATUS`, as for pages gone at their source) unless the article still lives at
another path (a move from `_posts/` to `archived/`, another branch or repository). The
same article showing up again clears the mark ('restored').
"""

from __future__ import annotations

from dataclasses import dataclass

from newsarchive.archive import Session
from newsarchive.model import utcnow

# HTTP's "410 Gone": the mirror deliberately took the file down.
REMOVED_STATUS = 410


@dataclass(frozen=True, slots=True)
class CommitMeta:
    """A commit as stored with the events it caused (its changes travel separately)."""

    sha: str
    committed: str
    author: str
    message: str
    mainline: bool  # on the imported branch's first-parent chain


def repo_id(tx: Session, path: str, name: str) -> int:
    row = tx.one("SELECT id FROM history_repos WHERE path=?", (path,))
    if row:
        return int(row[0])
    return tx.insert("INSERT INTO history_repos(path, name) VALUES(?,?) RETURNING id", (path, name))


def stored_ref(tx: Session, repo: int, branch: str) -> str | None:
    row = tx.one("SELECT commit_sha FROM history_refs WHERE repo_id=? AND branch=?", (repo, branch))
    return str(row[0]) if row else None


def set_ref(tx: Session, repo: int, branch: str, sha: str) -> None:
    tx.execute(
        "INSERT INTO history_refs(repo_id, branch, commit_sha, updated) VALUES(?,?,?,?)"
        " ON CONFLICT(repo_id, branch) DO UPDATE SET commit_sha=excluded.commit_sha,"
        " updated=excluded.updated",
        (repo, branch, sha, utcnow().isoformat()),
    )


def commit_done(tx: Session, repo: int, sha: str) -> bool:
    row = tx.one("SELECT done FROM history_commits WHERE repo_id=? AND sha=?", (repo, sha))
    return bool(row and row[0])


def blob_known(tx: Session, blob: str) -> bool:
    return tx.one("SELECT 1 FROM history_blobs WHERE blob=?", (blob,)) is not None


def branch_files(tx: Session, repo: int, branch: str) -> dict[str, str]:
    """{path: blob} of a branch's current tree (for reconciling a rewritten history)."""
    rows = tx.all(
        "SELECT path, blob FROM history_files WHERE repo_id=? AND branch=?", (repo, branch)
    )
    return {r[0]: r[1] for r in rows}


class Writer:
    """The history side of one import: commit rows, blob outcomes, the branch's tree
    and the article events, written in the caller's transaction."""

    def __init__(self, repo: int, branch: str) -> None:
        self.repo = repo
        self.branch = branch
        self._commit: tuple[str, int] | None = None
        self.removed = 0
        self.restored = 0

    def commit_id(self, tx: Session, meta: CommitMeta) -> int:
        if self._commit and self._commit[0] == meta.sha:
            return self._commit[1]
        tx.execute(
            "INSERT INTO history_commits(repo_id, sha, committed, author, message)"
            " VALUES(?,?,?,?,?) ON CONFLICT(repo_id, sha) DO NOTHING",
            (self.repo, meta.sha, meta.committed, meta.author, meta.message),
        )
        cid = int(
            tx.scalar(
                "SELECT id FROM history_commits WHERE repo_id=? AND sha=?", (self.repo, meta.sha)
            )
        )
        self._commit = (meta.sha, cid)
        return cid

    def finish_commit(self, tx: Session, meta: CommitMeta) -> None:
        cid = self.commit_id(tx, meta)
        tx.execute("UPDATE history_commits SET done=1 WHERE id=?", (cid,))

    def blob_outcome(self, tx: Session, blob: str) -> tuple[int, int] | None:
        """(article, version) a known blob became; None for an unreadable one."""
        row = tx.one("SELECT article_id, version_id FROM history_blobs WHERE blob=?", (blob,))
        if row is None or row[0] is None:
            return None
        return int(row[0]), int(row[1])

    def remember_blob(
        self, tx: Session, blob: str, article: int | None, version: int | None
    ) -> None:
        tx.execute(
            "INSERT INTO history_blobs(blob, article_id, version_id) VALUES(?,?,?)"
            " ON CONFLICT(blob) DO NOTHING",
            (blob, article, version),
        )

    def placed(
        self,
        tx: Session,
        meta: CommitMeta,
        path: str,
        blob: str,
        article: int,
        version: int,
        *,
        new_content: bool,
    ) -> None:
        """A file with content `blob` (article, version) is at `path` after `meta`."""
        cid = self.commit_id(tx, meta)
        prev = None
        if meta.mainline:
            prev = tx.one(
                "SELECT blob, article_id FROM history_files WHERE repo_id=? AND branch=?"
                " AND path=?",
                (self.repo, self.branch, path),
            )
            tx.execute(
                "INSERT INTO history_files(repo_id, branch, path, blob, article_id)"
                " VALUES(?,?,?,?,?) ON CONFLICT(repo_id, branch, path) DO UPDATE SET"
                " blob=excluded.blob, article_id=excluded.article_id",
                (self.repo, self.branch, path, blob, article),
            )
            if self._restore(tx, article, meta):
                self._event(tx, cid, article, version, path, "restored")
                self.restored += 1
                return
        last = self._last_version(tx, article)
        if last is None:
            kind: str | None = "added"
        elif new_content or (last != version and prev is not None and prev[0] != blob):
            kind = "changed"  # new content, or back to an earlier version (a revert)
        else:
            kind = None  # a move, or a merge bringing content already recorded
        if kind:
            self._event(tx, cid, article, version, path, kind)

    def deleted(self, tx: Session, meta: CommitMeta, path: str) -> None:
        """`path` is gone from the branch after `meta` (mainline commits only)."""
        row = tx.one(
            "DELETE FROM history_files WHERE repo_id=? AND branch=? AND path=?"
            " RETURNING article_id",
            (self.repo, self.branch, path),
        )
        if row is None:
            return
        article = int(row[0])
        if tx.one("SELECT 1 FROM history_files WHERE article_id=?", (article,)):
            return  # lives on at another path (moved), branch or mirror
        tx.execute(
            "UPDATE articles SET gone_at=coalesce(gone_at, ?),"
            " gone_status=coalesce(gone_status, ?) WHERE id=?",
            (meta.committed, REMOVED_STATUS, article),
        )
        version = tx.scalar("SELECT latest_version_id FROM articles WHERE id=?", (article,))
        self._event(tx, self.commit_id(tx, meta), article, version, path, "removed")
        self.removed += 1

    def _restore(self, tx: Session, article: int, meta: CommitMeta) -> bool:
        """Clear a removal this history recorded, if the article's last event is one."""
        last = tx.one(
            "SELECT kind FROM history_events WHERE article_id=? ORDER BY id DESC LIMIT 1",
            (article,),
        )
        if last is None or last[0] != "removed":
            return False
        tx.execute(
            "UPDATE articles SET gone_at=NULL, gone_status=NULL WHERE id=? AND gone_status=?",
            (article, REMOVED_STATUS),
        )
        return True

    def _last_version(self, tx: Session, article: int) -> int | None:
        """The version of the article's last event in this repository (None: no event
        yet; 0: the event had no version)."""
        row = tx.one(
            "SELECT e.version_id FROM history_events e JOIN history_commits c"
            " ON c.id=e.commit_id WHERE e.article_id=? AND c.repo_id=?"
            " ORDER BY e.id DESC LIMIT 1",
            (article, self.repo),
        )
        return None if row is None else int(row[0] or 0)

    def _event(
        self, tx: Session, cid: int, article: int, version: int | None, path: str, kind: str
    ) -> None:
        tx.execute(
            "INSERT INTO history_events(commit_id, article_id, version_id, path, kind)"
            " VALUES(?,?,?,?,?) ON CONFLICT(commit_id, path, kind) DO NOTHING",
            (cid, article, version, path, kind),
        )


class HistoryHook:
    """Keeps the history tables in step when an operator removes an article."""

    def on_version(self, tx: Session, article_id: int, version_id: int, draft: object) -> None:
        return None

    def on_remove(self, tx: Session, article_id: int) -> None:
        tx.execute("DELETE FROM history_events WHERE article_id=?", (article_id,))
        tx.execute("DELETE FROM history_files WHERE article_id=?", (article_id,))
        tx.execute("DELETE FROM history_blobs WHERE article_id=?", (article_id,))

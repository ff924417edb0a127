"""`newsarchive export --format jekyll|feedx|gfw-breaker --git REPO`: the archive as a
mirror repository, one commit per run, as the mirror bots do.

Each run writes every article (latest version; not those a mirror history recorded as
removed) with the export writers into a scratch folder, copies into the repository's
working copy only the files whose bytes changed, deletes the files the previous run
wrote and this one did not, and commits the lot (nothing when nothing changed). The
files newsarchive wrote are listed in `MANIFEST` (committed with them), so a
repository's own files (README, _config.yml, files of other writers) are never touched.
Importing the repository gives the articles and versions back, one version per run
that changed an article.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from newsarchive.archive import Archive
from newsarchive.export.mirrors import write_mirror
from newsarchive.history import gitcli
from newsarchive.model import ArticleRecord

MANIFEST = ".newsarchive-export"


@dataclass(frozen=True, slots=True)
class ExportRun:
    articles: int
    added: int
    changed: int
    removed: int
    commit: str | None  # None: nothing changed, nothing committed

    def summary(self) -> str:
        return f"{self.added} added, {self.changed} changed, {self.removed} removed"


def export_to_git(
    archive: Archive, fmt: str, repo: Path, *, now: datetime | None = None
) -> ExportRun:
    """Write the archive as `fmt` mirror files into the working copy `repo` (created
    when missing) and commit what changed since the last export."""
    if repo.exists() and gitcli.is_repository(repo) and not (repo / ".git").exists():
        raise gitcli.GitError(f"{repo}: a bare repository; export --git needs a working copy")
    if not gitcli.is_repository(repo):
        if repo.exists() and any(repo.iterdir()):
            raise gitcli.GitError(f"{repo}: not a git repository (and not empty)")
        repo.mkdir(parents=True, exist_ok=True)
        gitcli.git(repo, "init", "-q")
    previous = _manifest(repo)
    scratch = Path(tempfile.mkdtemp(prefix=".newsarchive-export-", dir=repo.parent))
    try:
        count = write_mirror(archive, fmt, scratch, _published(archive))
        written = sorted(_files(scratch))
        added = changed = 0
        for rel in written:
            src, dst = scratch / rel, repo / rel
            data = src.read_bytes()
            if dst.is_file():
                if dst.read_bytes() == data:
                    continue
                changed += 1
            else:
                added += 1
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(data)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    keep = set(written)
    gone = [p for p in previous if p not in keep]
    for rel in gone:
        (repo / rel).unlink(missing_ok=True)
    (repo / MANIFEST).write_text("".join(p + "\0" for p in written), encoding="utf-8")
    _stage(repo, ["add", "-A"], [*written, MANIFEST])
    _stage(repo, ["rm", "-q", "--cached", "--ignore-unmatch"], gone)
    run = ExportRun(count, added, changed, len(gone), None)
    if gitcli.git_ok(repo, "diff", "--cached", "--quiet"):
        return run
    when = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    message = f"newsarchive export {when.isoformat()}: {run.summary()} ({count} articles, {fmt})"
    _commit(repo, message, when)
    return ExportRun(
        count, added, changed, len(gone), gitcli.git(repo, "rev-parse", "HEAD").strip()
    )


def _published(archive: Archive) -> Iterator[ArticleRecord]:
    """Every article but those a mirror's history last showed removed."""
    removed: set[int] = set()
    if archive.session.table_exists("history_events"):
        rows = archive.session.all(
            "SELECT e.article_id FROM history_events e WHERE e.kind='removed' AND e.id ="
            " (SELECT max(id) FROM history_events l WHERE l.article_id=e.article_id)"
        )
        removed = {int(r[0]) for r in rows}
    return (rec for rec in archive.iter_articles() if rec.id not in removed)


def _files(root: Path) -> Iterator[str]:
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            yield str(Path(dirpath, name).relative_to(root))


def _manifest(repo: Path) -> list[str]:
    path = repo / MANIFEST
    if not path.is_file():
        return []
    return [p for p in path.read_text(encoding="utf-8").split("\0") if p]


def _stage(repo: Path, command: list[str], paths: list[str]) -> None:
    """`git add`/`git rm` of exactly these paths (NUL-separated on stdin: names may hold
    newlines)."""
    if not paths:
        return
    subprocess.run(
        ["git", "-C", str(repo), *command, "--pathspec-from-file=-", "--pathspec-file-nul"],
        input="".join(p + "\0" for p in paths).encode("utf-8"),
        check=True,
        capture_output=True,
    )


def _commit(repo: Path, message: str, when: datetime) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": when.isoformat(),
        "GIT_COMMITTER_DATE": when.isoformat(),
    }
    identity: list[str] = []
    if not gitcli.git(repo, "config", "user.email", check=False).strip():
        identity = ["-c", "user.name=newsarchive", "-c", "user.email=newsarchive@localhost"]
    proc = subprocess.run(
        ["git", "-C", str(repo), *identity, "commit", "-q", "--no-verify", "-m", message],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise gitcli.GitError(f"{repo}: git commit: {proc.stderr.strip()}")

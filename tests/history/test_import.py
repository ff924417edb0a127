"""Importing mirror repositories with scripted histories (issue #18), on both backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.history import import_repository
from newsarchive.history.reads import article_history
from newsarchive.history.state import REMOVED_STATUS
from tests.history.gitrepo import Repo

A_URL = "https://www.epochtimes.com/gb/21/3/1/n12782341.htm"
B_URL = "https://www.rfa.org/mandarin/yataibaodao/jingmao/hx-02032022040014.html"
C_URL = "https://www.voachinese.com/a/xi-push-for-chip-self-reliance-may-fail-20220204/6427409.html"


def seed(shared: Path, prefix: str) -> str:
    (path,) = (shared / "corpus" / "seeds").glob(prefix + "_*.txt")
    return path.read_text(encoding="utf-8")


def events(archive: Archive, url: str) -> list[tuple[str, str, str]]:
    rec = archive.find(url)
    assert rec is not None, url
    return [(e.kind, e.path, e.subject) for e in article_history(archive, rec.id)]


def run(address: str, repo: Path, **kw: object) -> dict[str, object]:
    with open_archive(address) as archive:
        return import_repository(archive, repo, workers=1, **kw).to_json()  # type: ignore[arg-type]


@pytest.fixture
def mirror(tmp_path: Path, shared: Path) -> tuple[Repo, dict[str, str]]:
    """add A and B; edit A's body; change B's headline; delete A; move B to archived/;
    re-add A; add C (feedx). Returns the repository and {step: commit id}."""
    r = Repo(tmp_path / "waimei")
    shas = {}
    r.write("_posts/2021-03-01-a.md", seed(shared, "000"))
    r.write("_posts/2022-02-03-b.md", seed(shared, "002"))
    r.write("README.md", "# waimei\n")
    shas["add"] = r.commit("add A and B", "2022-02-03T10:00:00+00:00")
    r.edit("_posts/2021-03-01-a.md", "<p>【大纪元", "<p>更正：【大纪元")
    shas["edit"] = r.commit("edit A's body", "2022-02-04T10:00:00+00:00")
    r.edit("_posts/2022-02-03-b.md", 'title: "北大报告', 'title: "更新：北大报告')
    shas["headline"] = r.commit("soften B's headline", "2022-02-05T10:00:00+00:00")
    r.rm("_posts/2021-03-01-a.md")
    shas["delete"] = r.commit("take A down", "2022-02-06T10:00:00+00:00")
    r.mv("_posts/2022-02-03-b.md", "archived/2022-02-03/2022-02-03-b.md")
    shas["move"] = r.commit("archive B", "2022-02-17T10:00:00+00:00")
    return r, shas


def test_versions_removals_and_provenance(
    db_address: str, mirror: tuple[Repo, dict[str, str]], shared: Path
) -> None:
    r, shas = mirror
    summary = run(db_address, r.root)
    assert summary["commits"] == 5
    assert (summary["articles"], summary["new_versions"], summary["removed"]) == (2, 2, 1)
    with open_archive(db_address, readonly=True) as archive:
        a = archive.find(A_URL)
        b = archive.find(B_URL)
        assert a is not None and b is not None
        assert a.version_count == 2 and b.version_count == 2
        assert "更正" in a.text and b.title.startswith("更新：")
        # A taken down at the commit's time; B moved, not removed.
        assert a.gone_at is not None and a.gone_at.isoformat() == "2022-02-06T10:00:00+00:00"
        assert a.gone_status == REMOVED_STATUS
        assert b.gone_at is None
        assert events(archive, A_URL) == [
            ("added", "_posts/2021-03-01-a.md", "add A and B"),
            ("changed", "_posts/2021-03-01-a.md", "edit A's body"),
            ("removed", "_posts/2021-03-01-a.md", "take A down"),
        ]
        assert events(archive, B_URL) == [
            ("added", "_posts/2022-02-03-b.md", "add A and B"),
            ("changed", "_posts/2022-02-03-b.md", "soften B's headline"),
        ]
        hist = article_history(archive, a.id)
        assert [e.commit for e in hist] == [shas["add"], shas["edit"], shas["delete"]]
        assert hist[0].author == "Mirror Bot <bot@example.org>"
        # Each version is a capture observed at its commit's time, at its path.
        caps = archive.captures(a.id)
        assert [(c["observed"], c["location"]) for c in caps] == [
            ("2022-02-03T10:00:00+00:00", "waimei/_posts/2021-03-01-a.md"),
            ("2022-02-04T10:00:00+00:00", "waimei/_posts/2021-03-01-a.md"),
        ]
        versions = [v["id"] for v in archive.versions(a.id)]
        assert [e.version_id for e in hist[:2]] == versions
        assert archive.errors() == []  # README.md is not read as an article

    # Re-adding A (same bytes) restores it; a re-import adds nothing.
    r.write("_posts/2021-03-01-a.md", seed(shared, "000"))
    restored = r.commit("put A back", "2022-02-20T10:00:00+00:00")
    summary = run(db_address, r.root)
    assert (summary["commits"], summary["restored"], summary["articles"]) == (1, 1, 0)
    with open_archive(db_address, readonly=True) as archive:
        a = archive.find(A_URL)
        assert a is not None and a.gone_at is None and a.gone_status is None
        assert events(archive, A_URL)[-1] == ("restored", "_posts/2021-03-01-a.md", "put A back")
        assert article_history(archive, a.id)[-1].commit == restored
        before = archive.counts(), events(archive, A_URL), events(archive, B_URL)
    again = run(db_address, r.root)
    assert again["commits"] == 0 and again["files"] == 0
    with open_archive(db_address, readonly=True) as archive:
        assert (archive.counts(), events(archive, A_URL), events(archive, B_URL)) == before


def test_bare_repository_and_incremental(
    db_address: str, mirror: tuple[Repo, dict[str, str]], tmp_path: Path, shared: Path
) -> None:
    r, _ = mirror
    bare = tmp_path / "waimei.git"
    r.git("clone", "-q", "--bare", str(r.root), str(bare))
    assert run(db_address, bare)["commits"] == 5
    r.write("articles/美国之音/6427409.md", seed(shared, "001"))
    r.commit("add C", "2022-02-21T10:00:00+00:00")
    r.git("push", "-q", str(bare), "main")
    summary = run(db_address, bare)
    assert (summary["commits"], summary["files"], summary["articles"]) == (1, 1, 1)
    with open_archive(db_address, readonly=True) as archive:
        assert events(archive, C_URL) == [("added", "articles/美国之音/6427409.md", "add C")]


def test_merge_of_two_branches(db_address: str, tmp_path: Path, shared: Path) -> None:
    r = Repo(tmp_path / "m")
    r.write("_posts/a.md", seed(shared, "000"))
    r.write("_posts/b.md", seed(shared, "002"))
    r.commit("base", "2022-01-01T00:00:00+00:00")
    r.git("checkout", "-q", "-b", "side")
    r.edit("_posts/a.md", "<p>【大纪元", "<p>侧枝：【大纪元")
    r.commit("side edits A", "2022-01-02T00:00:00+00:00")
    r.write("articles/美国之音/c.md", seed(shared, "001"))
    r.rm("_posts/b.md")
    r.commit("side adds C, drops B", "2022-01-03T00:00:00+00:00")
    r.git("checkout", "-q", "main")
    r.edit("_posts/b.md", 'title: "北大报告', 'title: "主干：北大报告')
    r.commit("main edits B", "2022-01-04T00:00:00+00:00")
    # B was edited here and dropped there: the merge resolves the conflict by dropping it.
    r.git("merge", "-q", "--no-ff", "side", check=False)
    r.rm("_posts/b.md")
    r.commit("merge side", "2022-01-05T00:00:00+00:00")
    summary = run(db_address, r.root)
    assert summary["commits"] == 5
    with open_archive(db_address, readonly=True) as archive:
        assert events(archive, A_URL) == [
            ("added", "_posts/a.md", "base"),
            ("changed", "_posts/a.md", "side edits A"),
        ]
        assert events(archive, C_URL) == [
            ("added", "articles/美国之音/c.md", "side adds C, drops B")
        ]
        # The side branch's deletion reaches the branch with the merge.
        assert events(archive, B_URL) == [
            ("added", "_posts/b.md", "base"),
            ("changed", "_posts/b.md", "main edits B"),
            ("removed", "_posts/b.md", "merge side"),
        ]
        b = archive.find(B_URL)
        assert b is not None and b.gone_at is not None
        assert b.gone_at.isoformat() == "2022-01-05T00:00:00+00:00"


def test_rewritten_history_keeps_what_was_stored(
    db_address: str, tmp_path: Path, shared: Path
) -> None:
    r = Repo(tmp_path / "rw")
    r.write("_posts/a.md", seed(shared, "000"))
    r.commit("add A", "2022-01-01T00:00:00+00:00")
    r.write("_posts/b.md", seed(shared, "002"))
    r.commit("add B", "2022-01-02T00:00:00+00:00")
    r.edit("_posts/a.md", "<p>【大纪元", "<p>旧稿：【大纪元")
    r.commit("edit A", "2022-01-03T00:00:00+00:00")
    run(db_address, r.root)
    # Force-push: the last two commits are replaced by one that adds C.
    r.git("reset", "-q", "--hard", "HEAD~2")
    r.write("articles/美国之音/c.md", seed(shared, "001"))
    r.commit("add C instead", "2022-01-04T00:00:00+00:00")
    r.git("reflog", "expire", "--expire=now", "--all")
    r.git("gc", "-q", "--prune=now")
    summary = run(db_address, r.root)
    assert summary["rewritten"] is True
    assert (summary["commits"], summary["articles"], summary["removed"]) == (1, 1, 1)
    with open_archive(db_address, readonly=True) as archive:
        a = archive.find(A_URL)
        b = archive.find(B_URL)
        assert a is not None and b is not None
        assert a.version_count == 2 and "旧稿" in a.text  # nothing stored is lost
        assert a.gone_at is None  # A is still in the new tree
        assert b.gone_at is not None and b.gone_at.isoformat() == "2022-01-04T00:00:00+00:00"
        assert events(archive, B_URL)[-1] == ("removed", "_posts/b.md", "add C instead")
        assert events(archive, C_URL) == [("added", "articles/美国之音/c.md", "add C instead")]
    assert run(db_address, r.root)["commits"] == 0


def test_interrupted_import_resumes(
    db_address: str,
    new_db_address: object,
    mirror: tuple[Repo, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Killed in the middle (here: the third commit's transaction fails), an import
    resumes after the last complete commit and ends as an uninterrupted one."""
    from newsarchive.history import state

    r, _ = mirror
    finish = state.Writer.finish_commit
    calls = []

    def crash(self: state.Writer, tx: object, meta: state.CommitMeta) -> None:
        calls.append(meta.sha)
        if len(calls) == 3:
            raise KeyboardInterrupt
        finish(self, tx, meta)  # type: ignore[arg-type]

    monkeypatch.setattr(state.Writer, "finish_commit", crash)
    with pytest.raises(KeyboardInterrupt):
        run(db_address, r.root, batch_size=2)
    monkeypatch.undo()
    resumed = run(db_address, r.root, batch_size=2)
    assert 0 < int(resumed["commits"]) < 5  # type: ignore[call-overload]
    clean = new_db_address("clean")  # type: ignore[operator]
    run(clean, r.root)
    with open_archive(db_address, readonly=True) as got, open_archive(clean, readonly=True) as want:
        assert got.counts() == want.counts()
        for url in (A_URL, B_URL):
            assert events(got, url) == events(want, url)
            g, w = got.find(url), want.find(url)
            assert g is not None and w is not None
            assert (g.gone_at, g.version_count) == (w.gone_at, w.version_count)


_KILLER = """
import os, signal, sys
from pathlib import Path
from newsarchive.components import open_archive
from newsarchive.history import import_repository, state

finish = state.Writer.finish_commit
calls = []

def finish_or_die(self, tx, meta):
    calls.append(meta.sha)
    if len(calls) == 3:  # in the middle of a transaction, like a power cut
        os.kill(os.getpid(), signal.SIGKILL)
    finish(self, tx, meta)

state.Writer.finish_commit = finish_or_die
with open_archive(sys.argv[1]) as archive:
    import_repository(archive, Path(sys.argv[2]), workers=1, batch_size=2)
"""


def test_sigkilled_import_resumes(
    db_address: str,
    new_db_address: Callable[[str], str],
    mirror: tuple[Repo, dict[str, str]],
) -> None:
    r, _ = mirror
    src = Path(__file__).resolve().parents[2] / "src"
    proc = subprocess.run(
        [sys.executable, "-c", _KILLER, db_address, str(r.root)],
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    resumed = run(db_address, r.root, batch_size=2)
    assert 0 < int(resumed["commits"]) < 5  # type: ignore[call-overload]
    clean = new_db_address("clean")
    run(clean, r.root)
    with open_archive(db_address, readonly=True) as got, open_archive(clean, readonly=True) as want:
        assert got.counts() == want.counts()
        for url in (A_URL, B_URL):
            assert events(got, url) == events(want, url)

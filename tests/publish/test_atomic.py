"""publish under attack and under load (issue #19, F6): the site is built beside OUTDIR
and swapped in at the end, so a killed run leaves the previous site whole; the search
index process dies with publish; the next run cleans up what a killed run left."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.model import Capture
from newsarchive.publish import PublishError, PublishOptions, publish, site
from newsarchive.publish import staging as staging_mod
from newsarchive.publish.output import MANIFEST_NAME
from tests.publish.conftest import ARTICLES, fill, make_draft

SRC = Path(__file__).resolve().parents[2] / "src"
N_ARTICLES = 1500
MIRROR = "https://mirror.example.org/"
USER_FILES = {"CNAME": "news.example.org\n", "notes/README.txt": "our own notes\n"}


def _snapshot(root: Path) -> dict[str, str]:
    """Every file and symlink under `root` with a hash of its bytes."""
    out: dict[str, str] = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = Path(dirpath, name)
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _leftovers(site_dir: Path) -> list[str]:
    return sorted(n for n in os.listdir(site_dir.parent) if n.startswith(f".{site_dir.name}."))


def _children(pid: int) -> set[int]:
    """Every live descendant of `pid` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
            except OSError:
                continue
            fields = stat.rsplit(b")", 1)[-1].split()
            parents[int(entry)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed process its new parent has not reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat.rsplit(b")", 1)[-1].split()[0] != b"Z"


def _written(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def _check_whole(site_dir: Path) -> dict[str, dict[str, str]]:
    """The site matches its own manifest, file for file."""
    files: dict[str, dict[str, str]] = json.loads((site_dir / MANIFEST_NAME).read_text())["files"]
    for path, rec in files.items():
        data = (site_dir / path).read_bytes()
        assert hashlib.sha256(data).hexdigest()[:32] == rec["sha"], path
    return files


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An archive large enough that a publish takes several seconds."""
    db = tmp_path_factory.mktemp("atomic") / "big.db"
    a = open_archive(db, hooks=[])  # no search or duplicate signatures: 10x faster
    fill(a)
    with a.transaction():
        for i in range(N_ARTICLES):
            url, outlet, title, paras = ARTICLES[i % len(ARTICLES)]
            paras = [f"{p}第{i}篇，{'内容' * (i % 40)}。" for p in paras] * 6
            d = make_draft(i % 700, f"{url}?n={i}", outlet, f"{title} {i}", paras)
            a.ingest(d, Capture(raw=f"raw {i}".encode(), format="jekyll", location=f"b{i}.md"))
    a.close()
    yield db


def _publish_cli(db: Path, out: Path, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    cmd = [sys.executable, "-m", "newsarchive", "publish", str(out), "--db", str(db)]
    with log.open("wb") as err:  # the child has its own copy of the descriptor
        return subprocess.Popen(
            [*cmd, "--base-url", MIRROR], env=env, stdout=subprocess.DEVNULL, stderr=err
        )


def test_sigkill_leaves_the_old_site_and_no_child(big_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    with open_archive(big_db, create=False) as archive:
        publish(archive, out)
    for name, text in USER_FILES.items():
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text(text)
    before = _snapshot(out)

    # Every page changes with --base-url (canonical and share links): a run writing in
    # place would leave a mix of both.
    proc = _publish_cli(big_db, out, tmp_path / "stderr.txt")
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        start_written = None
        while time.monotonic() < deadline and proc.poll() is None:
            children |= _children(proc.pid)
            if children and start_written is None:
                start_written = _written(proc.pid)
            # Killed while pages are being written: ~1 MB after the index process started.
            if start_written is not None and _written(proc.pid) - start_written > 1 << 20:
                break
            time.sleep(0.02)
        assert proc.poll() is None, (
            "publish ended before it could be killed: grow N_ARTICLES",
            (tmp_path / "stderr.txt").read_text(),
        )
        assert children, "no search index process was seen"
        children |= _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_running(c) for c in children):
        time.sleep(0.05)
    survivors = [c for c in children if _running(c)]
    for c in survivors:  # do not leave them running on the machine
        os.kill(c, signal.SIGKILL)
    assert not survivors, f"children of the killed publish still running: {survivors}"

    assert _snapshot(out) == before  # the previous site, whole, user files included
    assert _leftovers(out)  # the killed run's folder, for the next run to clean

    with open_archive(big_db, create=False) as archive:
        summary = publish(archive, out, PublishOptions(base_url=MIRROR))
    assert _leftovers(out) == []
    assert summary.articles == N_ARTICLES + len(ARTICLES)
    files = _check_whole(out)
    assert len(files) > N_ARTICLES
    for name, text in USER_FILES.items():
        assert (out / name).read_text() == text
    assert MIRROR in (out / "index.html").read_text("utf-8") or MIRROR in (
        out / "feeds/all.xml"
    ).read_text("utf-8")


def _small_site(tmp_path: Path) -> tuple[Archive, Path]:
    a = open_archive(tmp_path / "small.db")
    fill(a)
    out = tmp_path / "site"
    publish(a, out)
    return a, out


def test_republish_keeps_user_files_and_untouched_pages(tmp_path: Path) -> None:
    """As documented: files publish did not write stay; pages whose inputs did not
    change are not rewritten (same inode and mtime: rsync and git stay quiet)."""
    a, out = _small_site(tmp_path)
    (out / "CNAME").write_text("news.example.org\n")
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    about = out / "about.html"  # rewritten every run (it has the time)
    page = next((out / "a" / "0").iterdir())
    st = page.stat()
    time.sleep(0.01)
    summary = publish(a, out)
    assert summary.written <= 2 and summary.skipped > 0, summary
    assert (out / "CNAME").read_text() == "news.example.org\n"
    assert (out / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert page.stat().st_ino == st.st_ino and page.stat().st_mtime_ns == st.st_mtime_ns
    assert about.is_file() and _leftovers(out) == []
    _check_whole(out)
    a.close()


def test_a_failed_run_leaves_the_site_and_ends_its_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, out = _small_site(tmp_path)
    before = _snapshot(out)
    url, outlet, title, paras = ARTICLES[1]
    with a.transaction():
        a.ingest(
            make_draft(1, url, outlet, title + "（新）", [*paras, "新段落"]),
            Capture(raw=b"v2", format="jekyll", location="n.md"),
        )

    def fail(self: site.SiteBuilder, *args: object) -> None:
        # The index process is busy or done; either way it must not outlive the run.
        raise PublishError("disk full (simulated)")

    monkeypatch.setattr(site.SiteBuilder, "date_pages", fail)
    # Children an earlier test left running on purpose (multiprocessing's fork server
    # lives as long as this process) are not this run's.
    already = _children(os.getpid())
    with pytest.raises(PublishError, match="simulated"):
        publish(a, out)
    assert _snapshot(out) == before and _leftovers(out) == []
    assert not [c for c in _children(os.getpid()) - already if _running(c)]
    a.close()


def test_swap_without_rename_exchange_and_recovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the system cannot exchange two folders the swap is two renames; a run
    killed between them leaves OUTDIR missing and the next run puts it back."""
    a, out = _small_site(tmp_path)
    monkeypatch.setattr(staging_mod, "_exchange", lambda x, y: False)
    publish(a, out, PublishOptions(base_url=MIRROR))
    assert _leftovers(out) == [] and MIRROR in (out / "feeds/all.xml").read_text("utf-8")
    before = _snapshot(out)
    # Killed between the renames: the previous site under its "old-" name.
    os.rename(out, out.parent / f".site.publish-old-{2**22 + 7}-abcd")
    (out.parent / ".site.publish-4194311-beef").mkdir()  # and the new, half built
    publish(a, out, PublishOptions(base_url=MIRROR))
    assert _snapshot(out) == before and _leftovers(out) == []
    a.close()


def test_symlinked_outdir_and_concurrent_runs(tmp_path: Path) -> None:
    a, out = _small_site(tmp_path)
    link = tmp_path / "public"
    link.symlink_to(out)
    publish(a, link, PublishOptions(base_url=MIRROR))
    assert link.is_symlink() and MIRROR in (link / "feeds/all.xml").read_text("utf-8")
    # Another run is building: its folder is locked.
    busy = tmp_path / f".site.publish-{os.getppid()}-0000"
    busy.mkdir()
    fd = staging_mod._lock(busy)
    assert fd is not None
    try:
        with pytest.raises(PublishError, match=r"another publish into .* is running"):
            publish(a, out)
    finally:
        os.close(fd)
    assert busy.is_dir()  # not ours to remove while its process lives
    a.close()


def test_outdir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    a = open_archive(tmp_path / "x.db")
    (tmp_path / "file").write_text("x")
    with pytest.raises(PublishError, match="not a folder"):
        publish(a, tmp_path / "file")
    assert _leftovers(tmp_path / "file") == []
    a.close()


def test_without_hard_links_the_site_is_built_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """FAT or exFAT (a USB stick): no hard links, so no copy of the whole site per run."""
    a, out = _small_site(tmp_path)

    def no_link(src: object, dst: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    summary = publish(a, out, PublishOptions(base_url=MIRROR))
    assert summary.written > 0 and MIRROR in (out / "feeds/all.xml").read_text("utf-8")
    assert "no hard links: building in place" in caplog.text
    assert _leftovers(out) == []
    _check_whole(out)
    a.close()

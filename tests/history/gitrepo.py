"""Scripted git repositories for the history tests: real `git`, fixed times."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class Repo:
    """A working copy whose commits happen at the times the test says."""

    def __init__(self, root: Path, branch: str = "main") -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)
        self.git("config", "user.name", "Mirror Bot")
        self.git("config", "user.email", "bot@example.org")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, when: str | None = None, check: bool = True) -> str:
        env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.root)}
        if when:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
        return subprocess.run(
            ["git", *args], cwd=self.root, env=env, check=check, capture_output=True, text=True
        ).stdout.strip()

    def write(self, path: str, data: bytes | str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        target.write_bytes(data)
        self.git("add", "--", path)

    def read(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def edit(self, path: str, old: str, new: str) -> None:
        text = self.read(path)
        assert old in text, f"{old!r} not in {path}"
        self.write(path, text.replace(old, new, 1))

    def rm(self, path: str) -> None:
        self.git("rm", "-q", "--", path)

    def mv(self, src: str, dst: str) -> None:
        (self.root / dst).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", src, dst)

    def commit(self, message: str, when: str) -> str:
        self.git("commit", "-q", "--allow-empty", "-m", message, when=when)
        return self.git("rev-parse", "HEAD")

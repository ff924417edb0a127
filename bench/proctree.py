"""CPU time and peak memory of a process tree, for benchmarks whose work runs in
fork-server children.

`resource.getrusage(RUSAGE_CHILDREN)` only counts children this process has reaped.
Fork-server workers are children of the fork server, which lives until this process
exits, so their CPU never shows there. `TreeMonitor` samples /proc instead: every
descendant's utime + stime and peak RSS (VmHWM), keeping each process's last sample, so
a worker that has exited still counts with what it had used at the last sample
(at most one interval of its work is lost). Linux only.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class _Seen:
    cpu: float = 0.0
    peak_rss_mib: float = 0.0


@dataclass
class TreeMonitor:
    """Samples the descendants of `root` (default: this process) while running."""

    root: int = field(default_factory=os.getpid)
    interval: float = 0.2
    _seen: dict[int, _Seen] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> TreeMonitor:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        for pid in _descendants(self.root):
            stat = _read(f"/proc/{pid}/stat")
            status = _read(f"/proc/{pid}/status")
            if stat is None or status is None:
                continue  # exited between listing and reading
            # Fields after the command name (which may contain spaces): utime, stime
            # are the 12th and 13th.
            rest = stat.rsplit(")", 1)[1].split()
            seen = self._seen.setdefault(pid, _Seen())
            seen.cpu = max(seen.cpu, (int(rest[11]) + int(rest[12])) / _TICKS)
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    seen.peak_rss_mib = max(seen.peak_rss_mib, int(line.split()[1]) / 1024)

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds of all descendants seen (not of `root` itself)."""
        return sum(s.cpu for s in self._seen.values())

    @property
    def largest_peak_rss_mib(self) -> float:
        return max((s.peak_rss_mib for s in self._seen.values()), default=0.0)

    @property
    def processes(self) -> int:
        return len(self._seen)


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def _descendants(root: int) -> list[int]:
    parent: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        stat = _read(f"/proc/{entry.name}/stat")
        if stat is not None:
            parent[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, pp in parent.items() if pp == pid]
        found.extend(kids)
        frontier.extend(kids)
    return found

"""CPU time and peak memory of a process tree, for benchmarks whose work runs in
fork-server children.

`resource.getrusage(RUSAGE_CHILDREN)` only counts children this process has reaped.
Fork-server workers are children of the fork server, which lives until this process
exits, so their CPU never shows there. `TreeMonitor` samples /proc instead: every
descendant's utime + stime and peak RSS (VmHWM), keeping each process's last sample, so
a worker that has exited still counts with what it had used at the last sample (at most
one interval of its work is lost). Descendants are found by walking
/proc/PID/task/TID/children down from the root (a few files, not all of /proc: the
sampler runs inside the process it measures, and reports its own CPU as `own_cpu` so
the caller can subtract it). Linux only; elsewhere it reports zeros.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class _Seen:
    cpu: float = 0.0
    peak_rss_mib: float = 0.0


@dataclass
class TreeMonitor:
    """Samples the descendants of `root` (default: this process) while running,
    leaving out the subtrees of the pids in `exclude` (say, a benchmark's own servers)."""

    root: int = field(default_factory=os.getpid)
    exclude: set[int] = field(default_factory=set)
    interval: float = 0.2
    own_cpu: float = 0.0  # the sampler thread's CPU seconds
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

    def _run(self) -> None:
        while True:
            self.sample()
            self.own_cpu = time.thread_time()
            if self._stop.wait(self.interval):
                self.sample()
                self.own_cpu = time.thread_time()
                return

    def sample(self) -> None:
        for pid in self._descendants():
            stat = _read(f"/proc/{pid}/stat")
            status = _read(f"/proc/{pid}/status")
            if stat is None or status is None:
                continue  # exited between listing and reading
            # Fields after the command name (which may contain spaces): utime and
            # stime are the 12th and 13th.
            rest = stat[stat.rindex(")") + 2 :].split()
            seen = self._seen.setdefault(pid, _Seen())
            seen.cpu = max(seen.cpu, (int(rest[11]) + int(rest[12])) / _TICKS)
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    seen.peak_rss_mib = max(seen.peak_rss_mib, int(line.split()[1]) / 1024)

    def _descendants(self) -> set[int]:
        frontier, found = [self.root], {self.root}
        while frontier:
            pid = frontier.pop()
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                kids = _read(str(children))
                for kid in map(int, (kids or "").split()):
                    if kid not in found and kid not in self.exclude:
                        found.add(kid)
                        frontier.append(kid)
        return found - {self.root}

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds of all descendants seen (not of `root` itself)."""
        return sum(s.cpu for s in self._seen.values())

    @property
    def largest_peak_rss_mib(self) -> float:
        return max((s.peak_rss_mib for s in self._seen.values()), default=0.0)

    def peaks_by_pid(self) -> dict[int, float]:
        """Each descendant's peak RSS in MiB, by pid."""
        return {pid: s.peak_rss_mib for pid, s in self._seen.items()}

    @property
    def processes(self) -> int:
        return len(self._seen)


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None

"""Process facts read from /proc: children, peak memory, CPU time by owner.

The benchmark shares its 2 cores with whatever else runs on the machine (other
test suites, other servers). `CpuMeter` splits the CPU time spent during a scenario
into the benchmark's own processes (server, load generator, the PostgreSQL backends
of the benchmark database) and everything else, so a noisy run is visible as such.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "LOAD_GENERATOR",
    "OTHERS",
    "POSTGRES",
    "SERVER",
    "WORKER",
    "CpuMeter",
    "CpuShare",
    "MemoryWatch",
    "bench_meter",
    "children",
    "cpu_seconds",
    "descendants",
    "memory_kib",
]

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """Direct child processes of `pid`."""
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.append(int(entry.name))
    return sorted(found)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident set) of a process, in KiB; empty if it is gone."""
    values: dict[str, int] = {}
    try:
        lines = (_PROC / str(pid) / "status").read_text().splitlines()
    except OSError:
        return values
    for line in lines:
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


@dataclass
class MemoryWatch:
    """Samples the peak RSS of a server's worker processes until stopped.

    VmHWM is the kernel's own high-water mark, so sampling only has to catch each
    worker alive at least once (a respawned worker shows up as another pid).
    """

    parent: int
    interval: float = 0.5
    peaks_kib: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        for pid in children(self.parent):
            peak = memory_kib(pid).get("VmHWM")
            if peak is not None:
                self.peaks_kib[pid] = max(peak, self.peaks_kib.get(pid, 0))

    def start(self) -> None:
        def run() -> None:
            while not self._stop.wait(self.interval):
                self.sample()

        self.sample()
        self._thread = threading.Thread(target=run, name="rss-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


@dataclass(frozen=True, slots=True)
class CpuShare:
    """CPU used during an interval, in cores (1.0 = one core busy the whole time)."""

    seconds: float
    cores: Mapping[str, float]

    def of(self, category: str) -> float:
        return self.cores.get(category, 0.0)

    @property
    def others(self) -> float:
        return self.of(OTHERS)


SERVER = "server"
WORKER = "worker"
POSTGRES = "postgres"
LOAD_GENERATOR = "wrk"
OTHERS = "others"


def _cpu_ticks() -> dict[int, tuple[int, str]]:
    """utime+stime and the command line of every process."""
    found: dict[int, tuple[int, str]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[11]) + int(fields[12]), cmdline)
    return found


class CpuMeter:
    """CPU time per category of process between `start()` and `stop()`.

    `classify(pid, cmdline)` names the category (`OTHERS` for what is not ours).
    Processes that ended during the interval are not seen: their time is lost.
    """

    def __init__(self, classify: Callable[[int, str], str]) -> None:
        self.classify = classify
        self._before: dict[int, tuple[int, str]] = {}
        self._started = 0.0

    def start(self) -> None:
        self._before = _cpu_ticks()
        self._started = time.monotonic()

    def stop(self) -> CpuShare:
        elapsed = time.monotonic() - self._started
        after = _cpu_ticks()
        ticks: dict[str, int] = {}
        for pid, (total, cmdline) in after.items():
            used = total - self._before.get(pid, (0, ""))[0]
            category = self.classify(pid, cmdline)
            ticks[category] = ticks.get(category, 0) + used
        scale = _TICKS * elapsed if elapsed > 0 else 1.0
        return CpuShare(
            seconds=elapsed, cores={name: value / scale for name, value in ticks.items()}
        )


def bench_meter(
    server_pids: set[int], database: str | None, worker_pids: Iterable[int] = ()
) -> CpuMeter:
    """Sorts processes into the server, the worker, `database`'s PostgreSQL backends,
    wrk (and this process), the rest."""
    backend = re.compile(r"^postgres: \S+ \S+ (\S+) \S+\(\d+\)")
    own = os.getpid()
    workers = set(worker_pids)

    def classify(pid: int, cmdline: str) -> str:
        if pid in server_pids:
            return SERVER
        if pid in workers:
            return WORKER
        if cmdline.startswith("wrk ") or pid == own:
            return LOAD_GENERATOR
        if cmdline.startswith("postgres:") and database is not None:
            # auxiliary processes (WAL writer, checkpointer…) work for us too
            match = backend.match(cmdline)
            return POSTGRES if match is None or match.group(1) == database else OTHERS
        return OTHERS

    return CpuMeter(classify)


def cpu_seconds(pids: Iterable[int]) -> float:
    """CPU time (user + system) the processes `pids` have used so far; gone ones count 0."""
    ticks = 0
    for pid in pids:
        try:
            fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / _TICKS


def descendants(root: int) -> set[int]:
    """`root` and every process below it."""
    found = {root}
    frontier: Iterable[int] = [root]
    while frontier:
        nxt: list[int] = []
        for pid in frontier:
            nxt += children(pid)
        found.update(nxt)
        frontier = nxt
    return found

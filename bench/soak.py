"""`--soak DURATION`: mixed traffic for a long time, watching each worker's memory.

wrk replays a weighted mix of the scenarios' requests (reads, lists, the cached PDF,
creations) in chunks of up to a minute, printing a progress line after each; a thread
samples every server worker's VmRSS every few seconds. After the warm-up (the first
`WARMUP_SHARE` of the soak, at most `MAX_WARMUP_SECONDS`), each worker's RSS must stay
within ±`FLAT_PCT` % of its first sample after the warm-up, and its peak (VmHWM) within
`report.RSS_TARGET_MIB`.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.procs import SERVER, CpuShare, bench_meter, children, descendants, memory_kib
from bench.progress import say
from bench.scenarios import Fixture, Scenario
from bench.server import RunningServer
from bench.wrk import Request, WrkResult, WrkSettings, run_wrk, write_requests

__all__ = [
    "FLAT_PCT",
    "MIX",
    "SoakResult",
    "WorkerMemory",
    "mixed_requests",
    "parse_duration",
    "run_soak",
]

# Share of the requests of each scenario in the mix (the others are left out).
MIX: Mapping[str, int] = {
    "get": 40,
    "list_first": 8,
    "list_deep": 7,
    "list_filtered": 10,
    "v1_first": 5,
    "v1_deep": 5,
    "pdf": 15,
    "create": 10,
}
FLAT_PCT = 5.0
WARMUP_SHARE = 0.2
MAX_WARMUP_SECONDS = 300.0
SAMPLE_SECONDS = 5.0
_MIX_SIZE = 2_000
_UNITS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|)\s*$")


def parse_duration(text: str) -> float:
    """Seconds of a duration written `90s`, `30m`, `1.5h` or `45` (seconds)."""
    match = _DURATION.match(text.lower())
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"not a duration: {text!r} (write e.g. 90s, 30m or 1h)")
    return float(match.group(1)) * _UNITS[match.group(2)]


def mixed_requests(
    scenarios: Sequence[Scenario], fixture: Fixture, *, size: int = _MIX_SIZE
) -> list[Request]:
    """About `size` requests drawn from `scenarios` in the proportions of `MIX`."""
    rng = random.Random(fixture.seed)  # noqa: S311 (request mix, not secrets)
    weights = {s.key: MIX[s.key] for s in scenarios if s.key in MIX}
    total = sum(weights.values())
    found: list[Request] = []
    for scenario in scenarios:
        if scenario.key not in weights:
            continue
        headers, pool = scenario.build(fixture)
        own = tuple(headers.items())
        for _ in range(max(1, round(size * weights[scenario.key] / total))):
            request = rng.choice(list(pool))
            found.append(Request(request.method, request.path, request.body, own))
    rng.shuffle(found)
    return found


@dataclass(frozen=True, slots=True)
class WorkerMemory:
    """One worker's resident memory over the soak, in KiB."""

    pid: int
    start: int
    reference: int | None  # the first sample after the warm-up
    low: int | None  # lowest and highest samples after the warm-up
    high: int | None
    end: int
    peak: int  # VmHWM, the kernel's high-water mark

    @property
    def spread_pct(self) -> tuple[float, float] | None:
        """How far below and above the reference the RSS went after the warm-up."""
        if self.reference is None or self.low is None or self.high is None:
            return None
        return (
            100 * (self.low / self.reference - 1),
            100 * (self.high / self.reference - 1),
        )

    @property
    def flat(self) -> bool | None:
        """Within ±`FLAT_PCT` % after the warm-up (None: no sample after it)."""
        spread = self.spread_pct
        return None if spread is None else max(-spread[0], spread[1]) <= FLAT_PCT


@dataclass
class SoakResult:
    """What the soak measured."""

    seconds: float
    warmup_seconds: float
    connections: int
    chunks: list[tuple[WrkResult, CpuShare]] = field(default_factory=list)
    failure_sample: str = ""  # the first non-2xx response seen
    samples: list[tuple[float, dict[int, tuple[int, int]]]] = field(default_factory=list)

    def workers(self) -> list[WorkerMemory]:
        """Each worker seen, with its memory over the soak."""
        pids = sorted({pid for _, seen in self.samples for pid in seen})
        found = []
        for pid in pids:
            series = [(at, seen[pid]) for at, seen in self.samples if pid in seen]
            after = [rss for at, (rss, _) in series if at >= self.warmup_seconds]
            found.append(
                WorkerMemory(
                    pid=pid,
                    start=series[0][1][0],
                    reference=after[0] if after else None,
                    low=min(after) if after else None,
                    high=max(after) if after else None,
                    end=series[-1][1][0],
                    peak=max(hwm for _, (_, hwm) in series),
                )
            )
        return found

    @property
    def requests(self) -> int:
        """Requests answered during the soak."""
        return sum(result.requests for result, _ in self.chunks)

    @property
    def errors(self) -> int:
        """Errors (non-2xx and socket errors) during the soak."""
        return sum(result.errors for result, _ in self.chunks)

    def server_cpu_ms(self) -> float | None:
        """Server CPU per request over the whole soak."""
        if not self.requests:
            return None
        used = sum(cpu.of(SERVER) * cpu.seconds for _, cpu in self.chunks)
        return used * 1000 / self.requests

    def others(self) -> float:
        """The most CPU (cores) other processes used in any chunk."""
        return max((cpu.others for _, cpu in self.chunks), default=0.0)


class _Sampler:
    """Samples (VmRSS, VmHWM) of the server's workers every `SAMPLE_SECONDS`."""

    def __init__(self, parent: int, result: SoakResult, started: float) -> None:
        self.parent = parent
        self.result = result
        self.started = started
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-rss", daemon=True)

    def sample(self) -> dict[int, tuple[int, int]]:
        seen = {}
        for pid in children(self.parent):
            memory = memory_kib(pid)
            if "VmRSS" in memory and "VmHWM" in memory:
                seen[pid] = (memory["VmRSS"], memory["VmHWM"])
        self.result.samples.append((time.monotonic() - self.started, seen))
        return seen

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.sample()

    def __enter__(self) -> _Sampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def _mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def run_soak(
    server: RunningServer,
    scenarios: Sequence[Scenario],
    fixture: Fixture,
    settings: WrkSettings,
    *,
    seconds: float,
    work: Path,
    database: str,
) -> SoakResult:
    """Drive the mixed traffic for `seconds`, sampling the workers' memory meanwhile."""
    requests = mixed_requests(scenarios, fixture)
    requests_file = write_requests(work / "soak.requests", {}, requests)
    warmup = min(MAX_WARMUP_SECONDS, WARMUP_SHARE * seconds)
    result = SoakResult(seconds=seconds, warmup_seconds=warmup, connections=settings.connections)
    chunk = min(60.0, max(5.0, seconds / 20))
    started = time.monotonic()
    with _Sampler(server.pid, result, started) as sampler:
        while (left := seconds - (time.monotonic() - started)) >= 1:
            meter = bench_meter(descendants(server.pid), database)
            meter.start()
            measured = run_wrk(server.base_url, requests_file, settings, seconds=min(chunk, left))
            result.chunks.append((measured, meter.stop()))
            memory = ", ".join(
                f"{pid} {_mib(rss)}" for pid, (rss, _) in sorted(sampler.sample().items())
            )
            say(
                f"  soak {_clock(time.monotonic() - started)}/{_clock(seconds)}: "
                f"{measured.rps:,.0f} req/s, p99 {measured.p99_ms:.1f} ms, "
                f"{measured.errors:,} errors; RSS {memory}"
            )
            if measured.failure_sample and not result.failure_sample:
                result.failure_sample = measured.failure_sample
                say(f"  first failure: {measured.failure_sample[:200]}")
    return result

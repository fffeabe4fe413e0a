"""Running wrk with `bench/lua/requests.lua` and reading its result line."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LUA_SCRIPT", "Request", "WrkResult", "WrkSettings", "run_wrk", "write_requests"]

LUA_SCRIPT = Path(__file__).with_name("lua") / "requests.lua"


@dataclass(frozen=True, slots=True)
class Request:
    """One candidate request of a scenario."""

    method: str
    path: str
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # sent with this request only


@dataclass(frozen=True, slots=True)
class WrkSettings:
    """Load shape: wrk threads, open connections, seconds measured and warmed up."""

    threads: int = 2
    connections: int = 64
    duration: float = 10.0
    warmup: float = 2.0
    timeout: float = 5.0


@dataclass(frozen=True, slots=True)
class WrkResult:
    """What one wrk run measured; latencies in milliseconds."""

    requests: int
    seconds: float
    bytes: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    non2xx: int
    socket_errors: int
    failure_sample: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors


def write_requests(
    path: Path,
    headers: Mapping[str, str],
    requests: Sequence[Request],
    *,
    unique: Mapping[str, str] | None = None,
) -> Path:
    """Write the requests file the Lua script reads.

    `unique` maps a header name to a prefix: every request then carries that header
    with a value no other request of any run has (prefix, run tag, thread, counter).
    """
    lines = [f"H\t{name}\t{value}" for name, value in headers.items()]
    lines += [f"U\t{name}\t{prefix}" for name, prefix in (unique or {}).items()]
    for request in requests:
        extra = [f"{name}: {value}" for name, value in request.headers]
        for part in (request.method, request.path, request.body, *extra):
            if "\t" in part or "\n" in part:
                raise ValueError(f"tabs and newlines cannot be replayed: {part!r}")
        lines.append("\t".join(["R", request.method, request.path, request.body, *extra]))
    path.write_text("\n".join(lines) + "\n")
    return path


def _parse(output: str) -> WrkResult:
    values: dict[str, int] = {}
    failure = ""
    for line in output.splitlines():
        if line.startswith("BENCH_RESULT "):
            for pair in line.split()[1:]:
                name, _, number = pair.partition("=")
                values[name] = int(number)
        elif line.startswith("BENCH_FAILURE "):
            failure = line.removeprefix("BENCH_FAILURE ")
    if not values:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    return WrkResult(
        requests=values["requests"],
        seconds=values["duration_us"] / 1e6,
        bytes=values["bytes"],
        p50_ms=values["p50_us"] / 1000,
        p90_ms=values["p90_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        max_ms=values["max_us"] / 1000,
        mean_ms=values["mean_us"] / 1000,
        non2xx=values["non2xx"],
        socket_errors=sum(values[name] for name in ("connect", "read", "write", "timeout")),
        failure_sample=failure,
    )


def run_wrk(
    base_url: str, requests_file: Path, settings: WrkSettings, *, seconds: float
) -> WrkResult:
    """Drive `base_url` with the requests in `requests_file` for `seconds`.

    Every run gets its own tag, so the unique headers of two runs never collide.
    """
    command = [
        "wrk",
        f"--threads={settings.threads}",
        f"--connections={settings.connections}",
        f"--duration={max(1, round(seconds))}s",  # wrk takes whole seconds only
        f"--timeout={settings.timeout:g}s",
        f"--script={LUA_SCRIPT}",
        base_url,
        "--",
        str(requests_file),
        uuid.uuid4().hex[:12],
    ]
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return _parse(done.stdout)

"""Starting and stopping the servers under test (each in its own process group)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.procs import children

__all__ = ["RunningServer", "background", "free_port", "http_status", "running"]


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def http_status(
    url: str, *, headers: Mapping[str, str] | None = None, timeout: float = 10.0
) -> tuple[int, bytes]:
    """Status and body of a GET on loopback; (0, b"") if nothing answers."""
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, b""


@dataclass(frozen=True, slots=True)
class RunningServer:
    """A server process we started, listening on `base_url`."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def workers(self) -> list[int]:
        """The worker processes (granian forks them from the main process)."""
        return children(self.pid)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@contextmanager
def running(
    command: Sequence[str],
    *,
    port: int,
    ready_path: str,
    log: Path,
    env: Mapping[str, str] | None = None,
    workers: int = 2,
    timeout: float = 60.0,
) -> Iterator[RunningServer]:
    """Run `command` until the block ends; ready once `ready_path` answers and all
    `workers` processes exist."""
    base_url = f"http://127.0.0.1:{port}"
    process = _spawn(command, log=log, env=env)
    server = RunningServer(process=process, base_url=base_url, log=log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited early; see {log}:\n{log.read_text()}")
            status, _ = http_status(base_url + ready_path, timeout=2)
            if status and len(server.workers()) >= workers:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(command)} did not become ready; see {log}")
            time.sleep(0.2)
        yield server
    finally:
        _stop(process)


def _spawn(
    command: Sequence[str], *, log: Path, env: Mapping[str, str] | None
) -> subprocess.Popen[bytes]:
    """Start `command` in its own process group, its output going to `log`."""
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603
            list(command),
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )


@contextmanager
def background(
    command: Sequence[str],
    *,
    log: Path,
    env: Mapping[str, str] | None = None,
    settle: float = 2.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` (no port to wait for: given `settle` seconds to start) until the
    block ends; it must still be running then."""
    process = _spawn(command, log=log, env=env)
    try:
        time.sleep(settle)
        if process.poll() is not None:
            raise RuntimeError(f"{command[0]} exited early; see {log}:\n{log.read_text()}")
        yield process
    finally:
        _stop(process)


def python_command(*args: str) -> list[str]:
    """A command running this interpreter (the project's venv) with `args`."""
    return [sys.executable, *args]

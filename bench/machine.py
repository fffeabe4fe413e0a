"""Facts about the machine and software a run measured, for the results file."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import asyncpg

__all__ = ["facts", "load_average"]

_PACKAGES = ("fastapi", "granian", "sqlalchemy", "asyncpg", "pydantic", "orjson", "uvloop")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _command_output(*command: str, any_status: bool = False) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except OSError:
        return "unavailable"
    text = (done.stdout or done.stderr).strip()
    ok = done.returncode == 0 or any_status
    return text.splitlines()[0] if ok and text else "unavailable"


def load_average() -> str:
    """The 1/5/15-minute load averages."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


async def _postgres(dsn: str) -> dict[str, str]:
    conn = await asyncpg.connect(dsn)
    try:
        found = {"PostgreSQL": str(await conn.fetchval("SHOW server_version"))}
        for setting in ("shared_buffers", "max_connections", "synchronous_commit", "jit"):
            found[f"PostgreSQL {setting}"] = str(await conn.fetchval(f"SHOW {setting}"))
        return found
    finally:
        await conn.close()


async def facts(dsn: str, root: Path) -> dict[str, str]:
    """Machine, software and source version, as name -> text."""
    found = {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "RAM": _memory(),
        "kernel": platform.release(),
        "Python": platform.python_version(),
    }
    found.update(await _postgres(dsn))
    for package in _PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    found["wrk"] = _command_output("wrk", "--version", any_status=True).split(" Copyright")[0]
    found["pgbench"] = _command_output("pgbench", "--version")
    found["git commit"] = _command_output("git", "-C", str(root), "rev-parse", "HEAD")
    found["load average at start"] = load_average()
    return found

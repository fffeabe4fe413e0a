"""The soak's results: memory per worker, traffic per chunk, targets, as text and markdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.procs import SERVER
from bench.report import RSS_TARGET_MIB, Check, md_table, text_table
from bench.soak import FLAT_PCT, MIX, SoakResult, WorkerMemory

__all__ = ["soak_checks", "soak_console", "soak_markdown"]

_MEMORY_HEADERS = [
    "worker pid",
    "start",
    "after warm-up",
    "low–high after warm-up",
    "end",
    "peak (VmHWM)",
    f"flat (±{FLAT_PCT:g} %)",
]
_CHUNK_HEADERS = ["chunk", "req/s", "p50 ms", "p99 ms", "errors", "server CPU ms/req", "other CPU"]


def _mib(kib: int | None) -> str:
    return "–" if kib is None else f"{kib / 1024:.1f} MiB"


def _spread(worker: WorkerMemory) -> str:
    spread = worker.spread_pct
    if spread is None:
        return "–"
    return f"{_mib(worker.low)}–{_mib(worker.high)} ({spread[0]:+.1f} % / {spread[1]:+.1f} %)"


def _memory_rows(result: SoakResult) -> list[list[str]]:
    return [
        [
            str(worker.pid),
            _mib(worker.start),
            _mib(worker.reference),
            _spread(worker),
            _mib(worker.end),
            _mib(worker.peak),
            {True: "yes", False: "NO", None: "–"}[worker.flat],
        ]
        for worker in result.workers()
    ]


def _chunk_rows(result: SoakResult) -> list[list[str]]:
    rows = []
    for number, (measured, cpu) in enumerate(result.chunks, 1):
        server = (
            f"{cpu.of(SERVER) * cpu.seconds * 1000 / measured.requests:.2f}"
            if measured.requests
            else "–"
        )
        rows.append(
            [
                str(number),
                f"{measured.rps:,.0f}",
                f"{measured.p50_ms:.1f}",
                f"{measured.p99_ms:.1f}",
                f"{measured.errors:,}",
                server,
                f"{cpu.others:.2f}",
            ]
        )
    return rows


def soak_checks(result: SoakResult) -> list[Check]:
    """Issue 13's memory targets for each worker, and no errors."""
    found = []
    for worker in result.workers():
        found.append(
            Check(
                f"soak: peak RSS of worker {worker.pid}",
                f"≤ {RSS_TARGET_MIB:g} MiB",
                _mib(worker.peak),
                worker.peak / 1024 <= RSS_TARGET_MIB,
            )
        )
        if worker.flat is not None:
            found.append(
                Check(
                    f"soak: RSS of worker {worker.pid} after warm-up",
                    f"within ±{FLAT_PCT:g} %",
                    _spread(worker),
                    worker.flat,
                )
            )
    found.append(Check("soak", "no errors", f"{result.errors:,} errors", result.errors == 0))
    return found


def _summary(result: SoakResult) -> str:
    cpu = result.server_cpu_ms()
    mix = ", ".join(f"{key} {share} %" for key, share in MIX.items())
    return (
        f"Soak: {result.seconds / 60:.1f} min of mixed traffic ({mix} of the requests; "
        f"scenarios the server does not answer are left out), {result.connections} "
        f"connections, RSS sampled every few seconds; warm-up {result.warmup_seconds:.0f} s. "
        f"{result.requests:,} requests, {result.errors:,} errors, server CPU "
        f"{'–' if cpu is None else f'{cpu:.2f}'} ms/req, other processes up to "
        f"{result.others():.2f} cores."
    )


def _check_rows(found: Sequence[Check]) -> list[list[str]]:
    return [[c.name, c.target, c.measured, "met" if c.met else "MISSED"] for c in found]


def soak_console(result: SoakResult) -> str:
    """The soak's tables for stdout."""
    return "\n".join(
        [
            _summary(result),
            "",
            text_table(_MEMORY_HEADERS, _memory_rows(result)),
            "",
            "Targets:",
            text_table(["what", "target", "measured", ""], _check_rows(soak_checks(result))),
        ]
    )


def soak_markdown(result: SoakResult, date: str, facts: Mapping[str, str]) -> str:
    """The soak's results file."""
    lines = [
        f"# Invoicery soak, {date}",
        "",
        _summary(result),
        "",
        "## Memory per server worker",
        "",
        md_table(_MEMORY_HEADERS, _memory_rows(result)),
        "",
        "## Targets",
        "",
        md_table(["what", "target", "measured", ""], _check_rows(soak_checks(result))),
        "",
        *(
            [f"First failure seen: `{result.failure_sample[:300]}`", ""]
            if result.failure_sample
            else []
        ),
        "## Traffic per chunk",
        "",
        md_table(_CHUNK_HEADERS, _chunk_rows(result)),
        "",
        "## Machine",
        "",
        md_table(["", ""], [[k, v] for k, v in facts.items()]),
    ]
    return "\n".join(lines) + "\n"

"""`--baseline`: a previous results file read back, and before → after per scenario.

Only the markdown tables of the results file are read: the "## Scenarios" table and,
when present, the "## Light load" one (its rows keyed with `LIGHT_SUFFIX`). Cells are
matched by their header, and a cell's leading number is taken, so cells that carry
a target beside the value (`1.10 (≤ 0.20)`) read as well as plain ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LIGHT_SUFFIX",
    "Baseline",
    "Measured",
    "before_after_headers",
    "before_after_rows",
    "parse_results",
    "read_baseline",
]

LIGHT_SUFFIX = ", light load"
_NUMBER = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)")
_SECTIONS = {"## Scenarios": "", "## Light load": LIGHT_SUFFIX}


@dataclass(frozen=True, slots=True)
class Measured:
    """The numbers compared for one scenario; None where the run has none."""

    rps: float | None
    p99_ms: float | None
    server_cpu_ms: float | None


@dataclass(frozen=True, slots=True)
class Baseline:
    """A previous run's numbers by scenario title."""

    source: str
    scenarios: Mapping[str, Measured]


def _number(cell: str) -> float | None:
    match = _NUMBER.match(cell)
    return float(match.group(1).replace(",", "")) if match else None


def _cells(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def _column(headers: Sequence[str], *starts: str) -> int | None:
    for index, header in enumerate(headers):
        if any(header.startswith(start) for start in starts):
            return index
    return None


def _table(lines: Sequence[str], suffix: str) -> dict[str, Measured]:
    rows = [line for line in lines if line.lstrip().startswith("|")]
    if len(rows) < 2:
        return {}
    headers = _cells(rows[0])
    rps = _column(headers, "req/s")
    p99 = _column(headers, "p99 ms")
    cpu = _column(headers, "server CPU ms/req")
    found = {}
    for row in rows[2:]:
        cells = _cells(row)
        if len(cells) != len(headers):
            continue

        def pick(index: int | None, cells: list[str] = cells) -> float | None:
            return _number(cells[index]) if index is not None else None

        found[cells[0] + suffix] = Measured(pick(rps), pick(p99), pick(cpu))
    return found


def parse_results(text: str) -> dict[str, Measured]:
    """The scenario (and light-load) rows of a results file, by scenario title."""
    found: dict[str, Measured] = {}
    section: str | None = None
    lines: list[str] = []
    for line in [*text.splitlines(), "## end"]:
        if line.startswith("## "):
            if section is not None:
                found.update(_table(lines, _SECTIONS[section]))
            section = line.strip() if line.strip() in _SECTIONS else None
            lines = []
        elif section is not None:
            lines.append(line)
    return found


def read_baseline(path: Path) -> Baseline:
    """Read a previous results file; fails if it has no scenario table."""
    scenarios = parse_results(path.read_text())
    if not scenarios:
        raise ValueError(f"{path}: no '## Scenarios' table found")
    return Baseline(source=str(path), scenarios=scenarios)


def before_after_headers() -> list[str]:
    """Columns of the before → after table."""
    return ["scenario", "req/s", "p99 ms", "server CPU ms/req", "server CPU change"]


def _pair(before: float | None, after: float | None, digits: int, comma: bool = False) -> str:
    def show(value: float | None) -> str:
        if value is None:
            return "–"
        return f"{value:,.{digits}f}" if comma else f"{value:.{digits}f}"

    return f"{show(before)} → {show(after)}"


def before_after_rows(baseline: Baseline, after: Mapping[str, Measured]) -> list[list[str]]:
    """One row per scenario of either run, this run's order first."""
    rows = []
    missing = Measured(None, None, None)
    for title in [*after, *(t for t in baseline.scenarios if t not in after)]:
        old, new = baseline.scenarios.get(title, missing), after.get(title, missing)
        change = "–"
        if old.server_cpu_ms and new.server_cpu_ms is not None:
            change = f"{100 * (new.server_cpu_ms / old.server_cpu_ms - 1):+.0f} %"
        rows.append(
            [
                title,
                _pair(old.rps, new.rps, 0, comma=True),
                _pair(old.p99_ms, new.p99_ms, 1),
                _pair(old.server_cpu_ms, new.server_cpu_ms, 2),
                change,
            ]
        )
    return rows

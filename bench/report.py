"""The results: console table, `bench/results/<date>.md`, the plans file, a README summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.ceilings import DatabaseCeiling
from bench.plans import ScenarioPlans
from bench.procs import POSTGRES, SERVER, CpuShare
from bench.scenarios import Scenario
from bench.wrk import WrkResult, WrkSettings

__all__ = [
    "Check",
    "Outcome",
    "Report",
    "checks",
    "console_table",
    "markdown",
    "plans_markdown",
    "readme_summary",
]

RSS_TARGET_MIB = 150.0
DEEP_RATIO_TARGET = 1.3


@dataclass(frozen=True, slots=True)
class Outcome:
    """A scenario as run, or why it was not."""

    scenario: Scenario
    result: WrkResult | None = None
    skipped: str = ""
    probe: str = ""
    cpu: CpuShare | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """A target and whether the measurement meets it."""

    name: str
    target: str
    measured: str
    met: bool


@dataclass
class Report:
    """Everything one run measured."""

    date: str
    facts: Mapping[str, str]
    settings: WrkSettings
    workers: int
    invoices: int
    customers: int
    load_seconds: float
    http_ceiling: WrkResult | None
    http_ceiling_cpu: CpuShare | None
    db_ceiling: DatabaseCeiling | None
    outcomes: Sequence[Outcome]
    rss_peaks_kib: Mapping[int, int]
    plans: Sequence[ScenarioPlans]
    wall_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def outcome(self, key: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.scenario.key == key), None)

    def http_ratio(self, result: WrkResult) -> str:
        if self.http_ceiling is None or not self.http_ceiling.rps:
            return "–"
        return f"{100 * result.rps / self.http_ceiling.rps:.1f} %"

    def db_ratio(self, scenario: Scenario, result: WrkResult) -> str:
        if self.db_ceiling is None:
            return "–"
        ceiling = self.db_ceiling.select if scenario.ceiling == "select" else self.db_ceiling.insert
        return f"{100 * result.rps / ceiling.tps:.1f} % of {scenario.ceiling}"


def _p99_check(name: str, result: WrkResult, limit: float) -> Check:
    return Check(name, f"p99 ≤ {limit:g} ms", f"{result.p99_ms:.1f} ms", result.p99_ms <= limit)


def checks(report: Report) -> list[Check]:
    """Every target of issue 6 that this run could measure."""
    found: list[Check] = []
    for outcome in report.outcomes:
        result, targets = outcome.result, outcome.scenario.targets
        if result is None:
            continue
        title = outcome.scenario.title
        if targets.min_rps is not None:
            found.append(
                Check(
                    title,
                    f"≥ {targets.min_rps:,.0f} req/s",
                    f"{result.rps:,.0f} req/s",
                    result.rps >= targets.min_rps,
                )
            )
        if targets.max_p99_ms is not None:
            found.append(_p99_check(title, result, targets.max_p99_ms))
        found.append(Check(title, "no errors", f"{result.errors:,} errors", result.errors == 0))
    first, deep = report.outcome("list_first"), report.outcome("list_deep")
    if first and deep and first.result and deep.result:
        ratio = max(first.result.rps, deep.result.rps) / max(
            1e-9, min(first.result.rps, deep.result.rps)
        )
        p99_ratio = max(first.result.p99_ms, deep.result.p99_ms) / max(
            1e-9, min(first.result.p99_ms, deep.result.p99_ms)
        )
        found.append(
            Check(
                "list: first page vs 5,000 pages deep",
                f"within {DEEP_RATIO_TARGET}×",
                f"{ratio:.2f}× req/s, {p99_ratio:.2f}× p99",
                ratio <= DEEP_RATIO_TARGET and p99_ratio <= DEEP_RATIO_TARGET,
            )
        )
    for pid, peak in sorted(report.rss_peaks_kib.items()):
        mib = peak / 1024
        found.append(
            Check(
                f"peak RSS of worker {pid}",
                f"≤ {RSS_TARGET_MIB:g} MiB",
                f"{mib:.1f} MiB",
                mib <= RSS_TARGET_MIB,
            )
        )
    for plans in report.plans:
        if plans.skipped:
            continue
        found.append(
            Check(
                f"plan of {plans.title}",
                "index scans, no seq scan, no sort",
                plans.verdict,
                plans.verdict.startswith("ok"),
            )
        )
    return found


def _rows(report: Report) -> list[list[str]]:
    rows = []
    for outcome in report.outcomes:
        scenario, result = outcome.scenario, outcome.result
        if result is None:
            rows.append([scenario.title, "skipped", *[""] * 3, scenario.targets.text(), *[""] * 5])
            continue
        rows.append(
            [
                scenario.title,
                f"{result.rps:,.0f}",
                f"{result.p50_ms:.1f}",
                f"{result.p99_ms:.1f}",
                f"{result.errors:,}",
                scenario.targets.text(),
                report.http_ratio(result),
                report.db_ratio(scenario, result),
                *_cpu_cells(outcome.cpu, result),
            ]
        )
    return rows


def _cpu_cells(cpu: CpuShare | None, result: WrkResult) -> list[str]:
    if cpu is None or not result.requests:
        return ["–", "–", "–"]

    def per_request(category: str) -> str:
        return f"{cpu.of(category) * cpu.seconds * 1000 / result.requests:.2f}"

    return [per_request(SERVER), per_request(POSTGRES), f"{cpu.others:.2f}"]


_HEADERS = [
    "scenario",
    "req/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "target",
    "of HTTP ceiling",
    "of DB ceiling",
    "server CPU ms/req",
    "PG CPU ms/req",
    "other CPU",
]


_CEILING_HEADERS = [
    "ceiling",
    "req/s or TPS",
    "p50 ms",
    "p99 ms",
    "errors",
    "server CPU ms/req",
    "other CPU",
]


def _ceiling_rows(report: Report) -> list[list[str]]:
    rows = []
    if report.http_ceiling is not None:
        c = report.http_ceiling
        rows.append(
            [
                f"HTTP: FastAPI + granian, {report.workers} workers, fixed invoice JSON",
                f"{c.rps:,.0f}",
                f"{c.p50_ms:.2f}",
                f"{c.p99_ms:.2f}",
                f"{c.errors:,}",
                _cpu_cells(report.http_ceiling_cpu, c)[0],
                _cpu_cells(report.http_ceiling_cpu, c)[2],
            ]
        )
    if report.db_ceiling is not None:
        for name, result in (
            ("select-only (-S)", report.db_ceiling.select),
            ("one-row invoice insert", report.db_ceiling.insert),
            ("numbered insert (one account's counter + insert)", report.db_ceiling.numbered),
        ):
            rows.append(
                [
                    f"PostgreSQL: pgbench {name}, {result.clients} clients",
                    f"{result.tps:,.0f}",
                    f"{result.p50_ms:.2f}",
                    f"{result.p99_ms:.2f}",
                    f"{result.failed:,}",
                    "–",
                    "–",
                ]
            )
    return rows


def _text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append(
            "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        )
    return "\n".join(lines)


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += [
        "| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows
    ]
    return "\n".join(lines)


def _check_rows(report: Report) -> list[list[str]]:
    return [[c.name, c.target, c.measured, "met" if c.met else "MISSED"] for c in checks(report)]


def console_table(report: Report) -> str:
    """The tables printed at the end of a run."""
    parts = [
        _text_table(_HEADERS, _rows(report)),
        "",
        "Ceilings (same machine, same run):",
        _text_table(_CEILING_HEADERS, _ceiling_rows(report)),
        "",
        "Targets:",
        _text_table(["what", "target", "measured", ""], _check_rows(report)),
    ]
    parts += ["", *report.notes] if report.notes else []
    return "\n".join(parts)


def markdown(report: Report, plans_file: str) -> str:
    """The results file."""
    s = report.settings
    lines = [
        f"# Invoicery benchmark, {report.date}",
        "",
        f"`make bench` (`python -m bench.run`): {report.invoices:,} invoices (3 line items each) "
        f"and {report.customers:,} customers in 2 accounts (80/20), loaded in "
        f"{report.load_seconds:.0f} s; `invoicery serve --workers {report.workers}` on "
        f"PostgreSQL; wrk on loopback, {s.threads} threads, {s.connections} connections, "
        f"{s.duration:g} s per scenario after {s.warmup:g} s of warm-up. "
        f"Whole run: {report.wall_seconds / 60:.1f} min.",
        "",
        "Errors are non-2xx responses plus socket errors. *Server CPU ms/req* is the CPU "
        "time of the server's processes (granian main and workers) divided by the requests "
        "answered, *PG CPU ms/req* the same for this database's PostgreSQL backends (and "
        "PostgreSQL's own background processes; a backend that exits during the scenario, "
        "when the server's pool closes a connection, is not counted): they stay meaningful "
        "on a busy machine, "
        "where req/s do not. *Other CPU* is the CPU (in cores) used meanwhile by every other "
        f"process; the machine has {report.facts.get('cores', '?')} cores, so anything above "
        "~0.1 means the req/s and latencies were taken on a busy machine.",
        "",
        "## Scenarios",
        "",
        _md_table(_HEADERS, _rows(report)),
        "",
    ]
    notes = [f"- {o.scenario.title}: {o.scenario.note}" for o in report.outcomes if o.scenario.note]
    notes += [f"- {o.scenario.title}: skipped, {o.skipped}" for o in report.outcomes if o.skipped]
    notes += [
        f"- {o.scenario.title}: first failure seen: `{o.result.failure_sample[:200]}`"
        for o in report.outcomes
        if o.result and o.result.failure_sample
    ]
    lines += [*notes, ""] if notes else []
    lines += [
        "## Ceilings",
        "",
        _md_table(_CEILING_HEADERS, _ceiling_rows(report)),
        "",
        "## Targets",
        "",
        _md_table(["what", "target", "measured", ""], _check_rows(report)),
        "",
        "## Peak RSS per server worker (VmHWM)",
        "",
        _md_table(
            ["worker pid", "peak RSS"],
            [
                [str(pid), f"{kib / 1024:.1f} MiB"]
                for pid, kib in sorted(report.rss_peaks_kib.items())
            ],
        ),
        "",
        "## Query plans",
        "",
        "Full `EXPLAIN (ANALYZE, BUFFERS)` output, custom and generic plans: "
        f"[{plans_file}]({plans_file}).",
        "",
    ]
    for plans in report.plans:
        lines.append(f"- **{plans.title}**: {plans.verdict}")
        for statement in plans.statements:
            for scan in statement.scans:
                if scan.startswith("custom"):
                    lines.append(f"  - {scan} — {statement.execution_ms:.2f} ms")
    lines += ["", "## Machine", "", _md_table(["", ""], [[k, v] for k, v in report.facts.items()])]
    if report.notes:
        lines += ["", "## Notes", "", *[f"- {note}" for note in report.notes]]
    return "\n".join(lines) + "\n"


def plans_markdown(report: Report) -> str:
    """The plans file: every SELECT each list/read request runs, both plans."""
    lines = [
        f"# Query plans, {report.date}",
        "",
        "Statements recorded from the application's own engine while it served the "
        "scenario's request (in-process), then run with `EXPLAIN (ANALYZE, BUFFERS)`: the "
        "custom plan with the bound parameters, and the generic plan "
        "(`plan_cache_mode = force_generic_plan`) that PostgreSQL may switch to after five "
        "executions of a prepared statement.",
        "",
    ]
    for plans in report.plans:
        lines += [f"## {plans.title}", "", f"`{plans.request}` → {plans.status}", ""]
        lines += [f"Verdict: {plans.verdict}", ""]
        for number, statement in enumerate(plans.statements, 1):
            lines += [
                f"### Statement {number}",
                "",
                "```sql",
                statement.sql.strip(),
                "```",
                "",
                f"Parameters: `{statement.parameters!r}`",
                "",
                "Custom plan:",
                "",
                "```",
                statement.custom_plan,
                "```",
                "",
                "Generic plan:",
                "",
                "```",
                statement.generic_plan,
                "```",
                "",
            ]
    return "\n".join(lines)


def readme_summary(report: Report) -> str:
    """A short markdown block for the README's Performance section."""
    lines = [
        f"Measured {report.date} on {report.facts.get('cores', '?')} cores "
        f"({report.facts.get('CPU', '?')}), PostgreSQL {report.facts.get('PostgreSQL', '?')}, "
        f"{report.invoices:,} invoices, `invoicery serve --workers {report.workers}`, "
        f"wrk {report.settings.connections} connections:",
        "",
        "| endpoint | req/s | p99 ms | of HTTP ceiling |",
        "|---|---|---|---|",
    ]
    for outcome in report.outcomes:
        if outcome.result is None:
            continue
        r = outcome.result
        lines.append(
            f"| {outcome.scenario.title} | {r.rps:,.0f} | {r.p99_ms:.0f} | {report.http_ratio(r)} |"
        )
    if report.http_ceiling is not None and report.db_ceiling is not None:
        lines += [
            "",
            f"Ceilings: bare FastAPI + granian {report.http_ceiling.rps:,.0f} req/s; pgbench "
            f"select-only {report.db_ceiling.select.tps:,.0f} TPS, one-row insert "
            f"{report.db_ceiling.insert.tps:,.0f} TPS.",
        ]
    return "\n".join(lines)

"""The results: console table, `bench/results/<date>.md`, the plans file, a README summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.ceilings import DatabaseCeiling
from bench.comparison import (
    LIGHT_SUFFIX,
    Baseline,
    Measured,
    before_after_headers,
    before_after_rows,
)
from bench.plans import ScenarioPlans
from bench.procs import POSTGRES, SERVER, WORKER, CpuShare
from bench.scenarios import SHARE_CEILINGS, Scenario
from bench.wrk import WrkResult, WrkSettings

__all__ = [
    "Check",
    "Outcome",
    "Report",
    "checks",
    "console_table",
    "cpu_ms",
    "markdown",
    "md_table",
    "plans_markdown",
    "readme_summary",
    "text_table",
]

RSS_TARGET_MIB = 100.0  # issue 13 (DESIGN.md's first target was 150)
DEEP_RATIO_TARGET = 1.3


@dataclass(frozen=True, slots=True)
class Outcome:
    """A scenario as run, or why it was not."""

    scenario: Scenario
    result: WrkResult | None = None
    skipped: str = ""
    probe: str = ""
    cpu: CpuShare | None = None
    deliveries: int | None = None  # webhook deliveries received while it was measured


def cpu_ms(outcome: Outcome, category: str) -> float | None:
    """CPU milliseconds per answered request of one category of processes."""
    cpu, result = outcome.cpu, outcome.result
    if cpu is None or result is None or not result.requests:
        return None
    return cpu.of(category) * cpu.seconds * 1000 / result.requests


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
    light: Sequence[Outcome] = ()
    light_settings: WrkSettings | None = None
    baseline: Baseline | None = None
    limits: str = ""  # the rate limits the server under test ran with
    delivery: str = ""  # who delivered the webhooks

    def outcome(self, key: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.scenario.key == key), None)

    def share_pct(self, scenario: Scenario, result: WrkResult) -> float | None:
        """req/s as a percentage of the ceiling issue 13 compares `scenario` with."""
        if scenario.targets.share_of == "http":
            ceiling = self.http_ceiling.rps if self.http_ceiling is not None else 0.0
        else:
            ceiling = self.db_ceiling.numbered.tps if self.db_ceiling is not None else 0.0
        return 100 * result.rps / ceiling if ceiling else None

    def http_ratio(self, result: WrkResult, scenario: Scenario | None = None) -> str:
        if self.http_ceiling is None or not self.http_ceiling.rps:
            return "–"
        text = f"{100 * result.rps / self.http_ceiling.rps:.1f} %"
        target = scenario.targets if scenario is not None else None
        if target is not None and target.min_share_pct is not None and target.share_of == "http":
            text += f" (≥ {target.min_share_pct:g} %)"
        return text

    def db_ratio(self, scenario: Scenario, result: WrkResult) -> str:
        if self.db_ceiling is None:
            return "–"
        ceiling = {
            "select": self.db_ceiling.select,
            "insert": self.db_ceiling.insert,
            "numbered": self.db_ceiling.numbered,
        }[scenario.ceiling]
        text = f"{100 * result.rps / ceiling.tps:.1f} % of {scenario.ceiling}"
        target = scenario.targets
        if target.min_share_pct is not None and target.share_of == "numbered":
            text += f" (≥ {target.min_share_pct:g} %)"
        return text


def _p99_check(name: str, result: WrkResult, limit: float) -> Check:
    return Check(name, f"p99 ≤ {limit:g} ms", f"{result.p99_ms:.1f} ms", result.p99_ms <= limit)


def _cpu_check(title: str, what: str, measured: float | None, limit: float | None) -> list[Check]:
    if measured is None or limit is None:
        return []
    return [
        Check(
            title,
            f"{what} ≤ {limit:g} ms/req",
            f"{measured:.2f} ms/req",
            measured <= limit,
        )
    ]


def _issue13_checks(report: Report, outcome: Outcome) -> list[Check]:
    """Issue 13's targets: CPU per request and the share of a ceiling of the same run."""
    scenario, result = outcome.scenario, outcome.result
    if result is None:
        return []
    targets, title = scenario.targets, scenario.title
    found = _cpu_check(title, "server CPU", cpu_ms(outcome, SERVER), targets.max_server_cpu_ms)
    found += _cpu_check(title, "PostgreSQL CPU", cpu_ms(outcome, POSTGRES), targets.max_pg_cpu_ms)
    share = report.share_pct(scenario, result)
    if targets.min_share_pct is not None and share is not None:
        found.append(
            Check(
                title,
                f"≥ {targets.min_share_pct:g} % of the {SHARE_CEILINGS[targets.share_of]}",
                f"{share:.1f} %",
                share >= targets.min_share_pct,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class CreationCost:
    """A creation variant against the plain creation of the same run."""

    outcome: Outcome
    plain: Outcome
    throughput_cost_pct: float  # how much lower its req/s are, in % of plain
    cpu_ms: float  # server + PostgreSQL CPU per request: the request path's
    plain_cpu_ms: float

    @property
    def cpu_cost_pct(self) -> float:
        return 100 * (self.cpu_ms / self.plain_cpu_ms - 1) if self.plain_cpu_ms else 0.0


def _request_cpu_ms(outcome: Outcome) -> float:
    """Server + PostgreSQL CPU per request; the worker's lags behind (see the note)."""
    return sum(cpu_ms(outcome, category) or 0.0 for category in (SERVER, POSTGRES))


def creation_costs(report: Report) -> list[CreationCost]:
    """The variants measured against a plain creation (idempotency keys, webhooks)."""
    found = []
    for outcome in report.outcomes:
        base_key = outcome.scenario.targets.compare_to
        plain = report.outcome(base_key) if base_key else None
        if plain is None or plain.result is None or outcome.result is None:
            continue
        found.append(
            CreationCost(
                outcome=outcome,
                plain=plain,
                throughput_cost_pct=100 * (1 - outcome.result.rps / max(1e-9, plain.result.rps)),
                cpu_ms=_request_cpu_ms(outcome),
                plain_cpu_ms=_request_cpu_ms(plain),
            )
        )
    return found


def _creation_checks(report: Report) -> list[Check]:
    found = []
    for cost in creation_costs(report):
        limit = cost.outcome.scenario.targets.max_cost_pct
        if limit is None:
            continue
        title = cost.outcome.scenario.title
        found.append(
            Check(
                title,
                f"costs ≤ {limit:g} % of create throughput",
                f"{cost.throughput_cost_pct:+.1f} % req/s lost",
                cost.throughput_cost_pct <= limit,
            )
        )
        found.append(
            Check(
                title,
                f"costs ≤ {limit:g} % more server + PG CPU per creation",
                f"{cost.cpu_cost_pct:+.1f} %",
                cost.cpu_cost_pct <= limit,
            )
        )
    return found


def checks(report: Report) -> list[Check]:
    """Every target (DESIGN.md's and issue 13's) that this run could measure."""
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
        found += _issue13_checks(report, outcome)
    found += _creation_checks(report)
    for outcome in report.light:
        limit = outcome.scenario.targets.light_p99_ms
        if outcome.result is not None and limit is not None:
            found.append(_p99_check(f"{outcome.scenario.title}, light load", outcome.result, limit))
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
            rows.append([scenario.title, "skipped", *[""] * 3, scenario.targets.text(), *[""] * 6])
            continue
        rows.append(
            [
                scenario.title,
                f"{result.rps:,.0f}",
                f"{result.p50_ms:.1f}",
                f"{result.p99_ms:.1f}",
                f"{result.errors:,}",
                scenario.targets.text(),
                report.http_ratio(result, scenario),
                report.db_ratio(scenario, result),
                *_cpu_cells(outcome.cpu, result, scenario),
            ]
        )
    return rows


def _with_limit(text: str, limit: float | None) -> str:
    return text if limit is None else f"{text} (≤ {limit:g})"


def _cpu_cells(
    cpu: CpuShare | None, result: WrkResult, scenario: Scenario | None = None
) -> list[str]:
    if cpu is None or not result.requests:
        return ["–", "–", "–", "–"]

    def per_request(category: str) -> str:
        return f"{cpu.of(category) * cpu.seconds * 1000 / result.requests:.2f}"

    targets = scenario.targets if scenario is not None else None
    return [
        _with_limit(per_request(SERVER), targets.max_server_cpu_ms if targets else None),
        _with_limit(per_request(POSTGRES), targets.max_pg_cpu_ms if targets else None),
        per_request(WORKER),
        f"{cpu.others:.2f}",
    ]


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
    "worker CPU ms/req",
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
                _cpu_cells(report.http_ceiling_cpu, c)[3],
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


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns aligned with spaces, for stdout."""
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


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += [
        "| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows
    ]
    return "\n".join(lines)


_LIGHT_HEADERS = [
    "scenario",
    "connections",
    "req/s",
    "p50 ms",
    "p99 ms (target)",
    "errors",
    "server CPU ms/req",
    "other CPU",
]


def _light_rows(report: Report) -> list[list[str]]:
    connections = report.light_settings.connections if report.light_settings else 0
    rows = []
    for outcome in report.light:
        scenario, result = outcome.scenario, outcome.result
        if result is None:
            rows.append([scenario.title, str(connections), "skipped", *[""] * 5])
            continue
        cells = _cpu_cells(outcome.cpu, result)
        rows.append(
            [
                scenario.title,
                str(connections),
                f"{result.rps:,.0f}",
                f"{result.p50_ms:.2f}",
                _with_limit(f"{result.p99_ms:.2f}", scenario.targets.light_p99_ms),
                f"{result.errors:,}",
                cells[0],
                cells[3],
            ]
        )
    return rows


_CREATION_HEADERS = [
    "scenario",
    "req/s",
    "req/s vs plain",
    "server CPU ms/req",
    "PG CPU ms/req",
    "worker CPU ms/req",
    "server + PG ms/req",
    "server + PG vs plain",
    "webhooks received",
]


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _creation_rows(report: Report) -> list[list[str]]:
    costs = creation_costs(report)
    if not costs:
        return []
    plain = costs[0].plain
    assert plain.result is not None
    rows = [
        [
            plain.scenario.title,
            f"{plain.result.rps:,.0f}",
            "(plain)",
            _ms(cpu_ms(plain, SERVER)),
            _ms(cpu_ms(plain, POSTGRES)),
            _ms(cpu_ms(plain, WORKER)),
            f"{costs[0].plain_cpu_ms:.2f}",
            "(plain)",
            "–",
        ]
    ]
    for cost in costs:
        outcome = cost.outcome
        assert outcome.result is not None
        rows.append(
            [
                outcome.scenario.title,
                f"{outcome.result.rps:,.0f}",
                f"{-cost.throughput_cost_pct:+.1f} %",
                _ms(cpu_ms(outcome, SERVER)),
                _ms(cpu_ms(outcome, POSTGRES)),
                _ms(cpu_ms(outcome, WORKER)),
                f"{cost.cpu_ms:.2f}",
                f"{cost.cpu_cost_pct:+.1f} %",
                "–" if outcome.deliveries is None else f"{outcome.deliveries:,}",
            ]
        )
    return rows


def _check_rows(report: Report) -> list[list[str]]:
    return [[c.name, c.target, c.measured, "met" if c.met else "MISSED"] for c in checks(report)]


def console_table(report: Report) -> str:
    """The tables printed at the end of a run."""
    parts = [text_table(_HEADERS, _rows(report))]
    if report.limits:
        parts += ["", report.limits]
    if report.light:
        parts += ["", "Light load:", text_table(_LIGHT_HEADERS, _light_rows(report))]
    if creation := _creation_rows(report):
        parts += [
            "",
            "Creation with idempotency keys and webhooks (vs plain POST /invoices):",
            text_table(_CREATION_HEADERS, creation),
        ]
    parts += [
        "",
        "Ceilings (same machine, same run):",
        text_table(_CEILING_HEADERS, _ceiling_rows(report)),
    ]
    if report.baseline is not None:
        parts += [
            "",
            f"Before ({report.baseline.source}) → after (this run):",
            text_table(
                before_after_headers(), before_after_rows(report.baseline, _measured(report))
            ),
        ]
    parts += [
        "",
        "Targets:",
        text_table(["what", "target", "measured", ""], _check_rows(report)),
    ]
    parts += ["", *report.notes] if report.notes else []
    return "\n".join(parts)


def _measured(report: Report) -> dict[str, Measured]:
    """This run's numbers by scenario title (light load: `LIGHT_SUFFIX` added)."""
    found: dict[str, Measured] = {}
    for outcomes, suffix in ((report.outcomes, ""), (report.light, LIGHT_SUFFIX)):
        for outcome in outcomes:
            if outcome.result is not None:
                found[outcome.scenario.title + suffix] = Measured(
                    outcome.result.rps, outcome.result.p99_ms, cpu_ms(outcome, SERVER)
                )
    return found


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
        "when the server's pool closes a connection, is not counted), *worker CPU ms/req* "
        "the same for `invoicery worker` (background work: webhooks, e-mail, settlement): "
        "they stay meaningful on a busy machine, where req/s do not. Targets are in brackets "
        "beside the value: issue 13's server and PostgreSQL CPU per request, and its share of "
        "the HTTP ceiling (reads) or of the numbered-insert ceiling (creation) measured in "
        "the same run. *Other CPU* is the CPU (in cores) used meanwhile by every other "
        f"process; the machine has {report.facts.get('cores', '?')} cores, so anything above "
        "~0.1 means the req/s and latencies were taken on a busy machine.",
        "",
        "## Scenarios",
        "",
        md_table(_HEADERS, _rows(report)),
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
    if report.limits:
        lines += [report.limits, ""]
    lines += _extra_sections(report)
    lines += [
        "## Ceilings",
        "",
        md_table(_CEILING_HEADERS, _ceiling_rows(report)),
        "",
        "## Targets",
        "",
        md_table(["what", "target", "measured", ""], _check_rows(report)),
        "",
        "## Peak RSS per server worker (VmHWM)",
        "",
        md_table(
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
    lines += ["", "## Machine", "", md_table(["", ""], [[k, v] for k, v in report.facts.items()])]
    if report.notes:
        lines += ["", "## Notes", "", *[f"- {note}" for note in report.notes]]
    return "\n".join(lines) + "\n"


def _extra_sections(report: Report) -> list[str]:
    """Light load, creation variants and before → after, where the run has them."""
    lines: list[str] = []
    if report.light and report.light_settings is not None:
        s = report.light_settings
        lines += [
            "## Light load",
            "",
            f"The same server, {s.connections} connections ({s.threads} wrk threads), "
            f"{s.duration:g} s per scenario after {s.warmup:g} s of warm-up: latency when "
            "the server is not saturated (issue 13's p99 targets in brackets).",
            "",
            md_table(_LIGHT_HEADERS, _light_rows(report)),
            "",
        ]
    if creation := _creation_rows(report):
        lines += [
            "## Creation with idempotency keys and webhooks",
            "",
            "Each variant against the plain POST /invoices of this run (issue 13: each may "
            "cost at most 10 % of create throughput); the CPU compared is the request path's "
            "(server + PostgreSQL). The worker's CPU is shown apart: it works after the "
            f"requests and lags behind them, so it is not per scenario. {report.delivery}",
            "",
            md_table(_CREATION_HEADERS, creation),
            "",
        ]
    if report.baseline is not None:
        lines += [
            "## Before → after",
            "",
            f"Before: `{report.baseline.source}`; after: this run.",
            "",
            md_table(before_after_headers(), before_after_rows(report.baseline, _measured(report))),
            "",
        ]
    return lines


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

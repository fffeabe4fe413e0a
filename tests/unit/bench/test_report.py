"""`bench.report`: issue 13's targets beside the measurements, met or missed."""

from __future__ import annotations

from bench.ceilings import DatabaseCeiling, PgbenchResult
from bench.procs import OTHERS, POSTGRES, SERVER, WORKER, CpuShare
from bench.report import Outcome, Report, checks, console_table, creation_costs, markdown
from bench.scenarios import SCENARIOS
from bench.wrk import WrkResult, WrkSettings

_BY_KEY = {scenario.key: scenario for scenario in SCENARIOS}


def _result(rps: float, p99_ms: float = 10.0, seconds: float = 10.0) -> WrkResult:
    return WrkResult(
        requests=round(rps * seconds),
        seconds=seconds,
        bytes=0,
        p50_ms=p99_ms / 2,
        p90_ms=p99_ms,
        p99_ms=p99_ms,
        max_ms=p99_ms,
        mean_ms=p99_ms / 2,
        non2xx=0,
        socket_errors=0,
        failure_sample="",
    )


def _outcome(key: str, rps: float, server_ms: float, *, pg_ms: float = 0.0) -> Outcome:
    # cores = ms/req * req/s / 1000
    cores = {
        SERVER: server_ms * rps / 1000,
        POSTGRES: pg_ms * rps / 1000,
        WORKER: 0.0,
        OTHERS: 0.05,
    }
    return Outcome(_BY_KEY[key], result=_result(rps), cpu=CpuShare(seconds=10.0, cores=cores))


def _pgbench(tps: float) -> PgbenchResult:
    return PgbenchResult(tps=tps, p50_ms=1.0, p99_ms=2.0, clients=2, failed=0)


def _report(outcomes: list[Outcome], light: list[Outcome]) -> Report:
    return Report(
        date="2026-12-04",
        facts={"cores": "2"},
        settings=WrkSettings(),
        workers=2,
        invoices=1000,
        customers=10,
        load_seconds=1.0,
        http_ceiling=_result(20_000),
        http_ceiling_cpu=None,
        db_ceiling=DatabaseCeiling(
            select=_pgbench(70_000), insert=_pgbench(20_000), numbered=_pgbench(2_000), scale=1
        ),
        outcomes=outcomes,
        rss_peaks_kib={101: 90 * 1024, 102: 120 * 1024},
        plans=[],
        light=light,
        light_settings=WrkSettings(connections=8),
    )


def _verdicts(report: Report) -> dict[tuple[str, str], bool]:
    return {(check.name, check.target): check.met for check in checks(report)}


def test_cpu_ceiling_share_light_load_and_rss_targets() -> None:
    report = _report(
        [
            _outcome("get", 6000, 0.15),
            _outcome("create", 800, 1.0, pg_ms=0.5),
        ],
        [Outcome(_BY_KEY["get"], result=_result(900, p99_ms=6.0))],
    )

    verdicts = _verdicts(report)

    assert verdicts[("GET /invoices/{id}", "server CPU ≤ 0.2 ms/req")] is True
    assert verdicts[("GET /invoices/{id}", "≥ 25 % of the HTTP ceiling")] is True
    assert verdicts[("POST /invoices (3 lines)", "server CPU ≤ 0.8 ms/req")] is False
    assert verdicts[("POST /invoices (3 lines)", "PostgreSQL CPU ≤ 0.6 ms/req")] is True
    assert verdicts[("POST /invoices (3 lines)", "≥ 50 % of the numbered insert")] is False
    assert verdicts[("GET /invoices/{id}, light load", "p99 ≤ 5 ms")] is False
    assert verdicts[("peak RSS of worker 101", "≤ 100 MiB")] is True
    assert verdicts[("peak RSS of worker 102", "≤ 100 MiB")] is False
    text = console_table(report)
    assert "0.15 (≤ 0.2)" in text
    assert "30.0 % (≥ 25 %)" in text
    assert "40.0 % of numbered (≥ 50 %)" in text
    assert "## Light load" in markdown(report, "plans.md")


def test_creation_variants_are_costed_against_the_plain_creation() -> None:
    report = _report(
        [
            _outcome("create", 1000, 1.0, pg_ms=0.5),
            _outcome("create_idempotent", 950, 1.1, pg_ms=0.55),
            _outcome("create_webhook", 800, 1.5, pg_ms=0.6),
        ],
        [],
    )

    idempotent, webhook = creation_costs(report)
    verdicts = _verdicts(report)

    assert round(idempotent.throughput_cost_pct, 1) == 5.0
    assert round(idempotent.cpu_cost_pct, 1) == 10.0
    assert round(webhook.throughput_cost_pct, 1) == 20.0
    title = "POST /invoices (3 lines), active webhook"
    assert verdicts[(title, "costs ≤ 10 % of create throughput")] is False
    assert "## Creation with idempotency keys and webhooks" in markdown(report, "plans.md")

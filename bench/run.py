"""`make bench`: a million invoices on PostgreSQL, measured beside the machine's ceilings.

Steps (each prints progress):

1. create a fresh database, migrate it with Alembic, create API clients, COPY in
   the data set (`bench.dataset`), VACUUM;
2. measure the ceilings: the bare HTTP stack (`bench.ceiling_app`) and pgbench
   (select-only and one-row inserts) in a scratch database;
3. sample request inputs and record the query plans of the read scenarios;
4. start `invoicery serve --workers 2`, probe the hook scenarios, drive every
   scenario with wrk while watching the workers' peak RSS;
5. write `bench/results/<date>.md` and `<date>-plans.md`, print the table and a
   README summary; drop the database unless `--keep`.

    python -m bench.run [--invoices N] [--keep] [--reuse DATABASE] [--only KEY ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import load as loader
from bench.ceilings import DatabaseCeiling, database_ceiling, http_ceiling
from bench.dataset import DatasetPlan
from bench.machine import facts, load_average
from bench.plans import ScenarioPlans, explain_scenarios
from bench.procs import CpuShare, MemoryWatch, bench_meter, descendants
from bench.progress import say, step
from bench.report import (
    Outcome,
    Report,
    console_table,
    markdown,
    plans_markdown,
    readme_summary,
)
from bench.samples import build_fixture
from bench.scenarios import SCENARIOS, Fixture, Scenario, call
from bench.server import RunningServer, free_port, python_command, running
from bench.wrk import WrkResult, WrkSettings, run_wrk, write_requests
from invoicery.auth.scopes import ALL_SCOPES
from invoicery.domain import ids
from invoicery.service import clients as client_service
from invoicery.store.database import Database
from invoicery.store.migrate import upgrade

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
WORK = Path(__file__).resolve().parent / "work"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BUSY_CORES = 0.25


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("INVOICERY_BENCH_ADMIN_URL", DEFAULT_ADMIN_URL),
        help="a database on the PostgreSQL server to use (CREATE DATABASE rights)",
    )
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("INVOICERY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="where the server's workers share rate-limit counts (several workers need it)",
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each scenario")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--pgbench-clients", type=int, default=32)
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the database and work files")
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="measure an existing (kept) benchmark database instead of loading",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="KEY",
        help="run only these scenarios: " + ", ".join(s.key for s in SCENARIOS),
    )
    parser.add_argument("--no-ceilings", action="store_true", help="skip the ceilings")
    parser.add_argument("--results", type=Path, default=RESULTS)
    return parser


def _require_tools() -> None:
    """wrk and pgbench must be on PATH; wrk is installed from Debian when we are root."""
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        with step("installing wrk (apt-get install wrk)"):
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S607
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)  # noqa: S607
    missing = [tool for tool in ("wrk", "pgbench") if shutil.which(tool) is None]
    if missing:
        sys.exit(
            f"bench needs {' and '.join(missing)} on PATH (Debian: apt-get install "
            f"{'wrk ' if 'wrk' in missing else ''}"
            f"{'postgresql-client' if 'pgbench' in missing else ''})"
        )


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _reuse_clients(url: str) -> tuple[Sequence[loader.BenchClient], int]:
    """Fresh clients in the accounts of a kept database (secrets are not retrievable),
    and how many invoices it holds."""
    db = Database(url, pool_size=1)
    try:
        async with db.read() as conn:
            invoices = int((await conn.execute(text("SELECT count(*) FROM invoices"))).scalar_one())
        made = []
        for name in ("bench-big", "bench-small"):
            created = await client_service.create(
                db, name=f"bench {name}", scopes=list(ALL_SCOPES), account_name=name
            )
            made.append(
                loader.BenchClient(
                    name,
                    ids.decode(ids.ACCOUNT, created.account_id),
                    created.client_id,
                    created.client_secret,
                )
            )
        return made, invoices
    finally:
        await db.dispose()


def _probe(server: RunningServer, scenario: Scenario, fixture: Fixture) -> tuple[str, str]:
    """(skip reason or "", probe note) from sending the scenario's first request."""
    headers, requests = scenario.build(fixture)
    status, body = call(server.base_url, headers, requests[0])
    if scenario.optional and status != 200:
        return f"the endpoint answered {status or 'nothing'} to the probe (not available yet)", ""
    if not 200 <= status < 300:
        return "", f"probe answered {status}: {body[:200]!r}"
    return "", ""


def _run_scenarios(
    server: RunningServer,
    scenarios: Sequence[Scenario],
    fixture: Fixture,
    settings: WrkSettings,
    work: Path,
    database: str,
) -> list[Outcome]:
    outcomes = []
    for scenario in scenarios:
        skipped, probe = _probe(server, scenario, fixture)
        if skipped:
            say(f"{scenario.title}: skipped, {skipped}")
            outcomes.append(Outcome(scenario, skipped=skipped))
            continue
        if probe:
            say(f"{scenario.title}: {probe}")
        headers, requests = scenario.build(fixture)
        requests_file = write_requests(work / f"{scenario.key}.requests", headers, requests)
        with step(f"{scenario.title}: {settings.warmup:g} s warm-up + {settings.duration:g} s"):
            run_wrk(server.base_url, requests_file, settings, seconds=settings.warmup)
            meter = bench_meter(descendants(server.pid), database)
            meter.start()
            result = run_wrk(server.base_url, requests_file, settings, seconds=settings.duration)
            cpu = meter.stop()
        say(
            f"  {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms,"
            f" {result.errors:,} errors, other CPU {cpu.others:.2f} cores"
        )
        outcomes.append(Outcome(scenario, result=result, probe=probe, cpu=cpu))
    return outcomes


def _write_results(report: Report, results: Path) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    plans_path = results / f"{report.date}-plans.md"
    plans_path.write_text(plans_markdown(report))
    path = results / f"{report.date}.md"
    path.write_text(markdown(report, plans_path.name))
    return path


def _measure(
    args: argparse.Namespace,
    url: str,
    name: str,
    work: Path,
    started: float,
    invoices: int,
    load_seconds: float,
    clients: Sequence[loader.BenchClient],
) -> Report:
    settings = WrkSettings(
        threads=args.threads,
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
    )
    dsn = _dsn(url)
    machine = asyncio.run(facts(dsn, ROOT))
    http: WrkResult | None = None
    http_cpu: CpuShare | None = None
    db: DatabaseCeiling | None = None
    if not args.no_ceilings:
        with step(f"HTTP ceiling: bench.ceiling_app, {args.workers} workers"):
            http, http_cpu = http_ceiling(work, settings, args.workers)
        say(f"  {http.rps:,.0f} req/s, p50 {http.p50_ms:.2f} ms, p99 {http.p99_ms:.2f} ms")
        db = database_ceiling(
            args.admin_url,
            f"{name}_pgbench",
            work,
            seconds=args.duration,
            clients=args.pgbench_clients,
            threads=args.threads,
            scale=args.pgbench_scale,
            numbered_clients=args.workers,
        )
    scenarios = [s for s in SCENARIOS if not args.only or s.key in args.only]
    today = datetime.now(UTC).date()
    with step("sampling ids, customers and the page-5,000 cursor"):
        fixture = asyncio.run(build_fixture(url, dsn, clients[0], today=today, seed=args.seed))
    with step("EXPLAIN (ANALYZE, BUFFERS) of the read scenarios' SQL"):
        plans: list[ScenarioPlans] = asyncio.run(
            explain_scenarios(url, dsn, fixture, [s for s in scenarios if s.explain])
        )
    for plan in plans:
        say(f"  {plan.title}: {plan.verdict}")
    port = free_port()
    command = python_command(
        "-m",
        "invoicery",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
    )
    with running(
        command,
        port=port,
        ready_path="/openapi.json",
        log=work / "server.log",
        env={
            "INVOICERY_DATABASE_URL": url,
            "INVOICERY_REDIS_URL": args.redis_url,
            # wrk sends everything as one client: the limits are measured, not enforced
            "INVOICERY_RATE_LIMIT": "10000/s",
        },
        workers=args.workers,
    ) as server:
        say(f"invoicery serve: pid {server.pid}, workers {server.workers()}, {server.base_url}")
        watch = MemoryWatch(server.pid)
        watch.start()
        try:
            outcomes = _run_scenarios(server, scenarios, fixture, settings, work, name)
        finally:
            watch.stop()
    report = Report(
        date=datetime.now().strftime("%Y-%m-%d"),
        facts=machine,
        settings=settings,
        workers=args.workers,
        invoices=invoices,
        customers=args.customers,
        load_seconds=load_seconds,
        http_ceiling=http,
        http_ceiling_cpu=http_cpu,
        db_ceiling=db,
        outcomes=outcomes,
        rss_peaks_kib=watch.peaks_kib,
        plans=plans,
    )
    busiest = max((o.cpu.others for o in outcomes if o.cpu), default=0.0)
    if busiest > BUSY_CORES:
        report.notes.append(
            f"The machine was busy: other processes used up to {busiest:.2f} of its "
            f"{os.cpu_count()} cores during the scenarios, so req/s and latencies understate "
            "what an idle machine gives; CPU ms/req are the numbers to compare between runs."
        )
    report.notes.append(f"load average at the end: {load_average()}")
    report.wall_seconds = time.monotonic() - started
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when it ran (targets are reported, not asserted)."""
    args = _parser().parse_args(argv)
    started = time.monotonic()
    _require_tools()
    name = args.reuse or loader.unique_name()
    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    url = loader.database_url(args.admin_url, name)
    created = False
    try:
        if args.reuse:
            with step(f"reusing database {name}: alembic upgrade head, new API clients"):
                upgrade(url)
                clients, invoices = asyncio.run(_reuse_clients(url))
            load_seconds = 0.0
        else:
            with step(f"creating database {name}"):
                asyncio.run(loader.create_database(args.admin_url, name))
                created = True
            loaded = loader.load(
                url,
                invoices=args.invoices,
                customers=args.customers,
                now=datetime.now(UTC),
                seed=args.seed,
            )
            clients, invoices, load_seconds = loaded.clients, args.invoices, loaded.seconds
            _describe(loaded.plan)
        report = _measure(args, url, name, work, started, invoices, load_seconds, clients)
    finally:
        if created and not args.keep:
            with step(f"dropping database {name}"):
                asyncio.run(loader.drop_database(args.admin_url, name))
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.keep or args.reuse:
        report.notes.append(f"database kept: {name} (re-measure with --reuse {name})")
    report.wall_seconds = time.monotonic() - started
    path = _write_results(report, args.results)
    print()
    print(console_table(report))
    print()
    print(f"Results: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"Total wall time: {report.wall_seconds / 60:.1f} min")
    print()
    print("README summary:")
    print()
    print(readme_summary(report))
    return 0


def _describe(plan: DatasetPlan) -> None:
    for account in plan.accounts:
        say(
            f"  account {account.account_id}: {account.invoices:,} invoices, "
            f"{account.customers:,} customers"
        )


if __name__ == "__main__":
    sys.exit(main())

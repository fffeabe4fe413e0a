"""`make bench`: a million invoices on PostgreSQL, measured beside the machine's ceilings.

Steps (each prints progress):

1. create a fresh database, migrate it with Alembic, create API clients, COPY in
   the data set (`bench.dataset`), VACUUM;
2. measure the ceilings: the bare HTTP stack (`bench.ceiling_app`) and pgbench
   (select-only and one-row inserts) in a scratch database;
3. sample request inputs and record the query plans of the read scenarios;
4. start `invoicery serve --workers 2` with rate limits far above what wrk sends (the
   limiter runs and is measured, never refuses), probe the hook scenarios, drive every
   scenario with wrk while watching the workers' peak RSS; then the light-load pass
   (`--light-connections`, p99 at low concurrency) and, last because they add rows,
   the creations: plain, with an `Idempotency-Key` each, and with an active webhook
   endpoint delivered to a loopback receiver;
5. write `bench/results/<date>.md` and `<date>-plans.md`, print the tables (and, with
   `--baseline`, before → after) and a README summary; drop the database unless `--keep`.

`--soak 30m` instead drives a mix of reads, lists, PDFs and creations for that long,
sampling each worker's RSS, and writes `<date>-soak.md`.

    python -m bench.run [--invoices N] [--keep] [--reuse DATABASE] [--only KEY ...]
                        [--baseline RESULTS.md] [--soak DURATION]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import load as loader
from bench.ceilings import DatabaseCeiling, database_ceiling, http_ceiling
from bench.comparison import read_baseline
from bench.dataset import DatasetPlan
from bench.idle import wait_idle
from bench.machine import facts, load_average
from bench.passes import Serving, probe, run_interleaved, run_scenarios
from bench.plans import ScenarioPlans, explain_scenarios
from bench.procs import CpuShare, MemoryWatch
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
from bench.scenarios import SCENARIOS, Fixture, Scenario
from bench.server import background, free_port, python_command, running
from bench.soak import parse_duration, run_soak
from bench.soak_report import soak_console, soak_markdown
from bench.webhooks import receiving, remove_leftovers
from bench.wrk import WrkResult, WrkSettings
from invoicery.auth.scopes import ALL_SCOPES
from invoicery.domain import ids
from invoicery.domain.api_versions import OLDEST
from invoicery.service import clients as client_service
from invoicery.store.database import Database
from invoicery.store.migrate import upgrade

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
WORK = Path(__file__).resolve().parent / "work"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BUSY_CORES = 0.25
# The highest limits `invoicery.domain.rate_limit` accepts (its burst is bounded at
# 10,000): far above what one wrk client sends, so the limiter runs (its Redis round
# trip is part of every measured request) but never refuses.
RATE_LIMITS = {
    "INVOICERY_RATE_LIMIT": "10000/s",
    "INVOICERY_TOKEN_RATE_LIMIT_PER_CLIENT": "10000/s",
    "INVOICERY_TOKEN_RATE_LIMIT_PER_ADDRESS": "10000/s",
}


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
    parser.add_argument(
        "--light-connections",
        type=int,
        default=8,
        help="connections of the light-load pass (p99 when not saturated); 0 skips it",
    )
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
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="RESULTS.md",
        help="a previous results file: print before → after per scenario",
    )
    parser.add_argument(
        "--soak",
        type=_duration,
        metavar="DURATION",
        help="instead of the scenarios: mixed traffic for DURATION (90s, 30m, 1h), "
        "sampling each worker's RSS",
    )
    parser.add_argument(
        "--creation-rounds",
        type=int,
        default=3,
        help="the creation scenarios run interleaved, in this many rounds of a slice each "
        "(so each shares the machine alike with the worker's backlog of creations)",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=0.0,
        help="before the scenarios and before the creations, wait up to this long "
        "for `invoicery worker` to finish the backlog (e-mail with PDFs, webhooks) of what "
        "ran before (off by default: on a database other runs share it may never finish)",
    )
    parser.add_argument(
        "--worker-in-server",
        action="store_true",
        help="do the background work (webhooks, e-mail with its PDF, settlement) inside each "
        "server process, `serve`'s default, instead of in one `invoicery worker` beside it: "
        "its CPU then counts as server CPU",
    )
    return parser


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


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
                db,
                name=f"bench {name}",
                scopes=list(ALL_SCOPES),
                account_name=name,
                # The seed's version: the one every earlier result was measured in.
                api_version=OLDEST,
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


def _server_env(args: argparse.Namespace, url: str, work: Path) -> dict[str, str]:
    return {
        "INVOICERY_DATABASE_URL": url,
        "INVOICERY_REDIS_URL": args.redis_url,
        "INVOICERY_DATA_DIR": str(work / "data"),  # e-mail (.eml) lands here, not in the repo
        "INVOICERY_WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver is on loopback
        **RATE_LIMITS,
        **({} if args.worker_in_server else {"INVOICERY_SETTLEMENT_IN_SERVER": "false"}),
    }


@contextmanager
def _serving(
    args: argparse.Namespace, url: str, name: str, work: Path, fixture: Fixture
) -> Iterator[Serving]:
    """`invoicery serve`, `invoicery worker` (unless --worker-in-server), a receiver."""
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
    env = _server_env(args, url, work)
    with (
        receiving() as receiver,
        running(
            command,
            port=port,
            ready_path="/openapi.json",
            log=work / "server.log",
            env=env,
            workers=args.workers,
        ) as server,
    ):
        say(f"invoicery serve: pid {server.pid}, workers {server.workers()}, {server.base_url}")
        # A run stopped before it unsubscribed leaves a subscription to a receiver now gone:
        # every creation would then be fanned out and retried against it.
        for leftover in remove_leftovers(server.base_url, fixture):
            say(f"  removed a webhook subscription an earlier run left: {leftover}")
        if args.worker_in_server:
            yield Serving(server, None, receiver, name)
            return
        worker_command = python_command("-m", "invoicery", "worker")
        with background(worker_command, log=work / "worker.log", env=env) as worker:
            say(f"invoicery worker: pid {worker.pid}")
            yield Serving(server, worker.pid, receiver, name)


def _worker_note(args: argparse.Namespace) -> str:
    if args.worker_in_server:
        return (
            "Background work (webhook fan-out and delivery, e-mail of each created invoice "
            "with its PDF, settlement) ran inside each server process (`--worker-in-server`, "
            "`serve`'s default), so its CPU counts as server CPU."
        )
    return (
        "Background work (webhook fan-out and delivery, e-mail of each created invoice with "
        "its PDF, settlement) ran in one `invoicery worker` beside the server "
        "(`INVOICERY_SETTLEMENT_IN_SERVER=false`), so *server CPU* is the requests' own and "
        "*worker CPU* is that work (it includes any backlog left by earlier runs on a reused "
        "database, and each creation's e-mail with its PDF, which it renders, so it lags "
        "behind the creations; the creation scenarios run interleaved, in "
        "`--creation-rounds` rounds, so they share the machine alike with that backlog). "
        "Results files up to 2026-12-04 ran it inside the server processes, so their "
        "server CPU includes it."
    )


def _delivery_note(args: argparse.Namespace) -> str:
    who = "the worker inside each server process" if args.worker_in_server else "the worker"
    return (
        f"Webhooks were fanned out and delivered by {who}, to a loopback receiver "
        "answering 204; *webhooks received* counts what arrived during the measurement."
    )


def _write_results(report: Report, results: Path) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    plans_path = results / f"{report.date}-plans.md"
    plans_path.write_text(plans_markdown(report))
    path = results / f"{report.date}.md"
    path.write_text(markdown(report, plans_path.name))
    return path


def _limits_note() -> str:
    limits = ", ".join(f"{name}={value}" for name, value in RATE_LIMITS.items())
    return (
        f"Rate limits: the server ran with {limits} (the highest accepted), so the limiter "
        "runs on every request (in Redis, shared by the workers) and its cost is measured, "
        "but it never refuses wrk's single client."
    )


def _outcomes(
    args: argparse.Namespace,
    serving: Serving,
    scenarios: Sequence[Scenario],
    fixture: Fixture,
    settings: WrkSettings,
    work: Path,
) -> tuple[list[Outcome], list[Outcome], WrkSettings]:
    """The scenarios at full load, the light-load pass, then the creations (they add rows)."""
    light_settings = replace(
        settings,
        connections=max(1, args.light_connections),
        threads=max(1, min(settings.threads, args.light_connections)),
    )
    reads = [s for s in scenarios if s.ceiling != "numbered"]
    outcomes = run_scenarios(serving, reads, fixture, settings, work, drain=args.drain_seconds)
    light: list[Outcome] = []
    if args.light_connections > 0:
        measured = {o.scenario.key for o in outcomes if o.result is not None}
        light = run_scenarios(
            serving,
            [s for s in reads if s.targets.light_p99_ms is not None and s.key in measured],
            fixture,
            light_settings,
            work,
            label=f", {light_settings.connections} connections",
        )
    creations = [s for s in scenarios if s.ceiling == "numbered"]
    outcomes += run_interleaved(
        serving,
        creations,
        fixture,
        settings,
        work,
        rounds=max(1, args.creation_rounds),
        drain=args.drain_seconds,
    )
    return outcomes, light, light_settings


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
    settings = _wrk_settings(args)
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
            f"{work.name}_pgbench",
            work,
            seconds=args.duration,
            clients=args.pgbench_clients,
            threads=args.threads,
            scale=args.pgbench_scale,
            numbered_clients=args.workers,
        )
    scenarios = [s for s in SCENARIOS if not args.only or s.key in args.only]
    fixture = _fixture(args, url, dsn, clients)
    with step("EXPLAIN (ANALYZE, BUFFERS) of the read scenarios' SQL"):
        plans: list[ScenarioPlans] = asyncio.run(
            explain_scenarios(url, dsn, fixture, [s for s in scenarios if s.explain])
        )
    for plan in plans:
        say(f"  {plan.title}: {plan.verdict}")
    with _serving(args, url, name, work, fixture) as serving:
        watch = MemoryWatch(serving.server.pid)
        watch.start()
        try:
            outcomes, light, light_settings = _outcomes(
                args, serving, scenarios, fixture, settings, work
            )
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
        light=light,
        light_settings=light_settings,
        baseline=read_baseline(args.baseline) if args.baseline else None,
        limits=_limits_note() + " " + _worker_note(args),
        delivery=_delivery_note(args),
    )
    others = sorted(o.cpu.others for o in [*outcomes, *light] if o.cpu)
    busiest = others[-1] if others else 0.0
    if others:
        report.notes.append(
            f"Machine load during the measured scenarios: other processes used "
            f"{others[0]:.2f}–{busiest:.2f} cores (median {statistics.median(others):.2f}) "
            f"of {os.cpu_count()}."
        )
    if busiest > BUSY_CORES:
        report.notes.append(
            f"The machine was busy: other processes used up to {busiest:.2f} of its "
            f"{os.cpu_count()} cores during the scenarios, so req/s and latencies understate "
            "what an idle machine gives; CPU ms/req are the numbers to compare between runs."
        )
    report.notes.append(f"load average at the end: {load_average()}")
    report.wall_seconds = time.monotonic() - started
    return report


def _wrk_settings(args: argparse.Namespace) -> WrkSettings:
    return WrkSettings(
        threads=args.threads,
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup,
    )


def _fixture(
    args: argparse.Namespace, url: str, dsn: str, clients: Sequence[loader.BenchClient]
) -> Fixture:
    today = datetime.now(UTC).date()
    with step("sampling ids, customers and the page-5,000 cursor"):
        return asyncio.run(build_fixture(url, dsn, clients[0], today=today, seed=args.seed))


def _soak(
    args: argparse.Namespace, url: str, name: str, work: Path, clients: Sequence[loader.BenchClient]
) -> Path:
    """The soak: mixed traffic for `args.soak` seconds; writes and prints its results."""
    dsn = _dsn(url)
    machine = asyncio.run(facts(dsn, ROOT))
    fixture = _fixture(args, url, dsn, clients)
    with _serving(args, url, name, work, fixture) as serving:
        if serving.worker_pid and args.drain_seconds > 0:
            wait_idle(serving.worker_pid, limit=args.drain_seconds)
        available = []
        for scenario in SCENARIOS:
            skipped, note = probe(serving.server, scenario, fixture)
            if skipped or note:
                say(f"soak: leaving out {scenario.title}: {skipped or note}")
            else:
                available.append(scenario)
        with step(f"soak: {args.soak / 60:g} min of mixed traffic"):
            result = run_soak(
                serving.server,
                available,
                fixture,
                _wrk_settings(args),
                seconds=args.soak,
                work=work,
                database=name,
            )
    machine["load average at the end"] = load_average()
    results: Path = args.results
    results.mkdir(parents=True, exist_ok=True)
    date = datetime.now().strftime("%Y-%m-%d")
    path = results / f"{date}-soak.md"
    path.write_text(soak_markdown(result, date, machine))
    print()
    print(soak_console(result))
    print()
    print(f"Results: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 when it ran (targets are reported, not asserted)."""
    args = _parser().parse_args(argv)
    started = time.monotonic()
    _require_tools()
    if args.baseline is not None:
        read_baseline(args.baseline)  # fail now, not after the run
    name = args.reuse or loader.unique_name()
    # Runs reusing one database at the same time must not share (and delete) work files.
    work = WORK / (f"{name}_{os.getpid()}" if args.reuse else name)
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
        if args.soak is not None:
            _soak(args, url, name, work, clients)
            return 0
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

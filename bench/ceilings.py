"""The two ceilings every scenario is compared with.

- HTTP: `bench.ceiling_app` (FastAPI + granian, the server's stack) returning a fixed
  invoice, driven by the same wrk settings and Lua script as the scenarios.
- Database: pgbench on the same PostgreSQL, in a scratch database of its own:
  select-only (`-S`, one primary-key lookup per transaction) and a custom script
  inserting one invoice-shaped row (3 JSON line items) per transaction.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.load import create_database, database_url, drop_database, execute
from bench.procs import CpuShare, bench_meter, descendants
from bench.progress import say, step
from bench.server import free_port, python_command, running
from bench.wrk import Request, WrkResult, WrkSettings, run_wrk, write_requests

__all__ = ["DatabaseCeiling", "PgbenchResult", "database_ceiling", "http_ceiling"]

_INSERT_TABLE = """
CREATE TABLE ceiling_invoices (
    id uuid PRIMARY KEY,
    account_id integer NOT NULL,
    customer_id integer NOT NULL,
    number bigint,
    line_items jsonb NOT NULL,
    total bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ceiling_invoices_account_id ON ceiling_invoices (account_id, id);
CREATE TABLE ceiling_accounts (id integer PRIMARY KEY, last_seq bigint NOT NULL);
INSERT INTO ceiling_accounts VALUES (1, 0);
"""

_LINES = (
    '[{"description": "Consulting", "quantity": 2, "unit_amount": 123450},'
    ' {"description": "Hosting", "quantity": 1, "unit_amount": 9900},'
    ' {"description": "Support plan", "quantity": 3, "unit_amount": 4500}]'
)
_INSERT_SCRIPT = (
    "\\set account random(1, 2)\n"
    "\\set customer random(1, 5000)\n"
    "\\set total random(100, 1000000)\n"
    "INSERT INTO ceiling_invoices (id, account_id, customer_id, line_items, total)"
    f" VALUES (gen_random_uuid(), :account, :customer, '{_LINES}', :total);\n"
)
# What POST /invoices must do at least: take the account's next gap-free number (a row
# lock held until commit, so one account's creations serialize) and insert, in one
# transaction.
_NUMBERED_SCRIPT = (
    "\\set customer random(1, 5000)\n"
    "\\set total random(100, 1000000)\n"
    "BEGIN;\n"
    "UPDATE ceiling_accounts SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq AS seq"
    " \\gset\n"
    "INSERT INTO ceiling_invoices (id, account_id, customer_id, number, line_items, total)"
    f" VALUES (gen_random_uuid(), 1, :customer, :seq, '{_LINES}', :total);\n"
    "END;\n"
)


@dataclass(frozen=True, slots=True)
class PgbenchResult:
    """Transactions per second and per-transaction latency percentiles (ms)."""

    tps: float
    p50_ms: float
    p99_ms: float
    clients: int
    failed: int


@dataclass(frozen=True, slots=True)
class DatabaseCeiling:
    """pgbench on the same server: primary-key selects and one-row inserts."""

    select: PgbenchResult
    insert: PgbenchResult
    numbered: PgbenchResult
    scale: int


def http_ceiling(work: Path, settings: WrkSettings, workers: int) -> tuple[WrkResult, CpuShare]:
    """Requests per second (and CPU used) of the bare stack serving a fixed invoice."""
    port = free_port()
    command = python_command(
        "-m", "bench.ceiling_app", "--port", str(port), "--workers", str(workers)
    )
    requests = write_requests(work / "ceiling.requests", {}, [Request("GET", "/invoices/fixed")])
    with running(
        command,
        port=port,
        ready_path="/invoices/fixed",
        log=work / "ceiling_app.log",
        workers=workers,
    ) as server:
        run_wrk(server.base_url, requests, settings, seconds=settings.warmup)
        meter = bench_meter(descendants(server.pid), None)
        meter.start()
        result = run_wrk(server.base_url, requests, settings, seconds=settings.duration)
        return result, meter.stop()


def _pgbench(args: list[str], *, cwd: Path, timeout: float) -> str:
    done = subprocess.run(  # noqa: S603
        ["pgbench", *args],  # noqa: S607
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pgbench {' '.join(args)} failed:\n{done.stderr}\n{done.stdout}")
    return done.stdout + done.stderr


def _latencies_ms(log_dir: Path, prefix: str) -> list[float]:
    """Per-transaction latencies from pgbench's `--log` files (column 3, in µs)."""
    found: list[float] = []
    for path in sorted(log_dir.glob(f"{prefix}.*")):
        for line in path.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                found.append(int(fields[2]) / 1000)
    return found


def _run_pgbench(
    connection: list[str],
    *,
    work: Path,
    name: str,
    extra: list[str],
    clients: int,
    threads: int,
    seconds: float,
) -> PgbenchResult:
    log_dir = work / f"pgbench-{name}"
    log_dir.mkdir(exist_ok=True)
    output = _pgbench(
        [
            *connection,
            *extra,
            "--protocol=prepared",
            f"--client={clients}",
            f"--jobs={threads}",
            f"--time={max(1, round(seconds))}",
            "--log",
            f"--log-prefix={log_dir / name}",
            "--sampling-rate=0.2",
            "--no-vacuum",
        ],
        cwd=work,
        timeout=seconds + 120,
    )
    tps_match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", output)
    failed_match = re.search(r"number of failed transactions: (\d+)", output)
    if tps_match is None:
        raise RuntimeError(f"cannot read pgbench output:\n{output}")
    latencies = sorted(_latencies_ms(log_dir, name))
    if not latencies:
        raise RuntimeError(f"pgbench wrote no transaction log in {log_dir}")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return PgbenchResult(
        tps=float(tps_match.group(1)),
        p50_ms=statistics.median(latencies),
        p99_ms=p99,
        clients=clients,
        failed=int(failed_match.group(1)) if failed_match else 0,
    )


def database_ceiling(
    admin_url: str,
    scratch_name: str,
    work: Path,
    *,
    seconds: float,
    clients: int,
    threads: int,
    scale: int,
    numbered_clients: int,
) -> DatabaseCeiling:
    """pgbench select-only and one-row inserts in a scratch database, dropped after."""
    url = make_url(admin_url)
    connection = [
        f"--host={url.host or '127.0.0.1'}",
        f"--port={url.port or 5432}",
        f"--username={url.username or 'postgres'}",
        scratch_name,
    ]
    asyncio.run(create_database(admin_url, scratch_name))
    try:
        with step(f"pgbench --initialize --scale={scale} in {scratch_name}"):
            _pgbench(
                ["--initialize", f"--scale={scale}", "--quiet", *connection],
                cwd=work,
                timeout=600,
            )
            asyncio.run(execute(database_url(admin_url, scratch_name), _INSERT_TABLE))
        script = work / "insert_invoice.sql"
        script.write_text(_INSERT_SCRIPT)
        with step(f"pgbench select-only, {clients} clients, {seconds:g} s"):
            select = _run_pgbench(
                connection,
                work=work,
                name="select",
                extra=["--select-only"],
                clients=clients,
                threads=threads,
                seconds=seconds,
            )
        say(f"  select-only: {select.tps:,.0f} TPS, p99 {select.p99_ms:.2f} ms")
        with step(f"pgbench one-row invoice insert, {clients} clients, {seconds:g} s"):
            insert = _run_pgbench(
                connection,
                work=work,
                name="insert",
                extra=[f"--file={script}"],
                clients=clients,
                threads=threads,
                seconds=seconds,
            )
        say(f"  insert: {insert.tps:,.0f} TPS, p99 {insert.p99_ms:.2f} ms")
        numbered_script = work / "numbered_invoice.sql"
        numbered_script.write_text(_NUMBERED_SCRIPT)
        # One account's creations serialize on its counter row anyway; more clients
        # only queue on the row lock (measured: 32 clients give less than half the
        # throughput of 2), so the ceiling is taken with one client per server worker.
        with step(f"pgbench gap-free numbered insert, one account, {numbered_clients} clients"):
            numbered = _run_pgbench(
                connection,
                work=work,
                name="numbered",
                extra=[f"--file={numbered_script}"],
                clients=numbered_clients,
                threads=min(threads, numbered_clients),
                seconds=seconds,
            )
        say(f"  numbered insert: {numbered.tps:,.0f} TPS, p99 {numbered.p99_ms:.2f} ms")
        return DatabaseCeiling(select=select, insert=insert, numbered=numbered, scale=scale)
    finally:
        asyncio.run(drop_database(admin_url, scratch_name))

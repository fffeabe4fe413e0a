"""EXPLAIN (ANALYZE, BUFFERS) of the SQL the server really runs for a request.

The application is built in-process (`invoicery.app.create_app`) on a `Database`
whose engine records every statement it sends, and the scenario's request is sent
to it through `httpx.ASGITransport`. So the plans are of the statements the
repository code builds today, with the parameters it binds, and nothing here has to
be kept in step with `invoicery.store` (pg_stat_statements would need a server
restart to load, which a benchmark should not do to a shared PostgreSQL).

Each SELECT is explained twice: with its parameters (the custom plan, what the
first executions of a prepared statement get) and as a generic plan
(`plan_cache_mode = force_generic_plan`, what PostgreSQL may switch to after five
executions of asyncpg's prepared statements). A verdict flags sequential scans of
big tables and sorts: a keyset page must be an index range scan in id order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event

from bench.scenarios import Fixture, Scenario
from bench.wrk import Request
from invoicery.app import create_app
from invoicery.config import Settings
from invoicery.store.database import Database

__all__ = ["ExplainedStatement", "ScenarioPlans", "explain_scenarios"]

_BIG_TABLE_ROWS = 10_000
# A sort of a few hundred rows of a small table (a summary, say) is not a "full sort";
# a sort fed by a big table, or of more rows than a page or two, is.
_SMALL_SORT_ROWS = 1_000


@dataclass(frozen=True, slots=True)
class ExplainedStatement:
    """One statement of a request with both plans and what was wrong with them."""

    sql: str
    parameters: tuple[Any, ...]
    custom_plan: str
    generic_plan: str
    problems: tuple[str, ...]
    scans: tuple[str, ...]
    execution_ms: float


@dataclass(frozen=True, slots=True)
class ScenarioPlans:
    """The statements one scenario's request ran, explained."""

    key: str
    title: str
    request: str
    status: int
    statements: Sequence[ExplainedStatement] = field(default_factory=list)
    skipped: bool = False

    @property
    def verdict(self) -> str:
        problems = [problem for statement in self.statements for problem in statement.problems]
        if self.skipped:
            return f"skipped: the endpoint answered {self.status} (not available yet)"
        if self.status >= 300:
            return f"not checked: the request answered {self.status}"
        if problems:
            return "PROBLEM: " + "; ".join(dict.fromkeys(problems))
        if not self.statements:
            return "PROBLEM: no SELECT was recorded, so nothing was checked"
        return "ok: index scans only, no seq scan of a big table, no sort of a big table"


def _walk(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _walk(child)


def _judge(plan: Mapping[str, Any], big: set[str], label: str) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    scans: list[str] = []
    for node in _walk(plan["Plan"]):
        kind = str(node["Node Type"])
        relation = node.get("Relation Name")
        rows = node.get("Actual Rows", 0)
        loops = node.get("Actual Loops", 1)
        if relation is not None:
            index = node.get("Index Name")
            direction = node.get("Scan Direction")
            what = f"{kind}{' ' + direction if direction == 'Backward' else ''}"
            removed = node.get("Rows Removed by Filter", 0)
            scans.append(
                f"{label}: {what} on {relation}"
                + (f" using {index}" if index else "")
                + f" ({rows * loops} rows, {removed} removed by filter)"
            )
            if kind == "Seq Scan" and relation in big:
                problems.append(f"{label} plan: seq scan on {relation}")
            if kind.startswith("Bitmap") and relation in big:
                problems.append(f"{label} plan: bitmap scan on {relation} (not in id order)")
        if kind == "Sort":
            sorted_big = sorted(
                {str(n["Relation Name"]) for n in _walk(node) if n.get("Relation Name") in big}
            )
            if sorted_big or node.get("Actual Rows", 0) > _SMALL_SORT_ROWS:
                problems.append(
                    f"{label} plan: sort of {node.get('Actual Rows', '?')} rows"
                    + (f" of {', '.join(sorted_big)}" if sorted_big else "")
                )
            else:
                scans.append(f"{label}: small sort, {node.get('Actual Rows', '?')} rows")
    return problems, scans


async def _literal(conn: asyncpg.Connection, value: Any, type_name: str) -> str:
    if value is None:
        return f"NULL::{type_name}"
    quoted = await conn.fetchval(f"SELECT quote_literal(($1::{type_name})::text)", value)
    return f"{quoted}::{type_name}"


async def _explain(
    conn: asyncpg.Connection, sql: str, parameters: tuple[Any, ...], big: set[str]
) -> ExplainedStatement:
    options = "ANALYZE, BUFFERS"
    custom_json = json.loads(
        await conn.fetchval(f"EXPLAIN ({options}, FORMAT JSON) {sql}", *parameters)
    )[0]
    custom_text = "\n".join(
        row[0] for row in await conn.fetch(f"EXPLAIN ({options}) {sql}", *parameters)
    )
    problems, scans = _judge(custom_json, big, "custom")
    types = [f"{t.schema}.{t.name}" for t in (await conn.prepare(sql)).get_parameters()]
    literals = [await _literal(conn, v, t) for v, t in zip(parameters, types, strict=True)]
    await conn.execute(f"PREPARE bench_generic ({', '.join(types)}) AS {sql}")
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        execute = (
            f"EXECUTE bench_generic ({', '.join(literals)})"
            if literals
            else ("EXECUTE bench_generic")
        )
        generic_json = json.loads(
            await conn.fetchval(f"EXPLAIN ({options}, FORMAT JSON) {execute}")
        )[0]
        generic_text = "\n".join(
            row[0] for row in await conn.fetch(f"EXPLAIN ({options}) {execute}")
        )
    finally:
        await conn.execute("RESET plan_cache_mode")
        await conn.execute("DEALLOCATE bench_generic")
    generic_problems, generic_scans = _judge(generic_json, big, "generic")
    return ExplainedStatement(
        sql=sql,
        parameters=parameters,
        custom_plan=custom_text,
        generic_plan=generic_text,
        problems=tuple(problems + generic_problems),
        scans=tuple(scans + generic_scans),
        execution_ms=float(custom_json["Execution Time"]),
    )


async def _big_tables(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= $1",
        _BIG_TABLE_ROWS,
    )
    return {str(row["relname"]) for row in rows}


async def _send(
    client: httpx.AsyncClient, headers: Mapping[str, str], request: Request
) -> httpx.Response:
    return await client.request(
        request.method, request.path, headers=dict(headers), content=request.body or None
    )


async def explain_scenarios(
    url: str, dsn: str, fixture: Fixture, scenarios: Sequence[Scenario]
) -> list[ScenarioPlans]:
    """Send each scenario's first request to an in-process app and explain its SELECTs."""
    db = Database(url, pool_size=2)
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        captured.append((statement, tuple(parameters or ())))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    db.listen_prepared_reads(lambda sql, parameters: captured.append((sql, parameters)))
    app = create_app(Settings(database_url=url), database=db)
    conn = await asyncpg.connect(dsn)
    # Without synchronized scans a sequential scan always starts at the first block,
    # so a plan that needs one shows its worst case here, not a lucky one.
    await conn.execute("SET synchronize_seqscans = off")
    results = []
    try:
        big = await _big_tables(conn)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for scenario in scenarios:
                headers, requests = scenario.build(fixture)
                request = requests[0]

                await _send(client, headers, request)  # warm caches, prepared statements
                captured.clear()
                response = await _send(client, headers, request)
                skipped = scenario.optional and response.status_code != 200
                statements = [
                    await _explain(conn, sql, parameters, big)
                    for sql, parameters in ([] if skipped else captured)
                    if sql.lstrip().upper().startswith("SELECT")
                ]
                results.append(
                    ScenarioPlans(
                        key=scenario.key,
                        title=scenario.title,
                        request=f"{request.method} {request.path}",
                        status=response.status_code,
                        statements=statements,
                        skipped=skipped,
                    )
                )
    finally:
        await conn.close()
        await db.dispose()
    return results

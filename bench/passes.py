"""Driving scenarios against the running server: one after another, or interleaved.

`run_scenarios` measures each scenario in turn (warm-up, then the measured run).
`run_interleaved` measures several in alternating slices, round after round, and
merges each one's slices: the creation variants are compared that way, because every
creation leaves the worker a backlog (its e-mail, with a PDF to render) that it works
through during whatever runs next, so the scenario measured after another would pay
for it. A webhook scenario is measured while the account has an active subscription
to the loopback receiver, made just before each of its slices and removed just after.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.idle import wait_idle
from bench.merge import merge_cpu, merge_results
from bench.procs import CpuShare, bench_meter, descendants
from bench.progress import say, step
from bench.report import Outcome
from bench.scenarios import Fixture, Scenario, call
from bench.server import RunningServer
from bench.webhooks import Receiver, subscribe, unsubscribe
from bench.wrk import WrkResult, WrkSettings, run_wrk, write_requests

__all__ = ["Serving", "probe", "run_interleaved", "run_scenarios"]


@dataclass(frozen=True, slots=True)
class Serving:
    """The server under test, the separate worker if any, the webhook receiver."""

    server: RunningServer
    worker_pid: int | None
    receiver: Receiver
    database: str


@dataclass(frozen=True, slots=True)
class _Slice:
    result: WrkResult
    cpu: CpuShare
    deliveries: int


def probe(server: RunningServer, scenario: Scenario, fixture: Fixture) -> tuple[str, str]:
    """(skip reason or "", probe note) from sending the scenario's first request."""
    headers, requests = scenario.build(fixture)
    status, body = call(server.base_url, headers, requests[0])
    if scenario.optional and status != 200:
        return f"the endpoint answered {status or 'nothing'} to the probe (not available yet)", ""
    if not 200 <= status < 300:
        return "", f"probe answered {status}: {body[:200]!r}"
    return "", ""


@contextmanager
def _subscribed(serving: Serving, scenario: Scenario, fixture: Fixture) -> Iterator[None]:
    """An active webhook subscription for the block, if the scenario wants one."""
    if not scenario.webhook:
        yield
        return
    base_url = serving.server.base_url
    subscription = subscribe(base_url, fixture, serving.receiver.url)
    try:
        yield
    finally:
        unsubscribe(base_url, fixture, subscription)


def _slice(
    serving: Serving,
    scenario: Scenario,
    fixture: Fixture,
    settings: WrkSettings,
    requests_file: Path,
    *,
    warmup: float,
    seconds: float,
) -> _Slice:
    base_url = serving.server.base_url
    with _subscribed(serving, scenario, fixture):
        run_wrk(base_url, requests_file, settings, seconds=warmup)
        workers = descendants(serving.worker_pid) if serving.worker_pid else set()
        meter = bench_meter(descendants(serving.server.pid), serving.database, workers)
        received = serving.receiver.received
        meter.start()
        result = run_wrk(base_url, requests_file, settings, seconds=seconds)
        cpu = meter.stop()
        deliveries = serving.receiver.received - received
    return _Slice(result, cpu, deliveries)


def _outcome(scenario: Scenario, probed: str, slices: Sequence[_Slice]) -> Outcome:
    result = merge_results([s.result for s in slices])
    cpu = merge_cpu([s.cpu for s in slices])
    deliveries = sum(s.deliveries for s in slices) if scenario.webhook else None
    say(
        f"  {scenario.title}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, {result.errors:,} errors, other CPU {cpu.others:.2f} "
        "cores" + (f", {deliveries:,} webhooks received" if deliveries is not None else "")
    )
    return Outcome(scenario, result=result, probe=probed, cpu=cpu, deliveries=deliveries)


def _prepared(
    serving: Serving, scenarios: Sequence[Scenario], fixture: Fixture, work: Path
) -> tuple[list[Outcome], list[tuple[Scenario, str, Path]]]:
    """Skipped outcomes, and (scenario, probe note, requests file) of the others."""
    skipped: list[Outcome] = []
    ready: list[tuple[Scenario, str, Path]] = []
    for scenario in scenarios:
        reason, note = probe(serving.server, scenario, fixture)
        if reason:
            say(f"{scenario.title}: skipped, {reason}")
            skipped.append(Outcome(scenario, skipped=reason))
            continue
        if note:
            say(f"{scenario.title}: {note}")
        headers, requests = scenario.build(fixture)
        path = write_requests(
            work / f"{scenario.key}.requests", headers, requests, unique=scenario.unique_headers
        )
        ready.append((scenario, note, path))
    return skipped, ready


def run_scenarios(
    serving: Serving,
    scenarios: Sequence[Scenario],
    fixture: Fixture,
    settings: WrkSettings,
    work: Path,
    *,
    label: str = "",
    drain: float = 0.0,
) -> list[Outcome]:
    """Measure each scenario in turn (first giving the worker up to `drain` seconds to
    finish its backlog)."""
    if serving.worker_pid and drain > 0:
        wait_idle(serving.worker_pid, limit=drain)
    skipped, ready = _prepared(serving, scenarios, fixture, work)
    measured = []
    for scenario, note, path in ready:
        title = f"{scenario.title}{label}: {settings.warmup:g} s warm-up + {settings.duration:g} s"
        with step(title):
            one = _slice(
                serving,
                scenario,
                fixture,
                settings,
                path,
                warmup=settings.warmup,
                seconds=settings.duration,
            )
            measured.append(_outcome(scenario, note, [one]))
    return _in_order(scenarios, [*skipped, *measured])


def run_interleaved(
    serving: Serving,
    scenarios: Sequence[Scenario],
    fixture: Fixture,
    settings: WrkSettings,
    work: Path,
    *,
    rounds: int,
    drain: float = 0.0,
) -> list[Outcome]:
    """Measure the scenarios in `rounds` rounds of one slice each (a `rounds`-th of the
    warm-up and of the duration, at least 1 s each), merging each one's slices."""
    if serving.worker_pid and drain > 0:
        wait_idle(serving.worker_pid, limit=drain)
    skipped, ready = _prepared(serving, scenarios, fixture, work)
    warmup = max(1.0, settings.warmup / rounds)
    seconds = max(1.0, settings.duration / rounds)
    slices: dict[str, list[_Slice]] = {scenario.key: [] for scenario, _, _ in ready}
    names = ", ".join(scenario.key for scenario, _, _ in ready)
    with step(f"{names}: {rounds} rounds of {warmup:g} s warm-up + {seconds:g} s each"):
        for number in range(1, rounds + 1):
            for scenario, _, path in ready:
                one = _slice(
                    serving, scenario, fixture, settings, path, warmup=warmup, seconds=seconds
                )
                slices[scenario.key].append(one)
                say(
                    f"  round {number}, {scenario.key}: {one.result.rps:,.0f} req/s, "
                    f"p99 {one.result.p99_ms:.1f} ms, {one.result.errors:,} errors"
                )
        measured = [_outcome(scenario, note, slices[scenario.key]) for scenario, note, _ in ready]
    return _in_order(scenarios, [*skipped, *measured])


def _in_order(scenarios: Sequence[Scenario], outcomes: Sequence[Outcome]) -> list[Outcome]:
    by_key = {outcome.scenario.key: outcome for outcome in outcomes}
    return [by_key[scenario.key] for scenario in scenarios if scenario.key in by_key]

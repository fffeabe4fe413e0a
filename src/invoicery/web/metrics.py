"""Prometheus metrics: what each server process counts, and the text a scrape returns.

With several server processes (`invoicery serve --workers N`), `serve` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh directory before any worker starts; each process
then writes its samples to files there, and a scrape, answered by any one process, sums
them all (prometheus-client's multiprocess mode). Without it, a process reports its own.

Labels are route templates (``/invoices/{invoice_id}``), methods, statuses and queue
names: never a raw path, an id or anything of a tenant's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from invoicery.service.readiness import QueueState

__all__ = [
    "CONTENT_TYPE",
    "MULTIPROCESS_DIR",
    "Scrape",
    "exposition",
    "observe_pool",
    "observe_request",
]

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_REQUESTS = Counter(
    "invoicery_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
_LATENCY = Histogram(
    "invoicery_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
_POOL_IN_USE = Gauge(
    "invoicery_db_pool_connections_in_use",
    "Database connections checked out of the server processes' main pools",
    multiprocess_mode="livesum",
)


@dataclass(frozen=True)
class Scrape:
    """What a scrape reads from the database; `database_up` False leaves the rest empty."""

    database_up: bool
    queues: Sequence[QueueState] = ()
    heartbeat_age_seconds: float | None = None


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    """Count one answered request and its duration."""
    method = method if method in _METHODS else "OTHER"
    template = route or UNMATCHED
    _REQUESTS.labels(method, template, str(status)).inc()
    _LATENCY.labels(method, template).observe(seconds)


def observe_pool(in_use: int) -> None:
    """Record how many pooled connections this process has checked out now."""
    _POOL_IN_USE.set(in_use)


class _ScrapeCollector(Collector):
    def __init__(self, scrape: Scrape) -> None:
        self._scrape = scrape

    def collect(self) -> Iterator[Metric]:
        scrape = self._scrape
        yield GaugeMetricFamily(
            "invoicery_database_up",
            "Whether the database answered the scrape's queries",
            value=1 if scrape.database_up else 0,
        )
        if not scrape.database_up:
            return
        pending = GaugeMetricFamily(
            "invoicery_queue_pending_items",
            "Items waiting in a worker queue (due or not yet due), over all accounts",
            labels=["queue"],
        )
        overdue = GaugeMetricFamily(
            "invoicery_queue_oldest_due_age_seconds",
            "Seconds since the longest-waiting due item of a queue came due (0: none due)",
            labels=["queue"],
        )
        for queue in scrape.queues:
            pending.add_metric([queue.queue], queue.pending)
            overdue.add_metric([queue.queue], queue.oldest_due_seconds)
        yield pending
        yield overdue
        if scrape.heartbeat_age_seconds is not None:
            yield GaugeMetricFamily(
                "invoicery_worker_heartbeat_age_seconds",
                "Seconds since the latest heartbeat of any worker",
                value=scrape.heartbeat_age_seconds,
            )


def exposition(scrape: Scrape) -> bytes:
    """The Prometheus text of every process's counters plus what `scrape` read."""
    if os.environ.get(MULTIPROCESS_DIR):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    read = CollectorRegistry()
    read.register(_ScrapeCollector(scrape))
    return generate_latest(counted) + generate_latest(read)

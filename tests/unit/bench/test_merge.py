"""`bench.merge`: short wrk runs of one scenario read as one."""

from __future__ import annotations

import pytest
from bench.merge import merge_cpu, merge_results
from bench.procs import CpuShare
from bench.wrk import WrkResult


def _result(requests: int, p50: float, p99: float, *, failure: str = "") -> WrkResult:
    return WrkResult(
        requests=requests,
        seconds=2.0,
        bytes=requests * 10,
        p50_ms=p50,
        p90_ms=p99 - 1,
        p99_ms=p99,
        max_ms=p99 + 1,
        mean_ms=p50,
        non2xx=1 if failure else 0,
        socket_errors=0,
        failure_sample=failure,
    )


def test_counts_add_up_and_the_tail_is_the_worst_run() -> None:
    merged = merge_results([_result(100, 10.0, 50.0), _result(300, 20.0, 40.0, failure="500 boom")])

    assert (merged.requests, merged.seconds, merged.bytes) == (400, 4.0, 4000)
    assert merged.rps == 100.0
    assert merged.p50_ms == pytest.approx(17.5)
    assert (merged.p99_ms, merged.max_ms) == (50.0, 51.0)
    assert (merged.errors, merged.failure_sample) == (1, "500 boom")


def test_cpu_is_weighted_by_interval() -> None:
    merged = merge_cpu(
        [
            CpuShare(seconds=1.0, cores={"server": 1.0}),
            CpuShare(seconds=3.0, cores={"server": 0.2, "others": 0.4}),
        ]
    )

    assert merged.seconds == 4.0
    assert merged.of("server") == pytest.approx(0.4)
    assert merged.others == pytest.approx(0.3)

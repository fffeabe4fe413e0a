"""Several short wrk runs of one scenario read as one (the interleaved creation rounds)."""

from __future__ import annotations

from collections.abc import Sequence

from bench.procs import CpuShare
from bench.wrk import WrkResult

__all__ = ["merge_cpu", "merge_results"]


def merge_results(results: Sequence[WrkResult]) -> WrkResult:
    """Counts add up; p50 and the mean are weighted by requests, p90/p99/max are the
    highest of the runs (an upper bound of the merged percentile)."""
    requests = sum(r.requests for r in results)

    def weighted(values: Sequence[float]) -> float:
        if not requests:
            return max(values, default=0.0)
        return sum(v * r.requests for v, r in zip(values, results, strict=True)) / requests

    return WrkResult(
        requests=requests,
        seconds=sum(r.seconds for r in results),
        bytes=sum(r.bytes for r in results),
        p50_ms=weighted([r.p50_ms for r in results]),
        p90_ms=max((r.p90_ms for r in results), default=0.0),
        p99_ms=max((r.p99_ms for r in results), default=0.0),
        max_ms=max((r.max_ms for r in results), default=0.0),
        mean_ms=weighted([r.mean_ms for r in results]),
        non2xx=sum(r.non2xx for r in results),
        socket_errors=sum(r.socket_errors for r in results),
        failure_sample=next((r.failure_sample for r in results if r.failure_sample), ""),
    )


def merge_cpu(shares: Sequence[CpuShare]) -> CpuShare:
    """CPU over all the intervals: each category's cores, weighted by interval length."""
    seconds = sum(share.seconds for share in shares)
    categories = {name for share in shares for name in share.cores}
    cores = {
        name: sum(share.of(name) * share.seconds for share in shares) / seconds if seconds else 0.0
        for name in categories
    }
    return CpuShare(seconds=seconds, cores=cores)

"""`bench.wrk`: the requests file the Lua script replays."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.wrk import Request, write_requests


def test_writes_shared_unique_and_per_request_headers(tmp_path: Path) -> None:
    path = write_requests(
        tmp_path / "x.requests",
        {"Authorization": "Bearer t"},
        [
            Request("GET", "/invoices/1"),
            Request("POST", "/invoices", '{"a": 1}', (("Content-Type", "application/json"),)),
        ],
        unique={"Idempotency-Key": "bench"},
    )

    assert path.read_text().splitlines() == [
        "H\tAuthorization\tBearer t",
        "U\tIdempotency-Key\tbench",
        "R\tGET\t/invoices/1\t",
        'R\tPOST\t/invoices\t{"a": 1}\tContent-Type: application/json',
    ]


def test_refuses_what_cannot_be_replayed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be replayed"):
        write_requests(tmp_path / "x", {}, [Request("GET", "/", "", (("X", "a\tb"),))])

"""Rate limits written as text: parsed, checked and written back the same way."""

from __future__ import annotations

import pytest

from invoicery.domain.rate_limit import (
    InvalidRateLimit,
    RateLimit,
    parse_rate_limit,
    stored_rate_limit,
)


@pytest.mark.parametrize(
    ("text", "limit", "window"),
    [
        ("5/s", RateLimit(5, 1, 5), 1),
        ("25/s burst 50", RateLimit(25, 1, 50), 2),
        ("300/min", RateLimit(300, 60, 300), 60),
        (" 10 / minute burst 20 ", RateLimit(10, 60, 20), 120),
        ("1000/hours", RateLimit(1000, 3600, 1000), 3600),
        ("2/SEC", RateLimit(2, 1, 2), 1),
    ],
)
def test_parses_rates_units_and_bursts(text: str, limit: RateLimit, window: int) -> None:
    parsed = parse_rate_limit(text)
    assert parsed == limit
    assert parsed.window_seconds == window
    assert parse_rate_limit(str(parsed)) == parsed


def test_writes_the_shortest_text() -> None:
    assert str(parse_rate_limit("5 / second")) == "5/s"
    assert str(parse_rate_limit("25/s burst 50")) == "25/s burst 50"
    assert str(parse_rate_limit("300/minutes burst 300")) == "300/min"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "5",
        "five/s",
        "5/ms",  # not a minute
        "5/m",  # ambiguous
        "5/day",
        "0/s",
        "-5/s",
        "5/s burst 0",
        "25/s burst 40",  # 1.6 s: not a whole number of seconds
        "20000/s",  # burst over the bound
        "5/s burst",
        "5/s, 300/min",
    ],
)
def test_refuses_what_cannot_be_enforced(text: str) -> None:
    with pytest.raises(InvalidRateLimit):
        parse_rate_limit(text)


def test_a_stored_limit_that_no_longer_parses_is_the_default() -> None:
    assert stored_rate_limit(None) is None
    assert stored_rate_limit("5/s") == RateLimit(5, 1, 5)
    assert stored_rate_limit("garbage") is None

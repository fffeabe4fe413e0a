"""A request rate limit: so many requests per unit of time, with a burst allowance.

Written as text in settings and on the command line: ``5/s``, ``300/min``,
``25/s burst 50``. Without ``burst`` a client may spend one unit's worth at once
(``5/s`` is at most 5 requests in any second). The limit is enforced as a moving
window of `burst` requests per `window_seconds`, which must come out a whole number of
seconds (``25/s burst 50`` is at most 50 requests in any 2 seconds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["MAX_BURST", "InvalidRateLimit", "RateLimit", "parse_rate_limit", "stored_rate_limit"]

MAX_BURST = 10_000  # the window keeps one entry per request, so bound it

_UNITS = {
    **dict.fromkeys(("s", "sec", "second", "seconds"), 1),
    **dict.fromkeys(("min", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hour", "hours"), 3600),
}
_TEXT = re.compile(r"(\d{1,9})\s*/\s*([a-z]+)(?:\s+burst\s+(\d{1,9}))?", re.ASCII)


class InvalidRateLimit(ValueError):
    """The text is not a rate limit this server can enforce."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class RateLimit:
    """`requests` per `per_seconds` on average, at most `burst` at once."""

    requests: int
    per_seconds: int
    burst: int

    def __post_init__(self) -> None:
        if self.requests < 1 or self.per_seconds < 1:
            raise InvalidRateLimit("the rate must be at least 1 request per unit of time")
        if not 1 <= self.burst <= MAX_BURST:
            raise InvalidRateLimit(f"the burst must be from 1 to {MAX_BURST} requests")
        if (self.burst * self.per_seconds) % self.requests:
            raise InvalidRateLimit(
                "the burst must last a whole number of seconds at the rate "
                "(e.g. 25/s burst 50, not 25/s burst 40)"
            )

    @property
    def window_seconds(self) -> int:
        """The moving window in which at most `burst` requests are accepted."""
        return self.burst * self.per_seconds // self.requests

    def __str__(self) -> str:
        unit = {1: "s", 60: "min", 3600: "h"}[self.per_seconds]
        text = f"{self.requests}/{unit}"
        return text if self.burst == self.requests else f"{text} burst {self.burst}"


def parse_rate_limit(text: str) -> RateLimit:
    """The rate limit written as ``5/s``, ``300/min`` or ``25/s burst 50``."""
    match = _TEXT.fullmatch(text.strip().lower())
    if match is None:
        raise InvalidRateLimit("write a rate limit as 5/s, 300/min or 25/s burst 50")
    requests, unit, burst = match.groups()
    if unit not in _UNITS:
        raise InvalidRateLimit("the unit must be s, min or h")
    return RateLimit(
        requests=int(requests),
        per_seconds=_UNITS[unit],
        burst=int(burst) if burst is not None else int(requests),
    )


@lru_cache(maxsize=1024)
def stored_rate_limit(text: str | None) -> RateLimit | None:
    """An account's stored limit, parsed once per distinct text; None for the default.

    A stored text that no longer parses (edited by hand) falls back to the default
    rather than failing every request of the account.
    """
    if text is None:
        return None
    try:
        return parse_rate_limit(text)
    except InvalidRateLimit:
        return None

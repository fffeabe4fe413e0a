"""Clock and calendar helpers shared by the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["as_lower_bound", "as_upper_bound", "end_of_day", "start_of_day", "utc_now"]


def utc_now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def start_of_day(day: date, timezone: str) -> datetime:
    """The first instant of `day` in `timezone`."""
    return datetime.combine(day, time.min, ZoneInfo(timezone))


def end_of_day(day: date, timezone: str) -> datetime:
    """The last microsecond of `day` in `timezone`."""
    return start_of_day(day + timedelta(days=1), timezone) - timedelta(microseconds=1)


def as_lower_bound(value: date | datetime | None, timezone: str) -> datetime | None:
    """An inclusive lower time bound from a date (its first instant) or a timestamp."""
    if value is None or isinstance(value, datetime):
        return value
    return start_of_day(value, timezone)


def as_upper_bound(value: date | datetime | None, timezone: str) -> datetime | None:
    """An inclusive upper time bound from a date (its last instant) or a timestamp."""
    if value is None or isinstance(value, datetime):
        return value
    return end_of_day(value, timezone)

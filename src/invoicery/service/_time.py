"""Clock and calendar helpers shared by the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from invoicery.domain import calendar

__all__ = ["as_lower_bound", "as_upper_bound", "end_of_day", "start_of_day", "utc_now"]


def utc_now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def start_of_day(day: date, timezone: str) -> datetime:
    """The first instant of `day` in `timezone`."""
    return datetime.combine(day, time.min, ZoneInfo(timezone))


def end_of_day(day: date, timezone: str) -> datetime:
    """The last microsecond of `day` in `timezone` (of the calendar, for its last day)."""
    if day >= date.max:
        return calendar.LAST_INSTANT
    return start_of_day(day + timedelta(days=1), timezone) - timedelta(microseconds=1)


def as_lower_bound(value: date | datetime | None, timezone: str) -> datetime | None:
    """An inclusive lower time bound from a date (its first instant) or a timestamp.

    Bounds are clamped into the accepted calendar, so the database driver's conversion
    to UTC cannot overflow at the ends of it.
    """
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else start_of_day(value, timezone)
    return calendar.clamp_instant(moment)


def as_upper_bound(value: date | datetime | None, timezone: str) -> datetime | None:
    """An inclusive upper time bound from a date (its last instant) or a timestamp, clamped."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else end_of_day(value, timezone)
    return calendar.clamp_instant(moment)

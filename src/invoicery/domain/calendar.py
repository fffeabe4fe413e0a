"""The calendar window Invoicery accepts, and date arithmetic that stays inside it.

Python's `date` and `datetime` end at year 9999 and PostgreSQL's `date` at 5874897;
converting ``9999-12-31T23:59:59-14:00`` to UTC, or adding terms to 9999-12-31,
overflows. Every date and timestamp from a client is checked against this window
before any arithmetic, and query bounds built from them are clamped into it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

__all__ = [
    "FIRST_DAY",
    "FIRST_INSTANT",
    "LAST_DAY",
    "LAST_INSTANT",
    "add_days",
    "clamp_instant",
    "day_error",
    "instant_error",
]

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9999, 12, 31)
FIRST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
# A day short of Python's last instant, so that a bound can still move by a day.
LAST_INSTANT = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)


def day_error(day: date) -> str | None:
    """Why `day` is outside the accepted calendar, or None."""
    if not FIRST_DAY <= day <= LAST_DAY:
        return f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
    return None


def instant_error(moment: datetime) -> str | None:
    """Why the aware `moment` is outside the accepted window (in UTC), or None."""
    # Comparing aware datetimes never converts them, so this cannot overflow.
    if not FIRST_INSTANT <= moment <= LAST_INSTANT:
        return (
            f"must be between {FIRST_INSTANT.isoformat()} and {LAST_INSTANT.isoformat()} "
            "once converted to UTC"
        )
    return None


def add_days(day: date, days: int) -> date | None:
    """`day` plus `days`, or None if that leaves the accepted calendar."""
    if not -(LAST_DAY - FIRST_DAY).days <= days <= (LAST_DAY - FIRST_DAY).days:
        return None
    ordinal = day.toordinal() + days
    if not FIRST_DAY.toordinal() <= ordinal <= LAST_DAY.toordinal():
        return None
    return date.fromordinal(ordinal)


def clamp_instant(moment: datetime) -> datetime:
    """The aware `moment` moved into the accepted window; a query bound that cannot overflow."""
    if moment < FIRST_INSTANT:
        return FIRST_INSTANT
    if moment > LAST_INSTANT:
        return LAST_INSTANT
    return moment

"""The accepted calendar window and arithmetic that cannot overflow at its ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from invoicery.domain import calendar

EAST = timezone(timedelta(hours=14))
WEST = timezone(timedelta(hours=-14))


@pytest.mark.parametrize(
    ("day", "ok"),
    [(date(1900, 1, 1), True), (date(9999, 12, 31), True), (date(1899, 12, 31), False)],
)
def test_days_outside_the_window_are_named(day: date, ok: bool) -> None:
    assert (calendar.day_error(day) is None) is ok


@pytest.mark.parametrize(
    "moment",
    [datetime(1, 1, 1, tzinfo=EAST), datetime(9999, 12, 31, 23, 59, 59, tzinfo=WEST)],
)
def test_instants_at_the_ends_of_pythons_calendar_are_refused_without_overflow(
    moment: datetime,
) -> None:
    assert calendar.instant_error(moment) is not None
    clamped = calendar.clamp_instant(moment)
    assert calendar.FIRST_INSTANT <= clamped <= calendar.LAST_INSTANT
    clamped.astimezone(UTC)  # representable in UTC


def test_add_days_stays_inside_the_window() -> None:
    assert calendar.add_days(date(2026, 1, 31), 30) == date(2026, 3, 2)
    assert calendar.add_days(date(9999, 12, 31), 0) == date(9999, 12, 31)
    assert calendar.add_days(date(9999, 12, 31), 1) is None
    assert calendar.add_days(date(1900, 1, 1), -1) is None
    assert calendar.add_days(date(2026, 1, 1), 10**30) is None

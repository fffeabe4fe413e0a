"""Reminder schedules, when each reminder falls due, and which one to send now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicery.domain import reminders
from invoicery.domain.reminders import (
    DEFAULT_OFFSETS,
    InvalidReminderSchedule,
    ReminderKind,
    due_reminder,
    fire_at,
    format_offsets,
    is_remindable,
    kind_of,
    parse_offsets,
)
from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus

BERLIN = "Europe/Berlin"
HOUR = timedelta(hours=1)

# --- parsing -------------------------------------------------------------------------


def test_the_default_schedule() -> None:
    assert DEFAULT_OFFSETS == (-3, 0, 7)
    assert parse_offsets(format_offsets(DEFAULT_OFFSETS)) == DEFAULT_OFFSETS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-3,0,7,14", (-3, 0, 7, 14)),
        ("-3,0,7", (-3, 0, 7)),
        (" -3 , 0 ,7 ", (-3, 0, 7)),
        ("+7, -1", (-1, 7)),
        ("14,7,0,-3", (-3, 0, 7, 14)),
        ("0", (0,)),
        ("-0", (0,)),
        ("007", (7,)),
        ("-365,365", (-365, 365)),
        ("1,2,3,4,5,6,7,8,9,10", (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)),
        ("", ()),
        ("   ", ()),
    ],
)
def test_valid_schedules_parse_sorted(text: str, expected: tuple[int, ...]) -> None:
    assert parse_offsets(text) == expected


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("-3,0,0", "'0'"),
        ("7,+7", "'+7'"),
        ("0,-0", "'-0'"),
        ("366", "'366'"),
        ("-366", "'-366'"),
        ("1," + "9" * 5000, "outside"),
        ("abc", "'abc'"),
        ("3.5", "'3.5'"),
        ("1e2", "'1e2'"),
        ("- 3", "'- 3'"),
        ("3 4", "'3 4'"),
        ("--3", "'--3'"),
        ("١", "'١'"),  # an Arabic-Indic one: `int` would take it, the schedule does not
        ("1_0", "'1_0'"),
        ("-3,0,", "entry 3"),
        (",", "entry 1"),
        ("-3;0;7", "'-3;0;7'"),
        ("1,2,3,4,5,6,7,8,9,10,11", "at most 10"),
    ],
)
def test_invalid_schedules_are_refused_naming_the_bad_part(text: str, names: str) -> None:
    with pytest.raises(InvalidReminderSchedule) as caught:
        parse_offsets(text)
    assert names in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_format_is_canonical() -> None:
    assert format_offsets((7, -3, 0)) == "-3,0,7"
    assert format_offsets([14]) == "14"
    assert format_offsets(()) == ""


@given(st.sets(st.integers(-365, 365), max_size=10))
def test_format_and_parse_round_trip(offsets: set[int]) -> None:
    assert parse_offsets(format_offsets(offsets)) == tuple(sorted(offsets))


@pytest.mark.parametrize(
    ("offset", "kind"),
    [
        (-365, ReminderKind.BEFORE_DUE),
        (-1, ReminderKind.BEFORE_DUE),
        (0, ReminderKind.DUE_TODAY),
        (1, ReminderKind.OVERDUE),
        (14, ReminderKind.OVERDUE),
    ],
)
def test_kind_of(offset: int, kind: ReminderKind) -> None:
    assert kind_of(offset) is kind


# --- fire_at -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "offset", "zone", "hour", "expected"),
    [
        (date(2026, 1, 15), 0, "UTC", 9, datetime(2026, 1, 15, 9, tzinfo=UTC)),
        (date(2026, 1, 15), -3, BERLIN, 9, datetime(2026, 1, 12, 8, tzinfo=UTC)),
        (date(2026, 7, 15), 7, BERLIN, 9, datetime(2026, 7, 22, 7, tzinfo=UTC)),
        (date(2026, 1, 15), 0, "America/New_York", 9, datetime(2026, 1, 15, 14, tzinfo=UTC)),
        # Local midnight on the due date in Tokyo is the previous day in UTC.
        (date(2026, 1, 15), 0, "Asia/Tokyo", 0, datetime(2026, 1, 14, 15, tzinfo=UTC)),
        (date(2026, 1, 15), 0, "Asia/Kolkata", 9, datetime(2026, 1, 15, 3, 30, tzinfo=UTC)),
        # Offsets cross month and year ends.
        (date(2026, 12, 28), 7, "UTC", 23, datetime(2027, 1, 4, 23, tzinfo=UTC)),
        (date(2024, 3, 1), -1, "UTC", 9, datetime(2024, 2, 29, 9, tzinfo=UTC)),
    ],
)
def test_fire_at_is_the_local_hour_on_the_offset_day(
    due: date, offset: int, zone: str, hour: int, expected: datetime
) -> None:
    moment = fire_at(due, offset, zone, hour)
    assert moment == expected
    assert moment.tzinfo is UTC


def test_fire_at_across_a_dst_change_keeps_the_local_hour() -> None:
    # Berlin moves to summer time on 2026-03-29: 09:00 is 08:00 UTC before, 07:00 after.
    assert fire_at(date(2026, 3, 25), 3, BERLIN, 9) == datetime(2026, 3, 28, 8, tzinfo=UTC)
    assert fire_at(date(2026, 3, 25), 4, BERLIN, 9) == datetime(2026, 3, 29, 7, tzinfo=UTC)


def test_a_local_time_skipped_by_spring_forward_moves_forward() -> None:
    # Berlin, 2026-03-29: clocks jump from 02:00 CET to 03:00 CEST; 02:00 never happens.
    moment = fire_at(date(2026, 3, 29), 0, BERLIN, 2)
    assert moment == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert moment.astimezone(ZoneInfo(BERLIN)).replace(tzinfo=None) == datetime(2026, 3, 29, 3)
    # The hours either side are untouched.
    assert fire_at(date(2026, 3, 29), 0, BERLIN, 1) == datetime(2026, 3, 29, 0, tzinfo=UTC)
    assert fire_at(date(2026, 3, 29), 0, BERLIN, 3) == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_a_local_time_that_happens_twice_takes_the_first() -> None:
    # New York, 2026-11-01: 01:00-02:00 happens in EDT (-4), then again in EST (-5).
    moment = fire_at(date(2026, 11, 1), 0, "America/New_York", 1)
    assert moment == datetime(2026, 11, 1, 5, tzinfo=UTC)
    assert fire_at(date(2026, 11, 1), 0, "America/New_York", 2) == datetime(
        2026, 11, 1, 7, tzinfo=UTC
    )


@pytest.mark.parametrize("hour", [-1, 24])
def test_fire_at_refuses_an_hour_outside_the_day(hour: int) -> None:
    with pytest.raises(ValueError, match=r"0\.\.23"):
        fire_at(date(2026, 1, 15), 0, "UTC", hour)


def test_fire_at_past_the_calendar_overflows() -> None:
    with pytest.raises(OverflowError):
        fire_at(date(9999, 12, 31), 1, "UTC", 9)


# --- due_reminder --------------------------------------------------------------------


def ask(
    *,
    now: datetime,
    sent: Sequence[int] = (),
    due: date | None = date(2026, 3, 25),
    offsets: Sequence[int] = (-3, 0, 7, 14),
    issued_at: datetime = datetime(2026, 3, 1, tzinfo=UTC),
    zone: str = BERLIN,
    hour: int = 9,
) -> int | None:
    """`due_reminder` with this module's usual invoice."""
    return due_reminder(
        due_date=due,
        offsets=offsets,
        timezone=zone,
        hour=hour,
        now=now,
        already_sent=sent,
        issued_at=issued_at,
    )


def walk(
    ticks: Sequence[datetime],
    *,
    due: date,
    offsets: Sequence[int],
    issued_at: datetime,
    zone: str = BERLIN,
    hour: int = 9,
) -> list[tuple[datetime, int]]:
    """What a worker checking at each of `ticks` sends, recording every send: (when, offset)."""
    sent: list[tuple[datetime, int]] = []
    for now in ticks:
        offset = due_reminder(
            due_date=due,
            offsets=offsets,
            timezone=zone,
            hour=hour,
            now=now,
            already_sent=[o for _, o in sent],
            issued_at=issued_at,
        )
        if offset is not None:
            sent.append((now, offset))
    return sent


def hourly(start: datetime, end: datetime) -> list[datetime]:
    """Every whole hour from `start` up to and including `end`."""
    count = int((end - start) / HOUR)
    return [start + index * HOUR for index in range(count + 1)]


def test_an_hourly_walk_from_issue_to_two_weeks_overdue_sends_each_reminder_once() -> None:
    # Due 2026-03-25 in Berlin; the walk crosses the switch to summer time on 03-29.
    due = date(2026, 3, 25)
    issued_at = datetime(2026, 3, 10, 14, tzinfo=UTC)
    ticks = hourly(issued_at, datetime(2026, 4, 8, 23, tzinfo=UTC))
    sent = walk(ticks, due=due, offsets=(-3, 0, 7, 14), issued_at=issued_at)
    assert sent == [
        (datetime(2026, 3, 22, 8, tzinfo=UTC), -3),  # 09:00 CET
        (datetime(2026, 3, 25, 8, tzinfo=UTC), 0),
        (datetime(2026, 4, 1, 7, tzinfo=UTC), 7),  # 09:00 CEST
        (datetime(2026, 4, 8, 7, tzinfo=UTC), 14),
    ]


def test_a_walk_with_the_default_schedule() -> None:
    due = date(2026, 6, 30)
    issued_at = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
    ticks = hourly(datetime(2026, 6, 1, 10, tzinfo=UTC), datetime(2026, 7, 31, tzinfo=UTC))
    sent = walk(ticks, due=due, offsets=DEFAULT_OFFSETS, issued_at=issued_at, zone="UTC")
    assert [offset for _, offset in sent] == [-3, 0, 7]
    assert [when for when, _ in sent] == [
        datetime(2026, 6, 27, 9, tzinfo=UTC),
        datetime(2026, 6, 30, 9, tzinfo=UTC),
        datetime(2026, 7, 7, 9, tzinfo=UTC),
    ]


def test_a_worker_stopped_for_ten_days_sends_one_catch_up() -> None:
    due = date(2026, 3, 25)
    issued_at = datetime(2026, 3, 10, 14, tzinfo=UTC)
    stopped = datetime(2026, 3, 25, 12, tzinfo=UTC)  # after the due-date reminder
    restarted = stopped + timedelta(days=10)  # 7 has fallen due meanwhile; 14 has not
    ticks = hourly(issued_at, stopped) + hourly(restarted, datetime(2026, 4, 8, 23, tzinfo=UTC))
    sent = walk(ticks, due=due, offsets=(-3, 0, 7, 14), issued_at=issued_at)
    assert sent == [
        (datetime(2026, 3, 22, 8, tzinfo=UTC), -3),
        (datetime(2026, 3, 25, 8, tzinfo=UTC), 0),
        (restarted, 7),
        (datetime(2026, 4, 8, 7, tzinfo=UTC), 14),
    ]


def test_a_daily_schedule_missed_for_ten_days_sends_one_reminder_not_ten() -> None:
    due = date(2026, 5, 1)
    issued_at = datetime(2026, 4, 1, tzinfo=UTC)
    daily = tuple(range(1, 11))
    stopped = datetime(2026, 5, 1, 12, tzinfo=UTC)
    restarted = stopped + timedelta(days=10)
    ticks = hourly(issued_at, stopped) + hourly(restarted, restarted + timedelta(days=30))
    sent = walk(ticks, due=due, offsets=daily, issued_at=issued_at, zone="UTC")
    assert sent == [(restarted, 10)]


def test_a_catch_up_skips_the_reminders_a_later_one_supersedes() -> None:
    # Down from before the -3 reminder until after the due-date one: only 0 is sent.
    now = datetime(2026, 3, 26, tzinfo=UTC)
    assert ask(now=now) == 0
    assert ask(now=now, sent=[0]) is None
    assert ask(now=datetime(2026, 4, 1, 7, tzinfo=UTC), sent=[0]) == 7


def test_an_invoice_issued_after_a_reminder_time_never_gets_that_reminder() -> None:
    due = date(2026, 3, 25)
    issued_at = datetime(2026, 3, 23, 10, tzinfo=UTC)  # two days before due
    ticks = hourly(issued_at, datetime(2026, 4, 8, 23, tzinfo=UTC))
    sent = walk(ticks, due=due, offsets=(-3, 0, 7), issued_at=issued_at)
    assert [offset for _, offset in sent] == [0, 7]
    # Asked any time between issue and the due-date reminder: nothing is due.
    assert ask(now=issued_at, issued_at=issued_at) is None
    assert ask(now=datetime(2026, 3, 25, 7, 59, tzinfo=UTC), issued_at=issued_at) is None


def test_an_invoice_issued_on_the_due_date_after_the_hour_waits_for_the_next() -> None:
    issued_at = datetime(2026, 3, 25, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
    assert ask(now=datetime(2026, 3, 26, tzinfo=UTC), issued_at=issued_at) is None
    assert ask(now=datetime(2026, 4, 1, 7, tzinfo=UTC), issued_at=issued_at) == 7


def test_a_reminder_falls_due_exactly_at_its_instant() -> None:
    moment = datetime(2026, 3, 25, 8, tzinfo=UTC)
    assert ask(now=moment - timedelta(microseconds=1), sent=[-3]) is None
    assert ask(now=moment, sent=[-3]) == 0
    # Issued at that very instant, the reminder is still sent.
    assert ask(now=moment, issued_at=moment) == 0


def test_now_is_compared_as_an_instant_whatever_its_zone() -> None:
    berlin_nine = datetime(2026, 3, 25, 9, tzinfo=ZoneInfo(BERLIN))
    assert ask(now=berlin_nine, sent=[-3]) == 0
    assert ask(now=berlin_nine - timedelta(minutes=1), sent=[-3]) is None


def test_nothing_is_sent_again_nor_anything_older_than_what_was_sent() -> None:
    now = datetime(2026, 4, 2, tzinfo=UTC)  # 7 has fallen due
    assert ask(now=now, sent=[-3, 0]) == 7
    assert ask(now=now, sent=[-3, 0, 7]) is None
    # Something later already went out (under a schedule since changed): nothing.
    assert ask(now=now, sent=[10]) is None
    # Something earlier went out under another schedule: the latest still goes.
    assert ask(now=now, sent=[-5]) == 7


def test_no_due_date_or_no_schedule_means_no_reminder() -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    assert ask(now=now, due=None) is None
    assert ask(now=now, offsets=()) is None


def test_a_reminder_beyond_the_calendar_never_falls_due() -> None:
    now = datetime(9999, 12, 31, 23, tzinfo=UTC)
    due = date(9999, 12, 31)
    issued_at = datetime(9999, 1, 1, tzinfo=UTC)
    assert ask(now=now, due=due, offsets=(0, 7), zone="UTC", issued_at=issued_at) == 0


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        ask(now=datetime(2026, 4, 1))
    with pytest.raises(ValueError, match="aware"):
        ask(now=datetime(2026, 4, 1, tzinfo=UTC), issued_at=datetime(2026, 3, 1))


ZONES = [
    "UTC",
    BERLIN,
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
]


@given(
    offsets=st.sets(st.integers(-30, 30), max_size=reminders.MAX_REMINDERS),
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    due_day=st.integers(0, 365),
    issued_hours=st.integers(-60 * 24, 0),
    steps=st.lists(st.integers(0, 10 * 24 * 60), max_size=60),
)
def test_every_offset_is_sent_at_most_once_and_in_increasing_order(
    offsets: set[int],
    zone: str,
    hour: int,
    due_day: int,
    issued_hours: int,
    steps: list[int],
) -> None:
    due = date(2026, 1, 1) + timedelta(days=due_day)
    due_noon = datetime.combine(due, datetime.min.time(), tzinfo=UTC) + 12 * HOUR
    issued_at = due_noon + issued_hours * HOUR
    ticks: list[datetime] = []
    now = issued_at
    for minutes in steps:  # a sorted sequence of check instants, repeats included
        now += timedelta(minutes=minutes)
        ticks.append(now)
    sent = walk(ticks, due=due, offsets=sorted(offsets), issued_at=issued_at, zone=zone, hour=hour)
    sent_offsets = [offset for _, offset in sent]
    assert all(a < b for a, b in pairwise(sent_offsets))
    for when, offset in sent:
        assert offset in offsets
        assert issued_at <= fire_at(due, offset, zone, hour) <= when
    if ticks:
        # Nothing is left pending at the last check: the latest that fell due went out.
        last = ticks[-1]
        fallen = [o for o in offsets if issued_at <= fire_at(due, o, zone, hour) <= last]
        assert (sent_offsets[-1] if sent_offsets else None) == (max(fallen) if fallen else None)


def invoice_state(
    lifecycle: Lifecycle = Lifecycle.FINALIZED,
    payment_status: PaymentStatus = PaymentStatus.UNPAID,
    *,
    payment_pending: bool = False,
    archived: bool = False,
) -> InvoiceState:
    """An invoice's stored status facts."""
    return InvoiceState(
        lifecycle=lifecycle,
        payment_status=payment_status,
        payment_pending=payment_pending,
        archived=archived,
        due_date=date(2026, 3, 25),
    )


@pytest.mark.parametrize(
    ("state", "amount_due", "expected"),
    [
        (invoice_state(), 1000, True),
        (invoice_state(payment_status=PaymentStatus.PARTIALLY_PAID), 400, True),
        (invoice_state(), 0, False),
        (invoice_state(), -5, False),
        (invoice_state(Lifecycle.DRAFT), 1000, False),
        (invoice_state(Lifecycle.VOID), 1000, False),
        (invoice_state(Lifecycle.UNCOLLECTIBLE), 1000, False),
        (invoice_state(payment_status=PaymentStatus.PAID), 1000, False),
        (invoice_state(archived=True), 1000, False),
        (invoice_state(payment_pending=True), 1000, False),
    ],
)
def test_only_open_invoices_with_an_amount_due_get_reminders(
    state: InvoiceState, amount_due: int, expected: bool
) -> None:
    assert is_remindable(state, amount_due) is expected

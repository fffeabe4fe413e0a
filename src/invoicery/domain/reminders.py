"""Payment reminders: an account's schedule, and which reminder an invoice is due now.

A schedule is a set of day offsets from the due date (``-3,0,7``: three days before,
on the day, a week after). The reminder for an offset falls due at `hour`:00 local
time, in the account's time zone, on the due date plus the offset (`fire_at`).

`due_reminder` is asked, whenever the worker looks, which one offset to send now. Of
the reminders that have fallen due since the invoice was issued, only the latest
counts: an earlier one it supersedes is never sent late, so a worker that was down
for days sends one catch-up, not one per missed day. A reminder whose time came before
the invoice was issued is never sent. The caller records each offset it sends (the
store keeps one row per invoice, kind and offset); fed those back as `already_sent`,
`due_reminder` returns each offset at most once, in increasing order.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from invoicery.domain.status import InvoiceState, Lifecycle, PaymentStatus

__all__ = [
    "DEFAULT_HOUR",
    "DEFAULT_OFFSETS",
    "MAX_OFFSET",
    "MAX_REMINDERS",
    "InvalidReminderSchedule",
    "ReminderKind",
    "due_reminder",
    "fire_at",
    "format_offsets",
    "is_remindable",
    "kind_of",
    "parse_offsets",
]

DEFAULT_OFFSETS: tuple[int, ...] = (-3, 0, 7)
DEFAULT_HOUR = 9
MAX_OFFSET = 365
MAX_REMINDERS = 10

_ENTRY = re.compile(r"[+-]?[0-9]+")


class InvalidReminderSchedule(ValueError):
    """A reminder schedule's text is not a list of distinct day offsets in range."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReminderKind(StrEnum):
    """Whether a reminder comes before, on, or after the due date."""

    BEFORE_DUE = "before_due"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"


def kind_of(offset: int) -> ReminderKind:
    """The kind of the reminder `offset` days from the due date."""
    if offset < 0:
        return ReminderKind.BEFORE_DUE
    if offset == 0:
        return ReminderKind.DUE_TODAY
    return ReminderKind.OVERDUE


def parse_offsets(text: str) -> tuple[int, ...]:
    """The offsets in ``"-3, 0, +7"``, sorted; ``""`` is no reminders at all."""
    if not text.strip():
        return ()
    parts = text.split(",")
    if len(parts) > MAX_REMINDERS:
        raise InvalidReminderSchedule(
            f"at most {MAX_REMINDERS} reminders are allowed, not {len(parts)}"
        )
    offsets: list[int] = []
    for position, part in enumerate(parts, start=1):
        entry = part.strip()
        if not entry:
            raise InvalidReminderSchedule(f"entry {position} is empty")
        if not _ENTRY.fullmatch(entry):
            raise InvalidReminderSchedule(f"{entry!r} is not a whole number of days")
        digits = entry.lstrip("+-").lstrip("0")
        # Compare lengths first: `int` refuses (with its own message) very long strings.
        value = int(entry) if len(digits) <= len(str(MAX_OFFSET)) else MAX_OFFSET + 1
        if not -MAX_OFFSET <= value <= MAX_OFFSET:
            raise InvalidReminderSchedule(f"{entry!r} is outside {-MAX_OFFSET}..{MAX_OFFSET} days")
        if value in offsets:
            raise InvalidReminderSchedule(f"{entry!r} repeats the offset {value}")
        offsets.append(value)
    return tuple(sorted(offsets))


def format_offsets(offsets: Iterable[int]) -> str:
    """The canonical text of a schedule, such as ``"-3,0,7"``; ``""`` for none."""
    return ",".join(str(offset) for offset in sorted(offsets))


def fire_at(due_date: date, offset: int, timezone: str, hour: int) -> datetime:
    """The UTC instant the reminder for `offset` falls due: `hour`:00 local, due date + offset.

    A local time skipped by a DST change moves forward by the gap (02:00 becomes 03:00);
    one that occurs twice is the first occurrence. Raises `OverflowError` past year 9999.
    """
    if not 0 <= hour <= 23:
        raise ValueError(f"the reminder hour must be 0..23, not {hour}")
    day = due_date + timedelta(days=offset)
    local = datetime.combine(day, time(hour), tzinfo=ZoneInfo(timezone)).replace(fold=0)
    return local.astimezone(UTC)


def due_reminder(
    *,
    due_date: date | None,
    offsets: Sequence[int],
    timezone: str,
    hour: int,
    now: datetime,
    already_sent: Collection[int],
    issued_at: datetime,
) -> int | None:
    """The offset whose reminder to send at `now`, or None.

    That is the greatest offset whose `fire_at` is in ``[issued_at, now]``, unless it or a
    later one is in `already_sent`. `now` and `issued_at` must be aware.
    """
    if now.utcoffset() is None or issued_at.utcoffset() is None:
        raise ValueError("now and issued_at must be aware datetimes")
    if due_date is None:
        return None
    latest: int | None = None
    for offset in sorted(set(offsets), reverse=True):
        try:
            moment = fire_at(due_date, offset, timezone, hour)
        except OverflowError:
            continue  # beyond the calendar: never falls due
        if moment <= now:
            if moment >= issued_at:
                latest = offset
            # A reminder that fell due before the invoice was issued supersedes none
            # after it, and those before it fell due earlier still: stop either way.
            break
    if latest is None or any(sent >= latest for sent in already_sent):
        return None
    return latest


def is_remindable(state: InvoiceState, amount_due_minor: int) -> bool:
    """Whether an invoice gets reminders: finalized, unpaid, nothing in flight, not archived."""
    return (
        state.lifecycle is Lifecycle.FINALIZED
        and state.payment_status is not PaymentStatus.PAID
        and not state.payment_pending
        and not state.archived
        and amount_due_minor > 0
    )

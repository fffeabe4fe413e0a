"""Notifications: the e-mails sent about an invoice, each one exactly once.

A notification is queued under a `key` unique per invoice (``issued``, ``reminder:-3``,
``receipt:txn_…``, ``resend:…``), so however many workers look, and however often,
it is queued once. It is marked SENT only after the SMTP server accepted the message;
a temporary failure is tried again on `RETRY_DELAYS`, a permanent one (or running out
of retries) is FAILED with the reason kept, and one that no longer applies (the
invoice was paid before its reminder went out, or its customer has no address) is
SKIPPED with the reason. Nothing is ever shown as sent that was not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from invoicery.domain import ids
from invoicery.domain.reminders import ReminderKind, kind_of

__all__ = [
    "ISSUED_KEY",
    "NOTIFICATION_PREFIX",
    "RETRY_DELAYS",
    "Notification",
    "NotificationKind",
    "NotificationStatus",
    "new_notification",
    "receipt_key",
    "reminder_key",
    "resend_key",
]

NOTIFICATION_PREFIX = "ntf"
ISSUED_KEY = "issued"
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)


class NotificationKind(StrEnum):
    """Which message it is."""

    INVOICE_ISSUED = "invoice_issued"
    REMINDER_BEFORE_DUE = "reminder_before_due"
    REMINDER_DUE_TODAY = "reminder_due_today"
    REMINDER_OVERDUE = "reminder_overdue"
    PAYMENT_RECEIPT = "payment_receipt"

    @classmethod
    def reminder(cls, offset: int) -> NotificationKind:
        """The reminder `offset` days from the due date."""
        return {
            ReminderKind.BEFORE_DUE: cls.REMINDER_BEFORE_DUE,
            ReminderKind.DUE_TODAY: cls.REMINDER_DUE_TODAY,
            ReminderKind.OVERDUE: cls.REMINDER_OVERDUE,
        }[kind_of(offset)]


class NotificationStatus(StrEnum):
    """Where a notification stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


def reminder_key(offset: int) -> str:
    """The key of the reminder `offset` days from the due date."""
    return f"reminder:{offset}"


def receipt_key(transaction_id: UUID) -> str:
    """The key of the receipt for one payment."""
    return f"receipt:{ids.encode(ids.TRANSACTION, transaction_id)}"


def resend_key(notification_id: UUID) -> str:
    """The key of an invoice sent again on request (each request is its own)."""
    return f"resend:{ids.encode(NOTIFICATION_PREFIX, notification_id)}"


@dataclass(frozen=True, slots=True)
class Notification:
    """One e-mail about one invoice, and how sending it went."""

    id: UUID
    account_id: UUID
    invoice_id: UUID
    key: str
    kind: NotificationKind
    offset_days: int | None
    status: NotificationStatus
    recipients: Sequence[str]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def public_id(self) -> str:
        """The id clients see (``ntf_…``)."""
        return ids.encode(NOTIFICATION_PREFIX, self.id)

    def sent(self, *, recipients: Sequence[str], now: datetime) -> Notification:
        """The SMTP server accepted it for `recipients`."""
        return replace(
            self,
            status=NotificationStatus.SENT,
            recipients=tuple(recipients),
            next_attempt_at=None,
            last_error=None,
            sent_at=now,
            updated_at=now,
        )

    def skipped(self, reason: str, *, now: datetime) -> Notification:
        """It no longer applies, for `reason`; nothing was sent."""
        return replace(
            self,
            status=NotificationStatus.SKIPPED,
            next_attempt_at=None,
            last_error=reason,
            updated_at=now,
        )

    def not_accepted(
        self, error: str, *, permanent: bool, recipients: Sequence[str], now: datetime
    ) -> Notification:
        """The attempt failed: tried again later, or FAILED when permanent or out of retries."""
        retries_left = self.attempts <= len(RETRY_DELAYS)
        if permanent or not retries_left:
            return replace(
                self,
                status=NotificationStatus.FAILED,
                recipients=tuple(recipients),
                next_attempt_at=None,
                last_error=error,
                updated_at=now,
            )
        return replace(
            self,
            status=NotificationStatus.PENDING,
            recipients=tuple(recipients),
            next_attempt_at=now + RETRY_DELAYS[self.attempts - 1],
            last_error=error,
            updated_at=now,
        )


def new_notification(
    *,
    account_id: UUID,
    invoice_id: UUID,
    key: str,
    kind: NotificationKind,
    now: datetime,
    offset_days: int | None = None,
    notification_id: UUID | None = None,
) -> Notification:
    """A notification due at once, not yet attempted."""
    return Notification(
        id=notification_id or ids.new_uuid7(),
        account_id=account_id,
        invoice_id=invoice_id,
        key=key,
        kind=kind,
        offset_days=offset_days,
        status=NotificationStatus.PENDING,
        recipients=(),
        attempts=0,
        next_attempt_at=now,
        last_error=None,
        sent_at=None,
        created_at=now,
        updated_at=now,
    )

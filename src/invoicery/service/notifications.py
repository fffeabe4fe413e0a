"""E-mailing customers about their invoices: the worker's use case, each message once.

Each pass has three steps, none on any request's path:

1. *From events*: the event log after the notifier's mark becomes notifications: an
   invoice finalized (on the AP face, created; on the v1 face, finalized) is
   ``issued`` unless its account turned that off, a payment that succeeded is a
   receipt. The mark never passes `events.complete_before`; a notification is queued
   once per (invoice, key), so reading an event twice queues nothing twice.
2. *Reminders*: for each account with a schedule, the invoices with an amount due get
   the one reminder `domain.reminders.due_reminder` says is due now, queued under
   ``reminder:<offset>`` (so exactly once, however many workers look). Only invoices
   issued since the notifier first ran get reminders: upgrading a server, or loading
   old invoices in bulk, never mails every customer with a past-due invoice at once.
3. *Sending*: due notifications are leased in one short transaction, sent with no
   transaction open, and each outcome recorded by the lease holder: SENT (and the
   invoice's `last_notification_at`, an ``invoice.sent`` event) only once the SMTP server
   accepted it; SKIPPED with the reason when it no longer applies or the customer has
   no address; retried, or FAILED with the reason. Through a database outage the lease
   holder keeps its batch and retries each database step until the lease ends, so the
   batch goes on as soon as the database is back. A worker that dies between the
   server's acceptance and the record sends that one message again after the lease:
   the one duplicate allowed, visible as a second attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol
from uuid import UUID

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.account import Account
from invoicery.domain.customer import Customer
from invoicery.domain.einvoicing import EInvoicingStatus
from invoicery.domain.errors import InvalidState, NotFound
from invoicery.domain.events import Event, EventType
from invoicery.domain.invoice import Invoice
from invoicery.domain.notifications import (
    ISSUED_KEY,
    Notification,
    NotificationKind,
    NotificationStatus,
    new_notification,
    receipt_key,
    reminder_key,
    resend_key,
)
from invoicery.domain.reminders import due_reminder, is_remindable, parse_offsets
from invoicery.domain.status import Lifecycle, PaymentStatus
from invoicery.einvoice import Profile
from invoicery.mail import InvoiceMail, MailKind, MailTransport, build_message, choose_language
from invoicery.payments.transaction import Transaction, TransactionStatus
from invoicery.service import events
from invoicery.service._polling import while_unavailable
from invoicery.service._time import utc_now
from invoicery.service.invoices import parse_id as parse_invoice_id
from invoicery.store import (
    accounts,
    customers,
    einvoices,
    invoices,
    marks,
    notifications,
    snapshots,
    transactions,
)
from invoicery.store import events as event_log
from invoicery.store.database import Database
from invoicery.store.snapshots import restore

__all__ = [
    "LEASE",
    "REMINDER_SCAN",
    "MailLinks",
    "NoLinks",
    "Notifier",
    "of_invoice",
    "send_again",
]

logger = logging.getLogger("invoicery.mail")

LEASE = timedelta(minutes=2)  # well beyond an SMTP conversation's timeouts
REMINDER_SCAN = timedelta(minutes=5)  # reminders are due by the hour: look this often
_MARK = "notifications"
_TRIGGERS = (EventType.INVOICE_CREATED, EventType.INVOICE_FINALIZED, EventType.PAYMENT_SUCCEEDED)
_SKIPPED_NO_ADDRESS = "the customer has no e-mail address"


class MailLinks(Protocol):
    """What a message links to and attaches, from the running server."""

    async def pay_url(self, account_id: UUID, invoice_id: UUID) -> str | None:
        """The invoice's hosted payment page, if it can be paid."""

    async def portal_url(self, account_id: UUID, customer_id: UUID) -> str | None:
        """A link to the customer's portal."""

    async def pdf(self, account_id: UUID, invoice_id: UUID) -> tuple[str, bytes] | None:
        """The invoice's PDF: file name and bytes."""


class NoLinks:
    """Messages without links or attachments (a server without documents)."""

    async def pay_url(self, account_id: UUID, invoice_id: UUID) -> str | None:
        """None."""
        return None

    async def portal_url(self, account_id: UUID, customer_id: UUID) -> str | None:
        """None."""
        return None

    async def pdf(self, account_id: UUID, invoice_id: UUID) -> tuple[str, bytes] | None:
        """None."""
        return None


@dataclass(frozen=True, slots=True)
class _Claimed:
    notification: Notification
    lease: UUID
    until: float  # time.monotonic() when the lease ends: no step of it is retried past it


@dataclass(frozen=True, slots=True)
class _Subject:
    """What a message is about, read at sending time."""

    account: Account
    invoice: Invoice
    customer: Customer
    payment: Transaction | None


@dataclass
class Notifier:
    """Queues and sends the e-mails about invoices; one per worker process."""

    db: Database
    transport: MailTransport
    sender: str
    links: MailLinks = NoLinks()  # noqa: RUF009 - stateless
    batch: int = 100
    lease: timedelta = LEASE
    only: UUID | None = None  # one account's mail alone
    clock: Callable[[], datetime] = utc_now  # the clock event ids are made with
    reminder_scan: timedelta = REMINDER_SCAN
    _next_scan: datetime | None = None

    @property
    def _mark(self) -> str:
        return _MARK if self.only is None else f"{_MARK}:{self.only.hex}"

    async def queue_from_events(self, *, now: datetime) -> int:
        """Queue the messages that new events call for; how many were queued."""
        queued = 0
        while True:
            count, more = await self._queue_from_events_once(now=now)
            queued += count
            if not more:
                return queued

    async def _queue_from_events_once(self, *, now: datetime) -> tuple[int, bool]:
        # Reading and deciding run outside any write transaction (SQLite has one writer);
        # queueing is idempotent, so two workers reading the same events queue them once.
        async with self.db.write() as conn:
            horizon = await events.complete_before(conn, now=self.clock())
            # First run: the log counts as read up to the horizon, as of its moment.
            first = ids.timestamp_of(horizon)
            mark = await marks.lock(conn, self._mark, initial=horizon, now=first)
        async with self.db.read() as conn:
            found = await event_log.list_after(conn, after=mark, types=_TRIGGERS, limit=self.batch)
            mine = [e for e in found if self.only is None or e.account_id == self.only]
            sending: dict[UUID, bool] = {}
            for account_id in {event.account_id for event in mine}:
                account = await accounts.get(conn, account_id)
                sending[account_id] = account is not None and account.send_invoices
        wanted = [
            notification
            for event in mine
            if (notification := _wanted(event, now=now, send_invoices=sending[event.account_id]))
        ]
        queued = 0
        full = len(found) == self.batch
        new_mark = min(found[-1].id, horizon) if full else horizon
        async with self.db.write() as conn:
            for notification in wanted:
                queued += await notifications.queue(conn, notification)
            if new_mark > await marks.lock(conn, self._mark, initial=horizon, now=first):
                await marks.move(conn, self._mark, new_mark)
        return queued, full

    async def queue_reminders(self, *, now: datetime) -> int:
        """Queue every reminder due at `now`; how many were queued."""
        async with self.db.read() as conn:
            every = [self.only] if self.only is not None else await accounts.ids(conn)
            since = await marks.created_at(conn, self._mark)
        if since is None:  # the first pass queues from events first
            return 0
        queued = 0
        for account_id in every:
            queued += await self._queue_reminders_of(account_id, now=now, since=since)
        return queued

    async def _queue_reminders_of(self, account_id: UUID, *, now: datetime, since: datetime) -> int:
        async with self.db.read() as conn:
            account = await accounts.get(conn, account_id)
        if account is None:
            return 0
        offsets = parse_offsets(account.reminders)
        if not offsets:
            return 0
        # Nothing can be due for an invoice due later than today minus the first offset.
        due_until = (now + timedelta(days=1 - offsets[0])).date()
        queued, after = 0, None
        while True:
            async with self.db.read() as conn:
                candidates = await notifications.reminder_candidates(
                    conn,
                    account_id=account_id,
                    due_until=due_until,
                    last_offset=offsets[-1],
                    issued_since=since,
                    after=after,
                    limit=self.batch,
                )
                sent = await notifications.reminder_offsets(
                    conn, account_id=account_id, invoice_ids=[c.invoice_id for c in candidates]
                )
            due = []
            for candidate in candidates:
                offset = due_reminder(
                    due_date=candidate.due_date,
                    offsets=offsets,
                    timezone=account.timezone,
                    hour=account.reminder_hour,
                    now=now,
                    already_sent=sent[candidate.invoice_id],
                    issued_at=candidate.issued_at,
                )
                if offset is not None:
                    due.append(
                        new_notification(
                            account_id=account_id,
                            invoice_id=candidate.invoice_id,
                            key=reminder_key(offset),
                            kind=NotificationKind.reminder(offset),
                            offset_days=offset,
                            now=now,
                        )
                    )
            if due:  # a write only when something is due (SQLite has one writer)
                async with self.db.write() as conn:
                    for reminder in due:
                        queued += await notifications.queue(conn, reminder)
            if len(candidates) < self.batch:
                return queued
            after = candidates[-1].invoice_id

    async def send_due(self, *, now: datetime) -> int:
        """Claim, send and record the notifications due at `now`; how many were attempted."""
        lease = ids.new_uuid7()
        async with self.db.write() as conn:
            claimed = await notifications.claim_due(
                conn,
                now=now,
                lease=lease,
                lease_until=now + self.lease,
                limit=self.batch,
                account_id=self.only,
            )
        until = time.monotonic() + self.lease.total_seconds()
        for notification in claimed:
            await self._send(_Claimed(notification, lease, until), now=now)
        return len(claimed)

    async def _send(self, claimed: _Claimed, *, now: datetime) -> None:
        """Send one leased notification; its database steps wait out an outage (the lease)."""
        notification = claimed.notification
        subject = await while_unavailable(
            lambda: self._subject(notification, now=now), until=claimed.until
        )
        if subject is None:
            await self._record(claimed, notification.skipped("the invoice is gone", now=now))
            return
        reason = _no_longer_applies(notification, subject)
        recipients = _recipients(subject.customer)
        if reason is None and not recipients:
            reason = _SKIPPED_NO_ADDRESS
        if reason is not None:
            await self._record(claimed, notification.skipped(reason, now=now))
            return
        try:
            message = await while_unavailable(
                lambda: self._message(notification, subject, recipients), until=claimed.until
            )
        except ValueError as error:  # an address the mail library refuses
            failed = notification.not_accepted(
                str(error), permanent=True, recipients=recipients, now=now
            )
            await self._record(claimed, failed)
            return
        outcome = await self.transport.send(message)
        if outcome.accepted:
            done = notification.sent(recipients=recipients, now=now)
        else:
            done = notification.not_accepted(
                outcome.detail or "not accepted",
                permanent=outcome.permanent,
                recipients=recipients,
                now=now,
            )
        await self._record(claimed, done)

    async def _subject(self, notification: Notification, *, now: datetime) -> _Subject | None:
        async with self.db.read() as conn:
            account = await accounts.get(conn, notification.account_id)
            stored = await invoices.get(
                conn,
                account_id=notification.account_id,
                invoice_id=notification.invoice_id,
                now=now,
            )
            if account is None or stored is None:
                return None
            customer = await customers.get(
                conn, account_id=account.id, customer_id=stored.invoice.customer_id
            )
            payment = None
            if notification.kind is NotificationKind.PAYMENT_RECEIPT:
                paid = await transactions.list_for_invoice(
                    conn, account_id=account.id, invoice_id=stored.invoice.id
                )
                payment = next((t for t in paid if receipt_key(t.id) == notification.key), None)
        if customer is None:
            return None
        return _Subject(account, stored.invoice, customer, payment)

    async def _xrechnung(self, invoice: Invoice) -> tuple[str, bytes] | None:
        """The invoice's XRechnung XML to attach (a Factur-X one is in its PDF), if any."""
        einvoicing = invoice.einvoicing
        if einvoicing is None or einvoicing.status is not EInvoicingStatus.GENERATED:
            return None
        found = await einvoices.find(self.db, account_id=invoice.account_id, invoice_id=invoice.id)
        if found is None or found[0] == Profile.FACTURX.value:
            return None
        number = invoice.invoice_number or ids.encode(ids.INVOICE, invoice.id)
        return f"{number}.xml", found[1]

    async def _message(
        self, notification: Notification, subject: _Subject, recipients: Sequence[str]
    ) -> EmailMessage:
        account, invoice, customer = subject.account, subject.invoice, subject.customer
        payable = invoice.amount_due > 0 and invoice.state.payment_status is not PaymentStatus.PAID
        # The pay link first: it issues the payment token the PDF prints its link from.
        pay_url = await self.links.pay_url(account.id, invoice.id) if payable else None
        attachment = xml = None
        if notification.kind is NotificationKind.INVOICE_ISSUED:
            attachment = await self.links.pdf(account.id, invoice.id)  # Factur-X: carries it
            xml = await self._xrechnung(invoice)
        mail = InvoiceMail(
            language=choose_language(customer.locale, account.locale),
            merchant_name=account.display_name or account.name,
            customer_name=customer.name,
            recipients=tuple(recipients),
            invoice_number=invoice.invoice_number or ids.encode(ids.INVOICE, invoice.id),
            currency=invoice.currency,
            total_minor=invoice.total,
            amount_due_minor=invoice.amount_due,
            issue_date=invoice.invoice_date,
            due_date=invoice.state.due_date,
            brand_color=account.brand_color,
            pay_url=pay_url,
            portal_url=await self.links.portal_url(account.id, customer.id),
            pdf=attachment[1] if attachment else None,
            pdf_filename=attachment[0] if attachment else "",
            xml=xml[1] if xml else None,
            xml_filename=xml[0] if xml else "",
        )
        payment = subject.payment
        return build_message(
            MailKind(notification.kind.value),
            mail,
            sender=self.sender,
            days=abs(notification.offset_days or 0),
            paid_minor=payment.amount if payment else None,
            paid_at=(payment.processed_at or payment.created_at).date() if payment else None,
        )

    async def _record(self, claimed: _Claimed, done: Notification) -> None:
        await while_unavailable(lambda: self._record_once(claimed, done), until=claimed.until)

    async def _record_once(self, claimed: _Claimed, done: Notification) -> None:
        async with self.db.write() as conn:
            held = await notifications.lock_leased(
                conn,
                account_id=done.account_id,
                notification_id=done.id,
                lease=claimed.lease,
            )
            if held is None:
                logger.warning("notification %s: lease lost before its outcome", done.public_id)
                return
            await notifications.save(conn, done)
            if done.status is NotificationStatus.SENT and done.sent_at is not None:
                stored = await invoices.get(
                    conn,
                    account_id=done.account_id,
                    invoice_id=done.invoice_id,
                    now=done.sent_at,
                    for_update=True,
                )
                if stored is not None:
                    notified = stored.invoice.notified(now=done.sent_at)
                    await invoices.save_notified(conn, notified)
                    await events.record_change(conn, EventType.INVOICE_SENT, notified)
        logger.info(
            "notification %s (%s) of %s, attempt %d: %s%s",
            done.public_id,
            done.kind,
            ids.encode(ids.INVOICE, done.invoice_id),
            done.attempts,
            done.status,
            f" ({done.last_error})" if done.last_error else "",
        )

    async def run_once(self, *, now: datetime) -> int:
        """One pass: queue from events (and reminders, every `reminder_scan`), then send."""
        await self.queue_from_events(now=now)
        if self._next_scan is None or now >= self._next_scan:
            await self.queue_reminders(now=now)
            self._next_scan = now + self.reminder_scan
        attempted = 0
        while (count := await self.send_due(now=now)) > 0:
            attempted += count
            if count < self.batch:
                break
        return attempted


def _wanted(event: Event, *, now: datetime, send_invoices: bool) -> Notification | None:
    """The notification an event calls for, if any."""
    if event.type is EventType.PAYMENT_SUCCEEDED:
        payment = restore(Transaction, event.snapshot)
        if payment.status is not TransactionStatus.SETTLED:
            return None
        return new_notification(
            account_id=event.account_id,
            invoice_id=payment.invoice_id,
            key=receipt_key(payment.id),
            kind=NotificationKind.PAYMENT_RECEIPT,
            now=now,
        )
    lifecycle = snapshots.field(event.snapshot, "state", "lifecycle")
    if not send_invoices or lifecycle != Lifecycle.FINALIZED.value:
        return None
    return new_notification(
        account_id=event.account_id,
        invoice_id=ids.decode(ids.INVOICE, event.subject_id),
        key=ISSUED_KEY,
        kind=NotificationKind.INVOICE_ISSUED,
        now=now,
    )


def _no_longer_applies(notification: Notification, subject: _Subject) -> str | None:
    """Why a queued message should not go out after all, if it should not."""
    invoice = subject.invoice
    if notification.offset_days is not None and not is_remindable(
        invoice.state, invoice.amount_due
    ):
        return "the invoice no longer has an amount due"
    if notification.kind is NotificationKind.INVOICE_ISSUED and invoice.state.lifecycle in (
        Lifecycle.DRAFT,
        Lifecycle.VOID,
    ):
        return f"the invoice is {invoice.state.lifecycle.value.lower()}"
    if notification.kind is NotificationKind.PAYMENT_RECEIPT and subject.payment is None:
        return "the payment is gone"
    return None


def _recipients(customer: Customer) -> list[str]:
    """The customer's billing address, then its other invoicing addresses, each once."""
    found = [customer.billing_email, *customer.invoicing_emails]
    return list(dict.fromkeys(address for address in found if address))


async def send_again(db: Database, *, principal: Principal, invoice_id: str) -> Notification:
    """Queue the caller's invoice to be sent to its customer again; `InvalidState` for a draft."""
    parsed = parse_invoice_id(invoice_id)
    now = utc_now()
    async with db.write() as conn:
        stored = await invoices.get(
            conn, account_id=principal.account_id, invoice_id=parsed, now=now
        )
        if stored is None:
            raise NotFound("invoice not found")
        if stored.invoice.state.lifecycle is not Lifecycle.FINALIZED:
            raise InvalidState("only a finalized invoice can be sent")
        notification_id = ids.new_uuid7()
        notification = new_notification(
            account_id=principal.account_id,
            invoice_id=parsed,
            key=resend_key(notification_id),
            kind=NotificationKind.INVOICE_ISSUED,
            now=now,
            notification_id=notification_id,
        )
        await notifications.queue(conn, notification)
    return notification


async def of_invoice(db: Database, *, principal: Principal, invoice_id: str) -> list[Notification]:
    """The caller's invoice's notifications, oldest first; `NotFound` for another's invoice."""
    parsed = parse_invoice_id(invoice_id)
    async with db.read() as conn:
        found = await invoices.get(
            conn, account_id=principal.account_id, invoice_id=parsed, now=utc_now()
        )
        if found is None:
            raise NotFound("invoice not found")
        return await notifications.list_for_invoice(
            conn, account_id=principal.account_id, invoice_id=parsed
        )

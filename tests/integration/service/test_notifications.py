"""E-mail about invoices, on both databases, through a real SMTP server in-process.

Each test's notifier looks at its own account alone (`Notifier.only`), so mail queued
for other tests' invoices in the shared database never reaches its mailbox. Time is
injected: the worker's clock walks, nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import pytest

from invoicery.domain import ids
from invoicery.domain.events import EventType
from invoicery.domain.notifications import NotificationKind, NotificationStatus
from invoicery.mail import SendOutcome, SmtpTransport
from invoicery.service import accounts, events, notifications
from invoicery.service._time import utc_now
from invoicery.service.notifications import Notifier
from invoicery.store import notifications as store
from invoicery.store.database import Database
from tests.integration.api.billing import v1
from tests.integration.pages.hosted import GOOD_CARD, open_page
from tests.support.smtp import BoundController, Received, Recorder, smtp_server
from tests.support.tenant import Tenant

SENDER = "Acme Billing <billing@acme.example>"


@pytest.fixture
def mailbox() -> Iterator[BoundController]:
    """An SMTP server on loopback that accepts everything."""
    with smtp_server() as controller:
        yield controller


def _received(controller: BoundController) -> list[Received]:
    handler = controller.handler
    assert isinstance(handler, Recorder)
    return handler.received


def _account(tenant: Tenant) -> UUID:
    return ids.decode(ids.ACCOUNT, tenant.client.account_id)


def _notifier(db: Database, tenant: Tenant, controller: BoundController, **fields: Any) -> Notifier:
    transport = SmtpTransport.from_url(f"smtp://{controller.hostname}:{controller.port}")
    return Notifier(db, transport, sender=SENDER, only=_account(tenant), **fields)


def _subjects(controller: BoundController) -> list[str]:
    return [str(received.message()["Subject"]) for received in _received(controller)]


async def _notifications(db: Database, tenant: Tenant, invoice_id: str) -> list[Any]:
    async with db.read() as conn:
        return await store.list_for_invoice(
            conn, account_id=_account(tenant), invoice_id=ids.decode(ids.INVOICE, invoice_id)
        )


async def _set(db: Database, tenant: Tenant, **settings: Any) -> None:
    await accounts.update_settings(db, name=tenant.account_name, settings=settings)


async def test_a_new_ap_invoice_is_mailed_once_with_its_pdf_and_marked_notified(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await _set(db, tenant, display_name="Acme")
    customer = await tenant.customer(name="Ada Lovelace", email="ada@example.com")
    invoice = await tenant.invoice(customer_id=customer["id"])
    notifier = _notifier(db, tenant, mailbox)

    assert await notifier.run_once(now=utc_now()) == 1
    assert await notifier.run_once(now=utc_now()) == 0

    [received] = _received(mailbox)
    message = received.message()
    assert received.rcpt_tos == ["ada@example.com"]
    assert received.mail_from == "billing@acme.example"
    assert message["Subject"] == f"Invoice {invoice['invoice_number']} from Acme"
    text = message.get_body(("plain",))
    assert text is not None
    assert "$10.00" in text.get_content()
    [sent] = await _notifications(db, tenant, invoice["id"])
    assert (sent.kind, sent.status, sent.attempts) == (
        NotificationKind.INVOICE_ISSUED,
        NotificationStatus.SENT,
        1,
    )
    assert sent.recipients == ("ada@example.com",)
    shown = (await tenant.request("GET", f"/invoices/{invoice['id']}")).json()
    assert shown["last_notification_at"] is not None
    recorded = await events.recent(db, account_id=_account(tenant), types=[EventType.INVOICE_SENT])
    assert [event.subject_id for event in recorded] == [invoice["id"]]


async def test_an_account_that_turned_invoice_mail_off_sends_none(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await _set(db, tenant, send_invoices="false")
    invoice = await tenant.invoice()
    assert await _notifier(db, tenant, mailbox).run_once(now=utc_now()) == 0
    assert _received(mailbox) == []
    assert await _notifications(db, tenant, invoice["id"]) == []


async def test_with_invoice_mail_off_the_reminders_still_go_out(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await _set(db, tenant, send_invoices="false", reminders="0", display_name="Acme")
    due = (utc_now() + timedelta(days=1)).date()
    invoice = await tenant.invoice(due_date=due.isoformat())
    notifier = _notifier(db, tenant, mailbox)
    await _walk(notifier, utc_now(), _local_nine(due + timedelta(days=1)), timedelta(hours=6))
    assert _subjects(mailbox) == [f"Invoice {invoice['invoice_number']} from Acme is due today"]


async def test_a_v1_invoice_is_mailed_when_finalized_to_every_invoicing_address(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    customer = await v1.customer(
        tenant,
        name="Acme",
        alias="acme",
        billing_email="billing@acme.example",
        invoicing_emails=["ap@acme.example", "billing@acme.example"],
    )
    draft = await v1.draft(tenant, customer["id"], v1.line())
    notifier = _notifier(db, tenant, mailbox)
    assert await notifier.run_once(now=utc_now()) == 0  # a draft is not sent

    await v1.act(tenant, draft["id"], "finalize")
    assert await notifier.run_once(now=utc_now()) == 1
    [received] = _received(mailbox)
    assert received.rcpt_tos == ["billing@acme.example", "ap@acme.example"]


async def test_a_customer_without_an_address_is_skipped_visibly(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    customer = await v1.customer(tenant, name="Nobody", alias="nobody")
    draft = await v1.draft(tenant, customer["id"], v1.line())
    await v1.act(tenant, draft["id"], "finalize")
    assert await _notifier(db, tenant, mailbox).run_once(now=utc_now()) == 1
    assert _received(mailbox) == []
    [skipped] = await _notifications(db, tenant, draft["id"])
    assert skipped.status is NotificationStatus.SKIPPED
    assert skipped.last_error == "the customer has no e-mail address"
    shown = (await tenant.request("GET", f"/invoices/{draft['id']}")).json()
    assert shown.get("last_notification_at") is None


def _local_nine(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=UTC)


async def _walk(
    notifier: Notifier, start: datetime, end: datetime, step: timedelta
) -> list[datetime]:
    """Run the worker at every `step` from `start` to `end`; when each message went."""
    sent_at = []
    moment = start
    while moment <= end:
        if await notifier.run_once(now=moment):
            sent_at.append(moment)
        moment += step
    return sent_at


async def test_reminders_walk_from_issue_to_14_days_overdue_each_exactly_once(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await _set(db, tenant, reminders="-3,0,7,14", reminder_hour="9", display_name="Acme")
    due = (utc_now() + timedelta(days=10)).date()
    invoice = await tenant.invoice(due_date=due.isoformat())
    notifier = _notifier(db, tenant, mailbox)

    start = utc_now()
    sent_at = await _walk(
        notifier, start, _local_nine(due + timedelta(days=15)), timedelta(hours=3)
    )

    number = invoice["invoice_number"]
    assert _subjects(mailbox) == [
        f"Invoice {number} from Acme",
        f"Reminder: invoice {number} from Acme is due on {due:%B} {due.day}, {due.year}",
        f"Invoice {number} from Acme is due today",
        f"Overdue: invoice {number} from Acme",
        f"Overdue: invoice {number} from Acme",
    ]
    reminders_at = sent_at[1:]
    expected_days = [due + timedelta(days=offset) for offset in (-3, 0, 7, 14)]
    assert [moment.date() for moment in reminders_at] == expected_days
    assert all(
        _local_nine(day) <= moment < _local_nine(day) + timedelta(hours=3)
        for day, moment in zip(expected_days, reminders_at, strict=True)
    )
    kinds = [n.kind for n in await _notifications(db, tenant, invoice["id"])]
    assert kinds == [
        NotificationKind.INVOICE_ISSUED,
        NotificationKind.REMINDER_BEFORE_DUE,
        NotificationKind.REMINDER_DUE_TODAY,
        NotificationKind.REMINDER_OVERDUE,
        NotificationKind.REMINDER_OVERDUE,
    ]


async def test_a_worker_back_after_10_days_sends_one_catch_up_not_ten(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await _set(db, tenant, reminders="1,2,3,4,5,6,7,8,9,10", display_name="Acme")
    due = (utc_now() + timedelta(days=2)).date()
    invoice = await tenant.invoice(due_date=due.isoformat())
    notifier = _notifier(db, tenant, mailbox)
    assert await notifier.run_once(now=utc_now()) == 1  # issued

    assert await notifier.run_once(now=_local_nine(due + timedelta(days=10, hours=1))) == 1
    assert await notifier.run_once(now=_local_nine(due + timedelta(days=11))) == 0
    number = invoice["invoice_number"]
    assert _subjects(mailbox)[1:] == [f"Overdue: invoice {number} from Acme"]
    offsets = [n.offset_days for n in await _notifications(db, tenant, invoice["id"])]
    assert offsets == [None, 10]


async def test_a_paid_invoice_gets_a_receipt_and_no_more_reminders(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await _set(db, tenant, display_name="Acme")
    due = (utc_now() + timedelta(days=5)).date()
    invoice = await tenant.invoice(due_date=due.isoformat())
    page = await open_page(tenant, invoice)
    assert (await page.pay_card(GOOD_CARD)).status_code == 303
    notifier = _notifier(db, tenant, mailbox)

    await _walk(notifier, utc_now(), _local_nine(due + timedelta(days=8)), timedelta(hours=6))
    number = invoice["invoice_number"]
    assert _subjects(mailbox) == [
        f"Invoice {number} from Acme",
        f"Receipt for your payment of invoice {number} from Acme",
    ]


class _Flaky:
    """An SMTP transport whose first answers are given, then the real server's."""

    def __init__(self, real: SmtpTransport, *answers: SendOutcome) -> None:
        self.real = real
        self.answers = list(answers)

    async def send(self, message: EmailMessage) -> SendOutcome:
        if self.answers:
            return self.answers.pop(0)
        return await self.real.send(message)


async def test_a_temporary_failure_is_retried_and_a_permanent_one_recorded(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    first = await tenant.invoice()
    real = _notifier(db, tenant, mailbox).transport
    assert isinstance(real, SmtpTransport)
    busy = SendOutcome(accepted=False, permanent=False, code=451, detail="451 try later")
    notifier = _notifier(db, tenant, mailbox)
    notifier.transport = _Flaky(real, busy)
    start = utc_now()
    assert await notifier.run_once(now=start) == 1
    [waiting] = await _notifications(db, tenant, first["id"])
    assert (waiting.status, waiting.last_error) == (NotificationStatus.PENDING, "451 try later")
    assert waiting.next_attempt_at == start + timedelta(minutes=1)
    assert (await tenant.request("GET", f"/invoices/{first['id']}")).json().get(
        "last_notification_at"
    ) is None
    assert await notifier.run_once(now=start + timedelta(seconds=59)) == 0
    assert await notifier.run_once(now=start + timedelta(minutes=1)) == 1
    [sent] = await _notifications(db, tenant, first["id"])
    assert (sent.status, sent.attempts) == (NotificationStatus.SENT, 2)

    second = await tenant.invoice()
    refused = SendOutcome(accepted=False, permanent=True, code=550, detail="550 no such user")
    notifier.transport = _Flaky(real, refused)
    assert await notifier.run_once(now=start + timedelta(minutes=2)) == 1
    [failed] = await _notifications(db, tenant, second["id"])
    assert (failed.status, failed.last_error) == (NotificationStatus.FAILED, "550 no such user")
    assert len(_received(mailbox)) == 1


class _DiesAfterAccept:
    """Hands the message to the real server, then the worker dies before recording it."""

    def __init__(self, real: SmtpTransport) -> None:
        self.real = real

    async def send(self, message: EmailMessage) -> SendOutcome:
        await self.real.send(message)
        raise asyncio.CancelledError


async def test_a_worker_killed_mid_send_resends_after_its_lease_once(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    invoice = await tenant.invoice()
    notifier = _notifier(db, tenant, mailbox)
    real = notifier.transport
    assert isinstance(real, SmtpTransport)
    dying = _notifier(db, tenant, mailbox)
    dying.transport = _DiesAfterAccept(real)
    start = utc_now()
    with pytest.raises(asyncio.CancelledError):
        await dying.run_once(now=start)
    [leased] = await _notifications(db, tenant, invoice["id"])
    assert leased.status is NotificationStatus.SENDING

    assert await notifier.run_once(now=start + timedelta(seconds=30)) == 0  # still leased
    assert await notifier.run_once(now=start + notifications.LEASE) == 1
    assert await notifier.run_once(now=start + 2 * notifications.LEASE) == 0
    [sent] = await _notifications(db, tenant, invoice["id"])
    assert (sent.status, sent.attempts) == (NotificationStatus.SENT, 2)
    assert len(_received(mailbox)) == 2  # the one duplicate allowed, shown by attempts == 2


async def test_two_workers_at_once_send_nothing_twice(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await _set(db, tenant, reminders="-1,0,1")
    due = (utc_now() + timedelta(days=3)).date()
    made = [await tenant.invoice(due_date=due.isoformat()) for _ in range(6)]
    workers = [_notifier(db, tenant, mailbox, batch=2) for _ in range(2)]
    moments = [utc_now()] + [_local_nine(due + timedelta(days=d)) for d in (-1, 0, 1, 2)]
    for moment in moments:
        await asyncio.gather(*(worker.run_once(now=moment) for worker in workers))

    assert len(_received(mailbox)) == 6 * 4
    for invoice in made:
        rows = await _notifications(db, tenant, invoice["id"])
        assert [(n.key, n.status, n.attempts) for n in rows] == [
            ("issued", NotificationStatus.SENT, 1),
            ("reminder:-1", NotificationStatus.SENT, 1),
            ("reminder:0", NotificationStatus.SENT, 1),
            ("reminder:1", NotificationStatus.SENT, 1),
        ]


async def test_invoices_from_before_the_notifier_first_ran_get_no_mail(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    due = (utc_now() + timedelta(days=1)).date()
    invoice = await tenant.invoice(due_date=due.isoformat())
    # As if the server was upgraded to send mail an hour after the invoice was made.
    later = _notifier(db, tenant, mailbox, clock=lambda: utc_now() + timedelta(hours=1))
    await _walk(later, utc_now(), _local_nine(due + timedelta(days=10)), timedelta(hours=12))
    assert _received(mailbox) == []
    assert await _notifications(db, tenant, invoice["id"]) == []


async def test_a_customer_with_a_language_gets_mail_in_it_else_the_accounts(
    db: Database, tenant: Tenant, mailbox: BoundController
) -> None:
    await _set(db, tenant, display_name="Acme", locale="fr")
    german = await tenant.customer(name="Gerda", email="gerda@example.de", locale="de-AT")
    first = await tenant.invoice(customer_id=german["id"])
    second = await tenant.invoice()  # a customer without a language: the account's
    await _notifier(db, tenant, mailbox).run_once(now=utc_now())
    assert sorted(_subjects(mailbox)) == [
        f"Facture {second['invoice_number']} de Acme",
        f"Rechnung {first['invoice_number']} von Acme",
    ]
    shown = (await tenant.request("GET", f"/customers/{german['id']}")).json()
    assert shown["locale"] == "de-AT"

"""The worker keeps what it has leased through a database outage, on both databases.

A message or webhook already handed over when the database goes away has its outcome
recorded once the database is back (within the lease), not abandoned to be sent again
after the lease; the pass goes on instead of failing. The outage is simulated: the
database's next few `write()` calls raise `Unavailable`, as `store.database` does for a
refused or lost connection (tests/e2e/test_postgres_restart.py stops a real cluster).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from invoicery.domain import ids
from invoicery.domain.errors import Unavailable
from invoicery.domain.events import EventType
from invoicery.domain.notifications import NotificationStatus
from invoicery.domain.webhooks import DeliveryStatus
from invoicery.mail import SendOutcome, SmtpTransport
from invoicery.service import accounts, events, notifications, webhooks
from invoicery.service._time import utc_now
from invoicery.service.notifications import Notifier
from invoicery.service.webhook_delivery import LEASE, Deliverer
from invoicery.store import notifications as notification_store
from invoicery.store import webhook_deliveries
from invoicery.store.database import Database
from invoicery.webhooks import sender
from tests.support.receiver import Received, Receiver, receiver
from tests.support.smtp import Recorder, smtp_server
from tests.support.tenant import Tenant

WRITES_LOST = 2  # the record fails this often before the database is back


@dataclass
class Outage:
    """While `writes` > 0, each `db.write()` fails as an outage does, and counts it down."""

    writes: int = 0


def _outage(monkeypatch: pytest.MonkeyPatch, db: Database) -> Outage:
    outage = Outage()
    real = db.write

    @asynccontextmanager
    async def write() -> AsyncIterator[AsyncConnection]:
        if outage.writes > 0:
            outage.writes -= 1
            raise Unavailable("the database is unavailable; try again shortly")
        async with real() as conn:
            yield conn

    monkeypatch.setattr(db, "write", write)
    return outage


class _DatabaseGoesAfterAccept:
    """Hands the message to the real server; then the database goes away for a while."""

    def __init__(self, real: SmtpTransport, outage: Outage) -> None:
        self.real = real
        self.outage = outage

    async def send(self, message: EmailMessage) -> SendOutcome:
        outcome = await self.real.send(message)
        self.outage.writes = WRITES_LOST
        return outcome


async def test_mail_accepted_as_the_database_goes_is_recorded_when_it_returns_never_resent(
    db: Database, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = await tenant.invoice()
    account_id = ids.decode(ids.ACCOUNT, tenant.client.account_id)
    outage = _outage(monkeypatch, db)
    with smtp_server() as mailbox:
        handler = mailbox.handler
        assert isinstance(handler, Recorder)
        real = SmtpTransport.from_url(f"smtp://{mailbox.hostname}:{mailbox.port}")
        notifier = Notifier(db, real, sender="billing@acme.example", only=account_id)
        notifier.transport = _DatabaseGoesAfterAccept(real, outage)
        start = utc_now()
        began = time.monotonic()

        assert await notifier.run_once(now=start) == 1  # the pass did not fail

        waited = time.monotonic() - began
        notifier.transport = real
        assert await notifier.run_once(now=start + 2 * notifications.LEASE) == 0
        received = len(handler.received)
    assert outage.writes == 0
    assert waited < 5, f"the record waited {waited:.1f} s for the database's return"
    async with db.read() as conn:
        [sent] = await notification_store.list_for_invoice(
            conn, account_id=account_id, invoice_id=ids.decode(ids.INVOICE, invoice["id"])
        )
    assert (sent.status, sent.attempts) == (NotificationStatus.SENT, 1)
    assert received == 1


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    """A receiver on loopback."""
    with receiver() as running:
        yield running


async def test_a_webhook_sent_as_the_database_goes_is_recorded_when_it_returns_never_resent(
    db: Database, hooks: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await accounts.get_or_create(db, name=f"acct-{time.time_ns()}")
    endpoint = await webhooks.create_endpoint(
        db, account_id=account.id, url=hooks.url, now=utc_now()
    )
    async with db.write() as conn:
        await events.record(
            conn,
            account_id=account.id,
            type=EventType.INVOICE_PAID,
            subject_id="inv_0",
            snapshot={"id": "inv_0", "status": "paid"},
        )
    outage = _outage(monkeypatch, db)

    def database_goes(_request: Received) -> int:
        outage.writes = WRITES_LOST
        return 204

    hooks.answer = database_goes
    async with sender.new_client(allow_private=True) as client:
        deliverer = Deliverer(db, client, only=(account.id, endpoint.id))
        start = utc_now()
        began = time.monotonic()

        assert await deliverer.run_once(now=start) == 1  # the pass did not fail

        waited = time.monotonic() - began
        hooks.answer = lambda _request: 204
        assert await deliverer.run_once(now=start + LEASE + timedelta(seconds=1)) == 0
    assert outage.writes == 0
    assert waited < 5, f"the record waited {waited:.1f} s for the database's return"
    assert len(hooks.requests()) == 1
    async with db.read() as conn:
        [delivery] = await webhook_deliveries.list_for_endpoint(
            conn, account_id=account.id, endpoint_id=endpoint.id
        )
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)

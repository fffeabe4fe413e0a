"""What an e-mail links to and attaches, from a running server's pages and documents.

`ServerLinks` gives the notifier (`invoicery.service.notifications`) three things for
each message: the invoice's hosted payment page (issued on first use, like the AP
payment-link), a link to the customer's portal (a token valid for the longest time
allowed), and the invoice PDF (from the shared document cache, rendered once).
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from invoicery.config import Settings
from invoicery.domain.errors import InvalidState, NotFound
from invoicery.service import documents, payments, portal
from invoicery.service._time import utc_now
from invoicery.store import accounts
from invoicery.store.database import Database
from invoicery.web.collaborators import documents_of, page_secret_of
from invoicery.web.urls import page_url, portal_url

__all__ = ["ServerLinks"]

logger = logging.getLogger("invoicery.mail")


class ServerLinks:
    """Links and attachments for the e-mail of the server whose `state` this is.

    `state` holds ``settings`` and ``db`` (an app's ``app.state``, or the worker's own);
    the document machinery and the page secret are made on it on first use.
    """

    def __init__(self, state: Any) -> None:
        self.state = state

    @property
    def _settings(self) -> Settings:
        settings: Settings = self.state.settings
        return settings

    @property
    def _db(self) -> Database:
        db: Database = self.state.db
        return db

    async def pay_url(self, account_id: UUID, invoice_id: UUID) -> str | None:
        """The invoice's hosted payment page; None when it cannot be paid."""
        async with self._db.read() as conn:
            account = await accounts.get(conn, account_id)
        if account is None:
            return None
        try:
            token = await payments.payment_token_for(
                self._db, account_id=account_id, timezone=account.timezone, invoice_id=invoice_id
            )
        except (InvalidState, NotFound):
            return None
        return page_url(self._settings, token)

    async def portal_url(self, account_id: UUID, customer_id: UUID) -> str | None:
        """A link to the customer's portal."""
        key = portal.derive_key(await page_secret_of(self.state))
        token = portal.mail_token(
            key, account_id=account_id, customer_id=customer_id, now=utc_now()
        )
        return portal_url(self._settings, token)

    async def pdf(self, account_id: UUID, invoice_id: UUID) -> tuple[str, bytes] | None:
        """The invoice's PDF; None if it has none (a draft)."""
        docs = await documents_of(self.state)
        try:
            opened = await documents.open_for_account(
                self._db, docs, account_id=account_id, invoice_id=invoice_id
            )
        except NotFound:
            return None
        return opened.filename, await documents.content(docs, opened)

"""Settling ACH debits: the settlement worker's use case.

Each due debit is handled in its own write transaction: claim the transaction row
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take the same
one), lock its invoice, ask the processor, then record the outcome on both.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from invoicery.domain import ids
from invoicery.payments.processor import (
    DeclineCode,
    PaymentProcessor,
    ProcessorError,
    SettlementOutcome,
    customer_message,
)
from invoicery.payments.transaction import TransactionStatus
from invoicery.service.payments import call_processor, record_outcome
from invoicery.store import invoices, transactions
from invoicery.store.database import Database

__all__ = ["RECHECK_AFTER", "settle_due", "settle_next"]

logger = logging.getLogger("invoicery.payments")

RECHECK_AFTER = timedelta(minutes=1)


async def settle_next(
    db: Database, processor: PaymentProcessor, *, now: datetime, processor_timeout: float
) -> bool:
    """Settle (or fail, or postpone) one due debit; False when none is due."""
    async with db.write() as conn:
        claimed = await transactions.claim_due(conn, now=now)
        if claimed is None:
            return False
        found = await invoices.get(
            conn,
            account_id=claimed.account_id,
            invoice_id=claimed.invoice_id,
            now=now,
            for_update=True,
        )
        assert found is not None
        invoice = found.invoice
        label = ids.encode(ids.TRANSACTION, claimed.id)
        try:
            if claimed.provider_transaction_id is None:
                raise ProcessorError("no provider transaction id")
            result = await call_processor(
                processor.check_settlement(claimed.provider_transaction_id), processor_timeout
            )
        except ProcessorError as error:
            logger.warning("settlement check of %s failed, retrying later: %s", label, error)
            await transactions.save(
                conn, replace(claimed, settles_at=now + RECHECK_AFTER, updated_at=now)
            )
            return True
        if result.outcome is SettlementOutcome.PENDING:
            await transactions.save(
                conn, replace(claimed, settles_at=now + RECHECK_AFTER, updated_at=now)
            )
        elif result.outcome is SettlementOutcome.SETTLED:
            settled = replace(
                claimed, status=TransactionStatus.SETTLED, processed_at=now, updated_at=now
            )
            await transactions.save(conn, settled)
            paid = invoice.payment_settled(now=now)
            await invoices.save_payment_state(conn, paid)
            await record_outcome(conn, settled, paid)
            logger.info("settled %s", label)
        else:
            message = customer_message(result.decline_code or DeclineCode.NO_ACCOUNT)
            failed = replace(
                claimed,
                status=TransactionStatus.FAILED,
                error=message,
                processed_at=now,
                updated_at=now,
            )
            await transactions.save(conn, failed)
            returned = invoice.payment_returned(now=now)
            await invoices.save_payment_state(conn, returned)
            await record_outcome(conn, failed, returned)
            logger.info("debit %s failed at settlement: %s", label, message)
    return True


async def settle_due(
    db: Database,
    processor: PaymentProcessor,
    *,
    now: datetime,
    processor_timeout: float,
    limit: int = 100,
) -> int:
    """Handle up to `limit` debits due at `now`; returns how many were handled."""
    handled = 0
    while handled < limit and await settle_next(
        db, processor, now=now, processor_timeout=processor_timeout
    ):
        handled += 1
    return handled

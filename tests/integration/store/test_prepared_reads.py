"""Hot reads (`Database.first_row`) see exactly what a transaction sees, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from invoicery.auth.credentials import hash_secret
from invoicery.domain import ids
from invoicery.store import clients, invoices
from invoicery.store.database import Database
from tests.support.tenant import Tenant


def _account(tenant: Tenant) -> UUID:
    return ids.decode(ids.ACCOUNT, tenant.client.account_id)


async def test_an_invoice_read_outside_a_transaction_equals_the_transactional_read(
    tenant: Tenant, db: Database
) -> None:
    created = await tenant.invoice()
    invoice_id = ids.decode(ids.INVOICE, created["id"])
    account_id = _account(tenant)
    now = datetime.now(UTC)
    found = await invoices.find(db, account_id=account_id, invoice_id=invoice_id, now=now)
    async with db.write() as conn:
        expected = await invoices.get(conn, account_id=account_id, invoice_id=invoice_id, now=now)
    assert expected is not None
    assert found == expected
    assert ids.encode(ids.INVOICE, found.invoice.id) == created["id"]
    assert found.customer.id == ids.decode(ids.CUSTOMER, created["customer_id"])
    assert [line.description for line in found.invoice.line_items] == [
        line["description"] for line in created["line_items"]
    ]


async def test_another_accounts_invoice_is_not_found(
    tenant: Tenant, other_tenant: Tenant, db: Database
) -> None:
    created = await tenant.invoice()
    invoice_id = ids.decode(ids.INVOICE, created["id"])
    found = await invoices.find(
        db, account_id=_account(other_tenant), invoice_id=invoice_id, now=datetime.now(UTC)
    )
    assert found is None


async def test_a_token_is_found_until_it_expires(tenant: Tenant, db: Database) -> None:
    token = await tenant.token()
    now = datetime.now(UTC)
    record = await clients.find_token(db, token_hash=hash_secret(token), now=now)
    assert record is not None
    assert record.account_id == _account(tenant)
    assert await clients.find_token(db, token_hash=hash_secret("not-a-token"), now=now) is None
    far_future = datetime(2999, 1, 1, tzinfo=UTC)
    assert await clients.find_token(db, token_hash=hash_secret(token), now=far_future) is None


async def test_reads_work_again_after_the_pools_are_closed(tenant: Tenant, db: Database) -> None:
    created = await tenant.invoice()
    invoice_id = ids.decode(ids.INVOICE, created["id"])
    await db.dispose()
    again = await invoices.find(
        db, account_id=_account(tenant), invoice_id=invoice_id, now=datetime.now(UTC)
    )
    assert again is not None


async def test_a_listener_is_told_each_prepared_read(tenant: Tenant, db: Database) -> None:
    created = await tenant.invoice()
    invoice_id = ids.decode(ids.INVOICE, created["id"])
    heard: list[tuple[str, tuple[object, ...]]] = []
    db.listen_prepared_reads(lambda sql, parameters: heard.append((sql, parameters)))
    await invoices.find(
        db, account_id=_account(tenant), invoice_id=invoice_id, now=datetime.now(UTC)
    )
    if db.is_sqlite:
        assert heard == []  # SQLite reads go through SQLAlchemy, whose events see them
    else:
        [(sql, parameters)] = heard
        assert sql.startswith("SELECT invoices.id")
        assert parameters == (_account(tenant), invoice_id)


async def test_a_stored_token_is_committed_at_once_and_told_to_listeners(
    tenant: Tenant, db: Database
) -> None:
    client_id = ids.decode(ids.CLIENT, tenant.client.client_id)
    heard: list[tuple[str, tuple[object, ...]]] = []
    db.listen_prepared_reads(lambda sql, parameters: heard.append((sql, parameters)))
    expires_at = datetime(2999, 1, 1, tzinfo=UTC)
    await clients.store_token(
        db,
        token_hash=hash_secret("stored"),
        client_id=client_id,
        account_id=_account(tenant),
        scopes=("invoices:read", "invoices:write"),
        expires_at=expires_at,
    )
    record = await clients.find_token(db, token_hash=hash_secret("stored"), now=datetime.now(UTC))
    assert record is not None
    assert (record.client_id, record.account_id) == (client_id, _account(tenant))
    assert (record.scopes, record.expires_at) == (("invoices:read", "invoices:write"), expires_at)
    if db.is_sqlite:
        assert heard == []  # SQLite writes go through SQLAlchemy, whose events see them
    else:
        (insert, parameters), _read = heard
        assert insert.startswith("INSERT INTO access_tokens")
        assert parameters[0] == hash_secret("stored")


async def test_a_token_stored_in_a_shared_write_waits_for_its_commit(
    tenant: Tenant, db: Database
) -> None:
    client_id = ids.decode(ids.CLIENT, tenant.client.client_id)
    now = datetime.now(UTC)
    async with db.shared_write():
        await clients.store_token(
            db,
            token_hash=hash_secret("rolled back"),
            client_id=client_id,
            account_id=_account(tenant),
            scopes=("invoices:read",),
            expires_at=datetime(2999, 1, 1, tzinfo=UTC),
        )
    # Never committed: the shared transaction is rolled back when its block ends.
    assert await clients.find_token(db, token_hash=hash_secret("rolled back"), now=now) is None

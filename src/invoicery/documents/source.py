"""What an invoice document is made of, in one account-scoped read.

`find(...)` reads the invoice row with its customer's details (the one invoice read,
`store.invoices.with_customer`), its customer's company name and its account's
settings, and its Factur-X XML if it has one, in one statement (prepared on PostgreSQL),
JSON documents as their text.
`Source.inputs` are the row's values: equal inputs always make the same document, so
a process that built a document from them may serve it again (`OpenedDocuments`)
without building it, nor hashing its content version, once more.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

from sqlalchemy import and_, bindparam, literal_column

from invoicery.domain.account import Account
from invoicery.domain.status import Lifecycle
from invoicery.einvoice.seller import Profile
from invoicery.store import invoices as invoice_store
from invoicery.store.database import Database
from invoicery.store.invoices import JSON_NAMES, StoredInvoice, to_stored
from invoicery.store.tables import accounts, customers, einvoices, invoices
from invoicery.store.types import decode_json_text

__all__ = ["OpenedDocuments", "Source", "find"]

_ACCOUNT_FIELDS = tuple(field.name for field in fields(Account))
_STATEMENT = (
    invoice_store.with_customer(json_as_text=True)
    .add_columns(
        customers.c.company_name.label("customer_company_name"),
        *(accounts.c[name].label(f"merchant_{name}") for name in _ACCOUNT_FIELDS),
        einvoices.c.xml.label("facturx_xml"),
    )
    .join(accounts, accounts.c.id == invoices.c.account_id)
    .outerjoin(
        einvoices,
        and_(
            einvoices.c.account_id == invoices.c.account_id,
            einvoices.c.invoice_id == invoices.c.id,
            # inline, not bound: a prepared read binds only the caller's parameters
            einvoices.c.profile == literal_column(f"'{Profile.FACTURX.value}'"),
        ),
    )
    .where(
        invoices.c.account_id == bindparam("account_id"),
        invoices.c.id == bindparam("invoice_id"),
    )
)

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Source:
    """One read of what an invoice's document is made of."""

    row: Mapping[str, Any]  # a SQLAlchemy RowMapping or an asyncpg Record: both are mappings
    inputs: tuple[Any, ...]

    @property
    def is_draft(self) -> bool:
        """Whether the invoice is a draft (which has no document)."""
        return bool(self.row["lifecycle"] == Lifecycle.DRAFT.value)

    @property
    def payment_token(self) -> str | None:
        """The invoice's hosted-page token, if one was issued."""
        token: str | None = self.row["payment_token"]
        return token

    @property
    def company_name(self) -> str | None:
        """The company name of the invoice's customer."""
        name: str | None = self.row["customer_company_name"]
        return name

    @property
    def facturx_xml(self) -> str | None:
        """The CII XML a Factur-X PDF of the invoice carries, if it was issued as one."""
        xml: bytes | None = self.row["facturx_xml"]
        return None if xml is None else bytes(xml).decode()

    def stored(self, now: datetime) -> StoredInvoice:
        """The invoice as read (see `store.invoices.to_stored`)."""
        return to_stored(decode_json_text(self.row, JSON_NAMES), now)

    def account(self) -> Account:
        """The invoice's account."""
        return Account(**{name: self.row[f"merchant_{name}"] for name in _ACCOUNT_FIELDS})


async def find(db: Database, *, account_id: UUID, invoice_id: UUID) -> Source | None:
    """What the account's invoice's document is made of, if the account has the invoice."""
    row = await db.first_row(_STATEMENT, {"account_id": account_id, "invoice_id": invoice_id})
    if row is None:
        return None
    values = cast(Mapping[str, Any], row)
    return Source(values, tuple(values.values()))


class OpenedDocuments(Generic[V]):
    """The last value built per key and the inputs it was built from, least recently
    used forgotten first beyond `max_items`; for the event loop only (no locks)."""

    def __init__(self, *, max_items: int = 4096) -> None:
        self.max_items = max_items
        self._items: OrderedDict[Hashable, tuple[tuple[Any, ...], V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable, inputs: tuple[Any, ...]) -> V | None:
        """The value built under `key` from equal `inputs`, if kept; None otherwise."""
        found = self._items.get(key)
        if found is None or found[0] != inputs:
            return None
        self._items.move_to_end(key)
        return found[1]

    def put(self, key: Hashable, inputs: tuple[Any, ...], value: V) -> None:
        """Keep `value`, built from `inputs`, under `key` (replacing what was kept)."""
        self._items[key] = (inputs, value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

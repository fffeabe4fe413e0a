"""Customer portal use cases: issue a portal token, verify it, and what the portal shows.

A portal token is a JWT (HS256) that grants one customer of one account a look at
its invoices for a limited time, as Meteroid's ``portal-token`` does:

- claims: ``iss`` = `ISSUER`, ``aud`` = `AUDIENCE`, ``account_id`` and ``customer_id``
  (prefixed ids), ``scopes`` (a subset of ``read`` and ``manage``), ``iat``, ``exp``;
- lifetime: `DEFAULT_TTL_SECONDS` (24 hours) unless asked otherwise, between
  `MIN_TTL_SECONDS` and `MAX_TTL_SECONDS` (Meteroid's ``expires_in_seconds`` rules);
- scopes: `DEFAULT_SCOPES` (both, Meteroid's default). ``read`` lets the holder see
  the invoices and download their PDFs; ``manage`` also lets it pay open invoices
  through the hosted payment page (``manage`` implies ``read``);
- the key: `derive_key` of the server's page secret, HMAC-SHA256 with a label of its
  own, so the portal never shares a key with the page's CSRF tokens. Verifying pins
  the algorithm (``none`` and every other one are refused), checks signature,
  issuer, audience and the required claims, and compares ``exp`` and ``iat`` with a
  clock the caller passes in. Every failure is the same `NotFound`: a bad token
  reveals nothing.

Tokens are not stored and cannot be revoked one by one; changing the page secret
revokes them all. An archived customer can still be given a token and use the portal:
archiving stops new invoices, while the open ones stay payable (as their payment pages
do). What the portal lists: the customer's invoices a list on the AP face would show
(finalized or uncollectible, neither drafts, void nor archived ones), newest first,
`PER_PAGE` at a time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

import jwt

from invoicery.auth.tokens import Principal
from invoicery.domain import ids
from invoicery.domain.account import Account, today_in
from invoicery.domain.customer import Customer
from invoicery.domain.errors import InvalidInput, NotFound
from invoicery.domain.invoice import Invoice
from invoicery.domain.status import ApStatus, Lifecycle, ap_status
from invoicery.service import documents, payments
from invoicery.service._time import utc_now
from invoicery.service.customers import resolve_customer
from invoicery.service.documents import Documents
from invoicery.service.paging import NumberedPage
from invoicery.store import accounts, customers, invoice_listing
from invoicery.store.database import Database

__all__ = [
    "ALGORITHM",
    "AUDIENCE",
    "DEFAULT_SCOPES",
    "DEFAULT_TTL_SECONDS",
    "ISSUER",
    "MAX_TTL_SECONDS",
    "MIN_TTL_SECONDS",
    "PER_PAGE",
    "IssuedToken",
    "PortalGrant",
    "PortalInvoice",
    "PortalScope",
    "PortalView",
    "derive_key",
    "encode",
    "issue",
    "mail_token",
    "payment_token",
    "verify",
    "view",
]

ISSUER = "invoicery"
AUDIENCE = "invoicery:customer-portal"
ALGORITHM = "HS256"
DEFAULT_TTL_SECONDS = 86_400
MIN_TTL_SECONDS = 60
MAX_TTL_SECONDS = 30 * 86_400
PER_PAGE = 25
MAX_TOKEN_CHARS = 2048  # a real token is about 350; anything longer is not decoded
_KEY_LABEL = b"invoicery portal token v1"
_CLOCK_SKEW = timedelta(seconds=60)  # an `iat` this far ahead of our clock is still fine
_LISTED = (Lifecycle.FINALIZED, Lifecycle.UNCOLLECTIBLE)
_NOT_FOUND = "portal not found"


class PortalScope(StrEnum):
    """What a portal token lets its holder do (Meteroid's ``CustomerPortalScope``)."""

    READ = "read"
    MANAGE = "manage"


DEFAULT_SCOPES: tuple[PortalScope, ...] = (PortalScope.READ, PortalScope.MANAGE)


@dataclass(frozen=True, slots=True)
class PortalGrant:
    """What a portal token grants: one customer of one account, until `expires_at`."""

    account_id: UUID
    customer_id: UUID
    scopes: frozenset[PortalScope]
    issued_at: datetime
    expires_at: datetime

    @property
    def may_pay(self) -> bool:
        """Whether the holder may pay the customer's open invoices."""
        return PortalScope.MANAGE in self.scopes


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A signed portal token and what it grants."""

    token: str
    grant: PortalGrant


@dataclass(frozen=True, slots=True)
class PortalInvoice:
    """One invoice as the portal lists it; amounts in minor units of `currency`.

    `amount_due` is what is left to pay: 0 once paid, as the invoice PDF prints it.
    """

    id: str
    number: str
    invoice_date: date
    due_date: date
    currency: str
    total: int
    amount_due: int
    status: ApStatus
    payable: bool
    pdf_url: str


@dataclass(frozen=True, slots=True)
class PortalView:
    """Everything the portal page shows for a token."""

    account: Account
    customer: Customer
    grant: PortalGrant
    invoices: NumberedPage[PortalInvoice]


def derive_key(page_secret: bytes) -> bytes:
    """The portal's signing key: HMAC-SHA256 of its own label under the page secret."""
    return hmac.new(page_secret, _KEY_LABEL, hashlib.sha256).digest()


def _scopes(requested: Sequence[str] | None) -> frozenset[PortalScope]:
    if requested is None:
        return frozenset(DEFAULT_SCOPES)
    allowed = ", ".join(scope.value for scope in PortalScope)
    if not requested:
        raise InvalidInput("invalid portal token request", {"scopes": f"choose from {allowed}"})
    try:
        return frozenset(PortalScope(scope) for scope in requested)
    except ValueError:
        raise InvalidInput(
            "invalid portal token request", {"scopes": f"unknown scope; choose from {allowed}"}
        ) from None


def _lifetime(seconds: int | None) -> timedelta:
    if seconds is None:
        return timedelta(seconds=DEFAULT_TTL_SECONDS)
    if not MIN_TTL_SECONDS <= seconds <= MAX_TTL_SECONDS:
        raise InvalidInput(
            "invalid portal token request",
            {"expires_in_seconds": f"must be between {MIN_TTL_SECONDS} and {MAX_TTL_SECONDS}"},
        )
    return timedelta(seconds=seconds)


def encode(key: bytes, grant: PortalGrant) -> str:
    """The signed token for `grant`."""
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "account_id": ids.encode(ids.ACCOUNT, grant.account_id),
        "customer_id": ids.encode(ids.CUSTOMER, grant.customer_id),
        "scopes": sorted(scope.value for scope in grant.scopes),
        "iat": int(grant.issued_at.timestamp()),
        "exp": int(grant.expires_at.timestamp()),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def _decode(key: bytes, token: str) -> dict[str, Any]:
    if len(token) > MAX_TOKEN_CHARS:
        raise NotFound(_NOT_FOUND)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            # Times are checked against the caller's clock in `verify`.
            options={
                "require": ["iss", "aud", "iat", "exp"],
                "strict_aud": True,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError:
        raise NotFound(_NOT_FOUND) from None
    return claims


def _instant(value: object) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise NotFound(_NOT_FOUND)
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise NotFound(_NOT_FOUND) from None


def verify(key: bytes, token: str, *, now: datetime) -> PortalGrant:
    """What `token` grants at `now`; `NotFound` if it is forged, tampered with or expired."""
    claims = _decode(key, token)
    issued_at, expires_at = _instant(claims["iat"]), _instant(claims["exp"])
    if now >= expires_at or issued_at > now + _CLOCK_SKEW:
        raise NotFound(_NOT_FOUND)
    scopes = claims.get("scopes")
    try:
        account_id = ids.decode(ids.ACCOUNT, str(claims.get("account_id")))
        customer_id = ids.decode(ids.CUSTOMER, str(claims.get("customer_id")))
        if not isinstance(scopes, list) or not scopes:
            raise ValueError("no scopes")
        granted = frozenset(PortalScope(scope) for scope in scopes)
    except ValueError:  # ids.InvalidId is one
        raise NotFound(_NOT_FOUND) from None
    return PortalGrant(account_id, customer_id, granted, issued_at, expires_at)


def mail_token(key: bytes, *, account_id: UUID, customer_id: UUID, now: datetime) -> str:
    """A token for the link in an e-mail: both scopes, for the longest lifetime allowed."""
    issued_at = now.replace(microsecond=0)
    lifetime = timedelta(seconds=MAX_TTL_SECONDS)
    grant = PortalGrant(
        account_id, customer_id, frozenset(DEFAULT_SCOPES), issued_at, issued_at + lifetime
    )
    return encode(key, grant)


async def issue(
    db: Database,
    key: bytes,
    *,
    principal: Principal,
    customer: str,
    by_alias: bool = True,
    scopes: Sequence[str] | None = None,
    expires_in_seconds: int | None = None,
    now: datetime | None = None,
) -> IssuedToken:
    """A portal token for the caller's customer `customer` (its id, or `by_alias` alias).

    `NotFound` for an unknown customer or another account's; `InvalidInput` for scopes
    or a lifetime outside the rules above.
    """
    granted = _scopes(scopes)
    lifetime = _lifetime(expires_in_seconds)
    issued_at = (now or utc_now()).replace(microsecond=0)
    async with db.read() as conn:
        found = await resolve_customer(conn, principal, customer, by_alias=by_alias)
    grant = PortalGrant(principal.account_id, found.id, granted, issued_at, issued_at + lifetime)
    return IssuedToken(encode(key, grant), grant)


def _listed(docs: Documents, grant: PortalGrant, invoice: Invoice, today: date) -> PortalInvoice:
    status = ap_status(invoice.state, today)
    assert status is not None, "drafts are not listed"
    return PortalInvoice(
        id=ids.encode(ids.INVOICE, invoice.id),
        number=invoice.invoice_number or ids.encode(ids.INVOICE, invoice.id),
        invoice_date=invoice.invoice_date,
        due_date=invoice.state.due_date,
        currency=invoice.currency,
        total=invoice.total,
        amount_due=0 if status is ApStatus.PAID else invoice.amount_due,
        status=status,
        payable=grant.may_pay and status in (ApStatus.UPCOMING, ApStatus.OVERDUE),
        pdf_url=documents.pdf_link_for(docs, account_id=invoice.account_id, invoice_id=invoice.id),
    )


async def view(
    db: Database,
    docs: Documents,
    key: bytes,
    *,
    token: str,
    page: int = 0,
    now: datetime | None = None,
) -> PortalView:
    """Page `page` (0-indexed) of what the portal shows for `token`; `NotFound` if invalid."""
    now = now or utc_now()
    grant = verify(key, token, now=now)
    async with db.snapshot() as conn:
        account = await accounts.get(conn, grant.account_id)
        customer = await customers.get(
            conn, account_id=grant.account_id, customer_id=grant.customer_id
        )
        if account is None or customer is None:
            raise NotFound(_NOT_FOUND)
        total, rows = await invoice_listing.numbered_page(
            conn,
            account_id=grant.account_id,
            customer_id=grant.customer_id,
            lifecycles=_LISTED,
            offset=max(page, 0) * PER_PAGE,
            limit=PER_PAGE,
            now=now,
        )
    today = today_in(account.timezone, now)
    listed = [_listed(docs, grant, stored.invoice, today) for stored in rows]
    return PortalView(account, customer, grant, NumberedPage(listed, page, PER_PAGE, total))


async def payment_token(
    db: Database, key: bytes, *, token: str, invoice_id: str, now: datetime | None = None
) -> str:
    """The payment-page token of one of the token's customer's open invoices.

    `NotFound` if the portal token is invalid, does not allow paying (``manage``), or
    the invoice is not one of its customer's; `InvalidState` if it is not payable.
    """
    grant = verify(key, token, now=now or utc_now())
    if not grant.may_pay:
        raise NotFound("invoice not found")
    try:
        parsed = ids.decode(ids.INVOICE, invoice_id)
    except ids.InvalidId:
        raise NotFound("invoice not found") from None
    async with db.read() as conn:
        account = await accounts.get(conn, grant.account_id)
    if account is None:
        raise NotFound(_NOT_FOUND)
    return await payments.payment_token_for(
        db,
        account_id=grant.account_id,
        timezone=account.timezone,
        invoice_id=parsed,
        customer_id=grant.customer_id,
    )

"""Errors every layer may raise; each wire format maps them to HTTP in one place.

InvoiceryError
├── NotFound            the resource does not exist for this account
├── InvalidInput        a request body value is unacceptable (field -> message)
│   ├── IdempotencyKeyReused  an idempotency key already answered a different request
│   └── ExceedsAmountDue      a payment (or credit) larger than what is left to pay
├── BadRequest          a query value or the request itself is malformed (field -> message)
├── InvalidState        the operation is not allowed in the resource's current state
├── AmountExceeded      an amount would pass the limit another amount sets (over-crediting)
├── Conflict            a uniqueness rule would be broken
│   └── RequestInProgress     the request with this idempotency key is still running
├── TooManyAttempts     too many recent failures; try again after `retry_after` seconds
├── PayloadTooLarge     the request body exceeds the limit
└── Unavailable         the database cannot serve the request now; retry after `retry_after` s
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "AmountExceeded",
    "BadRequest",
    "Conflict",
    "ExceedsAmountDue",
    "IdempotencyKeyReused",
    "InvalidInput",
    "InvalidState",
    "InvoiceryError",
    "NotFound",
    "PayloadTooLarge",
    "RequestInProgress",
    "TooManyAttempts",
    "Unavailable",
]


class InvoiceryError(Exception):
    """Base class of every expected failure."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(InvoiceryError):
    """The resource does not exist, or belongs to another account."""


class InvalidInput(InvoiceryError):
    """One or more request fields are invalid; `fields` maps each field to a message."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class BadRequest(InvalidInput):
    """The request is malformed: unparseable JSON, or a query value that makes no sense."""


class InvalidState(InvoiceryError):
    """The resource's current state does not allow the operation."""


class AmountExceeded(InvoiceryError):
    """An amount would pass its limit: credit notes crediting more than an invoice's total."""


class Conflict(InvoiceryError):
    """The change would break a uniqueness rule (a duplicate alias, say)."""


class IdempotencyKeyReused(InvalidInput):
    """The idempotency key was first used for another method, path or body."""


class ExceedsAmountDue(InvalidInput):
    """An amount to settle on an invoice is larger than its amount due (422 on both faces)."""


class RequestInProgress(Conflict):
    """The first request with this idempotency key is still running; retry after `retry_after` s."""

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyAttempts(InvoiceryError):
    """Too many recent failed attempts; the next one is accepted after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PayloadTooLarge(InvoiceryError):
    """The request body is larger than the server accepts."""


class Unavailable(InvoiceryError):
    """The database cannot serve the request right now; retrying after `retry_after` seconds may.

    Raised for outages (connection refused or lost, too many connections, a SQLite write
    lock held past the busy timeout), never for a statement the database rejected.
    """

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after

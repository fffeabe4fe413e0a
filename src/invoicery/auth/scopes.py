"""The scopes an API client can hold."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALL_SCOPES", "Scope", "parse_scopes"]


class Scope(StrEnum):
    """A permission carried by an access token."""

    INVOICES_READ = "invoices:read"
    INVOICES_WRITE = "invoices:write"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    WEBHOOKS_READ = "webhooks:read"
    WEBHOOKS_WRITE = "webhooks:write"


ALL_SCOPES: tuple[str, ...] = tuple(scope.value for scope in Scope)


def parse_scopes(text: str) -> tuple[str, ...] | None:
    """Split a space-separated scope string; None if any scope is unknown."""
    names = tuple(dict.fromkeys(text.split()))
    if any(name not in ALL_SCOPES for name in names):
        return None
    return names

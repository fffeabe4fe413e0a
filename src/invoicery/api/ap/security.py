"""Transitional: the shared dependencies now live in `invoicery.web.deps`; import them there."""

from __future__ import annotations

from invoicery.web.deps import (
    CustomersRead,
    CustomersWrite,
    DatabaseDep,
    InvoicesRead,
    InvoicesWrite,
    current_principal,
    get_db,
    oauth2_scheme,
)

__all__ = [
    "CustomersRead",
    "CustomersWrite",
    "DatabaseDep",
    "InvoicesRead",
    "InvoicesWrite",
    "current_principal",
    "get_db",
    "oauth2_scheme",
]

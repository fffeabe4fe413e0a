"""Small builders for request bodies used across the tests."""

from __future__ import annotations

from typing import Any


def line(amount: Any = 10, *, description: str = "Consulting", quantity: int = 1) -> dict[str, Any]:
    """One AP line item."""
    return {"amount": amount, "description": description, "quantity": quantity}


def invoice_body(customer_id: str, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An AP `CreateInvoiceInput` with at least one line."""
    return {"customer_id": customer_id, "line_items": list(lines) or [line()], **fields}


def customer_body(name: str = "Ada Lovelace", **fields: Any) -> dict[str, Any]:
    """An AP customer body."""
    return {"name": name, "email": "ada@example.com", **fields}

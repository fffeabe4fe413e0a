"""AP request models (validated by pydantic) and response models (for the OpenAPI document).

Responses are rendered by `invoicery.api.ap.render` straight to JSON; the response
models here describe them, named as in the vendor's spec.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from invoicery.api.fields import CalendarDate, JsonNumber

__all__ = [
    "CreateCustomerInput",
    "CreateInvoiceInput",
    "Customer",
    "HttpError",
    "Invoice",
    "InvoiceLineItem",
    "InvoiceLineItemInput",
    "PaginatedResponseCustomer",
    "PaginatedResponseInvoice",
    "error_responses",
]


class InvoiceLineItemInput(BaseModel):
    """A line of a new invoice: `amount` is the unit price in major units."""

    model_config = ConfigDict(title="InvoiceLineItem", extra="ignore")

    amount: JsonNumber
    description: str = Field(default="", max_length=1000)
    quantity: StrictInt = 1


class CreateInvoiceInput(BaseModel):
    """Body of `POST /invoices`; computed fields in the body are ignored."""

    model_config = ConfigDict(title="CreateInvoiceInput", extra="ignore")

    customer_id: str = Field(max_length=100)
    due_date: CalendarDate = Field(
        default=None,
        description="Due date in YYYY-MM-DD format. If omitted, defaults to the current date "
        "from invoice creation.",
    )
    exclude_from_autopay: StrictBool = Field(
        default=False,
        description="When true, this invoice is excluded from Autopay at creation time.",
    )
    line_items: list[InvoiceLineItemInput] = Field(max_length=1000)
    currency: str = Field(default="USD", max_length=3)
    memo: str | None = Field(default=None, max_length=5000)


class CreateCustomerInput(BaseModel):
    """Body of `POST /customers`."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    company_name: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    locale: str | None = Field(
        default=None,
        max_length=35,
        pattern=r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$",
        description="The language of the customer's e-mails, as a language tag (de, fr-CA); "
        "Invoicery writes English, German and French, else the account's language. "
        "An Invoicery extension.",
    )


class InvoiceLineItem(BaseModel):
    """A line of an invoice as returned."""

    amount: float
    description: str
    quantity: int


class Invoice(BaseModel):
    """An invoice as returned on the AP face."""

    created_at: str
    currency: str
    customer_id: str
    due_date: str
    id: str
    invoice_number: str
    last_notification_at: str | None = None
    line_items: list[InvoiceLineItem]
    memo: str | None = None
    status: str
    sub_total: float
    total: float
    exclude_from_autopay: bool


class PaginatedResponseInvoice(BaseModel):
    """A page of invoices."""

    model_config = ConfigDict(title="PaginatedResponse-Invoice")

    data: list[Invoice]
    end_cursor: str
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str


class Customer(BaseModel):
    """A customer as returned on the AP face."""

    id: str
    name: str
    email: str
    company_name: str | None = None
    external_id: str | None = None
    locale: str | None = None
    created_at: str


class PaginatedResponseCustomer(BaseModel):
    """A page of customers."""

    model_config = ConfigDict(title="PaginatedResponse-Customer")

    data: list[Customer]
    end_cursor: str
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str


class HttpError(BaseModel):
    """The error body of every AP endpoint."""

    code: str
    message: str
    validation_errors: dict[str, str] | None = None
    request_id: str | None = None


_REASONS = {
    400: "Bad Request",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting each status with the `HttpError` body."""
    return {status: {"model": HttpError, "description": _REASONS[status]} for status in statuses}

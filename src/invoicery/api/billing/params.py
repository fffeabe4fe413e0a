"""Query parameters shared by billing-v1 lists, and the error responses they document."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from invoicery.domain.errors import BadRequest

__all__ = [
    "ERRORS",
    "ErrorCode",
    "Page",
    "PerPage",
    "RestErrorResponse",
    "errors",
    "order_by_pattern",
    "sort_order",
]

_INT32_MAX = 2**31 - 1

Page = Annotated[int, Query(ge=0, le=_INT32_MAX, description="Page number (0-indexed)")]
PerPage = Annotated[int, Query(ge=1, le=100, description="Number of items per page")]


def order_by_pattern(columns: Collection[str]) -> str:
    """The regular expression of an `order_by` over `columns`, for the documents to publish
    exactly what `sort_order` accepts."""
    return rf"^(?:{'|'.join(sorted(columns))})\.(?:asc|desc)$"


def sort_order(text: str, columns: Collection[str]) -> tuple[str, bool]:
    """An `order_by` value, ``column.asc`` or ``column.desc``, as (column, descending);
    `BadRequest` for another direction or a column not in `columns`."""
    column, _, direction = text.strip().rpartition(".")
    if column not in columns or direction not in ("asc", "desc"):
        allowed = ", ".join(sorted(columns))
        raise BadRequest(
            "invalid order_by",
            {"order_by": f"must be column.asc or column.desc, column one of {allowed}"},
        )
    return column, direction == "desc"


class ErrorCode(StrEnum):
    """What went wrong, one code per HTTP status.

    The first six are the seed spec's. METHOD_NOT_ALLOWED (405), REQUEST_TIMEOUT (408),
    PAYLOAD_TOO_LARGE (413), UNSUPPORTED_MEDIA_TYPE (415), TOO_MANY_REQUESTS (429) and
    SERVICE_UNAVAILABLE (503) are Invoicery extensions, for requests refused before
    they reach an operation or while the database is unreachable.
    """

    BAD_REQUEST = "BAD_REQUEST"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHORIZED = "UNAUTHORIZED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


class RestErrorResponse(BaseModel):
    """The error body of every billing-v1 endpoint."""

    code: ErrorCode
    message: str
    request_id: str | None = None


ERRORS: dict[int, str] = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    422: "Unprocessable entity",
    500: "Internal server error",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses (401, 403 and 500 always)."""
    return {
        status: {"model": RestErrorResponse, "description": ERRORS[status]}
        for status in sorted({401, 403, 500, *statuses})
    }

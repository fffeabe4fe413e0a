"""Query parameters shared by billing-v1 lists, and the error responses they document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

__all__ = ["ERRORS", "Page", "PerPage", "RestErrorResponse", "errors"]

_INT32_MAX = 2**31 - 1

Page = Annotated[int, Query(ge=0, le=_INT32_MAX, description="Page number (0-indexed)")]
PerPage = Annotated[int, Query(ge=1, le=100, description="Number of items per page")]


class RestErrorResponse(BaseModel):
    """The error body of every billing-v1 endpoint."""

    code: str
    message: str


ERRORS: dict[int, str] = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    500: "Internal server error",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses (401, 403 and 500 always)."""
    return {
        status: {"model": RestErrorResponse, "description": ERRORS[status]}
        for status in sorted({401, 403, 500, *statuses})
    }

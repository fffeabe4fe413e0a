"""Transitional: the error handling now lives in `invoicery.web.errors`; import it from there."""

from __future__ import annotations

from invoicery.web.errors import (
    ApiError,
    AuthError,
    ErrorFormat,
    ErrorRenderer,
    field_name,
    install_error_handlers,
)

__all__ = [
    "ApiError",
    "AuthError",
    "ErrorFormat",
    "ErrorRenderer",
    "field_name",
    "install_error_handlers",
]

"""Failures under /pay/ as HTML pages that reveal nothing about the invoice or the server."""

from __future__ import annotations

from starlette.responses import Response

from invoicery.pages.render import page_response
from invoicery.web.errors import ApiError

__all__ = ["render_page_error"]

_MESSAGES = {
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("Request too large", "The form you sent was too large."),
    503: ("Temporarily unavailable", "This page is unavailable just now. Please try again soon."),
}
_SERVER = ("Something went wrong", "We could not show this page. Please try again in a moment.")
_CLIENT = ("Bad request", "The request could not be understood.")


def render_page_error(error: ApiError) -> Response:
    """An HTML error page for `error`, in the hosted page's format."""
    if error.status == 404:
        return page_response("not_found.html", {}, status_code=404)
    default = _SERVER if error.status >= 500 else _CLIENT
    heading, message = _MESSAGES.get(error.status, default)
    response = page_response(
        "error.html", {"heading": heading, "message": message}, status_code=error.status
    )
    response.headers.update(error.headers)  # Retry-After, Allow
    return response

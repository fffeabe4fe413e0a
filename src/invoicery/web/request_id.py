"""The request id: taken from the caller's ``X-Request-Id`` when sound, else made up.

`ObserveMiddleware` keeps it in the ASGI scope's state for the request's whole life;
the response's ``X-Request-Id`` header, error bodies and the access log line all show
it, so one id follows a complaint from the client's log to ours.
"""

from __future__ import annotations

import re
import uuid

from starlette.types import Scope

__all__ = ["HEADER", "accepted", "new", "of_scope", "remember"]

HEADER = "X-Request-Id"
_STATE_KEY = "invoicery.request_id"
_SOUND = re.compile(r"[\x20-\x7e]{1,200}")


def accepted(value: bytes | None) -> str | None:
    """The caller's id if it is 1-200 printable ASCII characters, else None."""
    if value is None:
        return None
    text = value.decode("latin-1").strip()
    return text if _SOUND.fullmatch(text) else None


def new() -> str:
    """A fresh request id."""
    return uuid.uuid4().hex


def remember(scope: Scope, request_id: str) -> None:
    """Keep `request_id` in the scope's state for whatever renders the answer."""
    scope.setdefault("state", {})[_STATE_KEY] = request_id


def of_scope(scope: Scope) -> str | None:
    """The id of the request `scope` belongs to, if the middleware gave it one."""
    found: str | None = scope.get("state", {}).get(_STATE_KEY)
    return found

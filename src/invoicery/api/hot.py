"""Hot read routes: requests whose parameters are plain skip FastAPI's per-request work.

FastAPI solves a route's dependencies and validates its parameters on every request
(py-spy: a third of the route's CPU on an AP list, more than its SQL). A hot route is
declared as usual, so its OpenAPI operation and every error answer stay FastAPI's,
and carries a fast path (`hot`): a function that answers the requests it can read
without doubt, authenticating as the route's dependencies do, and returns None for any
other, which FastAPI's own handler then answers as always.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi.security import SecurityScopes
from starlette.requests import Request
from starlette.responses import Response

from invoicery.api.json import DecimalJsonRoute
from invoicery.auth.scopes import Scope
from invoicery.auth.tokens import Principal
from invoicery.web.deps import authenticated_principal, current_principal, get_db

__all__ = ["FastPath", "HotRoute", "hot", "hot_principal"]

FastPath = Callable[[Request], Awaitable[Response | None]]
"""Answers a request, or returns None to leave it to FastAPI's handler."""

E = TypeVar("E", bound=Callable[..., Any])

_FAST_PATH = "invoicery_fast_path"


def hot(fast: FastPath) -> Callable[[E], E]:
    """Give the decorated endpoint the fast path `fast` (served by a `HotRoute`)."""

    def mark(endpoint: E) -> E:
        setattr(endpoint, _FAST_PATH, fast)
        return endpoint

    return mark


async def hot_principal(request: Request, scope: Scope) -> Principal:
    """The caller, authenticated and checked for `scope` as the scope aliases of
    `web.deps` do it (the same 401 and 403 answers)."""
    principal = await authenticated_principal(request, await get_db(request))
    return await current_principal(SecurityScopes([scope]), principal, None)


class HotRoute(DecimalJsonRoute):
    """A route that tries its endpoint's fast path (if `hot` gave it one) first."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()
        fast: FastPath | None = getattr(self.endpoint, _FAST_PATH, None)
        if fast is None:
            return handler

        async def hot_handler(request: Request) -> Response:
            response = await fast(request)
            return response if response is not None else await handler(request)

        return hot_handler

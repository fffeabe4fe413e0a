"""Request rate limits: per API client, and per client id and address for tokens.

- A request with a live bearer token counts against its client's limit: the account's
  own (`invoicery accounts set NAME --rate-limit 5/s`) or the server's default. Every
  answer carries `RateLimit-Limit`, `-Remaining`, `-Reset` and `-Policy`; over the
  limit it is a 429 with `Retry-After`, in the error format of the face it was sent to,
  and the route does not run. The caller is looked up once (`web.caller`), and the
  route's own authentication reuses it.
- Requests without a live token pass untouched (the route answers 401), as do the
  hosted pages, which limit themselves.
- `POST /oauth/token` asks `TokenGuard` itself: it counts against its source address
  first and, once it has read the client id it names, against that client id (both in
  one round trip to Redis), so a secret cannot be guessed quickly from one address or
  for one client from many. Over either, `TooManyRequests` is a 429 in the endpoint's
  RFC 6749 format.

State lives in a `web.limiter.Limiter`: in process memory, or in Redis shared by every
server and worker process (`INVOICERY_REDIS_URL`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicery.auth.principals import PrincipalCache
from invoicery.config import Settings
from invoicery.domain.errors import InvoiceryError
from invoicery.domain.rate_limit import RateLimit, parse_rate_limit
from invoicery.service.readiness import Check, ExtraCheck
from invoicery.store.database import Database
from invoicery.web.caller import caller_of
from invoicery.web.errors import ApiError, ErrorRenderer
from invoicery.web.limiter import Count, Decision, Limiter, build_limiter
from invoicery.web.urls import PAGES_PREFIX, PORTAL_PREFIX

__all__ = [
    "RateLimitMiddleware",
    "TokenGuard",
    "TooManyRequests",
    "install_rate_limits",
    "readiness_check",
]


class TooManyRequests(HTTPException):
    """A request over its rate limit (raised where the token endpoint reads its body)."""

    def __init__(self, decision: Decision, what: str) -> None:
        super().__init__(429, _message(decision, what), headers=decision.headers())


def _message(decision: Decision, what: str) -> str:
    return (
        f"too many requests {what}: at most {decision.limit} in {decision.window_seconds} s; "
        f"retry in {max(1, decision.reset_seconds)} s"
    )


def _digest(text: str) -> str:
    """A fixed-size key for text a client chose."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class RateLimitMiddleware:
    """Counts each request against its caller's limits; answers 429 past them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: Limiter,
        db: Database,
        renderer: ErrorRenderer,
        default: RateLimit,
        exempt_prefixes: tuple[str, ...],
        principals: PrincipalCache | None = None,
    ) -> None:
        self.app = app
        self._limiter = limiter
        self._db = db
        self._principals = principals
        self._renderer = renderer
        self._default = default
        self._exempt = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not scope["path"].startswith(self._exempt):
            try:
                principal = await caller_of(scope, self._db, self._principals)
            except InvoiceryError:
                principal = None  # the database is down: the route answers for it
            if principal is not None:
                limit = principal.rate_limit or self._default
                decision = await self._limiter.hit(
                    limit.burst, limit.window_seconds, "client", principal.client_id.hex
                )
                await self._answer(decision, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _answer(
        self, decision: Decision | None, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Refuse with 429, or run the app and add the budget to its answer."""
        if decision is None:
            await self.app(scope, receive, send)
            return
        headers = decision.headers()
        if not decision.allowed:
            message = _message(decision, "from this client")
            error = ApiError(429, "too_many_requests", message, {}, headers)
            await self._renderer.for_scope(scope, error)(scope, receive, send)
            return
        raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

        async def send_with_budget(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *raw]
            await send(message)

        await self.app(scope, receive, send_with_budget)


@dataclass(frozen=True, slots=True)
class TokenGuard:
    """The token endpoint's limits, against secret guessing: per address, per client id."""

    limiter: Limiter
    per_address: RateLimit
    per_client: RateLimit

    async def check(self, address: str, client_id: str | None) -> None:
        """Count a token request from `address` and then, unless that was refused, for
        `client_id` if it named one (one round trip to Redis); `TooManyRequests` past
        either budget."""
        counts: list[Count] = [
            (self.per_address.burst, self.per_address.window_seconds, ("token-address", address))
        ]
        if client_id is not None:
            key = ("token-client", _digest(client_id))
            counts.append((self.per_client.burst, self.per_client.window_seconds, key))
        decisions = await self.limiter.hit_in_turn(*counts)
        for decision, what in zip(
            decisions, ("from this address", "for this client"), strict=False
        ):
            if decision is not None and not decision.allowed:
                raise TooManyRequests(decision, f"for a token {what}")


def install_rate_limits(
    app: FastAPI, settings: Settings, db: Database, renderer: ErrorRenderer
) -> Limiter:
    """Add the middleware outside those added before it; keep its limiter and the token
    endpoint's `TokenGuard` in app.state."""
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    limiter = build_limiter(redis_url)
    app.state.rate_limiter = limiter
    app.state.token_guard = TokenGuard(
        limiter,
        per_address=parse_rate_limit(settings.token_rate_limit_per_address),
        per_client=parse_rate_limit(settings.token_rate_limit_per_client),
    )
    app.add_middleware(
        RateLimitMiddleware,
        limiter=limiter,
        db=db,
        renderer=renderer,
        default=parse_rate_limit(settings.rate_limit),
        exempt_prefixes=(f"{PAGES_PREFIX}/", f"{PORTAL_PREFIX}/"),
        principals=getattr(app.state, "principals", None),
    )
    return limiter


def readiness_check(limiter: Limiter) -> ExtraCheck:
    """A `/ready` check saying where the limits are kept, and whether Redis answers.

    An unreachable Redis does not make the server unready: requests still pass (unlimited),
    and taking every server out of rotation for it would turn a limiter outage into an
    API outage. The detail says so, and the limiter logs a warning.
    """

    async def rate_limits() -> Check:
        where = limiter.describe()
        if where == "in-process":
            return Check("rate_limit", True, "in-process (this server's own, not shared)")
        if await limiter.healthy():
            return Check("rate_limit", True, "redis")
        return Check("rate_limit", True, "redis unreachable: requests pass unlimited")

    return rate_limits

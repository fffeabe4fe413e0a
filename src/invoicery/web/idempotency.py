"""`Idempotency-Key` on every POST, PATCH and DELETE of both API faces.

For an authenticated request carrying the header, the middleware claims the key for
its API client (`store.idempotency.claimed`: 409 with ``Retry-After`` while another
request holds it), and then either replays the answer stored for it — 422 if that
answer was to another method, path, query or body — or runs the request in one
`SharedTransaction` that every database use of the route joins. The answer is
buffered; one that keeps (below 400, or a 5xx other than 503 that the route itself
answered) is stored in that same transaction, which then commits, and only then is it
sent. So the work and its stored answer commit together or not at all: a crash before
the commit leaves nothing, and a retry after it is answered from the store, with
``Idempotent-Replayed: true``.

A 4xx (nothing is meant to have changed) and a 503 (the database could not serve) roll
the work back and are not stored; so is a route that raised (the server answers 500):
its work is undone, so a retry may safely run it again.

Requests without the header, without a valid bearer token (the route answers 401),
the token endpoint and the hosted pages pass through untouched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicery.auth.principals import PrincipalCache
from invoicery.auth.tokens import Principal
from invoicery.domain.errors import (
    BadRequest,
    IdempotencyKeyReused,
    InvoiceryError,
    RequestInProgress,
)
from invoicery.service._time import utc_now
from invoicery.service.idempotency import KEY_LIFETIME
from invoicery.store import idempotency
from invoicery.store.database import Database, SharedTransaction
from invoicery.store.idempotency import ClientKey, StoredResponse
from invoicery.web.caller import caller_of
from invoicery.web.errors import ErrorRenderer
from invoicery.web.urls import PAGES_PREFIX, PORTAL_PREFIX

__all__ = ["HEADER", "REPLAYED_HEADER", "IdempotencyMiddleware", "valid_key"]

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

_METHODS = frozenset({"POST", "PATCH", "DELETE"})
_UNCOVERED_PREFIXES = ("/oauth", PAGES_PREFIX, PORTAL_PREFIX)
# Not part of what the route answered: the server sets them for each response it sends.
_UNSTORED_HEADERS = frozenset(
    {b"content-length", b"connection", b"keep-alive", b"transfer-encoding", b"date", b"server"}
)
_CHUNK_BYTES = 1 << 20
_RETRY_AFTER_SECONDS = 1


def valid_key(values: list[str]) -> str | None:
    """The one key among a request's `Idempotency-Key` values: 1-255 printable ASCII; else None."""
    if len(values) != 1:
        return None
    key = values[0]
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        return None
    return key


_VERSION_HEADER = b"invoicery-version"


def _covered(path: str) -> bool:
    return not any(
        path == prefix or path.startswith(prefix + "/") for prefix in _UNCOVERED_PREFIXES
    )


def _fingerprint(scope: Scope, body: bytes) -> str:
    """What the request was: its method, path, query, body and the API version it asked
    for (a response rendered in one version is no answer to a request for another), as
    one SHA-256 hex digest."""
    request = hashlib.sha256()
    request.update(scope["method"].encode() + b"\n")
    request.update(scope["path"].encode("utf-8", "surrogateescape") + b"\n")
    request.update(scope["query_string"] + b"\n")
    request.update(hashlib.sha256(body).digest())
    for name, value in scope["headers"]:
        if name == _VERSION_HEADER:
            request.update(b"version:" + value)
    return request.hexdigest()


class _BodyFailed(Exception):
    """Reading the request body failed (too large, too slow, unstorable text)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body; None if the client went away first."""
    parts: list[bytes] = []
    while True:
        try:
            message = await receive()
        except Exception as error:
            raise _BodyFailed(error) from error
        if message["type"] == "http.disconnect":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` in one message, then whatever the client sends next."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _failing(error: Exception) -> Receive:
    """A `receive` that raises `error`: the route reads the body and answers the failure."""

    async def fail() -> Message:
        raise error

    return fail


class _Recorder:
    """Buffers the response the app sends."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.parts: list[bytes] = []
        self.complete = False

    async def send(self, message: Message) -> None:
        """Keep one message of the response."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.parts.append(message.get("body", b""))
            self.complete = not message.get("more_body", False)

    def stored(self, fingerprint: str) -> StoredResponse:
        """The response as it is kept for replays."""
        headers = tuple(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in self.headers
            if name.lower() not in _UNSTORED_HEADERS
        )
        return StoredResponse(fingerprint, self.status, headers, b"".join(self.parts))

    async def forward(self, send: Send) -> None:
        """Send the buffered response on, as the app sent it."""
        await _send(send, self.status, self.headers, b"".join(self.parts))


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    view = memoryview(body)
    for start in range(0, len(body), _CHUNK_BYTES):
        more = start + _CHUNK_BYTES < len(body)
        chunk = bytes(view[start : start + _CHUNK_BYTES])
        await send({"type": "http.response.body", "body": chunk, "more_body": more})
    if not body:
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _replay(send: Send, stored: StoredResponse) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in stored.headers]
    headers += [
        (b"content-length", str(len(stored.body)).encode()),
        (REPLAYED_HEADER.lower().encode(), b"true"),
    ]
    await _send(send, stored.status, headers, stored.body)


def _keeps(status: int) -> bool:
    """Whether an answer is stored: success, or a 5xx other than 503 after work began."""
    return status < 400 or (status >= 500 and status != 503)


class IdempotencyMiddleware:
    """Replay the first answer to a keyed POST, PATCH or DELETE; never run it twice."""

    def __init__(
        self,
        app: ASGIApp,
        db: Database,
        renderer: ErrorRenderer,
        *,
        clock: Callable[[], datetime] = utc_now,
        lifetime: timedelta = KEY_LIFETIME,
        principals: PrincipalCache | None = None,
    ) -> None:
        self.app = app
        self.db = db
        self.principals = principals
        self.renderer = renderer
        self.clock = clock
        self.lifetime = lifetime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _METHODS
            or not _covered(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        values = Headers(scope=scope).getlist(HEADER)
        if not values:
            await self.app(scope, receive, send)
            return
        try:
            principal = await caller_of(scope, self.db, self.principals)
        except InvoiceryError as error:
            await self._refuse(scope, receive, send, error)
            return
        if principal is None:
            await self.app(scope, receive, send)
            return
        key = valid_key(values)
        if key is None:
            message = f"must be one value of 1 to {MAX_KEY_LENGTH} printable ASCII characters"
            await self._refuse(
                scope, receive, send, BadRequest("invalid Idempotency-Key", {HEADER: message})
            )
            return
        try:
            body = await _read_body(receive)
        except _BodyFailed as failed:
            # Answered by the route in its face's format, like any other body failure.
            await self.app(scope, _failing(failed.error), send)
            return
        if body is not None:
            await self._keyed(scope, receive, send, _client_key(principal, key), body)

    async def _keyed(
        self, scope: Scope, receive: Receive, send: Send, key: ClientKey, body: bytes
    ) -> None:
        fingerprint = _fingerprint(scope, body)
        now = self.clock()
        try:
            async with (
                self.db.shared_write() as shared,
                idempotency.claimed(shared, key, now=now) as claim,
            ):
                if not claim.ours:
                    raise RequestInProgress(
                        "a request with this Idempotency-Key is still running; retry shortly",
                        retry_after=_RETRY_AFTER_SECONDS,
                    )
                if claim.stored is not None:
                    await shared.rollback()
                    await _replay(send, _same_request(claim.stored, fingerprint))
                    return
                recorder = _Recorder()
                await self.app(scope, _replaying(body, receive), recorder.send)
                if not recorder.complete:
                    return
                answer = recorder.stored(fingerprint)
                if not await self._finish(shared, key, answer):
                    # Another request stored its answer after the claim's snapshot was taken
                    # (PostgreSQL): this one's work is undone; answer as a retry would be.
                    async with self.db.read() as conn:
                        stored = await idempotency.find(conn, key, now=self.clock())
                    if stored is None:
                        raise RuntimeError(f"idempotency key {key.key!r}: no answer stored")
                    await _replay(send, _same_request(stored, fingerprint))
                    return
        except InvoiceryError as error:
            await self._refuse(scope, receive, send, error)
            return
        await recorder.forward(send)

    async def _finish(
        self, shared: SharedTransaction, key: ClientKey, answer: StoredResponse
    ) -> bool:
        """Store a lasting answer and commit with it, or roll back the rest; False (all
        rolled back) if an answer was stored for the key meanwhile."""
        if not _keeps(answer.status):
            await shared.rollback()
            return True
        now = self.clock()
        conn = await shared.connection()
        stored = await idempotency.insert_response(
            conn, key, answer, now=now, expires_at=now + self.lifetime
        )
        if not stored:
            await shared.rollback()
            return False
        await shared.commit()
        return True

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, error: InvoiceryError
    ) -> None:
        response = self.renderer.for_domain(scope, error)
        await response(scope, receive, send)


def _same_request(stored: StoredResponse, fingerprint: str) -> StoredResponse:
    """`stored`, if it answered the request `fingerprint` describes; else `IdempotencyKeyReused`."""
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request (method, path or body)"
        )
    return stored


def _client_key(principal: Principal, key: str) -> ClientKey:
    return ClientKey(principal.account_id, principal.client_id, key)

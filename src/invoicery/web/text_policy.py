"""One text policy for both databases: text PostgreSQL cannot store is refused at the edge.

PostgreSQL's `text` holds neither NUL (U+0000) nor unpaired UTF-16 surrogates, which
SQLite would store; without this check the same request answers 201 on one database
and 500 on the other. The middleware refuses them wherever a client can put them:

- the path and the query string: answered at once with 400 in the face's error format;
- the body, once its last chunk arrives and before the app gets that chunk: a NUL
  byte, a JSON escape of NUL or of an unpaired surrogate, or a form's ``%00`` raises
  `UnstorableText` (422, which the billing v1 face renders as its 400).

The fast path is a few substring tests per request; JSON escapes are decoded only in a
body that has a backslash-u in it (scanning escape by escape, so ``\\u0000`` — an
escaped backslash followed by text — is not mistaken for a NUL).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicery.web.errors import ApiError, ErrorRenderer

__all__ = ["StorableTextMiddleware", "UnstorableText", "unstorable_reason"]

# A JSON escape: a backslash and the character after it, or a \uXXXX code unit.
_JSON_ESCAPE = re.compile(rb"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_FORM = b"application/x-www-form-urlencoded"
_NUL = "a NUL character (U+0000)"
_LONE_SURROGATE = "an unpaired UTF-16 surrogate"


class UnstorableText(HTTPException):
    """The request carries text that cannot be stored (NUL or a lone surrogate)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(422, f"{where} contains {reason}, which cannot be stored")


def unstorable_reason(text: str) -> str | None:
    """What in `text` cannot be stored, or None if all of it can."""
    if "\x00" in text:
        return _NUL
    if any("\ud800" <= char <= "\udfff" for char in text):
        return _LONE_SURROGATE
    return None


def _escape_reason(data: bytes) -> str | None:
    """What the JSON escapes of `data` encode that cannot be stored, or None."""
    high_end = -1  # where an unpaired high surrogate escape ends, if one is pending
    for match in _JSON_ESCAPE.finditer(data):
        token = match.group(1)
        unit = int(token[1:], 16) if len(token) == 5 else None
        if high_end >= 0 and not (
            unit is not None and 0xDC00 <= unit <= 0xDFFF and match.start() == high_end
        ):
            return _LONE_SURROGATE
        if unit is None:
            continue
        if unit == 0:
            return _NUL
        if 0xD800 <= unit <= 0xDBFF:
            high_end = match.end()
        elif 0xDC00 <= unit <= 0xDFFF and high_end < 0:
            return _LONE_SURROGATE
        else:
            high_end = -1
    return _LONE_SURROGATE if high_end >= 0 else None


def _body_reason(body: bytes, *, form: bool) -> str | None:
    """What in a whole request body cannot be stored, or None."""
    if b"\x00" in body or (form and b"%00" in body):
        return _NUL
    if b"\\u" in body:
        return _escape_reason(body)
    return None


def _query_problem(query: bytes) -> tuple[str, str] | None:
    if b"%00" not in query and b"\x00" not in query:
        return None
    for pair in query.split(b"&"):
        name, _, value = pair.partition(b"=")
        if b"\x00" in unquote_to_bytes(name) + unquote_to_bytes(value):
            label = unquote_to_bytes(name).replace(b"\x00", b"").decode("utf-8", "replace")
            return label or "query", _NUL
    return None


class StorableTextMiddleware:
    """Refuse requests whose path, query or body holds text PostgreSQL cannot store."""

    def __init__(self, app: ASGIApp, renderer: ErrorRenderer) -> None:
        self.app = app
        self.renderer = renderer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if (reason := unstorable_reason(path)) is not None:
            message = f"the path contains {reason}, which cannot be stored"
            await self._refuse(scope, receive, send, message, {"path": message})
            return
        if (problem := _query_problem(scope["query_string"])) is not None:
            name, reason = problem
            message = f"contains {reason}, which cannot be stored"
            await self._refuse(scope, receive, send, "invalid query parameters", {name: message})
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        form = content_type.startswith(_FORM)
        parts: list[bytes] = []

        async def checked_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = parts[0] if len(parts) == 1 else b"".join(parts)
                    parts.clear()
                    if (reason := _body_reason(body, form=form)) is not None:
                        raise UnstorableText("the request body", reason)
            return message

        await self.app(scope, checked_receive, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, message: str, fields: dict[str, str]
    ) -> None:
        response = self.renderer.for_scope(scope, ApiError(400, "bad_request", message, fields))
        await response(scope, receive, send)

"""Request body limits, in size and in time, that fail inside the app.

The failure is an `HTTPException` raised from `receive()`, so it surfaces where a route
reads its body and each wire format renders the 413 or 408 in its own error shape. The
server (granian) bounds how long the request *headers* may take, but not the body: a
client trickling one byte a second would otherwise hold its request open indefinitely.
"""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    """Reject bodies over `max_bytes` (declared or received) or late past `timeout_seconds`.

    The deadline covers the whole body, counted from the start of the request; once the
    body is complete, `receive()` is passed through untimed (it then only waits for the
    client to disconnect).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        too_large = declared.isdigit() and int(declared) > self.max_bytes
        deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        received = 0
        complete = False

        async def limited_receive() -> Message:
            nonlocal received, complete
            if too_large:
                raise self._too_large()
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise self._too_slow() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
                complete = not message.get("more_body", False)
            return message

        await self.app(scope, limited_receive, send)

    def _too_large(self) -> HTTPException:
        return HTTPException(413, f"the request body exceeds {self.max_bytes} bytes")

    def _too_slow(self) -> HTTPException:
        # The rest of the body may still be on its way: end the connection with the answer.
        return HTTPException(
            408,
            f"the request body did not arrive within {self.timeout_seconds:g} s",
            headers={"Connection": "close"},
        )

"""Fast JSON responses (orjson) and exact decimal numbers in them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from invoicery.domain import money
from invoicery.runtime import HEAVY_LINES

__all__ = [
    "DecimalJsonRoute",
    "JsonResponse",
    "amount_number",
    "json_bytes_response",
    "json_response_of",
    "plain_json",
    "timestamp_text",
]


_CHUNK_BYTES = 1 << 20


class JsonResponse(Response):
    """A JSON response rendered by orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


async def json_response_of(build: Callable[[], Any], *, lines: int) -> Response:
    """A JSON response of the document `build()` returns, built off the loop when heavy.

    Each step of a heavy response is kept short, since each one holds the GIL and the
    event loop can take it back only between them: the items are serialised one by one
    (one `orjson.dumps` of a 100 MB page held it for a few hundred milliseconds) and the
    body goes to the server in 1 MiB chunks (one 100 MB send held it for 300 ms).
    """
    if lines <= HEAVY_LINES:
        return Response(orjson.dumps(build()), media_type=JsonResponse.media_type)
    body = await asyncio.to_thread(_dump_in_pieces, build)
    return StreamingResponse(
        _chunks(body),
        media_type=JsonResponse.media_type,
        headers={"Content-Length": str(len(body))},
    )


def json_bytes_response(body: bytes) -> Response:
    """A JSON response of ready bytes; a large body goes to the server in 1 MiB chunks."""
    if len(body) <= _CHUNK_BYTES:
        return Response(body, media_type=JsonResponse.media_type)
    return StreamingResponse(
        _chunks(body),
        media_type=JsonResponse.media_type,
        headers={"Content-Length": str(len(body))},
    )


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    view = memoryview(body)
    for start in range(0, len(body), _CHUNK_BYTES):
        yield bytes(view[start : start + _CHUNK_BYTES])


def _dump_in_pieces(build: Callable[[], Any]) -> bytes:
    document = build()
    items = document.get("data") if isinstance(document, dict) else None
    if isinstance(items, list):
        document = {**document, "data": [orjson.Fragment(orjson.dumps(item)) for item in items]}
    return orjson.dumps(document)


def amount_number(minor: int, currency: str) -> orjson.Fragment:
    """An exact JSON number in major units, without trailing zeros: 30 USD cents -> 0.3."""
    text = money.to_major_string(minor, currency)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return orjson.Fragment(text.encode())


def timestamp_text(moment: datetime) -> str:
    """RFC 3339 UTC text with a `Z` suffix."""
    return moment.isoformat().replace("+00:00", "Z")


class _DecimalJsonRequest(Request):
    """A request whose JSON numbers with a fraction parse as `Decimal`, never as float."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            self._json = json.loads(body, parse_float=Decimal)
        return self._json


def plain_json(value: object) -> object:
    """A JSON value parsed by a `DecimalJsonRoute` (fractions as `Decimal`) with its
    fractions as the JSON numbers they were: custom properties are data, not money."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: plain_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_json(item) for item in value]
    return value


class DecimalJsonRoute(APIRoute):
    """Route class for endpoints whose bodies carry money."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def decimal_handler(request: Request) -> Response:
            return await handler(_DecimalJsonRequest(request.scope, request.receive))

        return decimal_handler

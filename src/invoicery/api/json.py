"""Fast JSON responses (orjson) and exact decimal numbers in them."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from invoicery.domain import money

__all__ = ["DecimalJsonRoute", "JsonResponse", "amount_number", "timestamp_text"]


class JsonResponse(Response):
    """A JSON response rendered by orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


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


class DecimalJsonRoute(APIRoute):
    """Route class for endpoints whose bodies carry money."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def decimal_handler(request: Request) -> Response:
            return await handler(_DecimalJsonRequest(request.scope, request.receive))

        return decimal_handler

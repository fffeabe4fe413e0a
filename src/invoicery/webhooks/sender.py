"""One delivery attempt: POST the stored body with the face's headers, read the answer.

An answer counts only when it arrives within `TIMEOUT_SECONDS` of the request's start;
redirects are not followed (a 3xx is a failed attempt). The response body is kept up
to `SNIPPET_BYTES`; secrets never reach the logs or the outcome.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import httpx

from invoicery.domain.webhooks import SNIPPET_BYTES, Delivery, Endpoint, Face, Outcome
from invoicery.webhooks import signing
from invoicery.webhooks.targets import TargetRefused, check_url, guarded_transport

__all__ = ["TIMEOUT_SECONDS", "USER_AGENT", "attempt", "new_client", "request_headers"]

TIMEOUT_SECONDS = 10.0
USER_AGENT = "Invoicery-Webhooks/1"


def new_client(*, allow_private: bool) -> httpx.AsyncClient:
    """An HTTP client for deliveries: SSRF-guarded unless `allow_private`, no proxies from env."""
    return httpx.AsyncClient(
        transport=guarded_transport(allow_private=allow_private),
        timeout=TIMEOUT_SECONDS,
        follow_redirects=False,
        trust_env=False,
    )


def request_headers(endpoint: Endpoint, delivery: Delivery, *, now: datetime) -> dict[str, str]:
    """The headers of an attempt at `now`: the endpoint's own, then the face's (which win)."""
    headers = {**endpoint.headers} if endpoint.face is Face.V1 else {}
    headers["content-type"] = "application/json"
    headers["user-agent"] = USER_AGENT
    if endpoint.face is Face.AP:
        if endpoint.secret:
            headers["authorization"] = f"Bearer {endpoint.secret}"
        return headers
    headers |= signing.headers(
        endpoint.signing_secrets(now),
        webhook_id=delivery.webhook_id,
        timestamp=int(now.timestamp()),
        body=delivery.payload.encode(),
    )
    return headers


async def _read_snippet(response: httpx.Response) -> str:
    kept = bytearray()
    async for chunk in response.aiter_bytes():
        kept += chunk
        if len(kept) >= SNIPPET_BYTES:
            break
    return bytes(kept[:SNIPPET_BYTES]).decode("utf-8", errors="ignore")


def _error_text(error: Exception) -> str:
    cause = error.__cause__
    if isinstance(cause, TargetRefused):
        return str(cause)
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return f"no answer within {TIMEOUT_SECONDS:g} s"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


async def attempt(
    client: httpx.AsyncClient, endpoint: Endpoint, delivery: Delivery, *, now: datetime
) -> Outcome:
    """POST `delivery` to `endpoint` once and say how it went; never raises for the network."""
    started = time.monotonic()

    def elapsed_ms() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        check_url(endpoint.url)
    except TargetRefused as refused:
        return Outcome(status_code=None, duration_ms=0, error=str(refused))
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            request = client.build_request(
                "POST",
                endpoint.url,
                content=delivery.payload.encode(),
                headers=request_headers(endpoint, delivery, now=now),
                timeout=TIMEOUT_SECONDS,
            )
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                snippet = await _read_snippet(response)
            finally:
                await response.aclose()
    except (httpx.HTTPError, httpx.InvalidURL, TimeoutError, OSError, ValueError) as error:
        return Outcome(status_code=None, duration_ms=elapsed_ms(), error=_error_text(error))
    return Outcome(status_code=response.status_code, duration_ms=elapsed_ms(), response=snippet)

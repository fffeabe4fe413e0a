"""The SSRF guard: only http(s) URLs, and only public addresses, checked where it connects."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from invoicery.domain import ids
from invoicery.domain.events import EventType
from invoicery.domain.webhooks import Delivery, Endpoint, Face, Outcome
from invoicery.webhooks import sender
from invoicery.webhooks.targets import (
    TargetRefused,
    address_refusal,
    check_url,
    guarded_transport,
)
from tests.support.receiver import receiver

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - refused, not bound
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not a public"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    reason = address_refusal(address)
    assert reason is not None
    assert kind in reason


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(address) is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "example.com/hooks",
        "https://",
        "https://u:p@example.com/",
    ],
)
def test_only_plain_http_and_https_urls_are_targets(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_url(url)


def _endpoint(url: str) -> Endpoint:
    return Endpoint(
        id=uuid4(),
        account_id=uuid4(),
        face=Face.AP,
        url=url,
        topic="invoice_paid",
        created_at=NOW,
        updated_at=NOW,
    )


def _delivery(endpoint: Endpoint) -> Delivery:
    return Delivery(
        id=ids.new_uuid7(),
        account_id=endpoint.account_id,
        endpoint_id=endpoint.id,
        event_id=ids.new_uuid7(),
        event_type=EventType.INVOICE_PAID,
        payload='{"id":"evt"}',
        created_at=NOW,
        next_attempt_at=NOW,
    )


async def _attempt(url: str, *, allow_private: bool, resolver: object = None) -> Outcome:
    transport = (
        guarded_transport(allow_private=allow_private)
        if resolver is None
        else guarded_transport(allow_private=allow_private, resolver=resolver)  # type: ignore[arg-type]
    )
    async with httpx.AsyncClient(transport=transport) as client:
        endpoint = _endpoint(url)
        return await sender.attempt(client, endpoint, _delivery(endpoint), now=NOW)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "localhost", "[::ffff:127.0.0.1]"],
)
async def test_the_guard_refuses_private_targets_before_connecting(host: str) -> None:
    with receiver() as hooks:
        port = hooks.url.split(":")[-1].split("/")[0]
        outcome = await _attempt(f"http://{host}:{port}/hooks", allow_private=False)
        assert outcome.status_code is None
        assert outcome.error is not None
        assert outcome.error.startswith("refused ")
        assert hooks.requests() == []


async def test_a_public_name_that_resolves_to_a_private_address_is_refused() -> None:
    async def rebinding(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "127.0.0.1"]

    with receiver() as hooks:
        outcome = await _attempt(
            hooks.url.replace("127.0.0.1", "hooks.example.com"),
            allow_private=False,
            resolver=rebinding,
        )
        assert outcome.error == "refused hooks.example.com: 127.0.0.1 is a loopback address"
        assert hooks.requests() == []


async def test_with_private_targets_allowed_a_loopback_receiver_gets_the_delivery() -> None:
    with receiver() as hooks:
        outcome = await _attempt(hooks.url.replace("127.0.0.1", "localhost"), allow_private=True)
        assert outcome.status_code == 204
        [request] = hooks.requests()
        assert request.body == b'{"id":"evt"}'
        assert request.headers["content-type"] == "application/json"
        assert "authorization" not in request.headers


async def test_redirects_are_not_followed() -> None:
    with receiver() as hooks:
        hooks.answer = lambda _request: 307
        outcome = await _attempt(hooks.url, allow_private=True)
        assert outcome.status_code == 307
        assert not outcome.succeeded
        assert len(hooks.requests()) == 1


def test_a_host_the_sender_cannot_encode_is_refused_at_once() -> None:
    with pytest.raises(TargetRefused, match="not a valid URL"):
        check_url("http://\u00cacy\u00a5/hook")

"""Standard Webhooks signatures: what `standardwebhooks` (the receivers' package) accepts."""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from invoicery.webhooks import signing

BODY = b'{"id":"evt_1","type":"invoice.paid"}'


def _headers(*secrets: str, timestamp: int | None = None) -> dict[str, str]:
    return signing.headers(
        secrets, webhook_id="evt_1", timestamp=timestamp or int(time.time()), body=BODY
    )


def test_a_new_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_")
    assert first != second
    assert len(first.removeprefix("whsec_")) == 44


def test_the_receivers_package_verifies_a_signed_body() -> None:
    secret = signing.new_secret()
    assert Webhook(secret).verify(BODY, _headers(secret)) is not None


def test_a_changed_body_or_another_secret_does_not_verify() -> None:
    secret = signing.new_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY + b" ", _headers(secret))
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(BODY, _headers(secret))


def test_during_a_rotation_receivers_holding_either_secret_verify() -> None:
    new, old = signing.new_secret(), signing.new_secret()
    headers = _headers(new, old)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(BODY, headers)
    Webhook(old).verify(BODY, headers)


def test_the_signed_content_is_id_dot_timestamp_dot_body() -> None:
    secret = signing.new_secret()
    headers = _headers(secret, timestamp=1_700_000_000)
    assert headers["webhook-timestamp"] == "1700000000"
    assert headers["webhook-id"] == "evt_1"
    assert headers["webhook-signature"] == signing.sign(
        secret, webhook_id="evt_1", timestamp=1_700_000_000, body=BODY
    )


def test_a_secret_without_the_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="whsec_"):
        signing.sign("c2VjcmV0", webhook_id="evt_1", timestamp=1, body=BODY)

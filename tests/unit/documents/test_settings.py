"""The operator settings of PDF links: lifetime and signing keys."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from invoicery.config import Settings


def test_links_live_900_seconds_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INVOICERY_PDF_LINK_TTL", raising=False)
    assert Settings().pdf_link_ttl == 900
    monkeypatch.setenv("INVOICERY_PDF_LINK_TTL", "60")
    assert Settings().pdf_link_ttl == 60
    for bad in ("0", "-5", "604801"):
        monkeypatch.setenv("INVOICERY_PDF_LINK_TTL", bad)
        with pytest.raises(ValidationError):
            Settings()


def test_signing_keys_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVOICERY_SIGNING_KEYS", f"kid2:{'a' * 32},kid1:{'b' * 32}")
    keys = Settings().signing_keys
    assert keys is not None
    assert keys.get_secret_value().startswith("kid2:")
    assert "a" * 32 not in repr(Settings())


def test_malformed_keys_fail_at_start_without_echoing_the_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INVOICERY_SIGNING_KEYS", "kid1:too-short-a-secret")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "too-short-a-secret" not in str(caught.value)
    assert "32" in str(caught.value)

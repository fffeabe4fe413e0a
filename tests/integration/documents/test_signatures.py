"""Signed download links over HTTP: expiry, tampering, another document, key rotation."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from invoicery.config import Settings
from tests.integration.documents.conftest import Host, link_fields, pdf_link
from tests.support.tenant import Tenant

KEY_1 = "k1:" + "1" * 40
KEY_2 = "k2:" + "2" * 40


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query=urlencode({**link_fields(url), **changes})).geturl()


def _assert_forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"
    assert "content-disposition" not in response.headers


async def test_the_link_is_absolute_under_the_public_url(
    tenant: Tenant, settings: Settings
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    base = settings.resolved_public_url()
    assert url.startswith(f"{base}/downloads/acct_")
    assert urlsplit(url).path.endswith(f"/{created['id']}.pdf")
    fields = link_fields(url)
    assert set(fields) == {"expires", "kid", "sig"}
    assert 895 <= int(fields["expires"]) - time.time() <= 900


async def test_an_expired_link_is_refused(tenant: Tenant, host: Host) -> None:
    created = await tenant.invoice()
    async with host(pdf_link_ttl=2) as short:  # expires 1-2 s from now (whole seconds)
        url = await pdf_link(tenant, created["id"], short)
        assert (await short.get(url)).status_code == 200
        expires = int(link_fields(url)["expires"])
        await asyncio.sleep(max(0.0, expires - time.time()) + 0.05)
        _assert_forbidden(await short.get(url))


@pytest.mark.parametrize(
    "changes",
    [
        {"expires": "4102444800"},  # 2100-01-01
        {"kid": "auto2"},
        {"sig": "A" * 43},
        {"extra": "1"},
    ],
    ids=lambda changes: next(iter(changes)),
)
async def test_a_tampered_link_is_refused(
    tenant: Tenant, http: httpx.AsyncClient, changes: dict[str, str]
) -> None:
    created = await tenant.invoice()
    url = await pdf_link(tenant, created["id"])
    _assert_forbidden(await http.get(_with_query(url, **changes)))
    assert (await http.get(url)).status_code == 200


async def test_a_signature_flipped_in_its_last_character_is_refused(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    url = await pdf_link(tenant, (await tenant.invoice())["id"])
    signature = link_fields(url)["sig"]
    forged = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    _assert_forbidden(await http.get(_with_query(url, sig=forged)))


async def test_a_missing_query_is_refused(tenant: Tenant, http: httpx.AsyncClient) -> None:
    url = await pdf_link(tenant, (await tenant.invoice())["id"])
    _assert_forbidden(await http.get(url.split("?")[0]))


async def test_a_signature_does_not_open_another_invoice(
    tenant: Tenant, other_tenant: Tenant, http: httpx.AsyncClient
) -> None:
    mine = await tenant.invoice()
    sibling = await tenant.invoice()
    foreign = await other_tenant.invoice()
    url = await pdf_link(tenant, mine["id"])
    _assert_forbidden(await http.get(url.replace(mine["id"], sibling["id"])))
    # the other account's invoice, under this link's account or under its own
    _assert_forbidden(await http.get(url.replace(mine["id"], foreign["id"])))
    foreign_url = await pdf_link(other_tenant, foreign["id"])
    account = urlsplit(foreign_url).path.split("/")[2]
    _assert_forbidden(await http.get(url.replace(urlsplit(url).path.split("/")[2], account)))


async def test_a_rotated_key_verifies_and_a_retired_key_does_not(
    tenant: Tenant, host: Host
) -> None:
    created = await tenant.invoice()
    async with host(signing_keys=KEY_1) as before:
        old_url = await pdf_link(tenant, created["id"], before)
        assert link_fields(old_url)["kid"] == "k1"
        assert (await before.get(old_url)).status_code == 200

    async with host(signing_keys=f"{KEY_2},{KEY_1}") as during:
        new_url = await pdf_link(tenant, created["id"], during)
        assert link_fields(new_url)["kid"] == "k2"
        assert (await during.get(old_url)).status_code == 200  # grace period
        assert (await during.get(new_url)).status_code == 200

    async with host(signing_keys=KEY_2) as after:
        _assert_forbidden(await after.get(old_url))  # retired
        assert (await after.get(new_url)).status_code == 200


async def test_a_key_of_the_same_name_but_another_secret_does_not_verify(
    tenant: Tenant, host: Host
) -> None:
    created = await tenant.invoice()
    async with host(signing_keys=KEY_1) as one:
        url = await pdf_link(tenant, created["id"], one)
    async with host(signing_keys="k1:" + "x" * 40) as impostor:
        _assert_forbidden(await impostor.get(url))

"""The customer portal through the app: both faces' token endpoints, the page, paying, PDFs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import httpx
import jwt
import pytest
from meteroid import AsyncMeteroid, NotFoundError
from meteroid.models import CustomerPortalScope

from invoicery.auth.scopes import Scope
from invoicery.config import Settings
from invoicery.domain import ids
from invoicery.service import portal
from invoicery.service.page_secret import load_page_secret
from invoicery.service.portal import PortalGrant, PortalScope
from invoicery.store.database import Database
from tests.conftest import PUBLIC_URL
from tests.integration.api.billing import v1
from tests.integration.pages.hosted import HostedPage, csrf_of
from tests.support.builders import line
from tests.support.tenant import Tenant

V1 = "/api/v1/customers/{}/portal-token"
AP = "/customers/{}/portal-link"
ISSUERS = (Scope.CUSTOMERS_WRITE.value, Scope.INVOICES_READ.value)
_HREF = re.compile(r'href="([^"]+)"')


async def _issue(
    tenant: Tenant,
    customer: str,
    *,
    face: str = "v1",
    body: dict[str, Any] | None = None,
    scopes: tuple[str, ...] = ISSUERS,
) -> httpx.Response:
    url = (V1 if face == "v1" else AP).format(customer)
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    return await tenant.http.post(url, headers=await tenant.headers(scopes), **kwargs)


async def _link(tenant: Tenant, customer: str, **body: Any) -> str:
    """The path of a new portal link for `customer`."""
    response = await _issue(tenant, customer, body=body or None)
    assert response.status_code == 200, response.text
    return httpx.URL(response.json()["portal_link"]).path


def _links(html: str) -> list[str]:
    return [unescape(href) for href in _HREF.findall(html)]


def _pay_links(html: str) -> list[str]:
    return [href for href in _links(html) if "/pay/" in href]


def _pdf_links(html: str) -> list[str]:
    return [href for href in _links(html) if "/downloads/" in href]


async def _key(db: Database, settings: Settings) -> bytes:
    """The portal key of the app under test (from the page secret it loads)."""
    secret = await load_page_secret(db, configured=settings.page_secret, data_dir=settings.data_dir)
    return portal.derive_key(secret)


async def _customer_with_invoices(tenant: Tenant, name: str, *amounts: float) -> dict[str, Any]:
    customer = await tenant.customer(name=name)
    customer["invoices"] = [
        await tenant.invoice(line(amount), customer_id=customer["id"], due_date="2099-01-31")
        for amount in amounts
    ]
    return customer


# ---- the token endpoints ------------------------------------------------------------


async def test_v1_issues_a_portal_token_as_meteroid_does(tenant: Tenant) -> None:
    customer = await v1.customer(tenant, name="Grace Hopper", alias="grace")
    before = datetime.now(UTC).replace(microsecond=0)
    response = await _issue(tenant, "grace")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"token", "portal_url", "portal_link", "api_url", "expires_at"}
    assert body["portal_url"] == f"{PUBLIC_URL}/portal"
    assert body["portal_link"] == f"{PUBLIC_URL}/portal/{body['token']}"
    assert body["api_url"] == PUBLIC_URL
    expires = datetime.fromisoformat(body["expires_at"])
    assert body["expires_at"].endswith("Z")
    assert before + timedelta(days=1) <= expires <= datetime.now(UTC) + timedelta(days=1)
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["customer_id"] == customer["id"]
    assert claims["account_id"] == tenant.client.account_id
    assert claims["scopes"] == ["manage", "read"]
    assert claims["exp"] == int(expires.timestamp())


async def test_v1_takes_a_lifetime_and_scopes(tenant: Tenant) -> None:
    customer = await tenant.customer()
    body = {"expires_in_seconds": 60, "scopes": ["read"]}
    response = await _issue(tenant, customer["id"], body=body)
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 60
    assert claims["scopes"] == ["read"]


async def test_the_ap_face_answers_the_same_body(tenant: Tenant) -> None:
    customer = await tenant.customer()
    response = await _issue(tenant, customer["id"], face="ap", body={"scopes": ["manage"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["portal_link"] == f"{PUBLIC_URL}/portal/{body['token']}"
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["customer_id"] == customer["id"]
    assert claims["scopes"] == ["manage"]


async def test_the_official_sdk_gets_a_working_portal_token(
    tenant: Tenant, http: httpx.AsyncClient
) -> None:
    customer = await _customer_with_invoices(tenant, "Grace Hopper", 120)
    client = AsyncMeteroid(
        api_key=await tenant.token(ISSUERS), base_url=PUBLIC_URL, http_client=http, max_retries=0
    )
    issued = await client.customers.create_portal_token(
        customer["id"], expires_in_seconds=3600, scopes=[CustomerPortalScope.READ]
    )
    assert issued.portal_link == f"{issued.portal_url}/{issued.token}"
    assert issued.extra_fields == {}
    assert timedelta(minutes=59) < issued.expires_at - datetime.now(UTC) <= timedelta(hours=1)
    page = await http.get(httpx.URL(issued.portal_link).path)
    assert customer["invoices"][0]["invoice_number"] in page.text
    assert _pay_links(page.text) == []  # read only
    with pytest.raises(NotFoundError):
        await client.customers.create_portal_token(ids.encode(ids.CUSTOMER, ids.new_uuid7()))


@pytest.mark.parametrize("face", ["v1", "ap"])
async def test_a_lifetime_may_be_any_json_integer(tenant: Tenant, face: str) -> None:
    customer = await tenant.customer()
    body = b'{"expires_in_seconds": 3600.0}'
    url = (V1 if face == "v1" else AP).format(customer["id"])
    headers = {**await tenant.headers(ISSUERS), "Content-Type": "application/json"}
    response = await tenant.http.post(url, content=body, headers=headers)
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 3600


@pytest.mark.parametrize(
    "body",
    [
        {"expires_in_seconds": 59},
        {"expires_in_seconds": 30 * 86_400 + 1},
        {"expires_in_seconds": "3600"},
        {"expires_in_seconds": 3600.5},
        {"scopes": []},
        {"scopes": ["read", "admin"]},
        {"scopes": "read"},
    ],
)
async def test_bad_options_are_refused_in_each_face_s_format(
    tenant: Tenant, body: dict[str, Any]
) -> None:
    customer = await tenant.customer()
    field = next(iter(body))
    refused = await _issue(tenant, customer["id"], body=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == "BAD_REQUEST"
    assert field in refused.json()["message"]
    refused = await _issue(tenant, customer["id"], face="ap", body=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "validation_error"
    assert [name.partition("[")[0] for name in refused.json()["validation_errors"]] == [field]


async def test_an_unknown_or_another_tenant_s_customer_is_404(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await v1.customer(other_tenant, alias="theirs")
    for reference in (theirs["id"], "theirs", ids.encode(ids.CUSTOMER, ids.new_uuid7()), "x"):
        response = await _issue(tenant, reference)
        assert response.status_code == 404, reference
        assert response.json()["code"] == "NOT_FOUND"
    for reference in (theirs["id"], "x"):
        response = await _issue(tenant, reference, face="ap")
        assert response.status_code == 404, reference
        assert response.json()["code"] == "not_found"


async def test_the_ap_face_takes_ids_not_aliases(tenant: Tenant) -> None:
    await v1.customer(tenant, alias="grace")
    assert (await _issue(tenant, "grace")).status_code == 200
    assert (await _issue(tenant, "grace", face="ap")).status_code == 404


@pytest.mark.parametrize("face", ["v1", "ap"])
async def test_issuing_needs_a_token(http: httpx.AsyncClient, tenant: Tenant, face: str) -> None:
    customer = await tenant.customer()
    response = await http.post((V1 if face == "v1" else AP).format(customer["id"]))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("face", ["v1", "ap"])
@pytest.mark.parametrize(
    "scopes",
    [
        (Scope.CUSTOMERS_WRITE.value,),
        (Scope.INVOICES_READ.value,),
        (Scope.CUSTOMERS_READ.value, Scope.INVOICES_READ.value),
    ],
)
async def test_issuing_needs_customers_write_and_invoices_read(
    tenant: Tenant, face: str, scopes: tuple[str, ...]
) -> None:
    customer = await tenant.customer()
    response = await _issue(tenant, customer["id"], face=face, scopes=scopes)
    assert response.status_code == 403, response.text
    assert "insufficient_scope" in response.headers["www-authenticate"]
    allowed = await _issue(tenant, customer["id"], face=face, scopes=ISSUERS)
    assert allowed.status_code == 200, allowed.text


async def test_an_archived_customer_still_gets_a_working_portal(tenant: Tenant) -> None:
    customer = await _customer_with_invoices(tenant, "Grace Hopper", 120)
    archived = await tenant.request("DELETE", f"/customers/{customer['id']}")
    assert archived.status_code == 200, archived.text
    page = await tenant.http.get(await _link(tenant, customer["id"]))
    assert page.status_code == 200
    assert customer["invoices"][0]["invoice_number"] in page.text


# ---- the portal page -----------------------------------------------------------------


async def test_the_portal_lists_only_this_customer_s_visible_invoices(tenant: Tenant) -> None:
    grace = await _customer_with_invoices(tenant, "Grace Hopper", 120, 75.5)
    alan = await _customer_with_invoices(tenant, "Alan Turing", 999)
    draft = await v1.draft(tenant, grace["id"])
    archived = await tenant.invoice(line(42), customer_id=grace["id"])
    assert (await tenant.request("DELETE", f"/invoices/{archived['id']}")).status_code == 200

    response = await tenant.http.get(await _link(tenant, grace["id"]))
    assert response.status_code == 200
    html = response.text
    assert "Invoices for Grace Hopper" in html
    first, second = grace["invoices"]
    assert html.index(second["invoice_number"]) < html.index(
        first["invoice_number"]
    )  # newest first
    assert "$120.00" in html
    assert "$75.50" in html
    assert "January 31, 2099" in html
    assert html.count('data-status="UPCOMING"') == 2
    assert "2 invoices" in html
    for hidden in (alan["invoices"][0], archived):
        assert hidden["invoice_number"] not in html
        assert hidden["id"] not in html
    assert draft["id"] not in html
    assert "Alan Turing" not in html
    assert "$999.00" not in html
    assert "<script" not in html


async def test_a_token_for_another_customer_shows_nothing_of_this_one(tenant: Tenant) -> None:
    grace = await _customer_with_invoices(tenant, "Grace Hopper", 120)
    alan = await _customer_with_invoices(tenant, "Alan Turing", 999)
    html = (await tenant.http.get(await _link(tenant, alan["id"]))).text
    assert alan["invoices"][0]["invoice_number"] in html
    assert grace["invoices"][0]["invoice_number"] not in html
    assert grace["invoices"][0]["id"] not in html
    assert "Grace Hopper" not in html
    assert "$120.00" not in html
    # nor can it pay one of hers
    grace_invoice = grace["invoices"][0]["id"]
    pay = await tenant.http.get(f"{await _link(tenant, alan['id'])}/pay/{grace_invoice}")
    assert pay.status_code == 404
    assert "not valid" in pay.text


async def test_the_portal_sends_the_pages_security_headers(tenant: Tenant) -> None:
    customer = await tenant.customer()
    response = await tenant.http.get(await _link(tenant, customer["id"]))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "There are no invoices yet." in response.text


async def test_an_expired_token_is_refused(
    db: Database, settings: Settings, tenant: Tenant
) -> None:
    customer = await _customer_with_invoices(tenant, "Grace Hopper", 120)
    key = await _key(db, settings)
    now = datetime.now(UTC).replace(microsecond=0)
    grant = PortalGrant(
        account_id=ids.decode(ids.ACCOUNT, tenant.client.account_id),
        customer_id=ids.decode(ids.CUSTOMER, customer["id"]),
        scopes=frozenset(PortalScope),
        issued_at=now - timedelta(hours=2),
        expires_at=now - timedelta(seconds=1),
    )
    fresh = PortalGrant(
        grant.account_id, grant.customer_id, grant.scopes, now, now + timedelta(minutes=5)
    )
    # the control: the same grant, not yet expired, opens the portal
    assert (await tenant.http.get(f"/portal/{portal.encode(key, fresh)}")).status_code == 200
    expired = portal.encode(key, grant)
    for path in (f"/portal/{expired}", f"/portal/{expired}/pay/{customer['invoices'][0]['id']}"):
        response = await tenant.http.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "not valid or has expired" in response.text
        assert "Grace Hopper" not in response.text
        assert customer["invoices"][0]["invoice_number"] not in response.text


async def test_tampered_and_foreign_tokens_are_refused(tenant: Tenant) -> None:
    customer = await _customer_with_invoices(tenant, "Grace Hopper", 120)
    path = await _link(tenant, customer["id"])
    token = path.rpartition("/")[2]
    head, _, signature = token.rpartition(".")
    tampered = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    forged = jwt.encode(
        jwt.decode(token, options={"verify_signature": False}),
        portal.derive_key(b"someone else's secret"),
        algorithm="HS256",
    )
    for bad in (tampered, forged, "not-a-token", "a.b.c"):
        response = await tenant.http.get(f"/portal/{bad}")
        assert response.status_code == 404, bad
        assert "Grace Hopper" not in response.text
    assert (await tenant.http.get(path)).status_code == 200


async def test_pay_an_open_invoice_from_the_portal(tenant: Tenant) -> None:
    customer = await _customer_with_invoices(tenant, "Grace Hopper", 120, 80)
    path = await _link(tenant, customer["id"])
    html = (await tenant.http.get(path)).text
    assert len(_pay_links(html)) == 2
    invoice = customer["invoices"][0]
    pay_link = f"{path}/pay/{invoice['id']}"
    assert pay_link in _pay_links(html)

    hop = await tenant.http.get(pay_link)
    assert hop.status_code == 303
    assert hop.headers["referrer-policy"] == "no-referrer"
    page_path = hop.headers["location"]
    assert re.fullmatch(r"/pay/[A-Za-z0-9_-]{43}", page_path)
    # the same page the API's payment link names
    link = await tenant.request("GET", f"/invoices/{invoice['id']}/payment-link")
    assert httpx.URL(link.json()["url"]).path == page_path

    hosted = await tenant.http.get(page_path)
    assert hosted.status_code == 200
    assert invoice["invoice_number"] in hosted.text
    paid = await HostedPage(tenant.http, page_path, invoice["id"], csrf_of(hosted.text)).pay_card()
    assert paid.status_code == 303, paid.text

    html = (await tenant.http.get(path)).text
    assert html.count('data-status="PAID"') == 1
    paid_row = html[html.index(f'data-invoice="{invoice["id"]}"') :].partition("</tr>")[0]
    assert re.findall(r'class="num">([^<]+)<', paid_row) == ["$120.00", "$0.00"]  # nothing due
    assert html.count('data-status="UPCOMING"') == 1
    assert _pay_links(html) == [f"{path}/pay/{customer['invoices'][1]['id']}"]
    assert f'Receipt<span class="visually-hidden"> for invoice {invoice["invoice_number"]}' in html
    # a stale pay link of the paid invoice leads back to the portal
    again = await tenant.http.get(pay_link)
    assert again.status_code == 303
    assert again.headers["location"] == path


async def test_a_read_only_token_cannot_pay(tenant: Tenant) -> None:
    customer = await _customer_with_invoices(tenant, "Grace Hopper", 120)
    path = await _link(tenant, customer["id"], scopes=["read"])
    html = (await tenant.http.get(path)).text
    assert customer["invoices"][0]["invoice_number"] in html
    assert _pay_links(html) == []
    assert len(_pdf_links(html)) == 1
    assert "To pay one, use the payment link" in html
    refused = await tenant.http.get(f"{path}/pay/{customer['invoices'][0]['id']}")
    assert refused.status_code == 404


async def test_the_pdf_link_downloads_the_invoice_pdf(tenant: Tenant) -> None:
    customer = await _customer_with_invoices(tenant, "Grace Hopper", 120)
    html = (await tenant.http.get(await _link(tenant, customer["id"]))).text
    [pdf_url] = _pdf_links(html)
    account, invoice = tenant.client.account_id, customer["invoices"][0]["id"]
    assert httpx.URL(pdf_url).path == f"/downloads/{account}/{invoice}.pdf"
    response = await tenant.http.get(pdf_url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


async def test_the_portal_pages_through_many_invoices(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portal, "PER_PAGE", 2)
    customer = await _customer_with_invoices(tenant, "Grace Hopper", 10, 20, 30)
    numbers = [invoice["invoice_number"] for invoice in customer["invoices"]]
    path = await _link(tenant, customer["id"])
    first = (await tenant.http.get(path)).text
    assert [number in first for number in numbers] == [False, True, True]
    assert "Page 1 of 2" in first
    assert f'href="{path}?page=2"' in first
    second = (await tenant.http.get(f"{path}?page=2")).text
    assert [number in second for number in numbers] == [True, False, False]
    assert f'href="{path}" rel="prev"' in second
    beyond = await tenant.http.get(f"{path}?page=9")
    assert beyond.status_code == 200
    assert "no invoices on this page" in beyond.text
    garbage = (await tenant.http.get(f"{path}?page=-1")).text
    assert "Page 1 of 2" in garbage

"""Billing-v1 customers: by id or alias, updates, archive, and the AP face's view of them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.support.tenant import Tenant

FULL: dict[str, Any] = {
    "alias": "acme-42",
    "billing_email": "billing@acme.example",
    "invoicing_emails": ["ap@acme.example", "cfo@acme.example"],
    "phone": "+49 30 1234567",
    "vat_number": "DE123456789",
    "currency": "EUR",
    "is_tax_exempt": False,
    "billing_address": {"line1": "Unter den Linden 1", "city": "Berlin", "country": "DE"},
    "shipping_address": {"same_as_billing": True},
    "custom_taxes": [{"tax_code": "DE-VAT", "name": "VAT", "rate": "0.19"}],
}


async def test_create_then_get_by_id_and_by_alias(tenant: Tenant) -> None:
    created = await v1.customer(tenant, name="Acme GmbH", **FULL)
    assert created["id"].startswith("cus_")
    assert created["alias"] == "acme-42"
    assert created["custom_taxes"] == [{"tax_code": "DE-VAT", "name": "VAT", "rate": "0.19"}]
    assert created["billing_address"]["city"] == "Berlin"
    assert created["invoicing_emails"] == FULL["invoicing_emails"]
    for reference in (created["id"], "acme-42"):
        fetched = await tenant.request("GET", f"{API}/customers/{reference}")
        assert fetched.status_code == 200
        assert fetched.json() == created


async def test_a_duplicate_alias_is_a_conflict_on_both_faces(tenant: Tenant) -> None:
    await v1.customer(tenant, alias="dup")
    again = await tenant.request("POST", f"{API}/customers", json=v1.customer_body(alias="dup"))
    assert_rest_error(again, 409, "CONFLICT")
    ap = await tenant.request(
        "POST", "/customers", json={"name": "X", "email": "x@example.com", "external_id": "dup"}
    )
    assert ap.status_code == 409


async def test_the_same_alias_is_fine_in_another_account(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    await v1.customer(tenant, alias="shared")
    await v1.customer(other_tenant, alias="shared")


async def test_one_customer_two_faces(tenant: Tenant) -> None:
    ap = await tenant.customer(name="Grace", email="grace@example.com", external_id="grace")
    seen = (await tenant.request("GET", f"{API}/customers/grace")).json()
    assert (seen["id"], seen["billing_email"], seen["currency"]) == (
        ap["id"],
        "grace@example.com",
        "USD",
    )
    created = await v1.customer(tenant, billing_email="ada@example.com", alias="ada")
    on_ap = (await tenant.request("GET", f"/customers/{created['id']}")).json()
    assert (on_ap["email"], on_ap["external_id"]) == ("ada@example.com", "ada")


@pytest.mark.parametrize(
    "body",
    [
        {"invoicing_emails": [], "currency": "USD", "custom_taxes": []},  # no name
        v1.customer_body(currency="XXX"),
        v1.customer_body(currency="usd"),
        v1.customer_body(billing_email="not-an-email"),
        v1.customer_body(custom_taxes=[{"tax_code": "X", "name": "X", "rate": "1.5"}]),
        v1.customer_body(custom_taxes=[{"tax_code": "X", "name": "X", "rate": "abc"}]),
        v1.customer_body(billing_address={"country": "Germany"}),
        v1.customer_body(is_tax_exempt="yes"),
        v1.customer_body(invoicing_entity_id="ive_unknown"),
        v1.customer_body(name=""),
    ],
)
async def test_invalid_customers_are_bad_requests(tenant: Tenant, body: dict[str, Any]) -> None:
    response = await tenant.request("POST", f"{API}/customers", json=body)
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_malformed_json_is_a_bad_request(tenant: Tenant) -> None:
    response = await tenant.request(
        "POST",
        f"{API}/customers",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_unknown_and_foreign_customers_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await v1.customer(other_tenant, alias="theirs")
    entity = (await v1.customer(tenant))["invoicing_entity_id"]
    for reference in ("cus_nope", "no-such-alias", theirs["id"], "theirs"):
        for method, path, body in (
            ("GET", "", None),
            ("PUT", "", v1.customer_body(invoicing_entity_id=entity)),
            ("PATCH", "", {"name": "X"}),
            ("DELETE", "", None),
            ("POST", "/unarchive", None),
        ):
            response = await tenant.request(method, f"{API}/customers/{reference}{path}", json=body)
            assert_rest_error(response, 404, "NOT_FOUND")


async def test_put_replaces_and_clears_what_is_left_out(tenant: Tenant) -> None:
    created = await v1.customer(tenant, **FULL)
    body = {
        "name": "Acme AG",
        "invoicing_emails": ["new@acme.example"],
        "currency": "CHF",
        "invoicing_entity_id": created["invoicing_entity_id"],
        "custom_taxes": [],
    }
    response = await tenant.request("PUT", f"{API}/customers/acme-42", json=body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["currency"], updated["alias"]) == ("Acme AG", "CHF", None)
    assert updated["billing_address"] is None
    assert updated["vat_number"] is None
    missing = {key: value for key, value in body.items() if key != "invoicing_entity_id"}
    response = await tenant.request("PUT", f"{API}/customers/{created['id']}", json=missing)
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_patch_changes_only_what_is_given(tenant: Tenant) -> None:
    created = await v1.customer(tenant, **FULL)
    response = await tenant.request(
        "PATCH", f"{API}/customers/acme-42", json={"phone": "+1 555", "vat_number": None}
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["phone"], patched["vat_number"]) == ("+1 555", None)
    assert {k: v for k, v in patched.items() if k not in ("phone", "vat_number")} == {
        k: v for k, v in created.items() if k not in ("phone", "vat_number")
    }
    for bad in ({"name": None}, {"currency": "XYZ"}, {"custom_taxes": None}):
        response = await tenant.request("PATCH", f"{API}/customers/acme-42", json=bad)
        assert_rest_error(response, 400, "BAD_REQUEST")


async def test_renaming_to_a_taken_alias_is_a_conflict(tenant: Tenant) -> None:
    await v1.customer(tenant, alias="first")
    await v1.customer(tenant, alias="second")
    response = await tenant.request("PATCH", f"{API}/customers/second", json={"alias": "first"})
    assert_rest_error(response, 409, "CONFLICT")


async def test_archive_and_unarchive(tenant: Tenant) -> None:
    created = await v1.customer(tenant, alias="leaving")
    path = f"{API}/customers/leaving"
    assert (await tenant.request("DELETE", path)).status_code == 204
    assert_rest_error(await tenant.request("DELETE", path), 409, "CONFLICT")
    fetched = await tenant.request("GET", path)
    assert fetched.status_code == 200
    assert fetched.json()["archived_at"] is not None
    live = (await tenant.request("GET", f"{API}/customers")).json()["data"]
    assert created["id"] not in [item["id"] for item in live]
    archived = (await tenant.request("GET", f"{API}/customers?archived=true")).json()["data"]
    assert [item["id"] for item in archived] == [created["id"]]
    assert (await tenant.request("POST", f"{path}/unarchive")).status_code == 204
    assert_rest_error(await tenant.request("POST", f"{path}/unarchive"), 409, "CONFLICT")
    live = (await tenant.request("GET", f"{API}/customers")).json()["data"]
    assert created["id"] in [item["id"] for item in live]


async def test_list_pages_newest_first_with_exact_counts(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    made = [(await v1.customer(tenant, name=f"Customer {n}"))["id"] for n in range(5)]
    await v1.customer(other_tenant)
    seen = []
    for page in range(3):
        response = await tenant.request("GET", f"{API}/customers?page={page}&per_page=2")
        body = response.json()
        assert body["pagination_meta"] == {
            "page": page,
            "per_page": 2,
            "total_items": 5,
            "total_pages": 3,
        }
        seen += [item["id"] for item in body["data"]]
    assert seen == list(reversed(made))
    found = (await tenant.request("GET", f"{API}/customers?search=customer 3")).json()
    assert [item["id"] for item in found["data"]] == [made[3]]


@pytest.mark.parametrize("query", ["page=-1", "per_page=0", "per_page=101", "page=x"])
async def test_bad_list_parameters(tenant: Tenant, query: str) -> None:
    response = await tenant.request("GET", f"{API}/customers?{query}")
    assert_rest_error(response, 400, "BAD_REQUEST")


NEW = {"Invoicery-Version": "2026-10"}
OLD = {"Invoicery-Version": "2026-03"}


async def test_each_version_renders_the_same_customer_its_own_way(tenant: Tenant) -> None:
    created = await v1.customer(tenant, name="Acme GmbH", **FULL)
    old = (await tenant.request("GET", f"{API}/customers/acme-42", headers=OLD)).json()
    new = (await tenant.request("GET", f"{API}/customers/acme-42", headers=NEW)).json()
    assert old == created
    assert {key: new[key] for key in old} == old
    assert {key: value for key, value in new.items() if key not in old} == {
        "customer_type": "COMPANY",
        "first_name": None,
        "last_name": None,
        "legal_number": None,
        "buyer_reference": None,
        "exemption_reason": None,
        "preferred_locales": [],
        "invoicing_language": None,
        "custom_properties": {},
        "connected_account_id": None,
    }


async def test_a_2026_10_create_needs_only_a_name_and_a_currency(tenant: Tenant) -> None:
    response = await tenant.request(
        "POST", f"{API}/customers", json={"name": "Acme", "currency": "EUR"}, headers=NEW
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["invoicing_emails"], created["custom_taxes"]) == ([], [])
    old = await tenant.request(
        "POST", f"{API}/customers", json={"name": "Acme", "currency": "EUR"}, headers=OLD
    )
    assert_rest_error(old, 400, "BAD_REQUEST")


async def test_null_clears_in_2026_03_and_is_ignored_in_2026_10(tenant: Tenant) -> None:
    await v1.customer(tenant, **FULL)
    path = f"{API}/customers/acme-42"
    nulls = {"vat_number": None, "phone": None, "name": None, "custom_taxes": None}
    kept = await tenant.request("PATCH", path, json=nulls, headers=NEW)
    assert kept.status_code == 200, kept.text
    assert (kept.json()["vat_number"], kept.json()["phone"]) == ("DE123456789", FULL["phone"])
    assert kept.json()["custom_taxes"] == FULL["custom_taxes"]
    cleared = await tenant.request(
        "PATCH", path, json={"vat_number": None, "phone": None}, headers=OLD
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["vat_number"], cleared.json()["phone"]) == (None, None)


async def test_a_2026_03_change_keeps_what_only_2026_10_shows(tenant: Tenant) -> None:
    body = {
        "name": "Acme",
        "currency": "EUR",
        "preferred_locales": ["fr-FR"],
        "custom_properties": {"crm": "A-1"},
        "legal_number": "RCS 123",
    }
    created = await tenant.request("POST", f"{API}/customers", json=body, headers=NEW)
    assert created.status_code == 201, created.text
    path = f"{API}/customers/{created.json()['id']}"
    replace = v1.customer_body(
        name="Acme SA", invoicing_entity_id=created.json()["invoicing_entity_id"]
    )
    assert (await tenant.request("PUT", path, json=replace, headers=OLD)).status_code == 200
    seen = (await tenant.request("GET", path, headers=NEW)).json()
    assert seen["name"] == "Acme SA"
    assert (seen["preferred_locales"], seen["custom_properties"], seen["legal_number"]) == (
        ["fr-FR"],
        {"crm": "A-1"},
        "RCS 123",
    )
    ap = (await tenant.request("GET", f"/customers/{created.json()['id']}")).json()
    assert ap["locale"] == "fr-FR"


async def test_both_versions_sort_by_order_by(tenant: Tenant) -> None:
    made = [(await v1.customer(tenant, name=name))["id"] for name in ("B", "C", "A")]
    for headers in (OLD, NEW):
        response = await tenant.request(
            "GET", f"{API}/customers?order_by=name.asc", headers=headers
        )
        assert [item["id"] for item in response.json()["data"]] == [made[2], made[0], made[1]]
    response = await tenant.request("GET", f"{API}/customers?order_by=id.asc")
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_entitlements_are_empty_for_a_customer_and_need_customers_read(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    await v1.customer(tenant, alias="entitled")
    theirs = await v1.customer(other_tenant, alias="theirs")
    for headers in (OLD, NEW):
        response = await tenant.request(
            "GET", f"{API}/customers/entitled/entitlements", headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"data": []}
    for reference in ("cus_nope", theirs["id"], "theirs"):
        missing = await tenant.request("GET", f"{API}/customers/{reference}/entitlements")
        assert_rest_error(missing, 404, "NOT_FOUND")
    path = f"{API}/customers/entitled/entitlements"
    assert_rest_error(await tenant.http.get(path), 401, "UNAUTHORIZED")
    headers = await tenant.headers(("invoices:read", "customers:write"))
    assert_rest_error(await tenant.http.get(path, headers=headers), 403, "FORBIDDEN")


def _body(**fields: Any) -> dict[str, Any]:
    return {"name": "Acme", "currency": "EUR", **fields}


# (2026-10 create body, valid): what the published schema says is what the server does.
CREATES_2026_10 = [
    (_body(), True),
    (_body(name=""), False),
    (_body(customer_type="company"), False),
    (_body(preferred_locales=["de-AT", "en", "zh-Hant-TW"]), True),
    (_body(preferred_locales=["de AT"]), False),
    (_body(preferred_locales=["en"] * 11), False),
    (_body(invoicing_language="fr"), True),
    (_body(connected_account_id="ca_1"), False),
    (_body(connected_account_id=None), True),
    (_body(custom_properties={"a": 1, "b": 1.5, "c": "x", "d": True, "e": [1, "x"]}), True),
    (_body(custom_properties={"a": {"nested": 1}}), False),
    (_body(custom_properties={"a": [[1]]}), False),
    (_body(custom_properties={"a": 2**53}), True),
    (_body(custom_properties={"a": 2**53 + 1}), False),
    (_body(custom_properties={"a": -1.5e300}), False),
    (_body(custom_properties={"": 1}), False),
    (_body(custom_properties={f"k{n}": n for n in range(51)}), False),
    (_body(legal_number="x" * 101), False),
    (_body(invoicing_emails=None, custom_taxes=None), True),
]


@pytest.mark.parametrize(("body", "valid"), CREATES_2026_10)
async def test_2026_10_create_bodies_are_refused_as_published(
    tenant: Tenant, http: httpx.AsyncClient, body: dict[str, Any], valid: bool
) -> None:
    document = (await http.get(f"{API}/openapi.json?version=2026-10")).json()
    schema = {"$ref": "#/components/schemas/CustomerCreateRequest"}
    published = Draft202012Validator({**schema, "components": document["components"]})
    response = await tenant.request("POST", f"{API}/customers", json=body, headers=NEW)
    assert (published.is_valid(body), response.status_code) == (valid, 201 if valid else 400)


async def test_a_2026_10_company_needs_a_name_as_its_description_says(tenant: Tenant) -> None:
    response = await tenant.request(
        "POST", f"{API}/customers", json={"currency": "EUR"}, headers=NEW
    )
    assert_rest_error(response, 400, "BAD_REQUEST")
    assert "name" in response.json()["message"]

"""Billing-v1 coupons: creation, validation, listing, and their limits at finalization."""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from invoicery.service.invoices import lifecycle
from tests.integration.api.billing import v1
from tests.integration.api.billing.v1 import API, assert_rest_error
from tests.support.tenant import Tenant


async def test_coupons_are_created_and_listed(tenant: Tenant, other_tenant: Tenant) -> None:
    percent = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    fixed = await v1.coupon(tenant, "FIVE", type="Fixed", amount=500, currency="USD")
    await v1.coupon(other_tenant, "THEIRS", type="Percentage", percentage="1")
    assert percent["discount"] == {"type": "Percentage", "percentage": "10"}
    assert fixed["discount"] == {"type": "Fixed", "amount": 500, "currency": "USD"}
    assert percent["id"].startswith("cpn_")
    response = await tenant.request("GET", f"{API}/coupons?per_page=1")
    assert response.status_code == 200
    body = response.json()
    assert [item["code"] for item in body["data"]] == ["FIVE"]
    assert body["pagination_meta"]["total_items"] == 2
    again = await tenant.request(
        "POST", f"{API}/coupons", json={"code": "TEN", "discount": percent["discount"]}
    )
    assert_rest_error(again, 409, "CONFLICT")


@pytest.mark.parametrize(
    "body",
    [
        {"code": "X", "discount": {"type": "Percentage", "percentage": "0"}},
        {"code": "X", "discount": {"type": "Percentage", "percentage": "100.5"}},
        {"code": "X", "discount": {"type": "Percentage"}},
        {"code": "X", "discount": {"type": "Fixed", "amount": 0, "currency": "USD"}},
        {"code": "X", "discount": {"type": "Fixed", "amount": 5}},
        {"code": "X", "discount": {"type": "Fixed", "amount": 5.5, "currency": "USD"}},
        {"code": "X", "discount": {"type": "Bogus"}},
        {"code": "", "discount": {"type": "Percentage", "percentage": "5"}},
        {
            "code": "X",
            "discount": {"type": "Percentage", "percentage": "5"},
            "redemption_limit": 0,
        },
        {
            "code": "X",
            "discount": {"type": "Percentage", "percentage": "5"},
            "expires_at": "2030-01-01T00:00:00",
        },
    ],
)
async def test_invalid_coupons_are_bad_requests(tenant: Tenant, body: dict[str, Any]) -> None:
    response = await tenant.request("POST", f"{API}/coupons", json=body)
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_a_redemption_limit_is_enforced_at_finalization(tenant: Tenant) -> None:
    once = await tenant.request(
        "POST",
        f"{API}/coupons",
        json={
            "code": "ONCE",
            "discount": {"type": "Percentage", "percentage": "50"},
            "redemption_limit": 1,
        },
    )
    coupon_id = once.json()["id"]
    customer = await v1.customer(tenant)
    first = await v1.draft(tenant, customer["id"], coupon_ids=[coupon_id])
    second = await v1.draft(tenant, customer["id"], coupon_ids=[coupon_id])
    assert second["coupons"] == [{"coupon_id": coupon_id, "name": "ONCE", "total": 5000}]
    await v1.act(tenant, first["id"], "finalize")
    response = await tenant.request("POST", f"{API}/invoices/{second['id']}/finalize")
    assert_rest_error(response, 409, "CONFLICT")
    listed = (await tenant.request("GET", f"{API}/coupons")).json()["data"]
    assert listed[0]["redemptions"] == 1
    third = await tenant.request(
        "POST",
        f"{API}/invoices",
        json={"customer_id": customer["id"], "line_items": [v1.line()], "coupon_ids": [coupon_id]},
    )
    assert_rest_error(third, 400, "BAD_REQUEST")


async def test_expired_and_foreign_currency_coupons_are_refused(tenant: Tenant) -> None:
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    expired = await tenant.request(
        "POST",
        f"{API}/coupons",
        json={
            "code": "OLD",
            "discount": {"type": "Percentage", "percentage": "5"},
            "expires_at": past,
        },
    )
    euros = await v1.coupon(tenant, "EUR5", type="Fixed", amount=500, currency="EUR")
    customer = await v1.customer(tenant)
    for coupon_id in (expired.json()["id"], euros["id"]):
        response = await tenant.request(
            "POST",
            f"{API}/invoices",
            json={
                "customer_id": customer["id"],
                "line_items": [v1.line()],
                "coupon_ids": [coupon_id],
            },
        )
        assert_rest_error(response, 400, "BAD_REQUEST")


# --- one coupon: read, change, life cycle ---------------------------------------------

V2026_10 = {"Invoicery-Version": "2026-10"}
MISSING = "cpn_01jm0000000000000000000000"
ACTIONS = ("archive", "unarchive", "disable", "enable")


async def test_a_coupon_is_read_and_changed_in_2026_03_shapes(tenant: Tenant) -> None:
    created = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    url = f"{API}/coupons/{created['id']}"
    fetched = await tenant.request("GET", url)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == created
    renamed = await tenant.request("PATCH", url, json={"description": "Ten off"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == {**created, "description": "Ten off"}
    terms = {"type": "Fixed", "amount": 250, "currency": "USD"}
    repriced = await tenant.request("PATCH", url, json={"discount": terms})
    assert repriced.json() == {**created, "description": "Ten off", "discount": terms}
    kept = await tenant.request("PATCH", url, json={"description": None, "discount": None})
    assert kept.json() == repriced.json()
    assert (await tenant.request("GET", url)).json() == repriced.json()


@pytest.mark.parametrize(
    "body",
    [
        {"discount": {"type": "Percentage", "percentage": "0"}},
        {"discount": {"type": "Fixed", "amount": 5}},
        {"discount": {"type": "Bogus"}},
        {"description": "x" * 5001},
    ],
)
async def test_invalid_coupon_changes_are_bad_requests(
    tenant: Tenant, body: dict[str, Any]
) -> None:
    created = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    response = await tenant.request("PATCH", f"{API}/coupons/{created['id']}", json=body)
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_disable_enable_archive_unarchive_and_refused_repeats(tenant: Tenant) -> None:
    created = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    url = f"{API}/coupons/{created['id']}"
    steps = [
        ("enable", 409),
        ("unarchive", 409),
        ("disable", 204),
        ("disable", 409),
        ("enable", 204),
        ("archive", 204),
        ("archive", 409),
        ("unarchive", 204),
    ]
    for action, status in steps:
        response = await tenant.request("POST", f"{url}/{action}")
        if status == 204:
            assert response.status_code == 204, (action, response.text)
            assert response.content == b""
        else:
            assert_rest_error(response, 409, "CONFLICT")
    assert (await tenant.request("GET", url)).json() == created  # 2026-03 shows neither flag
    shown = (await tenant.request("GET", url, headers=V2026_10)).json()
    assert (shown["disabled"], shown["archived_at"]) == (False, None)


async def test_unknown_or_foreign_coupons_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await v1.coupon(other_tenant, "THEIRS", type="Percentage", percentage="1")
    for coupon_id in (MISSING, "not-an-id", theirs["id"]):
        url = f"{API}/coupons/{coupon_id}"
        assert_rest_error(await tenant.request("GET", url), 404, "NOT_FOUND")
        patch = await tenant.request("PATCH", url, json={"description": "x"})
        assert_rest_error(patch, 404, "NOT_FOUND")
        for action in ACTIONS:
            response = await tenant.request("POST", f"{url}/{action}")
            assert_rest_error(response, 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path", "body", "scope"),
    [
        ("GET", f"/coupons/{MISSING}", None, "invoices:read"),
        ("PATCH", f"/coupons/{MISSING}", {"description": "x"}, "invoices:write"),
        *[("POST", f"/coupons/{MISSING}/{action}", None, "invoices:write") for action in ACTIONS],
    ],
)
async def test_coupon_endpoints_need_a_token_with_their_scope(
    tenant: Tenant, method: str, path: str, body: Any, scope: str
) -> None:
    anonymous = await tenant.http.request(method, API + path, json=body)
    assert_rest_error(anonymous, 401, "UNAUTHORIZED")
    everything = ("invoices:read", "invoices:write", "customers:read", "customers:write")
    headers = await tenant.headers(tuple(s for s in everything if s != scope))
    response = await tenant.http.request(method, API + path, json=body, headers=headers)
    assert_rest_error(response, 403, "FORBIDDEN")


# --- codes, lists ---------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, V2026_10], ids=["2026-03", "2026-10"])
@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("A" * 64, True),
        ("spring-2030_b", True),
        ("A" * 65, False),
        ("HAS SPACE", False),
        ("DOT.TED", False),
        ("ÜBER", False),
        ("", False),
    ],
)
async def test_codes_are_letters_digits_dashes_and_underscores(
    tenant: Tenant, headers: dict[str, str], code: str, valid: bool
) -> None:
    kind = "PERCENTAGE" if headers else "Percentage"
    body = {"code": code, "discount": {"type": kind, "percentage": "5"}}
    response = await tenant.request("POST", f"{API}/coupons", json=body, headers=headers)
    if valid:
        assert response.status_code == 201, response.text
    else:
        assert_rest_error(response, 400, "BAD_REQUEST")


async def test_lists_filter_search_and_sort(tenant: Tenant) -> None:
    alpha = await v1.coupon(tenant, "ALPHA", type="Percentage", percentage="5")
    beta = await v1.coupon(tenant, "BETA", type="Percentage", percentage="5")
    gamma = await v1.coupon(tenant, "GAMMA", type="Percentage", percentage="5")
    later = (datetime.now(UTC) + timedelta(days=9)).isoformat()
    sooner = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for code, expiry in (("DELTA", later), ("EPSILON", sooner)):
        body = {"code": code, "discount": alpha["discount"], "expires_at": expiry}
        assert (await tenant.request("POST", f"{API}/coupons", json=body)).status_code == 201
    await tenant.request("POST", f"{API}/coupons/{beta['id']}/disable")
    await tenant.request("POST", f"{API}/coupons/{gamma['id']}/archive")

    async def codes(query: str) -> list[str]:
        response = await tenant.request("GET", f"{API}/coupons?{query}")
        assert response.status_code == 200, response.text
        return [item["code"] for item in response.json()["data"]]

    assert await codes("") == ["EPSILON", "DELTA", "GAMMA", "BETA", "ALPHA"]
    assert await codes("filter=ALL&order_by=created_at.asc") == [
        "ALPHA",
        "BETA",
        "GAMMA",
        "DELTA",
        "EPSILON",
    ]
    assert await codes("filter=ACTIVE&order_by=code.asc") == ["ALPHA", "DELTA", "EPSILON"]
    assert await codes("filter=INACTIVE") == ["BETA"]
    assert await codes("filter=ARCHIVED") == ["GAMMA"]
    assert await codes("search=lph") == ["ALPHA"]
    assert await codes("search=%25") == []
    assert await codes("order_by=expires_at.asc") == [
        "EPSILON",
        "DELTA",
        "GAMMA",
        "BETA",
        "ALPHA",
    ]
    assert await codes("order_by=expires_at.desc&per_page=2") == ["DELTA", "EPSILON"]
    for query in ("order_by=code", "order_by=redemptions.asc", "filter=Active", "filter=x"):
        response = await tenant.request("GET", f"{API}/coupons?{query}")
        assert_rest_error(response, 400, "BAD_REQUEST")


# --- 2026-10 bodies -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"code": "X", "discount": {"type": "FIXED", "amount": "10.5", "currency": "JPY"}},
        {"code": "X", "discount": {"type": "FIXED", "amount": "0.00", "currency": "USD"}},
        {"code": "X", "discount": {"type": "FIXED", "amount": "1e3", "currency": "USD"}},
        {"code": "X", "discount": {"type": "Fixed", "amount": "10", "currency": "USD"}},
        {"code": "X", "discount": {"type": "PERCENTAGE", "percentage": "100.5"}},
        {"code": "X", "discount": {"type": "PERCENTAGE", "percentage": "5"}, "plan_ids": ["p"]},
        {"code": "X", "discount": {"type": "PERCENTAGE", "percentage": "5"}, "recurring_value": 0},
        {"code": "X", "discount": {"type": "PERCENTAGE", "percentage": "5"}, "reusable": "no"},
    ],
)
async def test_invalid_2026_10_coupons_are_bad_requests(
    tenant: Tenant, body: dict[str, Any]
) -> None:
    response = await tenant.request("POST", f"{API}/coupons", json=body, headers=V2026_10)
    assert_rest_error(response, 400, "BAD_REQUEST")


async def test_a_2026_10_coupon_reads_the_same_in_2026_03(tenant: Tenant) -> None:
    body = {"code": "KWD", "discount": {"type": "FIXED", "amount": "1.250", "currency": "KWD"}}
    created = await tenant.request("POST", f"{API}/coupons", json=body, headers=V2026_10)
    assert created.status_code == 201, created.text
    assert created.json()["discount"] == body["discount"]
    old = (await tenant.request("GET", f"{API}/coupons/{created.json()['id']}")).json()
    assert old["discount"] == {"type": "Fixed", "amount": 1250, "currency": "KWD"}
    assert old["redemptions"] == created.json()["redemption_count"] == 0


# --- disabled and archived coupons on drafts ------------------------------------------


@pytest.mark.parametrize("headers", [{}, V2026_10], ids=["2026-03", "2026-10"])
@pytest.mark.parametrize("action", ["disable", "archive"])
async def test_a_disabled_or_archived_coupon_cannot_be_applied_to_a_new_draft(
    tenant: Tenant, headers: dict[str, str], action: str
) -> None:
    coupon = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    customer = await v1.customer(tenant)
    await v1.draft(tenant, customer["id"], coupon_ids=[coupon["id"]])
    acted = await tenant.request("POST", f"{API}/coupons/{coupon['id']}/{action}", headers=headers)
    assert acted.status_code == 204, acted.text
    body = {"customer_id": customer["id"], "line_items": [v1.line()], "coupon_ids": [coupon["id"]]}
    response = await tenant.request("POST", f"{API}/invoices", json=body, headers=headers)
    assert_rest_error(response, 400, "BAD_REQUEST")
    assert f"{action}d" in response.json()["message"]
    undo = "enable" if action == "disable" else "unarchive"
    await tenant.request("POST", f"{API}/coupons/{coupon['id']}/{undo}", headers=headers)
    again = await tenant.request("POST", f"{API}/invoices", json=body, headers=headers)
    assert again.status_code == 201, again.text


async def test_a_draft_whose_coupon_was_disabled_since_cannot_be_finalized(tenant: Tenant) -> None:
    coupon = await v1.coupon(tenant, "TEN", type="Percentage", percentage="10")
    draft = await v1.draft(tenant, coupon_ids=[coupon["id"]])
    await tenant.request("POST", f"{API}/coupons/{coupon['id']}/disable")
    response = await tenant.request("POST", f"{API}/invoices/{draft['id']}/finalize")
    assert_rest_error(response, 409, "CONFLICT")
    await tenant.request("POST", f"{API}/coupons/{coupon['id']}/enable")
    await v1.act(tenant, draft["id"], "finalize")


# --- reusable: once per customer ------------------------------------------------------


async def _coupon_2026_10(tenant: Tenant, code: str, *, reusable: bool) -> str:
    """A 10 % coupon made in 2026-10 (2026-03 cannot say `reusable`); its id."""
    body = {
        "code": code,
        "discount": {"type": "PERCENTAGE", "percentage": "10"},
        "reusable": reusable,
    }
    response = await tenant.request("POST", f"{API}/coupons", json=body, headers=V2026_10)
    assert response.status_code == 201, response.text
    assert response.json()["reusable"] is reusable
    coupon_id: str = response.json()["id"]
    return coupon_id


async def _redemption_count(tenant: Tenant, coupon_id: str) -> int:
    response = await tenant.request("GET", f"{API}/coupons/{coupon_id}")
    count: int = response.json()["redemptions"]
    return count


@pytest.mark.parametrize("headers", [{}, V2026_10], ids=["2026-03", "2026-10"])
async def test_a_coupon_that_is_not_reusable_is_redeemed_once_per_customer(
    tenant: Tenant, headers: dict[str, str]
) -> None:
    coupon_id = await _coupon_2026_10(tenant, "ONCE", reusable=False)
    ada, bob = await v1.customer(tenant), await v1.customer(tenant, name="Bob")
    first = await v1.draft(tenant, ada["id"], coupon_ids=[coupon_id])
    await v1.act(tenant, first["id"], "finalize")
    body = {
        "customer_id": ada["id"],
        "line_items": [v1.line()],
        "coupon_ids": [MISSING, coupon_id],
    }
    refused = await tenant.request("POST", f"{API}/invoices", json=body, headers=headers)
    assert_rest_error(refused, 400, "BAD_REQUEST")
    message = refused.json()["message"]
    assert "coupon_ids[1]: coupon ONCE is not reusable" in message, message
    theirs = {**body, "customer_id": bob["id"], "coupon_ids": [coupon_id]}
    accepted = await tenant.request("POST", f"{API}/invoices", json=theirs, headers=headers)
    assert accepted.status_code == 201, accepted.text
    await v1.act(tenant, accepted.json()["id"], "finalize")
    assert await _redemption_count(tenant, coupon_id) == 2


async def test_a_reusable_coupon_is_redeemed_again_by_the_same_customer(tenant: Tenant) -> None:
    coupon_id = await _coupon_2026_10(tenant, "AGAIN", reusable=True)
    customer = await v1.customer(tenant)
    for _ in range(2):
        draft = await v1.draft(tenant, customer["id"], coupon_ids=[coupon_id])
        finalized = await v1.act(tenant, draft["id"], "finalize")
        assert [coupon["coupon_id"] for coupon in finalized["coupons"]] == [coupon_id]
    assert await _redemption_count(tenant, coupon_id) == 2


async def test_of_two_drafts_with_a_coupon_that_is_not_reusable_only_one_is_finalized(
    tenant: Tenant,
) -> None:
    coupon_id = await _coupon_2026_10(tenant, "ONCE", reusable=False)
    customer = await v1.customer(tenant)
    first = await v1.draft(tenant, customer["id"], coupon_ids=[coupon_id])
    second = await v1.draft(tenant, customer["id"], coupon_ids=[coupon_id])
    await v1.act(tenant, first["id"], "finalize")
    refused = await tenant.request("POST", f"{API}/invoices/{second['id']}/finalize")
    assert_rest_error(refused, 409, "CONFLICT")
    assert "ONCE is not reusable" in refused.json()["message"]
    still = await tenant.request("GET", f"{API}/invoices/{second['id']}")
    assert still.json()["status"] == "Draft"
    assert await _redemption_count(tenant, coupon_id) == 1


async def test_concurrent_finalizations_redeem_a_coupon_that_is_not_reusable_once(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As from two server processes: without the in-process queue, only the customer's
    row lock keeps the two finalizations apart."""
    monkeypatch.setattr(lifecycle, "numbering_queue", lambda db, account_id: nullcontext())
    coupon_id = await _coupon_2026_10(tenant, "ONCE", reusable=False)
    customer = await v1.customer(tenant)
    drafts = [(await v1.draft(tenant, customer["id"], coupon_ids=[coupon_id]))["id"] for _ in "ab"]
    responses = await asyncio.gather(
        *(tenant.request("POST", f"{API}/invoices/{draft}/finalize") for draft in drafts)
    )
    assert sorted(response.status_code for response in responses) == [200, 409]
    assert await _redemption_count(tenant, coupon_id) == 1


async def test_voiding_an_invoice_does_not_give_its_redemption_back(tenant: Tenant) -> None:
    coupon_id = await _coupon_2026_10(tenant, "ONCE", reusable=False)
    customer = await v1.customer(tenant)
    draft = await v1.draft(tenant, customer["id"], coupon_ids=[coupon_id])
    await v1.act(tenant, draft["id"], "finalize")
    await v1.act(tenant, draft["id"], "void")
    body = {"customer_id": customer["id"], "line_items": [v1.line()], "coupon_ids": [coupon_id]}
    refused = await tenant.request("POST", f"{API}/invoices", json=body)
    assert_rest_error(refused, 400, "BAD_REQUEST")
    assert await _redemption_count(tenant, coupon_id) == 1

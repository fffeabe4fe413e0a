"""Property-based hostile input against a real server: no 5xx, no answer slower than 1 s.

Hypothesis draws what an attacker with an ordinary token would send: numbers in every
notation (huge and tiny exponents, digits by the thousand, NaN, signs, non-ASCII digits)
as JSON numbers and as decimal text, text with NUL, control characters and unpaired
surrogates, dates and timestamps at both ends of the calendar and beyond, and puts them
into every field and filter of both faces. The server runs as a real process on each
database; one worker, so a stalled request would show as a slow answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicery.auth.scopes import ALL_SCOPES
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

MAX_SECONDS = 1.0
EXAMPLES = 40
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A server on each database, a client with a token, and ids of existing records."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    server = ServerProcess(tmp_path_factory.mktemp("hostile"), {"INVOICERY_DATABASE_URL": url})
    client = server.create_client(*ALL_SCOPES, account=f"hostile-{request.param}")
    server.start()
    headers = {"Authorization": f"Bearer {server.token(client)}"}
    try:
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
            ap_customer = http.post("/customers", json={"name": "A", "email": "a@example.com"})
            v1_customer = http.post(
                "/api/v1/customers",
                json={"name": "V", "currency": "USD", "invoicing_emails": [], "custom_taxes": []},
            )
            ids = {"ap_customer": ap_customer.json()["id"], "v1_customer": v1_customer.json()["id"]}
            draft = http.post(
                "/api/v1/invoices",
                json={
                    "customer_id": ids["v1_customer"],
                    "line_items": [{"name": "x", "quantity": "1", "unit_price": "1"}],
                },
            )
            ids["draft"] = draft.json()["id"]
            yield http, ids
    finally:
        server.stop()


def send(http: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send one request; fail on a 5xx or an answer slower than `MAX_SECONDS`."""
    started = time.perf_counter()
    response = http.request(method, url, **kwargs)
    elapsed = time.perf_counter() - started
    assert response.status_code < 500, (method, url, kwargs, response.text)
    assert elapsed < MAX_SECONDS, (method, url, kwargs, elapsed)
    return response


def _quote(value: str) -> str:
    # at most 2,000 characters: a URL must stay within what HTTP clients send (64 KiB)
    return quote(value[:2000].encode("utf-8", "surrogatepass"), safe="")


def url(path: str, *segments: str, **params: str) -> str:
    """`path`, then each of `segments` and the query `params`, percent-encoded as bytes."""
    path += "".join("/" + _quote(segment) for segment in segments)
    query = "&".join(f"{name}={_quote(value)}" for name, value in params.items())
    return f"{path}?{query}" if query else path


def raw_json(http: httpx.Client, method: str, url: str, text: str) -> httpx.Response:
    """Send `text` as a JSON body, verbatim."""
    content = text.encode("utf-8", "surrogatepass")
    return send(http, method, url, content=content, headers={"Content-Type": "application/json"})


# --- strategies -------------------------------------------------------------------------

_EXPONENTS = st.one_of(
    st.integers(-40, 40),
    st.integers(-10_000_000_000, 10_000_000_000),
    st.sampled_from([999999, 1000000, -999999, 2**31, -(2**63), 10**18]),
)
_DIGITS = st.one_of(
    st.from_regex(r"[0-9]{1,20}", fullmatch=True), st.integers(1, 6000).map(lambda n: "9" * n)
)

json_numbers = st.one_of(
    st.builds(
        lambda sign, whole, fraction, exponent: f"{sign}{whole}{fraction}{exponent}",
        st.sampled_from(["", "-"]),
        _DIGITS,
        st.one_of(st.just(""), _DIGITS.map(lambda d: "." + d)),
        st.one_of(st.just(""), _EXPONENTS.map(lambda e: f"E{e:+d}"), _EXPONENTS.map("e{}".format)),
    ),
    st.sampled_from(["0", "-0", "0.0", "1e-400", "1e400", "1E+9999999999"]),
)
"""Valid JSON number tokens, most of them absurd."""

decimal_texts = st.one_of(
    json_numbers,
    st.sampled_from(
        ["NaN", "-Infinity", "inf", "sNaN", "1_000", "0x1F", "١٢٣", "+5", " 7 ", "1,5", "", "."]
    ),
    st.text(max_size=30),
)
"""What a client might put in a decimal string field."""

hostile_text = st.one_of(
    st.text(
        st.one_of(
            st.characters(codec=None, categories=None),
            st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        ),
        max_size=40,
    ),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=10),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "\udfff", "x\ud83d", "\u202e", "\ufeff"]),
    st.text(max_size=5).map(lambda t: t * 1000),
)
"""Text with NUL, control characters, unpaired surrogates and the odd long string."""

calendar_texts = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "9999-12-31",
            "0000-01-01",
            "10000-01-01",
            "2026-02-30",
            "2026-13-01",
            "1899-12-31",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00:00+99:00",
        ]
    ),
    st.text(max_size=25),
)
"""Dates and timestamps at and beyond the calendar's ends, and things that are neither."""

big_ints = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 2**31, 2**31 - 1, 2**63, 2**63 - 1, -(2**63) - 1, 10**30]),
)


def _text(value: str) -> str:
    """`value` as a JSON string, keeping unpaired surrogates as escapes."""
    return json.dumps(value)


# --- the AP face -----------------------------------------------------------------------


@PROPERTY
@given(number=json_numbers, quantity=big_ints)
def test_ap_invoice_amounts_and_quantities(
    live: tuple[httpx.Client, dict[str, str]], number: str, quantity: int
) -> None:
    http, ids = live
    body = (
        f'{{"customer_id": "{ids["ap_customer"]}", "line_items": '
        f'[{{"amount": {number}, "quantity": {quantity}, "description": "x"}}]}}'
    )
    raw_json(http, "POST", "/invoices", body)


@PROPERTY
@given(text=hostile_text, due=calendar_texts, currency=hostile_text)
def test_ap_invoice_texts_dates_and_currency(
    live: tuple[httpx.Client, dict[str, str]], text: str, due: str, currency: str
) -> None:
    http, ids = live
    body = (
        f'{{"customer_id": "{ids["ap_customer"]}", "memo": {_text(text)}, '
        f'"due_date": {_text(due)}, "currency": {_text(currency)}, '
        f'"line_items": [{{"amount": 1, "description": {_text(text)}}}]}}'
    )
    raw_json(http, "POST", "/invoices", body)
    customer = f'{{"name": {_text(text)}, "email": "a@b.c", "company_name": {_text(text)}}}'
    raw_json(http, "POST", "/customers", customer)


@PROPERTY
@given(
    instant=calendar_texts,
    text=hostile_text,
    limit=big_ints,
    resource=st.sampled_from(["/invoices", "/customers"]),
)
def test_ap_list_filters(
    live: tuple[httpx.Client, dict[str, str]], instant: str, text: str, limit: int, resource: str
) -> None:
    http, _ = live
    for name in ("created_at_start", "created_at_end", "due_date_start", "due_date_end"):
        send(http, "GET", url(resource, **{name: instant}))
    for name in ("invoice_number", "customer_id", "company_name", "status", "after", "before"):
        send(http, "GET", url(resource, **{name: text}))
    send(http, "GET", url(resource, limit=str(limit)))
    send(http, "GET", url(resource, text))


# --- the billing v1 face ---------------------------------------------------------------


@PROPERTY
@given(quantity=decimal_texts, price=decimal_texts, rate=decimal_texts, raw=json_numbers)
def test_v1_line_decimals(
    live: tuple[httpx.Client, dict[str, str]], quantity: str, price: str, rate: str, raw: str
) -> None:
    http, ids = live
    line = {"name": "x", "quantity": quantity, "unit_price": price, "tax_rate": rate}
    body = {"customer_id": ids["v1_customer"], "line_items": [line]}
    raw_json(http, "POST", "/api/v1/invoices", json.dumps(body))
    text = (
        f'{{"customer_id": "{ids["v1_customer"]}", "line_items": [{{"name": "x", '
        f'"sub_line_items": [{{"name": "t", "quantity": {raw}, "unit_price": {raw}}}]}}]}}'
    )
    raw_json(http, "PATCH", f"/api/v1/invoices/{ids['draft']}", text)


@PROPERTY
@given(day=calendar_texts, terms=big_ints, text=hostile_text)
def test_v1_invoice_dates_terms_and_texts(
    live: tuple[httpx.Client, dict[str, str]], day: str, terms: int, text: str
) -> None:
    http, ids = live
    line = {"name": text, "quantity": "1", "unit_price": "1", "start_date": day}
    body = {
        "customer_id": ids["v1_customer"],
        "line_items": [line],
        "invoice_date": day,
        "net_terms": terms,
        "memo": text,
        "purchase_order": text,
    }
    raw_json(http, "POST", "/api/v1/invoices", json.dumps(body))
    raw_json(http, "PATCH", f"/api/v1/invoices/{ids['draft']}", json.dumps({"due_date": day}))


@PROPERTY
@given(
    amount=big_ints,
    percentage=decimal_texts,
    expires=calendar_texts,
    limit=big_ints,
    text=hostile_text,
)
def test_v1_coupons_and_credits(
    live: tuple[httpx.Client, dict[str, str]],
    amount: int,
    percentage: str,
    expires: str,
    limit: int,
    text: str,
) -> None:
    http, ids = live
    fixed = {"type": "Fixed", "amount": amount, "currency": "USD"}
    for discount in (fixed, {"type": "Percentage", "percentage": percentage}):
        body = {
            "code": text,
            "discount": discount,
            "expires_at": expires,
            "redemption_limit": limit,
            "description": text,
        }
        raw_json(http, "POST", "/api/v1/coupons", json.dumps(body))
    credit = {"amount": amount, "currency": "USD", "description": text}
    url = f"/api/v1/customers/{ids['v1_customer']}/credits"
    raw_json(http, "POST", url, json.dumps(credit))


@PROPERTY
@given(text=hostile_text, number=big_ints, rate=decimal_texts)
def test_v1_customers_and_lists(
    live: tuple[httpx.Client, dict[str, str]], text: str, number: int, rate: str
) -> None:
    http, _ = live
    body = {
        "name": text,
        "alias": text,
        "currency": text,
        "invoicing_emails": [text],
        "custom_taxes": [{"tax_code": text, "name": text, "rate": rate}],
        "billing_address": {"line1": text, "country": text},
    }
    raw_json(http, "POST", "/api/v1/customers", json.dumps(body))
    for resource in ("/api/v1/invoices", "/api/v1/customers", "/api/v1/coupons"):
        send(http, "GET", url(resource, page=str(number), per_page=str(number)))
        send(http, "GET", url(resource, search=text, customer_id=text, status=text))
        send(http, "GET", url(resource, text))
        send(http, "GET", url(resource, text, "credits"))

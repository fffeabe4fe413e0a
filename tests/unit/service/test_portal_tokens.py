"""Portal tokens: what they carry, and every way a token is refused (without a database)."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from invoicery.domain import ids
from invoicery.domain.errors import NotFound
from invoicery.service import portal
from invoicery.service.portal import PortalGrant, PortalScope

KEY = portal.derive_key(b"the page secret of this server")
OTHER_KEY = portal.derive_key(b"the page secret of another server")
NOW = datetime(2027, 3, 5, 12, 0, tzinfo=UTC)
ACCOUNT = ids.new_uuid7()
CUSTOMER = ids.new_uuid7()


def _grant(
    *, scopes: frozenset[PortalScope] | None = None, lifetime: timedelta = timedelta(hours=1)
) -> PortalGrant:
    return PortalGrant(
        account_id=ACCOUNT,
        customer_id=CUSTOMER,
        scopes=scopes if scopes is not None else frozenset({PortalScope.READ}),
        issued_at=NOW,
        expires_at=NOW + lifetime,
    )


def _claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": portal.ISSUER,
        "aud": portal.AUDIENCE,
        "account_id": ids.encode(ids.ACCOUNT, ACCOUNT),
        "customer_id": ids.encode(ids.CUSTOMER, CUSTOMER),
        "scopes": ["read"],
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _refused(token: str, *, now: datetime = NOW, key: bytes = KEY) -> None:
    with pytest.raises(NotFound) as raised:
        portal.verify(key, token, now=now)
    assert raised.value.message == "portal not found"  # the same for every reason


def test_the_key_is_derived_and_differs_from_the_page_secret() -> None:
    secret = b"the page secret of this server"
    assert len(KEY) == 32
    assert secret not in KEY
    assert portal.derive_key(secret) == KEY
    assert OTHER_KEY != KEY


def test_a_token_round_trips() -> None:
    grant = _grant(scopes=frozenset(PortalScope))
    token = portal.encode(KEY, grant)
    assert portal.verify(KEY, token, now=NOW + timedelta(minutes=59)) == grant


def test_the_token_is_an_hs256_jwt_with_the_documented_claims() -> None:
    token = portal.encode(KEY, _grant(scopes=frozenset(PortalScope)))
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims == {
        "iss": "invoicery",
        "aud": "invoicery:customer-portal",
        "account_id": ids.encode(ids.ACCOUNT, ACCOUNT),
        "customer_id": ids.encode(ids.CUSTOMER, CUSTOMER),
        "scopes": ["manage", "read"],
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 3600,
    }


def test_a_token_expires_on_the_injected_clock() -> None:
    token = portal.encode(KEY, _grant(lifetime=timedelta(hours=1)))
    assert portal.verify(KEY, token, now=NOW + timedelta(seconds=3599)).customer_id == CUSTOMER
    _refused(token, now=NOW + timedelta(seconds=3600))
    _refused(token, now=NOW + timedelta(days=365))


def test_a_token_issued_in_the_future_is_refused_beyond_clock_skew() -> None:
    token = portal.encode(KEY, _grant(lifetime=timedelta(days=1)))
    assert portal.verify(KEY, token, now=NOW - timedelta(seconds=30)).account_id == ACCOUNT
    _refused(token, now=NOW - timedelta(minutes=5))


def test_a_token_signed_with_another_key_is_refused() -> None:
    _refused(portal.encode(OTHER_KEY, _grant()))
    # nor is one signed with the page secret itself instead of the derived key
    _refused(jwt.encode(_claims(), b"the page secret of this server" * 2, algorithm="HS256"))


@pytest.mark.parametrize(
    "change",
    [
        lambda claims: {**claims, "customer_id": ids.encode(ids.CUSTOMER, ids.new_uuid7())},
        lambda claims: {**claims, "account_id": ids.encode(ids.ACCOUNT, ids.new_uuid7())},
        lambda claims: {**claims, "scopes": ["read", "manage"]},
        lambda claims: {**claims, "exp": claims["exp"] + 86_400},
    ],
    ids=["customer", "account", "scopes", "expiry"],
)
def test_a_tampered_payload_is_refused(change: Any) -> None:
    header, payload, signature = portal.encode(KEY, _grant()).split(".")
    original = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    _refused(f"{header}.{_b64(change(original))}.{signature}")


def test_a_tampered_signature_is_refused() -> None:
    token = portal.encode(KEY, _grant())
    head, _, signature = token.rpartition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    _refused(f"{head}.{flipped}")


def test_the_none_algorithm_is_refused() -> None:
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}."
    _refused(unsigned)


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_algorithms_are_refused_even_with_the_right_key(algorithm: str) -> None:
    with warnings.catch_warnings():  # the key is short for these: that is not the point here
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        token = jwt.encode(_claims(), KEY, algorithm=algorithm)
    _refused(token)


@pytest.mark.parametrize(
    "claims",
    [
        _claims(aud="someone-else"),
        _claims(aud=[portal.AUDIENCE, "someone-else"]),
        _claims(iss="someone-else"),
        _claims(aud=None),
        _claims(iss=None),
        _claims(exp=None),
        _claims(iat=None),
        _claims(exp="tomorrow"),
        _claims(exp=10**20),
        _claims(scopes=[]),
        _claims(scopes=["read", "admin"]),
        _claims(scopes="read"),
        _claims(customer_id=None),
        _claims(customer_id=ids.encode(ids.INVOICE, CUSTOMER)),
        _claims(account_id="acct_nonsense"),
    ],
    ids=[
        "audience",
        "several-audiences",
        "issuer",
        "no-audience",
        "no-issuer",
        "no-expiry",
        "no-issued-at",
        "text-expiry",
        "huge-expiry",
        "no-scopes",
        "unknown-scope",
        "scopes-not-a-list",
        "no-customer",
        "invoice-id-as-customer",
        "bad-account",
    ],
)
def test_tokens_with_wrong_or_missing_claims_are_refused(claims: dict[str, Any]) -> None:
    _refused(jwt.encode(claims, KEY, algorithm="HS256"))


def test_a_well_formed_token_from_the_right_key_is_accepted() -> None:
    # the control for the test above: the same claims, unchanged, pass
    grant = portal.verify(KEY, jwt.encode(_claims(), KEY, algorithm="HS256"), now=NOW)
    assert grant.scopes == {PortalScope.READ}
    assert not grant.may_pay


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "é.é.é", "x" * 5000])
def test_garbage_is_refused(token: str) -> None:
    _refused(token)


def test_an_overlong_token_is_refused_before_decoding() -> None:
    claims = _claims(padding="x" * portal.MAX_TOKEN_CHARS)
    _refused(jwt.encode(claims, KEY, algorithm="HS256"))


def test_manage_lets_the_holder_pay() -> None:
    assert _grant(scopes=frozenset({PortalScope.READ, PortalScope.MANAGE})).may_pay
    assert _grant(scopes=frozenset({PortalScope.MANAGE})).may_pay
    assert not _grant(scopes=frozenset({PortalScope.READ})).may_pay

"""Link signatures: valid, expired, tampered, another path, rotated and retired keys."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

import pytest

from invoicery.documents.signing import InvalidLink, KeyRing, SigningKey, parse_keys, sign, verify

OLD = SigningKey("k1", b"o" * 32)
NEW = SigningKey("k2", b"n" * 32)
PATH = "/downloads/acct_0000000000000000000000000a/inv_0000000000000000000000000b.pdf"
NOW = 1_800_000_000


def _fields(query: str) -> dict[str, str]:
    return dict(parse_qsl(query))


def _with(query: str, **changes: str) -> str:
    return urlencode({**_fields(query), **changes})


def test_a_fresh_link_verifies_until_it_expires() -> None:
    ring = KeyRing((NEW,))
    query = sign(ring, PATH, expires=NOW + 900)
    granted = verify(ring, PATH, query, now=NOW)
    assert (granted.path, granted.expires, granted.kid) == (PATH, NOW + 900, "k2")
    assert verify(ring, PATH, query, now=NOW + 899.9).expires == NOW + 900
    with pytest.raises(InvalidLink, match="expired"):
        verify(ring, PATH, query, now=NOW + 900)


def test_the_query_names_expiry_key_and_signature() -> None:
    fields = _fields(sign(KeyRing((NEW,)), PATH, expires=NOW))
    assert set(fields) == {"expires", "kid", "sig"}
    assert fields["expires"] == str(NOW)
    assert fields["kid"] == "k2"
    assert len(fields["sig"]) == 43  # 256 bits, base64url without padding


@pytest.mark.parametrize(
    "changes",
    [
        {"expires": str(NOW + 10_000)},
        {"expires": f"0{NOW + 900}"},
        {"kid": "k1"},
        {"kid": "nope"},
        {"sig": "A" * 43},
        {"sig": ""},
        {"sig": "é" * 43},
        {"expires": "soon"},
    ],
    ids=lambda changes: "-".join(changes),
)
def test_a_tampered_query_field_is_refused(changes: dict[str, str]) -> None:
    ring = KeyRing((NEW, OLD))
    query = sign(ring, PATH, expires=NOW + 900)
    with pytest.raises(InvalidLink):
        verify(ring, PATH, _with(query, **changes), now=NOW)


def test_each_single_character_change_of_the_signature_is_refused() -> None:
    ring = KeyRing((NEW,))
    query = sign(ring, PATH, expires=NOW + 900)
    signature = _fields(query)["sig"]
    for index in range(len(signature)):
        flipped = "B" if signature[index] == "A" else "A"
        forged = signature[:index] + flipped + signature[index + 1 :]
        with pytest.raises(InvalidLink):
            verify(ring, PATH, _with(query, sig=forged), now=NOW)


@pytest.mark.parametrize(
    "query_of",
    [
        lambda q: q + "&extra=1",
        lambda q: q + "&sig=" + _fields(q)["sig"],
        lambda q: urlencode({k: v for k, v in _fields(q).items() if k != "kid"}),
        lambda q: "",
    ],
    ids=["extra field", "repeated field", "missing field", "no query"],
)
def test_the_query_must_hold_exactly_the_three_fields(query_of: Callable[[str], str]) -> None:
    ring = KeyRing((NEW,))
    query = sign(ring, PATH, expires=NOW + 900)
    with pytest.raises(InvalidLink):
        verify(ring, PATH, query_of(query), now=NOW)


def test_a_signature_is_good_for_its_own_path_and_method_only() -> None:
    ring = KeyRing((NEW,))
    query = sign(ring, PATH, expires=NOW + 900)
    with pytest.raises(InvalidLink):
        verify(ring, PATH.replace("b.pdf", "c.pdf"), query, now=NOW)
    with pytest.raises(InvalidLink):
        verify(ring, PATH.replace("a/", "d/"), query, now=NOW)
    with pytest.raises(InvalidLink):
        verify(ring, PATH, query, now=NOW, method="DELETE")


def test_rotation_new_key_signs_old_key_verifies_until_removed() -> None:
    before = KeyRing((OLD,))
    during = KeyRing((NEW, OLD))
    after = KeyRing((NEW,))
    old_link = sign(before, PATH, expires=NOW + 900)
    new_link = sign(during, PATH, expires=NOW + 900)
    assert _fields(new_link)["kid"] == "k2"
    assert verify(during, PATH, old_link, now=NOW).kid == "k1"
    assert verify(during, PATH, new_link, now=NOW).kid == "k2"
    assert verify(after, PATH, new_link, now=NOW).kid == "k2"
    with pytest.raises(InvalidLink, match="no longer accepted"):
        verify(after, PATH, old_link, now=NOW)


def test_a_key_id_reused_with_another_secret_does_not_verify() -> None:
    query = sign(KeyRing((NEW,)), PATH, expires=NOW + 900)
    impostor = KeyRing((SigningKey("k2", b"x" * 32),))
    with pytest.raises(InvalidLink, match="signature"):
        verify(impostor, PATH, query, now=NOW)


def test_parse_keys_reads_pairs_in_order() -> None:
    ring = parse_keys(f" k2:{'n' * 32} , k1:{'o' * 31}:x ")
    assert [key.kid for key in ring.keys] == ["k2", "k1"]
    assert ring.current.secret == b"n" * 32
    assert ring.find("k1") == SigningKey("k1", b"o" * 31 + b":x")
    assert ring.find("k3") is None
    assert "n" * 32 not in repr(ring)


@pytest.mark.parametrize(
    "text",
    ["", "k1", f":{'s' * 32}", f"k 1:{'s' * 32}", "k1:short", f"k1:{'s' * 32},k1:{'t' * 32}"],
    ids=["empty", "no secret", "no kid", "bad kid", "short secret", "duplicate kid"],
)
def test_parse_keys_rejects_malformed_configuration(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_keys(text)

"""Signed, expiring download links: HMAC-SHA256 over method, path, expiry and key id.

A link is ``PATH?expires=UNIX_SECONDS&kid=KEY_ID&sig=SIGNATURE`` where

    SIGNATURE = base64url(HMAC-SHA256(key[kid], "invoicery.link.v1\\nGET\\nPATH\\nEXPIRES\\nKID"))

without padding. The path carries both the account and the invoice id, so a signature
is good for one document of one account only. Verification accepts exactly these three
query fields, each once: any other field, a missing or repeated one, an unknown key
id, a wrong signature (compared with `hmac.compare_digest`) or a past expiry is refused
with `InvalidLink`.

Keys rotate through a `KeyRing`: its first key signs, every key in it verifies. An
operator adds a new key in front, keeps the old one for at least the link lifetime
(the grace period), then removes it; links signed with a removed key stop verifying.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

__all__ = [
    "InvalidLink",
    "KeyRing",
    "SigningKey",
    "Verified",
    "parse_keys",
    "sign",
    "verify",
]

_CONTEXT = "invoicery.link.v1"
_FIELDS = ("expires", "kid", "sig")
_KID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_EXPIRES = re.compile(r"^[0-9]{1,12}$")
MIN_SECRET_LENGTH = 32


class InvalidLink(Exception):
    """A download link that is malformed, tampered with, signed by an unknown key, or expired."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One HMAC key and the id links name it by."""

    kid: str
    secret: bytes

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r}, secret=<hidden>)"


@dataclass(frozen=True, slots=True)
class KeyRing:
    """Keys in order of preference: the first signs, all of them verify."""

    keys: tuple[SigningKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("a key ring needs at least one key")
        kids = [key.kid for key in self.keys]
        if len(set(kids)) != len(kids):
            raise ValueError("key ids must be unique")

    @property
    def current(self) -> SigningKey:
        """The key new links are signed with."""
        return self.keys[0]

    def find(self, kid: str) -> SigningKey | None:
        """The key called `kid`, if it is still in the ring."""
        return next((key for key in self.keys if key.kid == kid), None)


@dataclass(frozen=True, slots=True)
class Verified:
    """What a valid link grants: the path until `expires` (Unix seconds)."""

    path: str
    expires: int
    kid: str


def parse_keys(text: str) -> KeyRing:
    """Parse ``"kid2:secret2,kid1:secret1"`` (first one signs); `ValueError` if malformed."""
    keys = []
    for entry in text.split(","):
        kid, sep, secret = entry.strip().partition(":")
        if not sep or not _KID.match(kid):
            raise ValueError(
                "signing keys must be 'KID:SECRET' pairs separated by commas; a KID is "
                "1-32 letters, digits, '.', '_' or '-'"
            )
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"signing key {kid!r}: the secret needs >= {MIN_SECRET_LENGTH} chars")
        keys.append(SigningKey(kid, secret.encode()))
    return KeyRing(tuple(keys))


def _signature(key: SigningKey, method: str, path: str, expires: str) -> str:
    message = "\n".join((_CONTEXT, method, path, expires, key.kid)).encode()
    digest = hmac.new(key.secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(ring: KeyRing, path: str, *, expires: int, method: str = "GET") -> str:
    """The query string that makes `path` a valid link until `expires` (Unix seconds)."""
    key = ring.current
    stamp = str(expires)
    signature = _signature(key, method, path, stamp)
    return urlencode({"expires": stamp, "kid": key.kid, "sig": signature})


def _fields(query: str | Sequence[tuple[str, str]]) -> dict[str, str]:
    items = parse_qsl(query, keep_blank_values=True) if isinstance(query, str) else list(query)
    names = [name for name, _ in items]
    if sorted(names) != sorted(_FIELDS):
        raise InvalidLink("the link's query must hold expires, kid and sig exactly once")
    return dict(items)


def verify(
    ring: KeyRing,
    path: str,
    query: str | Sequence[tuple[str, str]],
    *,
    now: float,
    method: str = "GET",
) -> Verified:
    """Check a link's signature and expiry at Unix time `now`; `InvalidLink` if refused."""
    fields = _fields(query)
    kid, expires, given = fields["kid"], fields["expires"], fields["sig"]
    key = ring.find(kid)
    if key is None:
        raise InvalidLink("the link was signed with a key that is no longer accepted")
    if not _EXPIRES.match(expires):
        raise InvalidLink("the link's expiry is malformed")
    expected = _signature(key, method, path, expires)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise InvalidLink("the link's signature does not match")
    if now >= int(expires):
        raise InvalidLink("the link has expired")
    return Verified(path=path, expires=int(expires), kid=kid)

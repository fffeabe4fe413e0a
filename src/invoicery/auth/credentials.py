"""Generation and hashing of client secrets, access tokens and API keys.

All are 256-bit random values (an API key behind a recognisable prefix, so that secret
scanners can find one that leaked), so a single SHA-256 is the right hash: no password
stretching is needed for high-entropy secrets, and lookups stay fast. Comparisons of
secret hashes are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = [
    "API_KEY_PREFIX",
    "hash_secret",
    "is_api_key",
    "new_access_token",
    "new_api_key",
    "new_secret",
    "secret_matches",
]

API_KEY_PREFIX = "inv_sk_"
"""How every API key begins (and no access token: see `new_access_token`)."""


def new_secret() -> str:
    """A fresh URL-safe random secret with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def new_access_token() -> str:
    """A fresh access token: a secret that cannot be taken for an API key."""
    while is_api_key(token := new_secret()):  # about once in 4 * 10**12 tokens
        pass
    return token


def new_api_key() -> str:
    """A fresh API key: the prefix and a secret with 256 bits of entropy."""
    return API_KEY_PREFIX + new_secret()


def is_api_key(token: str) -> bool:
    """Whether a bearer value is shaped like an API key (rather than an access token)."""
    return token.startswith(API_KEY_PREFIX)


def hash_secret(secret: str) -> str:
    """The stored form of a secret or token: its SHA-256, hex encoded."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Whether `secret` hashes to `stored_hash`, compared in constant time."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)

"""Generation and hashing of client secrets and access tokens.

Both are 256-bit random values, so a single SHA-256 is the right hash: no password
stretching is needed for high-entropy secrets, and lookups stay fast. Comparisons of
secret hashes are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["hash_secret", "new_secret", "secret_matches"]


def new_secret() -> str:
    """A fresh URL-safe random secret with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The stored form of a secret or token: its SHA-256, hex encoded."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Whether `secret` hashes to `stored_hash`, compared in constant time."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)

"""The in-process principal cache: off unless listening, bounded, honours expiry and races."""

from __future__ import annotations

import time
import uuid

from invoicery.auth.principals import PrincipalCache
from invoicery.auth.tokens import Principal

LATER = time.time() + 3600


def _principal() -> Principal:
    return Principal(
        account_id=uuid.uuid4(), client_id=uuid.uuid4(), scopes=frozenset(), timezone="UTC"
    )


def test_while_off_it_neither_keeps_nor_answers() -> None:
    cache = PrincipalCache()
    cache.put("a", _principal(), expires_at=LATER, generation=cache.generation)
    assert cache.get("a") is None
    assert len(cache) == 0


def test_on_it_answers_until_the_token_expires() -> None:
    cache = PrincipalCache()
    cache.turn_on()
    kept, expired = _principal(), _principal()
    cache.put("a", kept, expires_at=LATER, generation=cache.generation)
    cache.put("b", expired, expires_at=time.time() - 1, generation=cache.generation)
    assert cache.get("a") is kept
    assert cache.get("b") is None


def test_a_lookup_begun_before_an_invalidation_is_not_kept() -> None:
    cache = PrincipalCache()
    cache.turn_on()
    begun = cache.generation
    cache.invalidate()  # a revocation committed while the lookup ran
    cache.put("a", _principal(), expires_at=LATER, generation=begun)
    assert cache.get("a") is None


def test_invalidating_or_turning_off_forgets_everything() -> None:
    cache = PrincipalCache()
    cache.turn_on()
    cache.put("a", _principal(), expires_at=LATER, generation=cache.generation)
    cache.invalidate()
    assert cache.get("a") is None
    cache.put("a", _principal(), expires_at=LATER, generation=cache.generation)
    cache.turn_off()
    assert not cache.on
    cache.turn_on()
    assert cache.get("a") is None


def test_it_holds_at_most_its_bound_dropping_the_oldest() -> None:
    cache = PrincipalCache(max_entries=2)
    cache.turn_on()
    for name in ("a", "b", "c"):
        cache.put(name, _principal(), expires_at=LATER, generation=cache.generation)
    assert len(cache) == 2
    assert cache.get("a") is None
    assert cache.get("c") is not None

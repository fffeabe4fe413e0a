"""Prefixed, time-ordered identifiers built from UUIDv7 (RFC 9562).

Layout of the 128 bits: 48-bit Unix milliseconds, version, 12 bits of sub-millisecond
fraction (RFC 9562 §6.2 method 3), variant, then a 14-bit per-process counter
(§6.2 method 1) and 48 random bits. Within one process ids strictly increase, so
sorting by id is sorting by creation time, and `created_at` is read back from the id.

The text form is ``<prefix>_`` followed by 26 lower-case Crockford base32 digits
(the TypeID layout), which sort in the same order as the UUIDs.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

__all__ = [
    "ACCOUNT",
    "API_KEY",
    "CLIENT",
    "CUSTOMER",
    "INVOICE",
    "TRANSACTION",
    "InvalidId",
    "decode",
    "encode",
    "new_uuid7",
    "timestamp_of",
    "uuid7_at",
    "uuid7_lower_bound",
]

ACCOUNT = "acct"
API_KEY = "key"
CLIENT = "cli"
CUSTOMER = "cus"
INVOICE = "inv"
TRANSACTION = "txn"

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_DECODE = {char: value for value, char in enumerate(_ALPHABET)}
# Every pair of digits, indexed by the 10 bits it stands for; 26 digits are 13 pairs.
_DIGIT_PAIRS = tuple(first + second for first in _ALPHABET for second in _ALPHABET)
_PAIR_SHIFTS = tuple(range(120, -1, -10))
_TEXT_LENGTH = 26
_SUBMS_STEPS = 4096
_COUNTER_BITS = 14
_RANDOM_BITS = 48
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InvalidId(ValueError):
    """Text that is not an id of the expected kind."""


class _Clock:
    """Monotonic (milliseconds, sub-millisecond, counter) source shared by one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = (0, 0)
        self._counter = 0

    def next(self) -> tuple[int, int, int]:
        nanos = time.time_ns()
        millis, rest = divmod(nanos, 1_000_000)
        stamp = (millis, rest * _SUBMS_STEPS // 1_000_000)
        with self._lock:
            if stamp > self._last:
                self._last, self._counter = stamp, 0
            else:
                self._counter += 1
                if self._counter >= 1 << _COUNTER_BITS:
                    self._last, self._counter = _advance(self._last), 0
            return (*self._last, self._counter)


def _advance(stamp: tuple[int, int]) -> tuple[int, int]:
    millis, subms = stamp
    return (millis + 1, 0) if subms + 1 == _SUBMS_STEPS else (millis, subms + 1)


_clock = _Clock()


def _assemble(millis: int, subms: int, counter: int, random_bits: int) -> uuid.UUID:
    value = (millis & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= subms << 64
    value |= 0b10 << 62
    value |= counter << _RANDOM_BITS
    value |= random_bits
    return uuid.UUID(int=value)


def new_uuid7() -> uuid.UUID:
    """A fresh UUIDv7, strictly greater than every earlier one from this process."""
    millis, subms, counter = _clock.next()
    return _assemble(millis, subms, counter, secrets.randbits(_RANDOM_BITS))


def _split(moment: datetime) -> tuple[int, int]:
    if moment.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    millis, rest = divmod(micros, 1000)
    return millis, rest * _SUBMS_STEPS // 1000


def uuid7_at(moment: datetime) -> uuid.UUID:
    """A random UUIDv7 for a given instant (bulk loads of historical data)."""
    millis, subms = _split(moment)
    return _assemble(millis, subms, secrets.randbits(_COUNTER_BITS), secrets.randbits(48))


def uuid7_lower_bound(moment: datetime) -> uuid.UUID:
    """The smallest UUIDv7 whose timestamp is at or after `moment`.

    Instants before 1970 (which UUIDv7 cannot hold) give the smallest UUIDv7 of all.
    """
    millis, subms = _split(moment)
    if millis < 0:
        return _assemble(0, 0, 0, 0)
    return _assemble(millis, subms, 0, 0)


def timestamp_of(value: uuid.UUID) -> datetime:
    """The creation instant encoded in a UUIDv7, to the microsecond."""
    millis = value.int >> 80
    subms = (value.int >> 64) & 0xFFF
    micros = millis * 1000 + subms * 1000 // _SUBMS_STEPS
    return _EPOCH + timedelta(microseconds=micros)


def encode(prefix: str, value: uuid.UUID) -> str:
    """Text form of an id: ``inv_`` + 26 base32 digits."""
    # Two digits per lookup: this runs for every id of every listed invoice.
    number = value.int
    return f"{prefix}_" + "".join(
        [_DIGIT_PAIRS[(number >> shift) & 1023] for shift in _PAIR_SHIFTS]
    )


def decode(prefix: str, text: str) -> uuid.UUID:
    """Parse the text form of an id with the given prefix, or raise `InvalidId`."""
    head, sep, body = text.partition("_")
    if head != prefix or not sep or len(body) != _TEXT_LENGTH:
        raise InvalidId(text)
    number = 0
    for char in body:
        digit = _DECODE.get(char)
        if digit is None:
            raise InvalidId(text)
        number = number * 32 + digit
    if number >> 128:
        raise InvalidId(text)
    return uuid.UUID(int=number)

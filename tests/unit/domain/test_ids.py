"""Time-ordered prefixed ids."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicery.domain import ids


def test_new_ids_are_version_7_and_strictly_increasing() -> None:
    generated = [ids.new_uuid7() for _ in range(20_000)]
    assert all(value.version == 7 for value in generated)
    assert all(a < b for a, b in itertools.pairwise(generated))


def test_text_form_sorts_like_the_uuid() -> None:
    generated = [ids.new_uuid7() for _ in range(1000)]
    texts = [ids.encode("inv", value) for value in generated]
    assert texts == sorted(texts)


@given(st.uuids())
def test_encode_decode_round_trip(value: uuid.UUID) -> None:
    text = ids.encode("inv", value)
    assert len(text) == len("inv_") + 26
    assert ids.decode("inv", text) == value


def test_encoding_matches_the_typeid_specification() -> None:
    """The example of the TypeID spec: ids issued before stay valid."""
    value = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")
    assert ids.encode("prefix", value) == "prefix_01h455vb4pex5vsknk084sn02q"
    assert ids.encode("inv", uuid.UUID(int=0)) == "inv_" + "0" * 26
    assert ids.encode("inv", uuid.UUID(int=(1 << 128) - 1)) == "inv_7" + "z" * 25


@given(st.uuids())
def test_encoding_is_the_number_in_base32_digits(value: uuid.UUID) -> None:
    number, digits = value.int, ""
    for _ in range(26):
        number, digit = divmod(number, 32)
        digits = "0123456789abcdefghjkmnpqrstvwxyz"[digit] + digits
    assert ids.encode("cus", value) == f"cus_{digits}"


@pytest.mark.parametrize(
    "text",
    [
        "cus_01m80r3jc1fnvr0057c9bebehk",
        "inv_",
        "inv_01m80r3jc1fnvr0057c9bebeh",
        "inv_01m80r3jc1fnvr0057c9bebehu",
        "inv_81m80r3jc1fnvr0057c9bebehk",
        "inv01m80r3jc1fnvr0057c9bebehk",
    ],
)
def test_decode_rejects_foreign_or_malformed_text(text: str) -> None:
    with pytest.raises(ids.InvalidId):
        ids.decode("inv", text)


def test_timestamp_of_a_new_id_is_now() -> None:
    before = datetime.now(UTC)
    value = ids.new_uuid7()
    after = datetime.now(UTC)
    assert before - timedelta(milliseconds=1) <= ids.timestamp_of(value) <= after


MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(MOMENTS)
def test_uuid7_at_keeps_the_moment_to_the_microsecond(moment: datetime) -> None:
    stamp = ids.timestamp_of(ids.uuid7_at(moment))
    assert timedelta(0) <= moment - stamp <= timedelta(microseconds=1)


@given(MOMENTS, st.integers(min_value=-3000, max_value=3000))
def test_lower_bound_turns_a_created_at_filter_into_an_id_range(
    bound: datetime, offset_us: int
) -> None:
    row_id = ids.uuid7_at(bound + timedelta(microseconds=offset_us))
    matches = ids.timestamp_of(row_id) >= bound
    assert not matches or row_id >= ids.uuid7_lower_bound(bound)

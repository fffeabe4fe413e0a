"""AP list query parameters: which `limit` texts the hot path reads itself."""

from __future__ import annotations

import pytest

from invoicery.api.ap.query import plain_limit


@pytest.mark.parametrize(("text", "limit"), [(None, 100), ("1", 1), ("100", 100), ("500", 500)])
def test_plain_limits_are_read(text: str | None, limit: int) -> None:
    assert plain_limit(text) == limit


@pytest.mark.parametrize("text", ["", "0", "501", "999", "1000", "007", "+7", " 7", "7 ", "ten"])
def test_any_other_limit_is_left_to_fastapi(text: str) -> None:
    assert plain_limit(text) is None

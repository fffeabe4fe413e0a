"""Request field types shared by both wire formats."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator

__all__ = ["CalendarDate"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _calendar_date(value: Any) -> Any:
    """Accept only a YYYY-MM-DD string that is a real calendar date (or null)."""
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("must be a date in YYYY-MM-DD format")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a real calendar date") from None


CalendarDate = Annotated[date | None, BeforeValidator(_calendar_date)]

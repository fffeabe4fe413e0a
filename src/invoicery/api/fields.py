"""Request field types shared by both wire formats: numbers, dates and timestamps.

Each is bounded as it is parsed (`invoicery.domain.numbers`, `invoicery.domain.calendar`),
so no later arithmetic ever meets a value it cannot afford.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator

from invoicery.domain import calendar, numbers

__all__ = ["BoundedTimestamp", "CalendarDate", "DecimalText", "JsonNumber"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL_HINT = 'must be a decimal number, e.g. "12.50"'


def _calendar_date(value: Any) -> Any:
    """Accept only a YYYY-MM-DD string that is a real calendar date (or null)."""
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("must be a date in YYYY-MM-DD format")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a real calendar date") from None
    if (message := calendar.day_error(day)) is not None:
        raise ValueError(message)
    return day


def _bounded(value: Any, hint: str) -> Decimal:
    try:
        return numbers.bounded_decimal(value)
    except numbers.NotANumber:
        raise ValueError(hint) from None
    except numbers.NumberOutOfRange as error:
        raise ValueError(f"out of range: {error}") from None


def _json_number(value: Any) -> Any:
    """Accept JSON numbers only (parsed as int or Decimal), never strings or booleans."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError("must be a JSON number")
    return _bounded(value, "must be a JSON number")


def _decimal_text(value: Any) -> Any:
    """Accept decimal text or a JSON number (int or Decimal), never a float or a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ValueError(_DECIMAL_HINT)
    return _bounded(value, _DECIMAL_HINT)


def _bounded_timestamp(value: datetime) -> datetime:
    if (message := calendar.instant_error(value)) is not None:
        raise ValueError(message)
    return value


CalendarDate = Annotated[date | None, BeforeValidator(_calendar_date)]
"""A YYYY-MM-DD date within `calendar.FIRST_DAY`…`calendar.LAST_DAY`, or null."""
JsonNumber = Annotated[Decimal, BeforeValidator(_json_number)]
"""A JSON number (AP amounts), exact and bounded."""
DecimalText = Annotated[Decimal, BeforeValidator(_decimal_text)]
"""Decimal text or a JSON number (billing-v1 quantities, prices, rates), exact and bounded."""
BoundedTimestamp = Annotated[AwareDatetime, AfterValidator(_bounded_timestamp)]
"""An RFC 3339 timestamp with an offset, within the accepted window once in UTC."""

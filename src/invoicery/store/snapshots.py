"""Domain objects as plain JSON and back: the `snapshot` an event keeps of its subject.

One generic codec (pydantic's, for the frozen dataclasses of `invoicery.domain` and
`invoicery.payments.transaction`) rather than a mapping written per type: a snapshot
restores to an equal object, so each face renders an event's subject with the same
code that renders it in a GET.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import TypeAdapter

__all__ = ["field", "restore", "snapshot"]

T = TypeVar("T")


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(kind: type[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def snapshot(subject: object) -> dict[str, Any]:
    """`subject` (a domain dataclass) as JSON-ready data: ids, dates and decimals as text."""
    data: dict[str, Any] = _adapter(type(subject)).dump_python(subject, mode="json")
    return data


def field(data: Mapping[str, Any], *path: str) -> Any:
    """One field of a snapshot (by the dataclasses' field names), without restoring it all."""
    value: Any = data
    for name in path:
        value = value[name]
    return value


def restore(kind: type[T], data: Any) -> T:
    """The `kind` object a `snapshot` was taken of."""
    restored: T = _adapter(kind).validate_python(data)
    return restored

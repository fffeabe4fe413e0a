"""The JSON body of a delivery on each face, built from an event and its snapshot.

The envelope is fixed by each vendor: AP ``{"id", "topic", "created_at", "data"}``,
v1 ``{"id", "type", "timestamp", …subject fields}``. What goes inside comes from the
faces through `Renderers`: the AP face supplies `ap_data` (the subject exactly as its
GET returns it), the v1 face `v1_fields` (Meteroid's flattened fields), each given the
event and its account's time zone (an AP invoice is OVERDUE by the account's calendar).
Until they do, `DEFAULT_RENDERERS` use the snapshot as it is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import orjson

from invoicery.domain.events import Event
from invoicery.domain.webhooks import Face, ap_topic

__all__ = [
    "DEFAULT_RENDERERS",
    "EventRenderer",
    "Renderers",
    "ap_body",
    "body",
    "snapshot_as_data",
    "snapshot_as_fields",
    "v1_body",
]

EventRenderer = Callable[[Event, str], Mapping[str, Any]]  # (event, account time zone)
_ENVELOPE = ("id", "type", "timestamp")


def snapshot_as_data(event: Event, timezone: str) -> Mapping[str, Any]:
    """The AP `data` by default: the event's snapshot as it is."""
    return event.snapshot


def snapshot_as_fields(event: Event, timezone: str) -> Mapping[str, Any]:
    """The v1 fields by default: ``<subject>_id`` and the snapshot's other non-null fields."""
    fields = {
        key: value
        for key, value in event.snapshot.items()
        if value is not None and key not in _ENVELOPE
    }
    return {f"{event.type.subject}_id": event.subject_id, **fields}


@dataclass(frozen=True, slots=True)
class Renderers:
    """What each face puts in a delivery: AP `data`, v1 flattened subject fields."""

    ap_data: EventRenderer = snapshot_as_data
    v1_fields: EventRenderer = snapshot_as_fields


DEFAULT_RENDERERS = Renderers()


def _timestamp(event: Event) -> str:
    return event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ap_body(
    event: Event, renderers: Renderers = DEFAULT_RENDERERS, *, timezone: str
) -> dict[str, Any]:
    """The AP delivery of `event`; it must have an AP topic."""
    topic = ap_topic(event.type)
    if topic is None:
        raise ValueError(f"{event.type} has no AP topic")
    return {
        "id": event.public_id,
        "topic": topic,
        "created_at": _timestamp(event),
        "data": dict(renderers.ap_data(event, timezone)),
    }


def v1_body(
    event: Event, renderers: Renderers = DEFAULT_RENDERERS, *, timezone: str
) -> dict[str, Any]:
    """The v1 delivery of `event`: the envelope, then the subject's fields (never over it)."""
    fields = {
        key: value
        for key, value in renderers.v1_fields(event, timezone).items()
        if key not in _ENVELOPE
    }
    return {
        "id": event.public_id,
        "type": event.type.value,
        "timestamp": _timestamp(event),
        **fields,
    }


def body(
    face: Face, event: Event, renderers: Renderers = DEFAULT_RENDERERS, *, timezone: str
) -> str:
    """The JSON text POSTed to an endpoint of `face` for `event`, byte for byte."""
    render = ap_body if face is Face.AP else v1_body
    built = render(event, renderers, timezone=timezone)
    return orjson.dumps(built).decode()

"""The JSON log set-up of a server process, in place of pytest's log capture."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from invoicery.logs import JsonFormatter

__all__ = ["only_json_handler"]


@contextmanager
def only_json_handler() -> Iterator[logging.StreamHandler[io.StringIO]]:
    """The root logger with only the JSON handler `configure_logging` installs (not even
    pytest's capture), writing to a string."""
    root = logging.getLogger()
    kept = root.handlers[:]
    handler = logging.StreamHandler(io.StringIO())
    handler.name = "invoicery"
    handler.setFormatter(JsonFormatter())
    root.handlers[:] = [handler]
    try:
        yield handler
    finally:
        root.handlers[:] = kept

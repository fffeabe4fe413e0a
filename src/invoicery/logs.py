"""Logging set-up for the server and the worker: one line per record, JSON or text.

JSON (the default when stderr is not a terminal) puts each record on one line as an
object: ``ts``, ``level``, ``logger``, ``message``, the structured ``fields`` a caller
passed as ``extra={"fields": {...}}`` (the access log's request id, route, status…)
and, for a failure, ``exception``. Text is for a person at a terminal.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

__all__ = ["FIELDS", "JsonFormatter", "configure_logging", "ensure_configured", "resolve_format"]

FIELDS = "fields"
"""The `extra` key whose mapping a JSON line carries as top-level members."""

_HANDLER_NAME = "invoicery"
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        # orjson, as for every JSON the server writes: this runs once per request
        return orjson.dumps(line, default=str).decode()


def resolve_format(configured: Literal["json", "text"] | None) -> Literal["json", "text"]:
    """The configured format, or json unless stderr is a terminal."""
    if configured is not None:
        return configured
    return "text" if sys.stderr.isatty() else "json"


def configure_logging(configured: Literal["json", "text"] | None) -> None:
    """Send records of level INFO and above to stderr in the chosen format (once)."""
    root = logging.getLogger()
    if any(handler.name == _HANDLER_NAME for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.name = _HANDLER_NAME
    if resolve_format(configured) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT))
    root.addHandler(handler)
    logging.getLogger("invoicery").setLevel(logging.INFO)


def ensure_configured(configured: Literal["json", "text"] | None) -> None:
    """Configure logging unless something already has (the CLI, or a test's capture).

    A server process forked by granian inherits the CLI's set-up; a spawned one starts
    bare and sets itself up here.
    """
    if not logging.getLogger().handlers:
        configure_logging(configured)

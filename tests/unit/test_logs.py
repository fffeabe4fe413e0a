"""The JSON log line, and the access log's way around the logging machinery."""

from __future__ import annotations

import io
import logging

import orjson
import pytest

from invoicery.logs import FIELDS, JsonFormatter, json_handler, write_json_line
from tests.support.json_logs import only_json_handler

_FIELDS = {"request_id": "r1", "client_id": None, "status": 200, "duration_ms": 1.5}


def test_a_written_line_is_the_formatters_line() -> None:
    record = logging.LogRecord(
        "invoicery.access", logging.INFO, "", 0, "GET %s %d", ("/x", 200), None
    )
    setattr(record, FIELDS, _FIELDS)
    handler = logging.StreamHandler(io.StringIO())
    write_json_line(handler, record.created, "invoicery.access", "GET /x 200", _FIELDS)
    written = handler.stream.getvalue()
    assert written == JsonFormatter().format(record) + "\n"
    assert list(orjson.loads(written)) == [
        "ts",
        "level",
        "logger",
        "message",
        "request_id",
        "client_id",
        "status",
        "duration_ms",
    ]


def test_the_json_handler_is_used_only_when_it_alone_would_see_the_record() -> None:
    access = logging.getLogger("invoicery.access")
    assert json_handler(access) is None  # pytest's capture sees records too
    with only_json_handler() as configured:
        assert json_handler(access) is configured
        other = logging.StreamHandler(io.StringIO())
        logging.getLogger("invoicery").addHandler(other)  # a second handler would miss it
        try:
            assert json_handler(access) is None
        finally:
            logging.getLogger("invoicery").removeHandler(other)
        configured.setFormatter(logging.Formatter())  # text: through logging
        assert json_handler(access) is None
        configured.setFormatter(JsonFormatter())
        configured.addFilter(lambda _record: False)  # a filter must see the record
        assert json_handler(access) is None


def test_a_failed_write_is_reported_as_logging_reports_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream = io.StringIO()
    stream.close()
    handler = logging.StreamHandler(stream)
    write_json_line(handler, 0.0, "invoicery.access", "GET /x 200", _FIELDS)
    assert "--- Logging error ---" in capsys.readouterr().err

"""The worker's loops: a failed pass is logged, as one line when the database is away."""

from __future__ import annotations

import logging

import pytest

from invoicery.domain.errors import Unavailable
from invoicery.service._polling import log_failure

logger = logging.getLogger("tests.polling")


def test_an_outage_is_one_warning_line_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger.name):
        try:
            raise Unavailable("the database cannot serve right now", retry_after=1)
        except Exception as error:
            log_failure(logger, "webhooks pass failed; retrying", error)

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert record.getMessage().startswith("webhooks pass failed; retrying: database unavailable")


def test_any_other_failure_is_an_error_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger.name):
        try:
            raise KeyError("bug")
        except Exception as error:
            log_failure(logger, "webhooks pass failed; retrying", error)

    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert record.getMessage() == "webhooks pass failed; retrying"

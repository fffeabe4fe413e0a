"""Fixtures of the e-invoice tests: the official rules, compiled once per session."""

from __future__ import annotations

import importlib.util

import pytest

from tests.support.einvoice_rules import Rules


@pytest.fixture(scope="session")
def rules() -> Rules:
    """The EN 16931 schematrons compiled by Saxon-HE; skips when saxonche is missing."""
    if importlib.util.find_spec("saxonche") is None:
        pytest.skip("saxonche is not installed: the EN 16931 schematron rules cannot run")
    return Rules()

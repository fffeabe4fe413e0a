"""Headless Debian Chromium for the e2e tests, and their screenshots.

Needs /usr/bin/chromium and Playwright for Python (no `playwright install`). Without
them the tests skip, unless INVOICERY_TEST_REQUIRE_BROWSER=1 (CI), where they fail.
Screenshots go to the test's tmp dir; with INVOICERY_UPDATE_SCREENSHOTS=1 they are
also copied to docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def playwright_or_skip() -> Callable[[], Any]:
    """Playwright's `sync_playwright`, or skip (fail on CI) when it or Chromium is missing."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "Playwright for Python is not installed (pip install -e '.[test]')"
    if reason is None and not CHROMIUM.exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if reason is not None:
        if os.environ.get("INVOICERY_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return sync_playwright


def shoot(page: Any, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot `name`.png, kept in docs/screenshots/ when asked to."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    if os.environ.get("INVOICERY_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENSHOTS / path.name)
    return path

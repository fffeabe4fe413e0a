"""Garbage-collector tuning for server workers."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from invoicery.runtime import tune_garbage_collector


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_start_up_objects_are_frozen_and_young_collections_are_rarer() -> None:
    survivor: list[object] = [object()]  # a container the cyclic collector tracks
    assert gc.is_tracked(survivor)
    tune_garbage_collector()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] > 700  # CPython's default
    assert all(survivor is not obj for obj in gc.get_objects())  # frozen: no longer scanned

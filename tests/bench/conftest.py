"""Fixtures for the benchmark smoke tests: each benchmark runs as its own process."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite-wide fixture: no Home Assistant runs in the test itself."""

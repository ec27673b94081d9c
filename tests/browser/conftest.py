"""Fixtures for the browser tests: the real demo, in its own processes."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite-wide fixture: Home Assistant runs as a real process here."""

"""Tests of the diagnostics download."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from syrupy.assertion import SnapshotAssertion

from custom_components.massage.diagnostics import (
    async_get_config_entry_diagnostics,
)
from emulator import DeviceServer

from .conftest import entry_for, setup_entry


async def test_diagnostics(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    frozen_time: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
) -> None:
    """Diagnostics show the device and the safety caps, never the token."""
    foot_leg_server.token = "s3cret"
    foot_leg_server.device.write({"on": True, "heat": 1})
    entry = entry_for(foot_leg_server, token="s3cret")
    await setup_entry(hass, entry)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["entry"]["data"][CONF_TOKEN] == "**REDACTED**"
    assert "s3cret" not in str(diagnostics)
    assert diagnostics["push_connected"] is True
    assert diagnostics["safety"]["session_deadline"] is not None
    assert diagnostics["safety"]["heat_deadline"] is not None
    assert diagnostics["session"]["started_by"] == "unknown"
    assert {
        key: diagnostics[key] for key in ("info", "state", "safety", "session")
    } == snapshot

"""Fault: a device that acknowledges a stop and keeps running."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.massage.const import (
    CONF_HEAT_CAP,
    CONF_SESSION_CAP,
    SAFETY_RETRY_INTERVAL,
)
from emulator import DeviceServer, EmulatedDevice, foot_leg_profile

from .conftest import FOOT_LEG_ID, advance, entry_for, serve, setup_entry, wait_for

FOOT = "fan.foot_and_leg_massager"
HEAT = "switch.foot_and_leg_massager_heat"


@pytest.fixture
async def uncapped_server(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncGenerator[DeviceServer]:
    """A foot massager whose firmware has no heat cut-off of its own."""
    profile = foot_leg_profile(device_id=FOOT_LEG_ID, heat_cutoff_minutes=None)
    async with serve(hass, EmulatedDevice(profile)) as server:
        yield server


@pytest.mark.parametrize(
    ("cap", "running"),
    [
        (CONF_SESSION_CAP, lambda state: state.on),
        (CONF_HEAT_CAP, lambda state: state.heat > 0),
    ],
    ids=["session", "heat"],
)
async def test_ignored_stop_is_sent_again_until_the_device_reports_off(
    hass: HomeAssistant,
    uncapped_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
    cap: str,
    running: object,
) -> None:
    """A stop answered with success while the device runs on does not end the cap."""
    entry = entry_for(uncapped_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={cap: 1})
    await setup_entry(hass, entry)
    device = uncapped_server.device
    device.write({"on": True, "timer": 30, "heat": 2})
    await wait_for(hass, lambda: hass.states.get(HEAT).state == "on")
    uncapped_server.faults.ignore_stops = True

    await advance(hass, freezer, timedelta(minutes=1, seconds=1))
    assert running(device.state)  # type: ignore[operator]
    # However often it is ignored, the guard keeps at it.
    for _ in range(3):
        await advance(hass, freezer, SAFETY_RETRY_INTERVAL)
        assert running(device.state)  # type: ignore[operator]

    uncapped_server.faults.ignore_stops = False
    await advance(hass, freezer, SAFETY_RETRY_INTERVAL)
    assert not running(device.state)  # type: ignore[operator]
    await wait_for(hass, lambda: hass.states.get(HEAT).state == "off")

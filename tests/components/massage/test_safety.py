"""Tests that the integration enforces session and heat caps on its own."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.massage.const import CONF_HEAT_CAP, CONF_SESSION_CAP
from emulator import DeviceServer, EmulatedDevice, foot_leg_profile

from .conftest import FOOT_LEG_ID, advance, entry_for, serve, setup_entry, wait_for


@pytest.fixture
async def uncapped_server(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncGenerator[DeviceServer]:
    """A foot massager whose firmware has no heat cut-off of its own."""
    profile = foot_leg_profile(device_id=FOOT_LEG_ID, heat_cutoff_minutes=None)
    async with serve(hass, EmulatedDevice(profile)) as server:
        yield server


async def test_caps_hold_without_firmware_cut_off(
    hass: HomeAssistant, uncapped_server: DeviceServer, freezer: FrozenDateTimeFactory
) -> None:
    """Heat goes off at the heat cap and the session ends at the session cap."""
    entry = entry_for(uncapped_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_SESSION_CAP: 20, CONF_HEAT_CAP: 5}
    )
    await setup_entry(hass, entry)
    device = uncapped_server.device
    # The firmware would run for 30 minutes with heat all the way.
    device.write({"on": True, "timer": 30, "heat": 2})
    await wait_for(
        hass, lambda: hass.states.get("switch.foot_and_leg_massager_heat").state == "on"
    )

    await advance(hass, freezer, timedelta(minutes=4, seconds=59))
    assert device.state.heat == 2
    await advance(hass, freezer, timedelta(seconds=2))
    assert device.state.heat == 0
    assert device.state.on
    assert hass.states.get("switch.foot_and_leg_massager_heat").state == "off"

    await advance(hass, freezer, timedelta(minutes=15))
    assert not device.state.on
    assert hass.states.get("fan.foot_and_leg_massager").state == "off"


async def test_cap_retries_until_device_takes_it(
    hass: HomeAssistant, uncapped_server: DeviceServer, freezer: FrozenDateTimeFactory
) -> None:
    """A stop the device cannot take now is sent again until it lands."""
    entry = entry_for(uncapped_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_SESSION_CAP: 1})
    await setup_entry(hass, entry)
    device = uncapped_server.device
    device.write({"on": True, "timer": 30})
    await wait_for(hass, lambda: entry.runtime_data.safety.session_deadline is not None)

    uncapped_server.faults.server_error = 503
    await advance(hass, freezer, timedelta(minutes=1, seconds=1))
    assert device.state.on
    uncapped_server.faults.server_error = None
    await advance(hass, freezer, timedelta(seconds=11))
    assert not device.state.on


async def test_session_started_before_home_assistant_counts_from_its_start(
    hass: HomeAssistant, uncapped_server: DeviceServer, freezer: FrozenDateTimeFactory
) -> None:
    """A session already running is timed from when the device says it began."""
    device = uncapped_server.device
    device.write({"on": True, "timer": 30})
    freezer.tick(timedelta(minutes=25))
    entry = entry_for(uncapped_server)
    await setup_entry(hass, entry)
    guard = entry.runtime_data.safety
    assert guard.session_deadline is not None
    assert device.state.session_end is not None
    assert guard.session_deadline == device.state.session_end


async def test_cap_on_a_device_that_stopped_itself_is_done(
    hass: HomeAssistant,
    uncapped_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A heat cap that finds the device already stopped needs no retry."""
    entry = entry_for(uncapped_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_HEAT_CAP: 1})
    await setup_entry(hass, entry)
    device = uncapped_server.device
    device.write({"on": True, "heat": 1})
    await wait_for(hass, lambda: entry.runtime_data.safety.heat_deadline is not None)
    # The device stops on its own button before Home Assistant hears of it.
    uncapped_server.faults.silent_websocket = True
    device.press_power()

    await advance(hass, freezer, timedelta(minutes=1, seconds=1))
    assert not device.state.on
    assert "retrying" not in caplog.text

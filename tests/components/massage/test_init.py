"""Tests of setting up, unloading and stopping a device's entry."""

from __future__ import annotations

import logging
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage.api import MassageUnsupportedError
from emulator import DeviceServer

from .conftest import entry_for, setup_entry, wait_for


async def test_setup_and_unload(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """An entry loads and follows push; unloaded, it parks; removed, it stops."""
    entry = entry_for(foot_leg_server)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data.coordinator
    assert coordinator.push_connected

    foot_leg_server.device.press_power()
    await wait_for(
        hass, lambda: hass.states.get("fan.foot_and_leg_massager").state == "on"
    )

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not coordinator.push_connected
    # Parked for a set-up that may take it over; removal ends it at once.
    assert foot_leg_server.device.state.on
    await hass.config_entries.async_remove(entry.entry_id)
    assert foot_leg_server.device.state.on is False


async def test_setup_retries_when_unreachable(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A device that is off the network is tried again later."""
    gun_server.faults.refuse_connections = True
    entry = entry_for(gun_server)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_refused_token_starts_reauth(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A device that refuses the token asks the user for a new one."""
    gun_server.token = "new"
    entry = entry_for(gun_server, token="old")
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.parametrize(
    ("fault", "value"),
    [("malformed_json", True), ("wrong_types", True), ("server_error", 503)],
)
async def test_setup_retries_a_garbled_or_busy_device(
    hass: HomeAssistant, gun_server: DeviceServer, fault: str, value: object
) -> None:
    """A garbled or busy answer at start-up is tried again, and then works."""
    setattr(gun_server.faults, fault, value)
    entry = entry_for(gun_server)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY

    gun_server.faults.clear()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_setup_wrong_device(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """Another device at the entry's address is not taken for ours; we wait."""
    entry = MockConfigEntry(
        domain="massage",
        unique_id="someone-else",
        data=entry_for(gun_server).data,
    )
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_stopping_home_assistant_stops_device(
    hass: HomeAssistant, gun_server: DeviceServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing is left running once Home Assistant no longer guards it."""
    entry = entry_for(gun_server)
    await setup_entry(hass, entry)
    # The routine player comes with the first massager; Home Assistant itself
    # logs a set-up that a stop cuts short, whatever the integration.
    await wait_for(
        hass,
        lambda: all(
            other.state is ConfigEntryState.LOADED
            for other in hass.config_entries.async_entries(entry.domain)
        ),
    )
    gun_server.device.press_power()
    await wait_for(hass, lambda: hass.states.get("fan.massage_gun").state == "on")

    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert gun_server.device.state.on is False
    # Unloading afterwards is clean too.
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_setup_unsupported_api_version(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A device speaking an API version we do not is an error, not a retry loop."""
    entry = entry_for(gun_server)
    # The emulator only speaks version 1; the client's refusal stands in for another.
    with patch(
        "custom_components.massage.api.MassageClient.info",
        side_effect=MassageUnsupportedError("API version 0 is not supported"),
    ):
        await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR

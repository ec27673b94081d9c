"""Tests of a loaded device that sends more than the protocol allows."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from emulator import DeviceServer

from .conftest import wait_for

GUN = "fan.massage_gun"


async def test_an_oversized_push_drops_the_push_channel_not_the_entry(
    hass: HomeAssistant, gun_server: DeviceServer, gun_entry: MockConfigEntry
) -> None:
    coordinator = gun_entry.runtime_data.coordinator
    gun_server.faults.oversized_push = True
    gun_server.device.write({"attachment": "flat"})
    await wait_for(hass, lambda: not coordinator.push_connected)
    assert gun_entry.state is ConfigEntryState.LOADED
    state = hass.states.get(GUN)
    assert state is not None
    assert state.state != STATE_UNAVAILABLE


async def test_an_endless_answer_to_a_poll_is_a_failed_poll(
    hass: HomeAssistant, gun_server: DeviceServer, gun_entry: MockConfigEntry
) -> None:
    coordinator = gun_entry.runtime_data.coordinator
    gun_server.faults.endless_body = True
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    gun_server.faults.endless_body = False
    await coordinator.async_refresh()
    assert coordinator.last_update_success

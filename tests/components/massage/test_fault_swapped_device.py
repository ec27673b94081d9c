"""Fault: another device answers at the address of ours."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage.const import CONF_SESSION_CAP, DOMAIN
from emulator import DeviceServer

from .conftest import FOOT_LEG_ID, advance, entry_for, setup_entry, wait_for

FOOT = "fan.foot_and_leg_massager"
IMPOSTOR = "footleg-9999"


def _wrong_device_issue(
    hass: HomeAssistant, entry: MockConfigEntry
) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"wrong_device_{entry.entry_id}")


async def test_swap_behind_the_push_channel(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    foot_leg_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A device that took our device's address is never shown as ours."""
    caplog.set_level(logging.INFO, logger="custom_components.massage")
    coordinator = foot_leg_entry.runtime_data.coordinator
    foot_leg_server.faults.impostor_id = IMPOSTOR
    await wait_for(hass, lambda: hass.states.get(FOOT).state == STATE_UNAVAILABLE)
    # The impostor's state is never taken for ours, however often we look.
    foot_leg_server.device.press_power()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(FOOT).state == STATE_UNAVAILABLE
    assert not coordinator.push_connected

    issue = _wrong_device_issue(hass, foot_leg_entry)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {
        "name": "Foot and Leg Massager",
        "expected": FOOT_LEG_ID,
        "found": IMPOSTOR,
    }

    # Our device comes back to its address.
    foot_leg_server.faults.impostor_id = None
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")
    assert _wrong_device_issue(hass, foot_leg_entry) is None
    assert coordinator.push_connected


async def test_poll_checks_who_answers(
    hass: HomeAssistant, foot_leg_server: DeviceServer, foot_leg_entry: MockConfigEntry
) -> None:
    """A poll, too, asks the device who it is before it takes its state."""
    coordinator = foot_leg_entry.runtime_data.coordinator
    foot_leg_server.faults.silent_websocket = True
    await wait_for(hass, lambda: not coordinator.push_connected, limit=12)
    assert coordinator.last_update_success

    # Swapped while the push channel lies silent.
    foot_leg_server.faults.impostor_id = IMPOSTOR
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert hass.states.get(FOOT).state == STATE_UNAVAILABLE
    assert _wrong_device_issue(hass, foot_leg_entry) is not None


async def test_no_command_reaches_a_device_that_is_not_ours(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A cap falling due meanwhile asks the person to act, not the impostor."""
    entry = entry_for(foot_leg_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_SESSION_CAP: 1})
    await setup_entry(hass, entry)
    foot_leg_server.device.write({"on": True, "timer": 30})
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")
    foot_leg_server.faults.impostor_id = IMPOSTOR
    await wait_for(hass, lambda: hass.states.get(FOOT).state == STATE_UNAVAILABLE)

    await advance(hass, freezer, timedelta(minutes=1, seconds=1))
    # The emulator's impostor shares our device's motor: it must not have moved.
    assert foot_leg_server.device.state.on
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"cap_overdue_{entry.entry_id}")


async def test_setup_at_the_wrong_device_is_retried(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """Set-up finding another device waits for ours, with a repair issue."""
    foot_leg_server.faults.impostor_id = IMPOSTOR
    entry = entry_for(foot_leg_server)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert _wrong_device_issue(hass, entry) is not None

    foot_leg_server.faults.impostor_id = None
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert _wrong_device_issue(hass, entry) is None

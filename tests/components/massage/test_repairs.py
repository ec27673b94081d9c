"""Tests of the repair issues: where a person learns what Home Assistant cannot fix."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
import logging
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage.api import MassageUnsupportedError
from custom_components.massage.const import (
    CONF_SESSION_CAP,
    DOMAIN,
    SAFETY_RETRY_INTERVAL,
)
from emulator import DeviceServer, EmulatedDevice, foot_leg_profile

from .conftest import FOOT_LEG_ID, advance, entry_for, serve, setup_entry, wait_for

FOOT = "fan.foot_and_leg_massager"


@pytest.fixture
async def uncapped_server(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncGenerator[DeviceServer]:
    """A foot massager whose firmware has no heat cut-off of its own."""
    profile = foot_leg_profile(device_id=FOOT_LEG_ID, heat_cutoff_minutes=None)
    async with serve(hass, EmulatedDevice(profile)) as server:
        yield server


async def _overdue_session(
    hass: HomeAssistant, server: DeviceServer, freezer: FrozenDateTimeFactory
) -> MockConfigEntry:
    """A session with a one-minute cap, started and run to its cap."""
    entry = entry_for(server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_SESSION_CAP: 1})
    await setup_entry(hass, entry)
    server.device.write({"on": True, "timer": 30})
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")
    return entry


def _overdue_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"cap_overdue_{entry.entry_id}")


@pytest.mark.parametrize(
    ("fault", "value"),
    [
        ("refuse_connections", True),
        ("server_error", 500),
        ("server_error", 503),
        ("ignore_stops", True),
    ],
    ids=["unreachable", "error", "busy", "ignored"],
)
async def test_overdue_cap_is_a_repair_issue_until_it_lands(
    hass: HomeAssistant,
    uncapped_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    value: object,
) -> None:
    """The person is told to switch the device off at the wall, once."""
    caplog.set_level(logging.INFO, logger="custom_components.massage")
    entry = await _overdue_session(hass, uncapped_server, freezer)
    assert hass.states.get(FOOT).attributes["cap_overdue"] is False
    setattr(uncapped_server.faults, fault, value)

    await advance(hass, freezer, timedelta(minutes=1, seconds=1))
    for _ in range(3):
        await advance(hass, freezer, SAFETY_RETRY_INTERVAL)
    issue = _overdue_issue(hass, entry)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert not issue.is_fixable
    assert issue.translation_key == "cap_overdue"
    assert issue.translation_placeholders == {"name": "Foot and Leg Massager"}
    state = hass.states.get(FOOT)
    if fault == "ignore_stops":
        assert (state.state, state.attributes["cap_overdue"]) == ("on", True)
    else:
        # A device that fails every request may be unavailable too; never plain on.
        assert state.state == "unavailable" or state.attributes["cap_overdue"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    told = [
        r for r in warnings if "switch it off at the wall" in r.getMessage().lower()
    ]
    assert len(told) == 1

    uncapped_server.faults.clear()
    await advance(hass, freezer, SAFETY_RETRY_INTERVAL)
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "off")
    assert not uncapped_server.device.state.on
    assert _overdue_issue(hass, entry) is None
    assert hass.states.get(FOOT).attributes["cap_overdue"] is False
    landed = [r for r in caplog.records if "has landed" in r.getMessage()]
    assert len(landed) == 1


async def test_overdue_issue_goes_when_the_device_reports_off(
    hass: HomeAssistant,
    uncapped_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Switched off by hand, the device's own report ends the repair issue."""
    entry = await _overdue_session(hass, uncapped_server, freezer)
    uncapped_server.faults.ignore_stops = True
    await advance(hass, freezer, timedelta(minutes=1, seconds=1))
    assert _overdue_issue(hass, entry) is not None

    uncapped_server.device.press_power()
    await wait_for(hass, lambda: _overdue_issue(hass, entry) is None)
    assert hass.states.get(FOOT).state == "off"


async def test_removing_the_entry_removes_its_issues(
    hass: HomeAssistant,
    uncapped_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No issue is left behind for an entry that no longer exists."""
    entry = await _overdue_session(hass, uncapped_server, freezer)
    uncapped_server.faults.server_error = 500
    await advance(hass, freezer, timedelta(minutes=1, seconds=1))
    assert _overdue_issue(hass, entry) is not None

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert _overdue_issue(hass, entry) is None


async def test_unsupported_api_version_is_a_repair_issue(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A device that can never work fails for good, and says why."""
    entry = entry_for(gun_server)
    with patch(
        "custom_components.massage.api.MassageClient.info",
        side_effect=MassageUnsupportedError("API version 0 is not supported"),
    ):
        await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"incompatible_device_{entry.entry_id}"
    )
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["name"] == "Massage Gun"


async def test_a_device_that_turns_incompatible_later_is_a_repair_issue(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """Firmware that goes back to an API version we do not speak, after set-up.

    The device turns unavailable with the repair issue, not an endless "invalid
    response"; once it speaks our version again, the issue goes and it is back.
    """
    entry = entry_for(gun_server)
    await setup_entry(hass, entry)
    issue_id = f"incompatible_device_{entry.entry_id}"
    with patch("emulator.profiles.API_VERSION", 0):
        gun_server.drop_websockets()  # as a device that restarts does
        await wait_for(
            hass, lambda: ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
        )
        await hass.async_block_till_done()
        assert hass.states.get("fan.massage_gun").state == STATE_UNAVAILABLE
        assert entry.state is ConfigEntryState.LOADED

    await wait_for(
        hass,
        lambda: (
            ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
            and hass.states.get("fan.massage_gun").state == "off"
        ),
    )

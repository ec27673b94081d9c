"""Fault: a device whose clock reports times at the edge of the calendar."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage.const import CONF_HEAT_CAP, CONF_SESSION_CAP
from emulator import DeviceServer

from .conftest import advance, entry_for, setup_entry, wait_for

FOOT = "fan.foot_and_leg_massager"
SESSION_END = "sensor.foot_and_leg_massager_session_end"
HEAT_END = "sensor.foot_and_leg_massager_heat_cut_off"
# Each is valid ISO 8601 with an offset, yet moving it by minutes or into UTC
# leaves the range of Python's datetime.
EDGE_TIMES = [
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-05:00",
]


def _raised(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Errors logged with a traceback: exceptions that escaped our code."""
    return [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]


def _capped_entry(server: DeviceServer, hass: HomeAssistant) -> MockConfigEntry:
    """An entry whose caps come before the device's own timer and cut-off."""
    entry = entry_for(server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_SESSION_CAP: 20, CONF_HEAT_CAP: 5}
    )
    return entry


async def _assert_caps_hold_on_own_clock(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    server: DeviceServer,
    entry: MockConfigEntry,
) -> None:
    """Both caps count from now, show as the end times, and land."""
    now = dt_util.utcnow()
    guard = entry.runtime_data.safety
    assert guard.session_deadline == now + timedelta(minutes=20)
    assert guard.heat_deadline == now + timedelta(minutes=5)
    assert dt_util.parse_datetime(hass.states.get(SESSION_END).state) == (
        now + timedelta(minutes=20)
    ).replace(microsecond=0)
    assert dt_util.parse_datetime(hass.states.get(HEAT_END).state) == (
        now + timedelta(minutes=5)
    ).replace(microsecond=0)

    device = server.device
    await advance(hass, freezer, timedelta(minutes=5, seconds=1))
    assert device.state.heat == 0
    assert device.state.on
    await advance(hass, freezer, timedelta(minutes=15))
    assert not device.state.on
    assert hass.states.get(FOOT).state == "off"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("edge", EDGE_TIMES)
async def test_edge_times_at_setup(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    edge: str,
) -> None:
    """A session found running with unusable times is timed on our own clock."""
    foot_leg_server.device.write({"on": True, "timer": 30, "heat": 1})
    foot_leg_server.faults.reported_time = edge
    entry = _capped_entry(foot_leg_server, hass)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED

    await _assert_caps_hold_on_own_clock(hass, freezer, foot_leg_server, entry)
    assert not _raised(caplog)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("edge", EDGE_TIMES)
async def test_edge_times_by_push(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    edge: str,
) -> None:
    """A pushed session with unusable times is timed on our own clock."""
    entry = _capped_entry(foot_leg_server, hass)
    await setup_entry(hass, entry)
    foot_leg_server.faults.reported_time = edge
    foot_leg_server.device.write({"on": True, "timer": 30, "heat": 1})
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")

    await _assert_caps_hold_on_own_clock(hass, freezer, foot_leg_server, entry)
    assert not _raised(caplog)

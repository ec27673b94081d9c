"""Tests that reloading an entry hands a running session over, guarded throughout."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.massage.const import (
    CONF_HEAT_CAP,
    CONF_SESSION_CAP,
    HANDOVER_GRACE,
)
from emulator import DeviceServer

from .conftest import advance, entry_for, setup_entry, wait_for

FOOT = "fan.foot_and_leg_massager"
GUN = "fan.massage_gun"


async def _change_caps(
    hass: HomeAssistant, entry: MockConfigEntry, session: int, heat: int
) -> None:
    """Change the caps through the options flow, which reloads the entry."""
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {CONF_SESSION_CAP: session, CONF_HEAT_CAP: heat}
    )
    # The form shows what changes before it is saved.
    assert result["step_id"] == "confirm"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_options_change_keeps_the_session_with_the_time_already_run(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    foot_leg_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The new caps count from when the session began, not from the reload."""
    device = foot_leg_server.device
    await hass.services.async_call("fan", "turn_on", {"entity_id": FOOT}, blocking=True)
    await hass.services.async_call(
        "select",
        "select_option",
        {
            "entity_id": "select.foot_and_leg_massager_auto_off_timer_minutes",
            "option": "30",
        },
        blocking=True,
    )
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": "switch.foot_and_leg_massager_heat"},
        blocking=True,
    )
    await advance(hass, freezer, timedelta(minutes=4))
    old_guard = foot_leg_entry.runtime_data.safety
    assert old_guard.session_deadline is not None
    session_began = old_guard.session_deadline - timedelta(minutes=30)

    await _change_caps(hass, foot_leg_entry, session=10, heat=5)
    assert foot_leg_entry.state is ConfigEntryState.LOADED
    assert device.state.on
    assert device.state.heat == 1
    guard = foot_leg_entry.runtime_data.safety
    assert guard is not old_guard
    assert guard.session_deadline == session_began + timedelta(minutes=10)
    assert hass.states.get(FOOT).state == "on"

    await advance(hass, freezer, timedelta(minutes=1, seconds=1))
    assert device.state.heat == 0
    assert device.state.on
    await advance(hass, freezer, timedelta(minutes=5))
    assert not device.state.on


async def test_reload_keeps_a_gun_running_without_a_new_start(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    gun_entry: MockConfigEntry,
    hass_admin_user: MockUser,
) -> None:
    """A reload neither stops a running gun nor asks anyone to start it again."""
    await hass.services.async_call(
        "fan",
        "turn_on",
        {"entity_id": GUN},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    started = gun_server.device.state.session_end
    await hass.config_entries.async_reload(gun_entry.entry_id)
    await hass.async_block_till_done()
    assert gun_entry.state is ConfigEntryState.LOADED
    assert gun_server.device.state.on
    assert gun_server.device.state.session_end == started
    assert hass.states.get(GUN).state == "on"


async def test_parked_session_is_guarded_until_the_grace_ends(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unloaded and not set up again, a session still stops at its cap."""
    entry = entry_for(foot_leg_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_SESSION_CAP: 1})
    await setup_entry(hass, entry)
    foot_leg_server.device.write({"on": True, "timer": 30})
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")
    assert await hass.config_entries.async_unload(entry.entry_id)

    assert timedelta(minutes=1) < HANDOVER_GRACE
    await advance(hass, freezer, timedelta(minutes=1, seconds=1))
    assert not foot_leg_server.device.state.on


async def test_a_set_up_that_has_to_wait_adopts_the_session_later(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    foot_leg_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A reload whose set-up is retried keeps the session parked, then adopts it."""
    foot_leg_server.device.write({"on": True, "timer": 30})
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")
    deadline = foot_leg_entry.runtime_data.safety.session_deadline
    assert deadline is not None
    foot_leg_server.faults.server_error = 503
    await hass.config_entries.async_reload(foot_leg_entry.entry_id)
    await hass.async_block_till_done()
    assert foot_leg_entry.state is ConfigEntryState.SETUP_RETRY
    assert foot_leg_server.device.state.on

    foot_leg_server.faults.server_error = None
    await advance(hass, freezer, timedelta(seconds=6))  # the first retry
    await wait_for(hass, lambda: foot_leg_entry.state is ConfigEntryState.LOADED)
    assert foot_leg_entry.runtime_data.safety.session_deadline == deadline
    # Adopted, so the grace that would have stopped it is over.
    await advance(hass, freezer, HANDOVER_GRACE)
    assert foot_leg_server.device.state.on


async def test_removal_stops_a_parked_session(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    foot_leg_entry: MockConfigEntry,
) -> None:
    """Removing an entry that was unloaded stops its device at once."""
    foot_leg_server.device.write({"on": True, "timer": 30})
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")
    assert await hass.config_entries.async_unload(foot_leg_entry.entry_id)
    assert foot_leg_server.device.state.on
    await hass.config_entries.async_remove(foot_leg_entry.entry_id)
    await hass.async_block_till_done()
    assert not foot_leg_server.device.state.on

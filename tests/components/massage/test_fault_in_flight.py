"""Fault: a command still in flight when the entry unloads or Home Assistant stops."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    get_scheduled_timer_handles,
)

from custom_components.massage.const import (
    CONF_SESSION_CAP,
    HANDOVER_GRACE,
    SAFETY_RETRY_INTERVAL,
)
from custom_components.massage.safety import SafetyGuard
from emulator import DeviceServer

from .conftest import advance, entry_for, setup_entry, wait_for

FOOT = "fan.foot_and_leg_massager"
# Long enough for Home Assistant to act while a command is still on its way.
LATENCY = 0.3


async def _in_flight(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Return once the coordinator is busy with a command."""
    commands = entry.runtime_data.coordinator._commands
    for _ in range(1000):
        if commands.locked():
            return
        await asyncio.sleep(0)
    pytest.fail("no command went out")


async def _start_in_flight(
    hass: HomeAssistant, entry: MockConfigEntry
) -> asyncio.Task[None]:
    """Ask for the massager to start, and return while the command travels."""
    task = hass.async_create_task(
        hass.services.async_call("fan", "turn_on", {"entity_id": FOOT}, blocking=True)
    )
    await _in_flight(hass, entry)
    assert not task.done()
    return task


async def _stop_home_assistant(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()


async def _remove(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await hass.config_entries.async_remove(entry.entry_id)


async def _disable(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await hass.config_entries.async_set_disabled_by(
        entry.entry_id, ConfigEntryDisabler.USER
    )


@pytest.mark.parametrize(
    "leave",
    [_stop_home_assistant, _remove, _disable],
    ids=["stop", "remove", "disable"],
)
async def test_command_in_flight_when_guarding_ends(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    foot_leg_entry: MockConfigEntry,
    leave: Callable[[HomeAssistant, MockConfigEntry], Awaitable[None]],
) -> None:
    """A start still on its way is waited for, and the device ends off."""
    foot_leg_server.faults.latency = LATENCY
    command = await _start_in_flight(hass, foot_leg_entry)

    await leave(hass, foot_leg_entry)
    await asyncio.gather(command, return_exceptions=True)
    await hass.async_block_till_done()
    assert not foot_leg_server.device.state.on


async def test_command_in_flight_at_unload_ends_off_after_the_handover_grace(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    foot_leg_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An unload that no set-up follows leaves the device off once the grace ends."""
    foot_leg_server.faults.latency = LATENCY
    command = await _start_in_flight(hass, foot_leg_entry)

    unload = hass.async_create_task(
        hass.config_entries.async_unload(foot_leg_entry.entry_id)
    )
    # Later requests go at once: the frozen clock ends no delay by itself.
    foot_leg_server.faults.latency = 0
    await advance(hass, freezer, timedelta(seconds=LATENCY))  # the command lands
    assert await unload
    await command
    # Parked for a set-up that may take it over, and guarded meanwhile.
    assert foot_leg_server.device.state.on
    await advance(hass, freezer, HANDOVER_GRACE + timedelta(seconds=1))
    assert not foot_leg_server.device.state.on


@pytest.mark.usefixtures("foot_leg_entry")
async def test_no_command_once_home_assistant_stopped_guarding(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """After the last stop, a late command cannot start the device again."""
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "fan", "turn_on", {"entity_id": FOOT}, blocking=True
        )
    assert err.value.translation_key == "not_guarded"
    assert not foot_leg_server.device.state.on


def _guard_timers(hass: HomeAssistant) -> list[asyncio.TimerHandle]:
    """The timers a safety guard has scheduled and not cancelled."""
    found = []
    for handle in get_scheduled_timer_handles(hass.loop):
        for argument in () if handle.cancelled() else handle._args or ():
            target = getattr(argument, "target", argument)
            while isinstance(target, partial):
                target = target.func
            if isinstance(getattr(target, "__self__", None), SafetyGuard):
                found.append(handle)
    return found


async def test_no_cap_retry_outlives_its_entry(
    hass: HomeAssistant, foot_leg_server: DeviceServer, freezer: FrozenDateTimeFactory
) -> None:
    """Neither a waiting retry nor one a stop in flight is about to set up is left."""
    entry = entry_for(foot_leg_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_SESSION_CAP: 1})
    await setup_entry(hass, entry)
    foot_leg_server.device.write({"on": True, "timer": 30})
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")
    foot_leg_server.faults.server_error = 500
    await advance(hass, freezer, timedelta(minutes=1))
    assert _guard_timers(hass)  # a retry waits

    # The next retry is on its way when the entry goes.
    foot_leg_server.faults.latency = LATENCY
    freezer.tick(SAFETY_RETRY_INTERVAL)
    async_fire_time_changed(hass)
    await _in_flight(hass, entry)
    remove = hass.async_create_task(hass.config_entries.async_remove(entry.entry_id))
    # The retry fails, and so does the last stop after it, at once.
    foot_leg_server.faults.latency = 0
    await advance(hass, freezer, timedelta(seconds=LATENCY))
    await remove
    assert not _guard_timers(hass)

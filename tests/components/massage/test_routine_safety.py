"""Tests that a routine keeps to the caps and leaves no device running."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Context, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.massage.const import CONF_HEAT_CAP, CONF_SESSION_CAP, DOMAIN
from emulator import DeviceServer

from .conftest import wait_for
from .routine_helpers import (
    OFF,
    STEP_SENSOR,
    Fired,
    Writes,
    advance,
    call,
    confirm,
    entry_of,
    player,
    player_entry,
)

GUN_ON = {"on": True, "level": 3, "timer": 5}


async def start_legs(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Start post-workout legs and have both devices running after 30 s."""
    await call(hass, "start_routine", routine="post_workout_legs")
    await confirm(hass)
    await advance(hass, freezer, 30)


def assert_all_off(*servers: DeviceServer) -> None:
    """No device runs, and no heat is on."""
    for server in servers:
        assert not server.device.state.on
        assert server.device.state.heat == 0


# Who starts the gun


@pytest.mark.parametrize(
    "context",
    [Context(), Context(user_id="a-person")],
    ids=["automation", "person"],
)
async def test_gun_never_starts_without_confirmation(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    context: Context,
) -> None:
    """Whoever starts a routine, each gun step waits; unconfirmed, it aborts."""
    gun, _foot_leg, fired = recorded
    await call(hass, "start_routine", context=context, routine="neck_tension")
    await advance(hass, freezer, 30)
    assert fired.types[-1] == "step_waiting_for_confirmation"
    await advance(hass, freezer, 180)
    assert fired.log[-1][2]["reason"] == "confirmation_timeout"
    assert gun.log == []


# Aborts


async def test_unavailable_device_aborts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> None:
    """A device that drops off the network aborts the routine; the other stops."""
    _gun, foot_leg, fired = recorded
    await start_legs(hass, freezer)

    gun_server.faults.refuse_connections = True
    await wait_for(hass, lambda: fired.types[-1] == "routine_aborted")
    assert fired.log[-1][2]["reason"] == "device_unavailable"
    assert foot_leg.log[-1] == (30, OFF)
    assert_all_off(foot_leg_server)
    assert hass.states.get(STEP_SENSOR).state == "idle"


async def test_device_switched_off_by_hand_aborts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> None:
    """A person who switches a device off on the device ends the routine."""
    gun, _foot_leg, fired = recorded
    await start_legs(hass, freezer)

    foot_leg_server.device.press_power()
    await wait_for(hass, lambda: fired.types[-1] == "routine_aborted")
    assert fired.log[-1][2]["reason"] == "device_stopped"
    assert gun.log[-1] == (30, OFF)
    assert_all_off(gun_server, foot_leg_server)


async def test_unloading_the_player_aborts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> None:
    """Unloading the player leaves every device of its routine off."""
    _gun, _foot_leg, fired = recorded
    await start_legs(hass, freezer)

    assert await hass.config_entries.async_unload(player_entry(hass).entry_id)
    await hass.async_block_till_done()
    assert fired.log[-1][2]["reason"] == "player_unloaded"
    assert_all_off(gun_server, foot_leg_server)


async def test_unloading_a_device_entry_aborts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unloading one device's entry stops the routine on every device."""
    gun, _foot_leg, fired = recorded
    await start_legs(hass, freezer)

    entry = entry_of(hass, foot_leg_server)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert fired.log[-1][2]["reason"] == "device_unloaded"
    assert gun.log[-1] == (30, OFF)
    assert_all_off(gun_server, foot_leg_server)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_home_assistant_stopping_aborts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> None:
    """Home Assistant stopping ends the routine with every device off."""
    _gun, _foot_leg, fired = recorded
    await start_legs(hass, freezer)

    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert fired.log[-1][2]["reason"] == "shutdown"
    assert_all_off(gun_server, foot_leg_server)


async def test_never_resumed_after_a_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> None:
    """Set up again, the player has no routine and starts no device."""
    gun, foot_leg, _fired = recorded
    await start_legs(hass, freezer)
    entries = hass.config_entries.async_entries(DOMAIN)
    for entry in entries:
        assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    writes = len(gun.log) + len(foot_leg.log)

    for entry in entries:
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert all(entry.state is ConfigEntryState.LOADED for entry in entries)
    assert player(hass).run is None
    assert hass.states.get(STEP_SENSOR).state == "idle"
    await advance(hass, freezer, timedelta(minutes=15))
    assert len(gun.log) + len(foot_leg.log) == writes
    assert_all_off(gun_server, foot_leg_server)


async def test_stop_while_a_command_is_in_flight(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    gun_server: DeviceServer,
) -> None:
    """A stop that comes while the gun's start is on its way has the last word."""
    gun, _foot_leg, fired = recorded
    await call(hass, "start_routine", routine="leg_cramp")
    await advance(hass, freezer, 20)
    gun_server.faults.latency = 1
    # Not through advance(): waiting for the tasks would wait for the latency,
    # which only passes when the clock moves.
    confirming = asyncio.create_task(confirm(hass))
    run = player(hass).run
    assert run is not None
    await spin_until(run._lock.locked)  # the gun's start is on its way
    stopping = asyncio.create_task(call(hass, "stop_routine"))
    # The latency passes as the clock moves; the sockets need the loop to turn.
    for _ in range(10):
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
        await spin_until(
            lambda: confirming.done() and stopping.done(), limit=2000, must=False
        )
    await asyncio.gather(confirming, stopping, return_exceptions=True)
    gun_server.faults.latency = 0
    await hass.async_block_till_done()

    assert [changes for _, changes in gun.log] == [
        {"on": True, "level": 1, "timer": 5},
        OFF,
    ]
    assert not gun_server.device.state.on
    assert fired.types[-1] == "routine_aborted"
    assert "step_started" not in fired.types[fired.types.index("routine_aborted") :]


async def spin_until(
    condition: Callable[[], bool], limit: int = 100_000, *, must: bool = True
) -> None:
    """Turn the event loop until `condition()` holds, at most `limit` times.

    The clock is frozen here, so the bound is in turns of the loop, not seconds.
    """
    for _ in range(limit):
        if condition():
            return
        await asyncio.sleep(0)
    assert not must, "condition not reached"


# Caps


async def set_options(
    hass: HomeAssistant, server: DeviceServer, options: dict[str, int]
) -> None:
    """Give a device's entry new options, as its options flow does (it reloads)."""
    entry = entry_of(hass, server)
    hass.config_entries.async_update_entry(entry, options=options)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


async def test_heat_beyond_the_heat_cap_is_cut(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    foot_leg_server: DeviceServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Heat goes off before the heat cap, and stays off for the rest of the routine."""
    _gun, foot_leg, fired = recorded
    await set_options(hass, foot_leg_server, {CONF_HEAT_CAP: 5})

    await call(hass, "start_routine", routine="foot_calf_circulation")
    step = fired.log[-1][2]
    assert step["duration"] == 300
    assert step["heat_duration"] == 295
    assert step["shortened_by"] == ["heat_cap"]
    assert step["requested_duration"] == 300

    for seconds in (295, 5, 300, 300):
        await advance(hass, freezer, seconds)
    kneading = {"on": True, "level": 2, "mode": "kneading", "timer": 10}
    assert [(t, c) for t, c in foot_leg.log] == [
        (0, kneading | {"heat": 1}),
        (295, {"heat": 0}),
        (300, kneading | {"heat": 0}),
        (600, {"on": True, "level": 2, "mode": "rolling", "heat": 0, "timer": 10}),
        (900, OFF),
    ]
    second = fired.log[2][2]
    assert second["step"] == 2
    assert second["heat_duration"] == 0
    assert second["shortened_by"] == ["heat_cap"]
    # The routine kept to the cap itself: the guard never had to act.
    assert "cap reached" not in caplog.text


async def test_step_beyond_the_session_cap_ends_its_track(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    foot_leg_server: DeviceServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A step that would outrun the session cap ends before it; the device rests."""
    _gun, foot_leg, fired = recorded
    await set_options(hass, foot_leg_server, {CONF_SESSION_CAP: 8})

    await call(hass, "start_routine", routine="foot_calf_circulation")
    await advance(hass, freezer, 300)
    step = fired.log[-1][2]
    assert step["step"] == 2
    assert step["duration"] == 175
    assert step["shortened_by"] == ["session_cap"]

    await advance(hass, freezer, 175)
    assert foot_leg.log[-1] == (475, OFF)
    assert fired.types[-1] == "routine_finished"
    assert "cap reached" not in caplog.text


async def test_step_beyond_the_device_timer_is_cut(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """The firmware's longest timer outlasts every step, so it never ends one early."""
    gun, _foot_leg, fired = recorded
    step = {
        "role": "gun",
        "body_area": "calves",
        "level": 2,
        "duration": "00:20:00",
        "prompt": "legs_calves",
    }
    await call(hass, "start_routine", steps=[step])
    await confirm(hass)
    started = fired.log[-1][2]
    assert started["duration"] == 870
    assert started["shortened_by"] == ["device_timer"]
    assert gun.log == [(0, {"on": True, "level": 2, "timer": 15})]
    await advance(hass, freezer, 870)
    assert gun.log[-1] == (870, OFF)

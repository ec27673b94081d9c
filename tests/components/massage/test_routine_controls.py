"""Tests of a running routine's controls: pause, resume, skip, stop and confirm."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant

from custom_components.massage.routines.player import CONF_CONFIRM_TIMEOUT
from emulator import DeviceServer

from .routine_helpers import (
    END_SENSOR,
    OFF,
    STEP_SENSOR,
    Fired,
    Writes,
    advance,
    call,
    confirm,
    player_entry,
    refused,
)

KNEADING = {"on": True, "level": 2, "mode": "kneading", "heat": 1}


async def test_pause_and_resume(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """Pausing stops both devices and holds the steps; resuming goes on from there."""
    gun, foot_leg, fired = recorded
    await call(hass, "start_routine", routine="post_workout_legs")
    await confirm(hass)
    await advance(hass, freezer, 60)

    await call(hass, "pause_routine")
    assert fired.types[-1] == "routine_paused"
    assert gun.log[-1] == (60, OFF)
    assert foot_leg.log[-1] == (60, OFF)
    assert hass.states.get(STEP_SENSOR).attributes["status"] == "paused"
    assert hass.states.get(END_SENSOR).state == "unknown"
    assert (await refused(hass, "pause_routine")).translation_key == "routine_paused"
    assert (await refused(hass, "skip_step")).translation_key == "routine_paused"

    # A paused routine moves no device and fires nothing, however long it waits.
    writes, events = len(gun.log) + len(foot_leg.log), len(fired.log)
    await advance(hass, freezer, timedelta(minutes=20))
    assert len(gun.log) + len(foot_leg.log) == writes
    assert len(fired.log) == events

    await call(hass, "resume_routine")
    # The foot massager goes on with what was left; the gun waits for a person.
    assert foot_leg.log[-1] == (1260, KNEADING | {"timer": 10})
    assert fired.log[-3:] == [
        (
            1260,
            "routine_resumed",
            {"routine": "post_workout_legs", "devices": fired.log[-3][2]["devices"]},
        ),
        (1260, "step_started", fired.log[-2][2]),
        (1260, "step_waiting_for_confirmation", fired.log[-1][2]),
    ]
    assert fired.log[-2][2]["step"] == 1
    assert fired.log[-2][2]["duration"] == 540
    assert fired.log[-1][2]["step"] == 2
    assert fired.log[-1][2]["duration"] == 60
    assert gun.log[-1] == (60, OFF)
    assert (
        await refused(hass, "resume_routine")
    ).translation_key == "routine_not_paused"

    await confirm(hass)
    assert gun.log[-1] == (1260, {"on": True, "level": 3, "timer": 5})
    await advance(hass, freezer, 60)
    assert gun.log[-1] == (1320, OFF)
    assert fired.types[-1] == "step_waiting_for_confirmation"
    assert fired.log[-1][2]["step"] == 3


async def test_skip_the_step_the_person_follows(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """Skip ends the step that began last, waiting, resting or running."""
    gun, _foot_leg, fired = recorded
    await call(hass, "start_routine", routine="lower_back_spasm")
    assert fired.log[-1][2]["step"] == 1

    await call(hass, "skip_step")  # the rest before the first circles
    assert fired.types[-1] == "step_waiting_for_confirmation"
    await call(hass, "skip_step")  # the waiting gun step: the gun never starts
    assert fired.log[-1][1:] == ("step_started", fired.log[-1][2])
    assert fired.log[-1][2]["step"] == 3
    assert gun.log == []

    await advance(hass, freezer, 30)
    await confirm(hass)
    await advance(hass, freezer, 10)
    await call(hass, "skip_step")  # the running gun step: the gun goes off now
    assert gun.log == [(30, {"on": True, "level": 1, "timer": 5}), (40, OFF)]
    assert fired.log[-1][2]["step"] == 5

    await call(hass, "skip_step")  # the last step: the routine is done
    assert fired.types[-1] == "routine_finished"
    assert (await refused(hass, "skip_step")).translation_key == "routine_not_running"


async def test_skip_one_role_of_two(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """With both devices at work, a role says whose step to skip."""
    gun, foot_leg, fired = recorded
    await call(hass, "start_routine", routine="post_workout_legs")
    await confirm(hass)
    await advance(hass, freezer, 30)

    await call(hass, "skip_step", role="foot_leg")
    assert foot_leg.log[-1] == (30, OFF)
    assert gun.log == [(0, {"on": True, "level": 3, "timer": 5})]
    assert hass.states.get(STEP_SENSOR).state == "legs_calves"

    await call(hass, "skip_step")
    assert gun.log[-1] == (30, OFF)
    assert fired.log[-1][2]["step"] == 3
    assert fired.types[-1] == "step_waiting_for_confirmation"


async def test_stop(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> None:
    """Stop leaves every device of the routine off, heat included."""
    gun, foot_leg, fired = recorded
    await call(hass, "start_routine", routine="post_workout_legs")
    await confirm(hass)
    await advance(hass, freezer, 45)
    assert foot_leg_server.device.state.heat == 1
    assert gun_server.device.state.on

    await call(hass, "stop_routine")
    assert fired.types[-1] == "routine_aborted"
    assert fired.log[-1][2]["reason"] == "stopped"
    assert fired.log[-1][2]["duration"] == 45
    assert gun.log[-1] == (45, OFF)
    assert foot_leg.log[-1] == (45, OFF)
    assert not gun_server.device.state.on
    assert not foot_leg_server.device.state.on
    assert foot_leg_server.device.state.heat == 0
    assert hass.states.get(STEP_SENSOR).state == "idle"
    assert hass.states.get(END_SENSOR).state == "unknown"

    # Nothing is left to fire later.
    events = len(fired.log)
    await advance(hass, freezer, timedelta(minutes=15))
    assert len(fired.log) == events
    assert (
        await refused(hass, "stop_routine")
    ).translation_key == "routine_not_running"


async def test_confirm_starts_the_waiting_gun_step(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """The gun waits, whatever the time, until a person confirms."""
    gun, _foot_leg, fired = recorded
    await call(hass, "start_routine", routine="leg_cramp")
    await advance(hass, freezer, 20)
    assert fired.types[-1] == "step_waiting_for_confirmation"
    state = hass.states.get(STEP_SENSOR)
    assert state.state == "cramp_calf_gentle"
    assert state.attributes["status"] == "waiting_for_confirmation"
    await advance(hass, freezer, 100)
    assert gun.log == []

    await confirm(hass)
    assert gun.log == [(120, {"on": True, "level": 1, "timer": 5})]
    assert fired.types[-1] == "step_started"
    assert hass.states.get(STEP_SENSOR).attributes["status"] == "running"


async def test_confirmation_times_out_into_an_abort(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """Nobody confirms: the routine aborts after the player's timeout."""
    gun, foot_leg, fired = recorded
    await call(hass, "start_routine", routine="post_workout_legs")
    await advance(hass, freezer, 179)
    assert fired.types[-1] == "step_waiting_for_confirmation"

    await advance(hass, freezer, 1)
    assert fired.types[-1] == "routine_aborted"
    assert fired.log[-1][2]["reason"] == "confirmation_timeout"
    assert gun.log == []
    assert foot_leg.log[-1] == (180, OFF)


async def test_confirmation_timeout_is_an_option(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """The player's options set how long a gun step waits."""
    _gun, _foot_leg, fired = recorded
    entry = player_entry(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_CONFIRM_TIMEOUT: 1})
    await hass.async_block_till_done()
    await call(hass, "start_routine", routine="leg_cramp")
    await advance(hass, freezer, 20)
    assert fired.log[-1][2]["confirm_timeout"] == 60
    await advance(hass, freezer, 60)
    assert fired.log[-1][2]["reason"] == "confirmation_timeout"


async def test_step_sensor_follows_the_last_begun_step(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """The step the person follows is the one that began last, on either device."""
    await call(hass, "start_routine", routine="post_workout_legs")
    state = hass.states.get(STEP_SENSOR)
    assert state.state == "legs_calves"
    assert state.attributes == state.attributes | {
        "routine": "post_workout_legs",
        "step": 2,
        "steps": 4,
        "role": "gun",
        "body_area": "calves",
        "prompt": "legs_calves",
        "status": "waiting_for_confirmation",
    }
    await confirm(hass)
    for _ in range(2):
        await advance(hass, freezer, 120)
        await confirm(hass)
    await advance(hass, freezer, 120)
    # The gun is done; the foot massager's step is what goes on.
    state = hass.states.get(STEP_SENSOR)
    assert state.state == "legs_warm_kneading"
    assert state.attributes["status"] == "running"
    assert state.attributes["role"] == "foot_leg"
    assert state.attributes["body_area"] == "feet_and_calves"


async def test_end_sensor_moves_with_each_wait(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """The end is the later track's; a gun step confirmed late moves it."""
    await call(hass, "start_routine", routine="post_workout_legs")
    assert hass.states.get(END_SENSOR).state == "2026-11-24T07:10:00+00:00"
    await advance(hass, freezer, 100)
    await confirm(hass)
    for _ in range(2):
        await advance(hass, freezer, 220)
        await confirm(hass)
    # The gun's last step runs from 9:00 to 11:00, past the foot massager's end.
    assert hass.states.get(END_SENSOR).state == "2026-11-24T07:11:00+00:00"
    await advance(hass, freezer, 120)
    assert hass.states.get(END_SENSOR).state == "unknown"

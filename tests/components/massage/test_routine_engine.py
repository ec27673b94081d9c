"""Tests of the engine's less travelled paths: rests, failures, races, done tracks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component import common

from custom_components.massage.api import DeviceKind
from emulator import DeviceServer

from .conftest import wait_for
from .routine_helpers import (
    OFF,
    Fired,
    Writes,
    advance,
    call,
    confirm,
    player,
    refused,
)


def step(role: str, level: object, seconds: int, **extra: object) -> dict[str, object]:
    """A step for an inline routine."""
    area = "calves" if role == "gun" else "feet_and_calves"
    prompt = "legs_calves" if role == "gun" else "circulation_rolling"
    return {
        "role": role,
        "body_area": area,
        "level": level,
        "duration": seconds,
        "prompt": prompt,
        **extra,
    }


@pytest.mark.parametrize("timers_fire", ["as_scheduled", "reversed"])
async def test_rests_and_both_roles(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    timers_fire: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rest switches a running device off for its time; the roles run side by side.

    Steps of both roles that end at the same moment move on in the routine's order,
    whichever of their timers fires first.
    """
    gun, foot_leg, fired = recorded
    if timers_fire == "reversed":
        handles = common.get_scheduled_timer_handles
        monkeypatch.setattr(
            common,
            "get_scheduled_timer_handles",
            lambda loop: list(reversed(list(handles(loop)))),
        )
    steps = [
        step("foot_leg", 2, 60, mode="rolling"),
        step("gun", 1, 30),
        step("foot_leg", 0, 30),
        step("gun", 0, 30),
        step("foot_leg", "100%", 60, mode="combined"),
        step("gun", 2, 30),
    ]
    await call(hass, "start_routine", steps=steps)
    await confirm(hass)
    for _ in range(6):
        await advance(hass, freezer, 30)
        if player(hass).run is not None and player(hass).run.waiting:
            await confirm(hass)

    assert foot_leg.log == [
        (0, {"on": True, "level": 2, "mode": "rolling", "heat": 0, "timer": 10}),
        (60, OFF),
        (90, {"on": True, "level": 3, "mode": "combined", "heat": 0, "timer": 10}),
        (150, OFF),
    ]
    assert gun.log == [
        (0, {"on": True, "level": 1, "timer": 5}),
        (30, OFF),
        (60, {"on": True, "level": 2, "timer": 5}),
        (90, OFF),
    ]
    assert [(t, kind, data.get("step")) for t, kind, data in fired.log] == [
        (0, "routine_started", None),
        (0, "step_started", 1),
        (0, "step_waiting_for_confirmation", 2),
        (0, "step_started", 2),
        (30, "step_started", 4),
        (60, "step_started", 3),
        (60, "step_waiting_for_confirmation", 6),
        (60, "step_started", 6),
        (90, "step_started", 5),
        (150, "routine_finished", None),
    ]


async def test_skip_a_role_that_has_nothing_to_skip(
    hass: HomeAssistant, recorded: tuple[Writes, Writes, Fired]
) -> None:
    """A role without a step in the routine has nothing to skip."""
    await call(hass, "start_routine", routine="leg_cramp")
    assert (
        await refused(hass, "skip_step", role="foot_leg")
    ).translation_key == "nothing_to_skip"


async def test_a_refused_start_aborts_and_tells_the_person(
    hass: HomeAssistant,
    recorded: tuple[Writes, Writes, Fired],
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> None:
    """A gun that refuses to start aborts the routine; the person sees why."""
    _gun, _foot_leg, fired = recorded
    await call(hass, "start_routine", routine="post_workout_legs")
    gun_server.faults.server_error = 503
    with pytest.raises(HomeAssistantError) as err:
        await confirm(hass)
    assert err.value.translation_key == "command_busy"
    gun_server.faults.server_error = None
    assert fired.log[-1][2]["reason"] == "device_error"
    assert not foot_leg_server.device.state.on


async def test_a_failed_step_change_aborts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
    foot_leg_server: DeviceServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A device that refuses the next step aborts the routine, with a warning."""
    _gun, _foot_leg, fired = recorded
    await call(hass, "start_routine", routine="foot_calf_circulation")
    foot_leg_server.faults.server_error = 500
    await advance(hass, freezer, 300)
    foot_leg_server.faults.server_error = None
    assert fired.log[-1][2]["reason"] == "device_error"
    assert "Routine foot_calf_circulation aborted" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_double_tap_starts_the_gun_once(
    hass: HomeAssistant,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """Two confirmations at once start the waiting step once."""
    gun, _foot_leg, fired = recorded
    await call(hass, "start_routine", routine="post_workout_legs")
    results = await asyncio.gather(confirm(hass), confirm(hass), return_exceptions=True)
    # The second finds the step started, or nothing left to confirm.
    for result in results:
        assert result is None or (
            isinstance(result, ServiceValidationError)
            and result.translation_key == "nothing_to_confirm"
        )
    assert gun.log == [(0, {"on": True, "level": 3, "timer": 5})]
    assert fired.types.count("step_started") == 2  # the foot's, and the gun's


async def test_pause_and_resume_after_one_track_is_done(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """A finished track stays finished through a pause."""
    gun, foot_leg, fired = recorded
    await call(hass, "start_routine", routine="post_workout_legs")
    for _ in range(3):
        await confirm(hass)
        await advance(hass, freezer, 120)
    gun_writes = len(gun.log)
    await call(hass, "pause_routine")
    await call(hass, "resume_routine")
    assert fired.types[-2:] == ["routine_resumed", "step_started"]
    assert fired.log[-1][2]["step"] == 1
    assert fired.log[-1][2]["duration"] == 240
    assert len(gun.log) == gun_writes
    assert foot_leg.log[-1][0] == 360
    await advance(hass, freezer, 240)
    assert fired.types[-1] == "routine_finished"


async def test_unavailable_while_paused_aborts(
    hass: HomeAssistant,
    recorded: tuple[Writes, Writes, Fired],
    gun_server: DeviceServer,
) -> None:
    """A paused routine whose device vanishes is over: nothing would resume."""
    _gun, _foot_leg, fired = recorded
    await call(hass, "start_routine", routine="post_workout_legs")
    await call(hass, "pause_routine")
    gun_server.faults.refuse_connections = True
    await wait_for(hass, lambda: fired.types[-1] == "routine_aborted")
    assert fired.log[-1][2]["reason"] == "device_unavailable"


async def test_an_ended_run_refuses_everything(
    hass: HomeAssistant, recorded: tuple[Writes, Writes, Fired]
) -> None:
    """The engine itself refuses to move a run that is over."""
    await call(hass, "start_routine", routine="leg_cramp")
    run = player(hass).run
    assert run is not None
    await call(hass, "stop_routine")
    for attempt in (run.async_pause, run.async_skip):
        with pytest.raises(ServiceValidationError) as err:
            await attempt()
        assert err.value.translation_key == "routine_not_running"
    with pytest.raises(ServiceValidationError) as err:
        await run.async_confirm()
    assert err.value.translation_key == "nothing_to_confirm"
    assert run.current_step is None
    assert run.ends_at is None
    assert run.time_left is None
    assert run.waiting_track is None


async def test_time_left_and_the_waiting_track(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    recorded: tuple[Writes, Writes, Fired],
) -> None:
    """A waiting step counts as if confirmed now; the time left holds while paused."""
    await call(hass, "start_routine", routine="post_workout_legs")
    run = player(hass).run
    assert run is not None
    # The foot massager kneads for 10 minutes; the gun's 6 wait to be confirmed.
    assert run.time_left == timedelta(minutes=10)
    waiting = run.waiting_track
    assert waiting is not None
    assert waiting.role is DeviceKind.GUN
    assert waiting.index == 1
    await advance(hass, freezer, 150)
    assert run.time_left == timedelta(minutes=7, seconds=30)
    assert run.ends_at == dt_util.utcnow() + timedelta(minutes=7, seconds=30)
    await confirm(hass)
    assert run.waiting_track is None
    await advance(hass, freezer, 90)
    await call(hass, "pause_routine")
    assert run.ends_at is None
    # Held: the foot massager's 6 minutes, more than the gun's 30 s and 4 minutes.
    assert run.time_left == timedelta(minutes=6)
    await advance(hass, freezer, timedelta(minutes=20))
    assert run.time_left == timedelta(minutes=6)

"""Every built-in routine, end to end in virtual time against the emulated devices."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
import pytest
import yaml

from custom_components.massage.api import DeviceKind
from custom_components.massage.routines.engine import AbortReason, EventType
from custom_components.massage.routines.library import BUILT_IN_ROUTINES
from custom_components.massage.routines.model import (
    BODY_AREAS,
    PROMPTS,
    STEP_SCHEMA,
    parse_step,
)
from custom_components.massage.routines.player import FINISHED_PROMPT
from emulator import DeviceServer

from .conftest import FROZEN_NOW
from .routine_helpers import (
    OFF,
    Fired,
    Writes,
    advance,
    button,
    by_person,
    device_id,
    player,
    quiet_heartbeats,
    record_events,
    record_writes,
    setup_devices,
)

# A person who reads each gun step's prompt, picks up the gun and confirms.
CONFIRM_AFTER = 5

GUN_ON_MODERATE = {"on": True, "level": 3, "timer": 5}
GUN_ON_LOW = {"on": True, "level": 1, "timer": 5}


@pytest.fixture
async def devices(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
) -> AsyncGenerator[tuple[DeviceServer, DeviceServer]]:
    """Both emulated devices set up, the player with them, at a fixed time."""
    freezer.move_to(FROZEN_NOW)
    with quiet_heartbeats(gun_server, foot_leg_server):
        await setup_devices(hass, gun_server, foot_leg_server)
        yield gun_server, foot_leg_server


async def follow(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Play the person: confirm each waiting gun step after a while, until the end.

    Every step of the library lasts a multiple of 5 s, so 5 s ticks land on each
    step's end exactly.
    """
    run = player(hass).run
    assert run is not None
    seen_waiting = run.waiting
    while not run.ended:
        await advance(hass, freezer, CONFIRM_AFTER)
        if not run.waiting:
            seen_waiting = False
        elif not seen_waiting:
            seen_waiting = True
        else:
            await hass.services.async_call(
                "button",
                "press",
                {ATTR_ENTITY_ID: button("confirm_step")},
                blocking=True,
                context=await by_person(hass),
            )
            seen_waiting = False


async def play(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    servers: tuple[DeviceServer, DeviceServer],
    routine: str,
) -> tuple[Writes, Writes, Fired]:
    """Start a routine from the player's select and start button; follow it."""
    gun_server, foot_leg_server = servers
    gun, foot_leg = record_writes(gun_server), record_writes(foot_leg_server)
    fired = record_events(hass)
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: "select.massage_routines_routine", "option": routine},
        blocking=True,
    )
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: button("start_routine")},
        blocking=True,
    )
    await follow(hass, freezer)
    assert not gun_server.device.state.on
    assert not foot_leg_server.device.state.on
    assert foot_leg_server.device.state.heat == 0
    return gun, foot_leg, fired


def timeline(fired: Fired) -> list[tuple[float, str, int | None]]:
    """Each event's time, type and step."""
    return [(time, kind, data.get("step")) for time, kind, data in fired.log]


async def test_post_workout_legs(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    devices: tuple[DeviceServer, DeviceServer],
) -> None:
    """The gun works three areas while the foot massager kneads with heat."""
    gun, foot_leg, fired = await play(hass, freezer, devices, "post_workout_legs")

    assert foot_leg.log == [
        (0, {"on": True, "level": 2, "mode": "kneading", "heat": 1, "timer": 15}),
        (600, OFF),
    ]
    assert gun.log == [
        (5, GUN_ON_MODERATE),
        (125, OFF),
        (130, GUN_ON_MODERATE),
        (250, OFF),
        (255, GUN_ON_MODERATE),
        (375, OFF),
    ]
    assert timeline(fired) == [
        (0, "routine_started", None),
        (0, "step_started", 1),
        (0, "step_waiting_for_confirmation", 2),
        (5, "step_started", 2),
        (125, "step_waiting_for_confirmation", 3),
        (130, "step_started", 3),
        (250, "step_waiting_for_confirmation", 4),
        (255, "step_started", 4),
        (600, "routine_finished", None),
    ]
    gun_id, foot_leg_id = (device_id(hass, server) for server in devices)
    assert fired.log[1][2] == {
        "routine": "post_workout_legs",
        "step": 1,
        "steps": 4,
        "role": "foot_leg",
        "body_area": "feet_and_calves",
        "prompt_key": "legs_warm_kneading",
        "prompt": "Sit back with your feet and calves in the foot and leg massager. "
        "It kneads with gentle heat while you use the gun.",
        "duration": 600,
        "heat_duration": 600,
        "devices": {"foot_leg": foot_leg_id},
    }
    assert fired.log[2][2] == {
        "routine": "post_workout_legs",
        "step": 2,
        "steps": 4,
        "role": "gun",
        "body_area": "calves",
        "prompt_key": "legs_calves",
        "prompt": "Move the gun slowly up and down your calf muscles, about a minute "
        "on each leg. Let the gun do the work; do not press hard.",
        "duration": 120,
        "confirm_timeout": 180,
        "devices": {"gun": gun_id},
    }
    assert fired.log[0][2] == {
        "routine": "post_workout_legs",
        "steps": 4,
        "duration": 600,
        "devices": {"foot_leg": foot_leg_id, "gun": gun_id},
    }
    finished = fired.last("routine_finished")
    assert finished["duration"] == 600
    assert "see a doctor" in finished["prompt"]


async def test_lower_back_spasm(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    devices: tuple[DeviceServer, DeviceServer],
) -> None:
    """The gun, low, around the sacrum, with pauses to breathe; no foot massager."""
    gun, foot_leg, fired = await play(hass, freezer, devices, "lower_back_spasm")

    assert foot_leg.log == []
    assert gun.log == [(35, GUN_ON_LOW), (95, OFF), (130, GUN_ON_LOW), (190, OFF)]
    assert timeline(fired) == [
        (0, "routine_started", None),
        (0, "step_started", 1),
        (30, "step_waiting_for_confirmation", 2),
        (35, "step_started", 2),
        (95, "step_started", 3),
        (125, "step_waiting_for_confirmation", 4),
        (130, "step_started", 4),
        (190, "step_started", 5),
        (220, "routine_finished", None),
    ]
    assert [data.get("prompt_key") for _, _, data in fired.log] == [
        None,
        "back_find_sacrum",
        "back_sacrum_circles",
        "back_sacrum_circles",
        "back_breathe",
        "back_sacrum_circles",
        "back_sacrum_circles",
        "back_breathe",
        None,
    ]
    assert fired.log[0][2]["devices"] == {"gun": device_id(hass, devices[0])}


async def test_neck_tension(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    devices: tuple[DeviceServer, DeviceServer],
) -> None:
    """Gentle and low, three minutes of gun in a routine of just over four."""
    gun, foot_leg, fired = await play(hass, freezer, devices, "neck_tension")

    assert foot_leg.log == []
    assert gun.log == [(35, GUN_ON_LOW), (155, OFF), (160, GUN_ON_LOW), (220, OFF)]
    assert timeline(fired) == [
        (0, "routine_started", None),
        (0, "step_started", 1),
        (30, "step_waiting_for_confirmation", 2),
        (35, "step_started", 2),
        (155, "step_waiting_for_confirmation", 3),
        (160, "step_started", 3),
        (220, "step_started", 4),
        (250, "routine_finished", None),
    ]
    areas = [data["body_area"] for _, kind, data in fired.log if kind == "step_started"]
    assert areas == ["neck", "neck", "shoulders", "neck"]
    assert "Never on the front of the neck" in fired.log[2][2]["prompt"]


async def test_leg_cramp(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    devices: tuple[DeviceServer, DeviceServer],
) -> None:
    """The calf, knee slightly bent, gently."""
    gun, foot_leg, fired = await play(hass, freezer, devices, "leg_cramp")

    assert foot_leg.log == []
    assert gun.log == [(25, GUN_ON_LOW), (85, OFF), (90, GUN_ON_LOW), (150, OFF)]
    assert timeline(fired) == [
        (0, "routine_started", None),
        (0, "step_started", 1),
        (20, "step_waiting_for_confirmation", 2),
        (25, "step_started", 2),
        (85, "step_waiting_for_confirmation", 3),
        (90, "step_started", 3),
        (150, "routine_finished", None),
    ]
    assert "knee" in fired.log[1][2]["prompt"]


async def test_foot_calf_circulation(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    devices: tuple[DeviceServer, DeviceServer],
) -> None:
    """Fifteen minutes of kneading with heat, then rolling; the gun stays put."""
    gun, foot_leg, fired = await play(hass, freezer, devices, "foot_calf_circulation")

    assert gun.log == []
    kneading = {"on": True, "level": 2, "mode": "kneading", "heat": 1, "timer": 10}
    rolling = {"on": True, "level": 2, "mode": "rolling", "heat": 0, "timer": 10}
    assert foot_leg.log == [(0, kneading), (300, kneading), (600, rolling), (900, OFF)]
    assert timeline(fired) == [
        (0, "routine_started", None),
        (0, "step_started", 1),
        (300, "step_started", 2),
        (600, "step_started", 3),
        (900, "routine_finished", None),
    ]
    assert fired.log[0][2]["devices"] == {"foot_leg": device_id(hass, devices[1])}


@pytest.mark.parametrize("routine", BUILT_IN_ROUTINES.values(), ids=lambda r: r.id)
def test_built_in_steps_pass_the_step_schema(routine: Any) -> None:
    """The library holds itself to the rules a person's routine must follow."""
    for number, step in enumerate(routine.steps, 1):
        data: dict[str, Any] = {
            "role": step.role.value,
            "body_area": step.body_area,
            "level": str(step.level),
            "duration": step.duration.total_seconds(),
            "prompt": step.prompt,
            "heat": step.heat,
        }
        if step.mode is not None:
            data["mode"] = step.mode
        STEP_SCHEMA(data)
        assert parse_step(data, number) == step


def test_library_uses_every_prompt_once_defined() -> None:
    """Each prompt and body area of the library is one the schema knows."""
    used_prompts = {s.prompt for r in BUILT_IN_ROUTINES.values() for s in r.steps}
    used_areas = {s.body_area for r in BUILT_IN_ROUTINES.values() for s in r.steps}
    assert used_prompts == set(PROMPTS)
    assert used_areas <= set(BODY_AREAS)


def test_neck_tension_is_three_to_five_minutes() -> None:
    """As the guidance says: gentle, low and a few minutes in all."""
    steps = BUILT_IN_ROUTINES["neck_tension"].steps
    total = sum((step.duration for step in steps), start=timedelta(0))
    assert timedelta(minutes=3) <= total <= timedelta(minutes=5)
    assert all(step.level.value <= 20 for step in steps)


def test_every_key_of_a_routine_has_words() -> None:
    """Each prompt, area, routine, event and reason has its English text."""
    integration = Path(__file__).parents[3] / "custom_components" / "massage"
    strings = json.loads((integration / "translations" / "en.json").read_text("utf-8"))
    step = strings["entity"]["sensor"]["routine_step"]
    attributes = step["state_attributes"]
    event = strings["entity"]["event"]["routine"]["state_attributes"]
    assert set(step["state"]) == {"idle", *PROMPTS}
    assert set(attributes["prompt"]["state"]) == {*PROMPTS, FINISHED_PROMPT}
    assert set(attributes["body_area"]["state"]) == set(BODY_AREAS)
    assert set(attributes["role"]["state"]) == {kind.value for kind in DeviceKind}
    assert set(attributes["status"]["state"]) == {
        "waiting_for_confirmation",
        "running",
        "paused",
    }
    assert set(strings["entity"]["select"]["routine"]["state"]) == set(
        BUILT_IN_ROUTINES
    )
    assert set(strings["selector"]["routine"]["options"]) == set(BUILT_IN_ROUTINES)
    assert set(event["event_type"]["state"]) == {kind.value for kind in EventType}
    assert set(event["reason"]["state"]) == {reason.value for reason in AbortReason}
    services = yaml.safe_load((integration / "services.yaml").read_text("utf-8"))
    routine = services["start_routine"]["fields"]["routine"]["selector"]["select"]
    assert routine["options"] == list(BUILT_IN_ROUTINES)

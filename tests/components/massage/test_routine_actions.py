"""Tests of the routine actions: which routine, which devices, and bad input."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.translation import async_get_translations
import pytest

from custom_components.massage.const import DOMAIN
from emulator import DeviceServer

from .routine_helpers import (
    advance,
    call,
    confirm,
    device_id,
    player,
    player_entry,
    quiet_heartbeats,
    record_writes,
    recording,
    refused,
    setup_devices,
)

CALVES = {
    "role": "gun",
    "body_area": "calves",
    "level": "40%",
    "duration": "00:01:30",
    "prompt": "legs_calves",
}
WARM = {
    "role": "foot_leg",
    "body_area": "feet_and_calves",
    "mode": "kneading",
    "level": 1,
    "heat": 2,
    "duration": 120,
    "prompt": "circulation_warm_feet",
}

# A step any foot and leg massager can do: no programme, no heat.
UNHEATED = {
    "role": "foot_leg",
    "body_area": "feet_and_calves",
    "level": 1,
    "duration": 120,
    "prompt": "circulation_rolling",
}


async def press_start(hass: HomeAssistant) -> None:
    """Press the player's Start button, as the dashboard does."""
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: "button.massage_routines_start_routine"},
        blocking=True,
    )


async def message(hass: HomeAssistant, err: ServiceValidationError) -> str:
    """The error's English message, as the frontend shows it."""
    translations = await async_get_translations(hass, "en", "exceptions", {DOMAIN})
    text = translations[f"component.{DOMAIN}.exceptions.{err.translation_key}.message"]
    return text.format(**(err.translation_placeholders or {}))


async def test_inline_steps_run_on_both_devices(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Steps given in the action run as a routine of their own."""
    async with recording(hass, freezer, gun_server, foot_leg_server) as (
        (gun, foot_leg),
        fired,
    ):
        await call(hass, "start_routine", steps=[WARM, CALVES])
        await confirm(hass)
        await advance(hass, freezer, 90)
        await advance(hass, freezer, 30)

    assert foot_leg.log == [
        (0, {"on": True, "level": 1, "mode": "kneading", "heat": 2, "timer": 10}),
        (120, {"on": False}),
    ]
    assert gun.log == [(0, {"on": True, "level": 2, "timer": 5}), (90, {"on": False})]
    assert fired.types == [
        "routine_started",
        "step_started",
        "step_waiting_for_confirmation",
        "step_started",
        "routine_finished",
    ]
    assert fired.log[0][2]["routine"] == "inline"


async def test_start_without_a_routine_starts_the_selected_one(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """With no routine given, the one chosen on the player starts."""
    await setup_devices(hass, gun_server)
    player(hass).select("leg_cramp")
    await call(hass, "start_routine")
    run = player(hass).run
    assert run is not None
    assert run.routine.id == "leg_cramp"


async def test_a_routine_for_one_device_needs_only_that_one(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A gun routine runs with just the gun; one that needs both is refused."""
    await setup_devices(hass, gun_server)
    await call(hass, "start_routine", routine="lower_back_spasm")
    run = player(hass).run
    assert run is not None
    assert list(run.devices) == ["gun"]
    await call(hass, "stop_routine")

    err = await refused(hass, "start_routine", routine="post_workout_legs")
    assert err.translation_key == "role_missing"
    assert err.translation_placeholders == {
        "routine": "post_workout_legs",
        "role": "foot_leg",
    }
    assert "foot_leg role" in await message(hass, err)


async def test_roles_with_several_devices(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    second_gun: DeviceServer,
    foot_leg_server: DeviceServer,
) -> None:
    """Two guns: the action names one; without a choice, the error lists both."""
    with quiet_heartbeats(gun_server, second_gun, foot_leg_server):
        await setup_devices(hass, gun_server, second_gun, foot_leg_server)
        err = await refused(hass, "start_routine", routine="leg_cramp")
        assert err.translation_key == "role_ambiguous"
        assert err.translation_placeholders == {
            "role": "gun",
            "names": "Massage Gun, Second Gun",
        }

        chosen = device_id(hass, second_gun)
        await call(hass, "start_routine", routine="leg_cramp", gun=chosen)
        run = player(hass).run
        assert run is not None
        assert run.devices["gun"].device_id == chosen
        await call(hass, "stop_routine")

        err = await refused(
            hass,
            "start_routine",
            routine="leg_cramp",
            gun=device_id(hass, foot_leg_server),
        )
        assert err.translation_key == "role_device_wrong_kind"
        assert err.translation_placeholders == {
            "role": "gun",
            "name": "Foot and Leg Massager",
        }
        err = await refused(hass, "start_routine", routine="leg_cramp", gun="nope")
        assert err.translation_key == "role_device_not_loaded"


async def test_of_several_devices_the_one_that_can_play_the_steps_is_taken(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    unheated_foot_leg: DeviceServer,
) -> None:
    """Two foot massagers, one without heat: a warm routine takes the heated one."""
    with quiet_heartbeats(gun_server, foot_leg_server, unheated_foot_leg):
        await setup_devices(hass, gun_server, foot_leg_server, unheated_foot_leg)
        # The player's Start button gives no device: it must pick one itself.
        player(hass).select("post_workout_legs")
        await press_start(hass)
        run = player(hass).run
        assert run is not None
        assert run.devices["foot_leg"].device_id == device_id(hass, foot_leg_server)
        await call(hass, "stop_routine")

        # Steps both can do leave the choice to the person, naming both.
        err = await refused(hass, "start_routine", steps=[UNHEATED])
        assert err.translation_key == "role_ambiguous"
        assert err.translation_placeholders == {
            "role": "foot_leg",
            "names": "Foot and Leg Massager, Plug Massager",
        }
        chosen = device_id(hass, unheated_foot_leg)
        await call(hass, "start_routine", steps=[UNHEATED], foot_leg=chosen)
        run = player(hass).run
        assert run is not None
        assert run.devices["foot_leg"].device_id == chosen
        await call(hass, "stop_routine")

        # Chosen for a warm step all the same, it is refused with the reason.
        err = await refused(
            hass, "start_routine", routine="foot_calf_circulation", foot_leg=chosen
        )
        assert err.translation_key == "step_heat_too_high"


async def test_routine_refusals(
    hass: HomeAssistant, gun_server: DeviceServer, foot_leg_server: DeviceServer
) -> None:
    """Each action that does not apply says why, translated."""
    await setup_devices(hass, gun_server, foot_leg_server)
    for action, key in (
        ("pause_routine", "routine_not_running"),
        ("resume_routine", "routine_not_running"),
        ("skip_step", "routine_not_running"),
        ("stop_routine", "routine_not_running"),
        ("confirm_step", "nothing_to_confirm"),
    ):
        assert (await refused(hass, action)).translation_key == key, action

    err = await refused(hass, "start_routine", routine="nap")
    assert err.translation_key == "routine_unknown"
    assert err.translation_placeholders["routines"].startswith("post_workout_legs, ")
    err = await refused(hass, "start_routine", routine="leg_cramp", steps=[CALVES])
    assert err.translation_key == "routine_and_steps"

    await call(hass, "start_routine", routine="foot_calf_circulation")
    err = await refused(hass, "start_routine", routine="leg_cramp")
    assert err.translation_key == "routine_running"
    # A foot massager's steps never wait: nothing to confirm even while running.
    assert (await refused(hass, "confirm_step")).translation_key == (
        "nothing_to_confirm"
    )


async def test_no_player(hass: HomeAssistant, gun_server: DeviceServer) -> None:
    """Without the routine player, the actions say where to add it."""
    await setup_devices(hass, gun_server)
    await hass.config_entries.async_remove(player_entry(hass).entry_id)
    err = await refused(hass, "start_routine", routine="leg_cramp")
    assert err.translation_key == "routine_player_missing"
    assert "Add integration" in await message(hass, err)


@pytest.mark.parametrize(
    ("steps", "key", "placeholders"),
    [
        ([], "steps_not_a_list", None),
        ("calves", "steps_not_a_list", None),
        ({"role": "gun"}, "steps_not_a_list", None),
        (["calves"], "step_not_a_mapping", {"step": "1"}),
        (
            [CALVES | {"prompt": None}],
            "step_field_invalid",
            {"step": "1", "field": "prompt", "value": "None"},
        ),
        (
            [{k: v for k, v in CALVES.items() if k != "duration"}],
            "step_field_missing",
            {"step": "1", "field": "duration"},
        ),
        (
            [CALVES | {"speed": 3}],
            "step_field_unknown",
            {"step": "1", "field": "speed"},
        ),
        (
            [CALVES | {"role": "hands"}],
            "step_field_invalid",
            {"step": "1", "field": "role", "value": "'hands'"},
        ),
        (
            [CALVES | {"body_area": "throat"}],
            "step_field_invalid",
            {"step": "1", "field": "body_area", "value": "'throat'"},
        ),
        (
            [CALVES | {"level": "150%"}],
            "step_field_invalid",
            {"step": "1", "field": "level", "allowed": "0-20, 0%-100%"},
        ),
        ([CALVES | {"level": 2.5}], "step_field_invalid", {"field": "level"}),
        ([CALVES | {"level": True}], "step_field_invalid", {"field": "level"}),
        ([CALVES | {"level": 21}], "step_field_invalid", {"field": "level"}),
        ([CALVES | {"level": "fast"}], "step_field_invalid", {"field": "level"}),
        ([CALVES | {"duration": "soon"}], "step_field_invalid", {"field": "duration"}),
        (
            [CALVES | {"duration": "02:00:00"}],
            "step_field_invalid",
            {"field": "duration", "allowed": "5 s - 60 min"},
        ),
        ([CALVES | {"duration": 1}], "step_field_invalid", {"field": "duration"}),
        ([CALVES | {"heat": -1}], "step_field_invalid", {"field": "heat"}),
        ([CALVES | {"mode": ""}], "step_field_invalid", {"field": "mode"}),
        (
            [CALVES | {"prompt": "sing"}],
            "step_field_invalid",
            {"step": "1", "field": "prompt", "value": "'sing'"},
        ),
        (
            [CALVES, CALVES | {"level": -1}],
            "step_field_invalid",
            {"step": "2", "field": "level", "value": "-1"},
        ),
        # Steps that are valid, but ask more than the devices have.
        (
            [CALVES | {"level": 9}],
            "step_level_too_high",
            {"step": "1", "level": "9", "name": "Massage Gun", "levels": "5"},
        ),
        ([CALVES | {"heat": 1}], "step_heat_too_high", {"heat_levels": "0"}),
        ([WARM | {"heat": 3}], "step_heat_too_high", {"heat_levels": "2"}),
        (
            [WARM | {"mode": "tapping"}],
            "step_mode_unknown",
            {
                "mode": "tapping",
                "modes": "kneading, rolling, air_compression, combined",
            },
        ),
        ([CALVES | {"mode": "kneading"}], "step_mode_unknown", {"modes": "-"}),
    ],
)
async def test_bad_inline_steps_are_translated_errors(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    steps: Any,
    key: str,
    placeholders: dict[str, str] | None,
) -> None:
    """A bad step is refused with a message that names the step and the field."""
    await setup_devices(hass, gun_server, foot_leg_server)
    gun = record_writes(gun_server)
    err = await refused(hass, "start_routine", steps=steps)
    assert err.translation_key == key
    assert (err.translation_placeholders or {}).items() >= (placeholders or {}).items()
    text = await message(hass, err)
    for value in (placeholders or {}).values():
        assert value in text
    assert player(hass).run is None
    assert gun.log == []

"""Routines as an LLM agent runs them: the routine intents as Assist API tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
from homeassistant.setup import async_setup_component
import pytest

from emulator import DeviceServer, EmulatedDevice

from .conftest import FROZEN_NOW
from .routine_helpers import (
    advance,
    player,
    player_entry,
    quiet_heartbeats,
    setup_devices,
)
from .voice_helpers import tool_answer

GUN = "Massage Gun"
CALVES = (
    "Step 2 of 4: Calves. Move the gun slowly up and down your calf muscles, about a "
    "minute on each leg. Let the gun do the work; do not press hard."
)
READY = f"When you hold {GUN} in place, say “ready”."


@pytest.fixture
async def devices(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> AsyncIterator[tuple[EmulatedDevice, EmulatedDevice]]:
    """Both devices, the routine player and the LLM integration, at a fixed time."""
    freezer.move_to(FROZEN_NOW)
    with quiet_heartbeats(gun_server, foot_leg_server):
        await setup_devices(hass, gun_server, foot_leg_server)
        assert await async_setup_component(hass, "homeassistant", {})
        assert await async_setup_component(hass, "llm", {})
        await hass.async_block_till_done()
        yield gun_server.device, foot_leg_server.device


async def _api(
    hass: HomeAssistant, *, device_id: str | None = "voice-device", language: str = "en"
) -> llm.APIInstance:
    """The Assist API as an agent answering a voice device without a user sees it."""
    return await llm.async_get_api(
        hass,
        llm.LLM_API_ASSIST,
        llm.LLMContext(
            platform="test_agent",
            context=Context(),
            language=language,
            assistant="conversation",
            device_id=device_id,
        ),
    )


async def _call(api: llm.APIInstance, tool: str, **args: Any) -> dict[str, Any]:
    result = await api.async_call_tool(
        llm.ToolInput(tool_name=f"massage__{tool}", tool_args=args)
    )
    return tool_answer(result)


def _speech(data: dict[str, Any]) -> str:
    return str(data["speech"]["plain"]["speech"])


async def test_agent_runs_a_routine(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    devices: tuple[EmulatedDevice, EmulatedDevice],
) -> None:
    """Tool calls run a routine as the sentences do, and answer in words."""
    gun, foot = devices
    api = await _api(hass)
    assert "Massage routines on offer: post_workout_legs, lower_back_spasm" in (
        api.api_prompt
    )

    data = await _call(
        api,
        "MassageRoutineStart",
        routine="post_workout_legs",
        name="gun",
        other_name="foot massager",
    )
    assert data["response_type"] == "action_done"
    assert _speech(data) == (
        "Started Post-workout legs. Step 1 of 4: Warm kneading. Sit back with your "
        "feet and calves in the foot and leg massager. It kneads with gentle heat "
        f"while you use the gun. {CALVES} {READY}"
    )
    assert foot.state.on
    assert not gun.state.on

    await advance(hass, freezer, 150)
    data = await _call(api, "MassageRoutineStatus")
    assert data["response_type"] == "query_answer"
    assert _speech(data) == (
        f"Post-workout legs ends in 8 minutes. It is at step 2 of 4: Calves. {READY}"
    )

    data = await _call(api, "MassageRoutineConfirm")
    assert _speech(data) == f"Started {GUN} for step 2 of 4: Calves."
    assert gun.state.on

    data = await _call(api, "MassageRoutinePause")
    assert _speech(data) == (
        "Paused Post-workout legs; its massagers are off until you resume it. It is "
        "at step 2 of 4: Calves."
    )
    assert not gun.state.on
    assert not foot.state.on

    data = await _call(api, "MassageRoutineResume")
    assert _speech(data).startswith("Resumed Post-workout legs. Step 1 of 4")
    assert foot.state.on
    assert not gun.state.on

    data = await _call(api, "MassageRoutineSkip")
    assert _speech(data).startswith("Skipped step 2. Step 3 of 4: Hamstrings.")

    data = await _call(api, "MassageRoutineStop")
    assert _speech(data) == "Stopped Post-workout legs; its massagers are off."
    assert not gun.state.on
    assert not foot.state.on


@pytest.mark.parametrize(
    ("args", "language", "answer"),
    [
        ({"routine": "Leg cramp relief"}, "en", "Started Leg cramp relief."),
        ({"routine": "Wadenkrampf"}, "de", "Wadenkrampf gestartet."),
        ({"routine": "leg_cramp"}, "fr", "J'ai lancé Crampe à la jambe."),
    ],
)
async def test_agent_names_a_routine_by_id_or_name(
    hass: HomeAssistant,
    devices: tuple[EmulatedDevice, EmulatedDevice],
    args: dict[str, str],
    language: str,
    answer: str,
) -> None:
    """An agent may give a routine's id or its name in the person's language."""
    data = await _call(
        await _api(hass, language=language), "MassageRoutineStart", **args
    )
    assert _speech(data).startswith(answer)
    run = player(hass).run
    assert run is not None
    assert run.routine.id == "leg_cramp"


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (
            {"routine": "yoga"},
            (
                "I don't know a routine called yoga. There are Post-workout legs, "
                "Lower back spasm relief, Neck tension, Leg cramp relief and Foot and "
                "calf circulation."
            ),
        ),
        (
            {"routine": "leg_cramp", "name": "toaster"},
            "I don't know a massager called toaster.",
        ),
        (
            {"routine": "leg_cramp", "name": "Foot and Leg Massager"},
            "Foot and Leg Massager has no part in Leg cramp relief.",
        ),
    ],
)
async def test_agent_start_refusals(
    hass: HomeAssistant,
    devices: tuple[EmulatedDevice, EmulatedDevice],
    args: dict[str, str],
    answer: str,
) -> None:
    """What cannot start is refused in words; nothing runs."""
    data = await _call(await _api(hass), "MassageRoutineStart", **args)
    assert data["response_type"] == "error"
    assert _speech(data) == answer
    assert player(hass).run is None
    gun, foot = devices
    assert not gun.state.on
    assert not foot.state.on


async def test_agent_for_an_automation_cannot_confirm(
    hass: HomeAssistant, devices: tuple[EmulatedDevice, EmulatedDevice]
) -> None:
    """An agent run by an automation (no user, no voice device) cannot start the gun."""
    gun, _foot = devices
    automation_api = await _api(hass, device_id=None)
    await _call(automation_api, "MassageRoutineStart", routine="lower_back_spasm")
    await _call(automation_api, "MassageRoutineSkip")
    run = player(hass).run
    assert run is not None
    assert run.waiting

    data = await _call(automation_api, "MassageRoutineConfirm")
    assert data["response_type"] == "error"
    assert _speech(data).startswith("Only you can start the massage gun")
    assert not gun.state.on
    assert run.waiting

    data = await _call(await _api(hass), "MassageRoutineConfirm")
    assert _speech(data) == f"Started {GUN} for step 2 of 5: Circles around the sacrum."
    assert gun.state.on


async def test_prompt_without_the_player(
    hass: HomeAssistant, devices: tuple[EmulatedDevice, EmulatedDevice]
) -> None:
    """Without the routine player, the prompt lists no routines; the tools refuse."""
    assert await hass.config_entries.async_unload(player_entry(hass).entry_id)
    api = await _api(hass)
    assert "Massage routines on offer" not in api.api_prompt
    data = await _call(api, "MassageRoutineStatus")
    assert data["response_type"] == "error"
    assert _speech(data).startswith("The routine player is not set up.")

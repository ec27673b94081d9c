"""Tests of the routine player's event entity: what it fires, in which language."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import json
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.massage.routines.engine import EventType
from emulator import DeviceServer

from .routine_helpers import (
    EVENT_ENTITY,
    Fired,
    advance,
    call,
    confirm,
    recording,
)

TRANSLATIONS = (
    Path(__file__).parents[3] / "custom_components" / "massage" / "translations"
)


def prompt(language: str, key: str) -> str:
    """A prompt's text as the translation file has it."""
    strings = json.loads((TRANSLATIONS / f"{language}.json").read_text("utf-8"))
    step = strings["entity"]["sensor"]["routine_step"]
    return step["state_attributes"]["prompt"]["state"][key]


@pytest.fixture
async def fired(
    hass: HomeAssistant, gun_server: DeviceServer, freezer: FrozenDateTimeFactory
) -> AsyncGenerator[Fired]:
    """The gun and the player, with the player's events recorded."""
    async with recording(hass, freezer, gun_server) as (_writes, fired):
        yield fired


async def test_event_types(hass: HomeAssistant, fired: Fired) -> None:
    """The entity offers every event a routine fires, and starts with none."""
    state = hass.states.get(EVENT_ENTITY)
    assert state.state == "unknown"
    assert state.attributes["event_types"] == [kind.value for kind in EventType]
    assert state.attributes["event_types"] == [
        "routine_started",
        "step_started",
        "step_waiting_for_confirmation",
        "routine_paused",
        "routine_resumed",
        "routine_finished",
        "routine_aborted",
    ]


async def test_every_event_of_a_routine(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fired: Fired
) -> None:
    """Each event fires in order, with its data, and the entity's state moves."""
    await call(hass, "start_routine", routine="neck_tension")
    await advance(hass, freezer, 30)
    await call(hass, "pause_routine")
    await call(hass, "resume_routine")
    await confirm(hass)
    await call(hass, "stop_routine")
    assert fired.types == [
        "routine_started",
        "step_started",
        "step_waiting_for_confirmation",
        "routine_paused",
        "routine_resumed",
        "step_waiting_for_confirmation",
        "step_started",
        "routine_aborted",
    ]
    assert fired.log[-1][2]["reason"] == "stopped"
    assert fired.log[3][2]["routine"] == "neck_tension"
    assert fired.log[2][2]["prompt"] == prompt("en", "neck_around_tender_spot")
    # Events of one instant get timestamps a millisecond apart, in their order.
    assert hass.states.get(EVENT_ENTITY).state.startswith("2026-11-24T07:00:30.")


@pytest.mark.parametrize("language", ["de", "es", "fr"])
async def test_prompts_in_the_configured_language(
    hass: HomeAssistant, fired: Fired, language: str
) -> None:
    """The event carries the prompt in Home Assistant's language, after a change."""
    await hass.config.async_update(language=language)
    await hass.async_block_till_done()
    await call(hass, "start_routine", routine="leg_cramp")
    assert fired.log[1][2]["prompt"] == prompt(language, "cramp_bend_knee")
    assert fired.log[1][2]["prompt"] != prompt("en", "cramp_bend_knee")
    await call(hass, "skip_step")
    await call(hass, "skip_step")
    await call(hass, "skip_step")
    assert fired.types[-1] == "routine_finished"
    assert fired.log[-1][2]["prompt"] == prompt(language, "routine_finished")

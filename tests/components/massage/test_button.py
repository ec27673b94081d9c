"""Tests of the routine player's buttons."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest

from emulator import DeviceServer

from .routine_helpers import (
    SELECT,
    Fired,
    advance,
    button,
    by_person,
    recording,
)


@pytest.fixture
async def fired(
    hass: HomeAssistant, gun_server: DeviceServer, freezer: FrozenDateTimeFactory
) -> AsyncGenerator[Fired]:
    """The gun and the player, with the player's events recorded."""
    async with recording(hass, freezer, gun_server) as (_writes, fired):
        yield fired


async def press(hass: HomeAssistant, name: str) -> None:
    """Press one of the player's buttons, as a dashboard does."""
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: button(name)},
        blocking=True,
        context=await by_person(hass),
    )


async def test_buttons_control_the_routine(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    gun_server: DeviceServer,
    fired: Fired,
) -> None:
    """Start, skip, confirm, pause, resume and stop, each from its button."""
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: SELECT, "option": "leg_cramp"},
        blocking=True,
    )
    await press(hass, "start_routine")
    assert fired.types == ["routine_started", "step_started"]
    assert fired.log[0][2]["routine"] == "leg_cramp"
    await press(hass, "skip_step")
    assert fired.types[-1] == "step_waiting_for_confirmation"
    await press(hass, "confirm_step")
    assert gun_server.device.state.on
    await press(hass, "pause_routine")
    assert fired.types[-1] == "routine_paused"
    assert not gun_server.device.state.on
    await press(hass, "resume_routine")
    assert fired.types[-2:] == ["routine_resumed", "step_waiting_for_confirmation"]
    await press(hass, "confirm_step")
    await advance(hass, freezer, 10)
    await press(hass, "stop_routine")
    assert fired.types[-1] == "routine_aborted"
    assert fired.log[-1][2]["reason"] == "stopped"
    assert not gun_server.device.state.on
    assert hass.states.get(button("stop_routine")).state.startswith(
        "2026-11-24T07:00:10"
    )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("pause_routine", "routine_not_running"),
        ("resume_routine", "routine_not_running"),
        ("skip_step", "routine_not_running"),
        ("stop_routine", "routine_not_running"),
        ("confirm_step", "nothing_to_confirm"),
    ],
)
async def test_a_press_that_does_not_apply(
    hass: HomeAssistant, fired: Fired, name: str, key: str
) -> None:
    """A button pressed when it does not apply says why."""
    with pytest.raises(ServiceValidationError) as err:
        await press(hass, name)
    assert err.value.translation_key == key
    assert fired.log == []

"""Tests that Assist drives a massager through its fan entity, no custom sentences."""

from __future__ import annotations

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from emulator import DeviceServer

from .conftest import wait_for


async def _say(hass: HomeAssistant, sentence: str) -> str:
    result = await conversation.async_converse(
        hass, sentence, None, Context(), language="en"
    )
    return result.response.response_type.value


async def test_assist_turns_on_and_sets_speed(
    hass: HomeAssistant, foot_leg_server: DeviceServer, foot_leg_entry: MockConfigEntry
) -> None:
    """Built-in fan intents switch the massager and set its level."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await hass.async_block_till_done()
    device = foot_leg_server.device

    assert await _say(hass, "turn on the foot and leg massager") == "action_done"
    await wait_for(hass, lambda: device.state.on)

    assert (
        await _say(hass, "set the foot and leg massager speed to 100 percent")
        == "action_done"
    )
    await wait_for(hass, lambda: device.state.level == 3)

    assert await _say(hass, "turn off the foot and leg massager") == "action_done"
    await wait_for(hass, lambda: not device.state.on)

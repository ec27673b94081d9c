"""Who asked: a voice request starts a gun; an automation cannot, nor forge a person."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any
from unittest.mock import patch

from homeassistant.components import automation
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.massage.consent import (
    MARK_LIFETIME,
    MAX_MARKS,
    intent_from_person,
    is_person_request,
    person_request,
)
from emulator import DeviceServer

from .conftest import wait_for

GUN_FAN = "fan.massage_gun"
REFUSAL = (
    "Massage Gun only starts when you ask for it yourself: by voice, on a dashboard "
    "or in the app. An automation cannot start it on its own."
)


def _intent(
    hass: HomeAssistant,
    context: Context,
    *,
    satellite_id: str | None = None,
    device_id: str | None = None,
) -> intent.Intent:
    return intent.Intent(
        hass,
        platform="conversation",
        intent_type="MassageStart",
        slots={},
        text_input=None,
        context=context,
        language="en",
        satellite_id=satellite_id,
        device_id=device_id,
    )


async def _turn_on_gun(hass: HomeAssistant, context: Context) -> None:
    await hass.services.async_call(
        "fan",
        SERVICE_TURN_ON,
        {ATTR_ENTITY_ID: GUN_FAN},
        blocking=True,
        context=context,
    )


@pytest.mark.parametrize(
    ("user", "satellite_id", "device_id", "person"),
    [
        (True, None, None, True),
        (False, "assist_satellite.kitchen", None, True),
        (False, None, "voice-device", True),
        (False, None, None, False),
    ],
)
async def test_intent_from_person(
    hass: HomeAssistant,
    user: bool,
    satellite_id: str | None,
    device_id: str | None,
    person: bool,
) -> None:
    """Signed in, or spoken to a voice device: a person; anything else is not."""
    context = Context(user_id="someone" if user else None)
    intent_obj = _intent(hass, context, satellite_id=satellite_id, device_id=device_id)
    assert intent_from_person(intent_obj) is person


async def test_mark_is_the_context_itself_and_ends_with_the_request(
    hass: HomeAssistant, gun_server: DeviceServer, gun_entry: MockConfigEntry
) -> None:
    """Only the very context a voice request runs under is a person's, while it runs.

    A context that copies its id forges nothing, nor does the context itself,
    captured from the gun's state and reused later.
    """
    satellite_context = Context()
    intent_obj = _intent(hass, satellite_context, satellite_id="assist_satellite.a")
    with person_request(hass, intent_obj) as context:
        assert context is not satellite_context
        assert context.parent_id == satellite_context.id
        assert is_person_request(hass, context)
        forged = Context(id=context.id, parent_id=context.parent_id)
        assert not is_person_request(hass, forged)
        assert not is_person_request(hass, satellite_context)
        with pytest.raises(ServiceValidationError) as refused:
            await _turn_on_gun(hass, forged)
        assert refused.value.translation_key == "gun_needs_person"
        assert not gun_server.device.state.on

        await _turn_on_gun(hass, context)
        await wait_for(hass, lambda: gun_server.device.state.on)
        # What anyone watching the gun's state can capture.
        state = hass.states.get(GUN_FAN)
        assert state is not None
        captured = state.context
        assert captured.id == context.id

    assert not is_person_request(hass, context)
    await hass.services.async_call(
        "fan", SERVICE_TURN_OFF, {ATTR_ENTITY_ID: GUN_FAN}, blocking=True
    )
    await wait_for(hass, lambda: not gun_server.device.state.on)
    # The captured context, reused after the request: refused.
    with pytest.raises(ServiceValidationError):
        await _turn_on_gun(hass, captured)
    assert not gun_server.device.state.on


async def test_an_automations_intent_gets_no_mark(hass: HomeAssistant) -> None:
    """A request neither signed in nor from a voice device runs unmarked."""
    automation_context = Context(parent_id="trigger")
    with person_request(hass, _intent(hass, automation_context)) as context:
        assert context is automation_context
        assert not is_person_request(hass, context)


async def test_marks_are_short_lived(hass: HomeAssistant) -> None:
    """A mark older than its lifetime no longer counts, even while held."""
    intent_obj = _intent(hass, Context(), device_id="voice-device")
    now = hass.loop.time()
    with person_request(hass, intent_obj) as context:
        assert is_person_request(hass, context)
        with patch.object(hass.loop, "time", return_value=now + MARK_LIFETIME + 1):
            assert not is_person_request(hass, context)
            # A new request sweeps the stale mark away and is marked itself.
            with person_request(hass, intent_obj) as later:
                assert is_person_request(hass, later)
            assert not is_person_request(hass, context)


async def test_marks_are_few(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Beyond the bound, a request is not marked: it is refused, never trusted."""
    intent_obj = _intent(hass, Context(), device_id="voice-device")
    with ExitStack() as stack:
        held = [
            stack.enter_context(person_request(hass, intent_obj))
            for _ in range(MAX_MARKS)
        ]
        assert all(is_person_request(hass, context) for context in held)
        with person_request(hass, intent_obj) as one_too_many:
            assert not is_person_request(hass, one_too_many)
    assert "Too many voice requests at once" in caplog.text
    assert not any(is_person_request(hass, context) for context in held)


async def test_signed_in_person_is_a_person(hass: HomeAssistant) -> None:
    """A context with a user is a person's; no context at all is not."""
    assert is_person_request(hass, Context(user_id="someone"))
    assert not is_person_request(hass, Context())
    assert not is_person_request(hass, None)


async def test_automation_cannot_start_the_gun_by_voice_or_action(
    hass: HomeAssistant, gun_server: DeviceServer, gun_entry: MockConfigEntry
) -> None:
    """An automation cannot start the gun, by voice or by the action.

    The conversation it runs answers why, in words.
    """
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "triggers": [{"trigger": "event", "event_type": "by_voice"}],
                    "actions": [
                        {
                            "action": "conversation.process",
                            "data": {"text": "turn on the massage gun"},
                            "response_variable": "said",
                        },
                        {
                            "event": "answered",
                            "event_data": {
                                "speech": "{{ said.response.speech.plain.speech }}"
                            },
                        },
                    ],
                },
                {
                    "triggers": [{"trigger": "event", "event_type": "by_action"}],
                    "actions": [
                        {
                            "action": "fan.turn_on",
                            "target": {"entity_id": GUN_FAN},
                        }
                    ],
                },
            ]
        },
    )
    answers: list[Event[dict[str, Any]]] = []
    hass.bus.async_listen("answered", answers.append)

    hass.bus.async_fire("by_voice")
    await hass.async_block_till_done()
    assert [event.data["speech"] for event in answers] == [REFUSAL]

    hass.bus.async_fire("by_action")
    await hass.async_block_till_done()
    assert not gun_server.device.state.on
    assert hass.states.get(GUN_FAN).state == "off"


async def test_signed_in_person_starts_the_gun(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    gun_entry: MockConfigEntry,
    hass_admin_user: MockUser,
) -> None:
    """A dashboard tap carries the person's user and starts the gun, as before."""
    await _turn_on_gun(hass, Context(user_id=hass_admin_user.id))
    await wait_for(hass, lambda: gun_server.device.state.on)

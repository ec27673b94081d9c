"""The session finished blueprint, run end to end in a real automation.

The massagers are the emulated ones over loopback, their sessions end in virtual
time by the guard's cap, their own timer or a person; the phone is a recording
notify action and the speaker a recording `tts.speak`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant, ServiceCall, callback
import pytest
from pytest_homeassistant_custom_component.common import MockUser

from custom_components.massage.const import CONF_SESSION_CAP
from emulator import DeviceServer

from .blueprint_helpers import (
    NOTIFY_ACTION,
    Phone,
    advance,
    install_phone,
    settle,
    setup_automations,
    stop_automations,
    until,
)
from .conftest import FROZEN_NOW, setup_entry_with
from .routine_helpers import quiet_heartbeats

BLUEPRINT = "session_finished.yaml"
AUTOMATION = "automation.from_session_finished_yaml"
GUN = "fan.massage_gun"
FOOT = "fan.foot_and_leg_massager"
GUN_SESSION = "event.massage_gun_session"
FOOT_SESSION = "event.foot_and_leg_massager_session"
TTS = "tts.piper"
MEDIA_PLAYER = "media_player.living_room"
WATER = " Drink some water, stretch gently and rest."


@pytest.fixture
async def massagers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> AsyncGenerator[tuple[DeviceServer, DeviceServer]]:
    """Both massagers, the gun with a one-minute cap; the blueprint installed."""
    freezer.move_to(FROZEN_NOW)
    with quiet_heartbeats(gun_server, foot_leg_server):
        await setup_entry_with(hass, gun_server, **{CONF_SESSION_CAP: 1})
        await setup_entry_with(hass, foot_leg_server)
        yield gun_server, foot_leg_server
        await stop_automations(hass)


@pytest.fixture
def spoken(hass: HomeAssistant) -> list[dict[str, Any]]:
    """What the recording `tts.speak` was asked to say."""
    calls: list[dict[str, Any]] = []

    @callback
    def speak(call: ServiceCall) -> None:
        calls.append(dict(call.data))

    hass.services.async_register("tts", "speak", speak)
    return calls


def inputs(**extra: object) -> dict[str, object]:
    """Both massagers' sessions, told on the phone and the speaker."""
    return {
        "session_events": [GUN_SESSION, FOOT_SESSION],
        "notify_action": NOTIFY_ACTION,
        "tts_entity": TTS,
        "media_player": MEDIA_PLAYER,
    } | extra


async def switch(hass: HomeAssistant, service: str, entity_id: str) -> None:
    """Switch a massager's main entity, as a person does on a dashboard."""
    person = MockUser(is_owner=True).add_to_hass(hass)
    await hass.services.async_call(
        "fan",
        service,
        {"entity_id": entity_id},
        blocking=True,
        context=Context(user_id=person.id),
    )
    await settle(hass)


async def ended(hass: HomeAssistant, session: str, reason: str) -> None:
    """Wait until a massager's session event says it ended for `reason`."""

    def done() -> bool:
        state = hass.states.get(session)
        return (
            state is not None
            and state.attributes.get("event_type") == "session_ended"
            and state.attributes.get("reason") == reason
        )

    await until(hass, done)
    await settle(hass)


async def test_a_cap_and_a_timer_are_told_with_reason_minutes_and_water(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    massagers: tuple[DeviceServer, DeviceServer],
    spoken: list[dict[str, Any]],
) -> None:
    """The gun's one-minute cap, then the foot massager's ten-minute timer."""
    gun, foot_leg = massagers
    phone: Phone = install_phone(hass)
    await setup_automations(hass, (BLUEPRINT, inputs()))

    await switch(hass, "turn_on", GUN)
    await switch(hass, "turn_on", FOOT)
    assert gun.device.state.on
    assert foot_leg.device.state.on
    await advance(hass, freezer, timedelta(minutes=1))
    await ended(hass, GUN_SESSION, "session_cap")

    capped = "Massage Gun stopped: its safety cap was reached after 1 min." + WATER
    assert not gun.device.state.on
    assert [call["message"] for call in phone.shown] == [capped]
    assert phone.last()["title"] == "Massage finished"
    assert phone.last()["data"]["tag"] == AUTOMATION
    assert spoken == [
        {"entity_id": [TTS], "media_player_entity_id": MEDIA_PLAYER, "message": capped}
    ]

    await advance(hass, freezer, timedelta(minutes=9))
    await ended(hass, FOOT_SESSION, "timer")

    timed = "Foot and Leg Massager stopped: its timer ran out after 10 min." + WATER
    assert not foot_leg.device.state.on
    assert [call["message"] for call in phone.shown] == [capped, timed]
    assert [call["message"] for call in spoken] == [capped, timed]


async def test_a_session_a_person_ends_is_told_only_where_chosen(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    massagers: tuple[DeviceServer, DeviceServer],
    spoken: list[dict[str, Any]],
) -> None:
    """By default only caps and timers are news; one automation asks for more."""
    phone = install_phone(hass)
    await setup_automations(
        hass,
        (BLUEPRINT, inputs(suggest_water=False)),
        (BLUEPRINT, inputs(reasons=["user"], suggest_water=False, tts_entity="")),
    )
    await switch(hass, "turn_on", FOOT)
    await advance(hass, freezer, timedelta(minutes=3))
    await switch(hass, "turn_off", FOOT)
    await ended(hass, FOOT_SESSION, "user")

    said = "Foot and Leg Massager stopped: it was switched off after 3 min."
    assert [call["message"] for call in phone.shown] == [said]
    # Told by the automation that chose it, not by the one with the defaults.
    assert phone.last()["data"]["tag"] == f"{AUTOMATION}_2"
    assert spoken == []


async def test_short_sessions_and_a_phone_only_automation(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    massagers: tuple[DeviceServer, DeviceServer],
    spoken: list[dict[str, Any]],
) -> None:
    """A cap reached after 1 minute is below a 5-minute floor; no speaker, no speech."""
    gun, _ = massagers
    phone = install_phone(hass)
    await setup_automations(
        hass, (BLUEPRINT, inputs(shortest=5, tts_entity="", media_player=""))
    )
    await switch(hass, "turn_on", GUN)
    await advance(hass, freezer, timedelta(minutes=1))
    await ended(hass, GUN_SESSION, "session_cap")
    assert not gun.device.state.on
    assert phone.calls == []

    await switch(hass, "turn_on", FOOT)
    await advance(hass, freezer, timedelta(minutes=10))
    await ended(hass, FOOT_SESSION, "timer")
    assert [call["message"] for call in phone.shown] == [
        "Foot and Leg Massager stopped: its timer ran out after 10 min." + WATER
    ]
    assert spoken == []

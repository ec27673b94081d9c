"""Only a person confirms a gun step: a tap, a voice request, never an automation alone.

A tap on an actionable notification reaches Home Assistant as the companion app's
event, fired under the signed-in person's context; an automation acts on it. These
tests run real automations against the emulated gun, and fire that event as the app
does (with the person's user) and as an automation would (with none).
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.components import automation
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.massage.consent import (
    EVENT_NOTIFICATION_ACTION,
    MAX_TAPS,
    TAP_LIFETIME,
    is_notification_tap,
    is_person_request,
)
from emulator import DeviceServer

from .blueprint_helpers import settle
from .conftest import wait_for
from .routine_helpers import (
    by_person,
    call,
    player,
    quiet_heartbeats,
    record_writes,
    setup_devices,
)

GUN_FAN = "fan.massage_gun"
CONFIRM_BUTTON = "button.massage_routines_confirm_step"
# A routine of one gun step: it waits for a person at once.
CALVES = {
    "role": "gun",
    "body_area": "calves",
    "level": 1,
    "duration": 60,
    "prompt": "legs_calves",
}


async def automations(hass: HomeAssistant, *configs: dict[str, Any]) -> None:
    """Set up these automations."""
    assert await async_setup_component(
        hass, automation.DOMAIN, {automation.DOMAIN: list(configs)}
    )


def on_event(event_type: str, *actions: dict[str, Any]) -> dict[str, Any]:
    """An automation that runs these actions when an event of this type fires."""
    return {
        "triggers": [{"trigger": "event", "event_type": event_type}],
        "actions": list(actions),
    }


def tap(hass: HomeAssistant, action: str, user: MockUser | None) -> Context:
    """Fire the app's event for a tap on a notification button; return its context.

    The companion app fires it under its signed-in person; `user=None` fires it as
    an automation or a script would.
    """
    context = Context(user_id=None if user is None else user.id)
    hass.bus.async_fire(EVENT_NOTIFICATION_ACTION, {"action": action}, context=context)
    return context


@pytest.fixture
async def waiting_gun(
    hass: HomeAssistant, gun_server: DeviceServer
) -> list[tuple[float, dict[str, Any]]]:
    """A routine whose gun step waits; returns the writes that reach the gun."""
    with quiet_heartbeats(gun_server):
        await setup_devices(hass, gun_server)
    writes = record_writes(gun_server)
    await call(hass, "start_routine", steps=[CALVES])
    assert player(hass).run is not None
    assert player(hass).run.waiting
    return writes.log


def still_waiting(hass: HomeAssistant) -> bool:
    """Whether the gun step still waits, nothing started."""
    run = player(hass).run
    return run is not None and run.waiting


async def test_an_automation_on_its_own_cannot_confirm(
    hass: HomeAssistant,
    waiting_gun: list[tuple[float, dict[str, Any]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Neither the action nor the Confirm step button works for an automation alone."""
    await automations(
        hass,
        on_event("by_action", {"action": "massage.confirm_step"}),
        on_event(
            "by_button",
            {"action": "button.press", "target": {"entity_id": CONFIRM_BUTTON}},
        ),
        # An id that is no tap's, as a mistaken template might give.
        on_event(
            "by_made_up_tap",
            {
                "action": "massage.confirm_step",
                "data": {"tap_context_id": "{{ context.id }}"},
            },
        ),
    )
    for event_type in ("by_action", "by_button", "by_made_up_tap"):
        caplog.clear()
        hass.bus.async_fire(event_type)
        await hass.async_block_till_done()
        assert still_waiting(hass), event_type
        assert "Only a person can confirm a gun step" in caplog.text, event_type
    assert waiting_gun == []

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "confirm_step")
    assert err.value.translation_key == "confirm_needs_person"


async def test_a_tap_on_a_notification_confirms(
    hass: HomeAssistant,
    waiting_gun: list[tuple[float, dict[str, Any]]],
    hass_admin_user: MockUser,
) -> None:
    """The automation the app's tap triggers confirms: it acts for the person."""
    await automations(
        hass,
        on_event(EVENT_NOTIFICATION_ACTION, {"action": "massage.confirm_step"}),
    )
    # The same event fired by an automation, with no person: nothing starts.
    tap(hass, "MASSAGE_CONFIRM", None)
    await hass.async_block_till_done()
    assert still_waiting(hass)
    assert waiting_gun == []

    tap(hass, "MASSAGE_CONFIRM", hass_admin_user)
    await hass.async_block_till_done()
    assert not still_waiting(hass)
    assert [changes for _, changes in waiting_gun] == [
        {"on": True, "level": 1, "timer": 5}
    ]


async def test_an_automation_that_waited_for_the_tap_names_it(
    hass: HomeAssistant,
    waiting_gun: list[tuple[float, dict[str, Any]]],
    hass_admin_user: MockUser,
) -> None:
    """As the blueprints do: waited for, the tap is named by its context id."""
    await automations(
        hass,
        on_event(
            "ask",
            {
                "wait_for_trigger": [
                    {"trigger": "event", "event_type": EVENT_NOTIFICATION_ACTION}
                ],
                "timeout": 60,
            },
            {
                "action": "massage.confirm_step",
                "data": {"tap_context_id": "{{ wait.trigger.event.context.id }}"},
            },
        ),
    )
    # The run waits for the tap; waiting for it to end would wait the minute.
    hass.bus.async_fire("ask")
    await settle(hass)
    tap(hass, "MASSAGE_CONFIRM", None)
    await hass.async_block_till_done()
    assert still_waiting(hass)

    hass.bus.async_fire("ask")
    await settle(hass)
    tap(hass, "MASSAGE_CONFIRM", hass_admin_user)
    await hass.async_block_till_done()
    assert not still_waiting(hass)
    assert len(waiting_gun) == 1


async def test_a_tap_counts_for_a_minute(
    hass: HomeAssistant, hass_admin_user: MockUser
) -> None:
    """A tap named after its lifetime, or by another context, is no one's."""
    assert await async_setup_component(hass, "massage", {})
    tapped = tap(hass, "MASSAGE_CONFIRM", hass_admin_user)
    await hass.async_block_till_done()
    assert is_notification_tap(hass, tapped.id)
    assert is_person_request(hass, Context(parent_id=tapped.id))
    assert is_person_request(hass, Context(), tapped.id)
    assert not is_person_request(hass, Context(), "not-a-tap")
    assert not is_notification_tap(hass, None)

    later = hass.loop.time() + TAP_LIFETIME + 1
    with patch.object(hass.loop, "time", return_value=later):
        assert not is_notification_tap(hass, tapped.id)
        assert not is_person_request(hass, Context(parent_id=tapped.id))
        # The next tap sweeps the stale one away.
        fresh = tap(hass, "MASSAGE_CONFIRM", hass_admin_user)
        await hass.async_block_till_done()
        assert is_notification_tap(hass, fresh.id)


async def test_taps_are_few(hass: HomeAssistant, hass_admin_user: MockUser) -> None:
    """A flood of taps keeps the newest; the oldest make way."""
    assert await async_setup_component(hass, "massage", {})
    taps = [tap(hass, f"T{number}", hass_admin_user) for number in range(MAX_TAPS + 1)]
    await hass.async_block_till_done()
    assert not is_notification_tap(hass, taps[0].id)
    assert all(is_notification_tap(hass, context.id) for context in taps[1:])


async def test_a_tap_triggered_automation_may_start_the_gun(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    gun_entry: MockConfigEntry,
    hass_admin_user: MockUser,
) -> None:
    """A notification's Start button starts the gun.

    The same event fired by an automation does not.
    """
    await automations(
        hass,
        on_event(
            EVENT_NOTIFICATION_ACTION,
            {"action": "fan.turn_on", "target": {"entity_id": GUN_FAN}},
        ),
    )
    tap(hass, "MASSAGE_START", None)
    await hass.async_block_till_done()
    assert not gun_server.device.state.on

    tap(hass, "MASSAGE_START", hass_admin_user)
    await hass.async_block_till_done()
    await wait_for(hass, lambda: gun_server.device.state.on)


async def test_the_dashboard_button_confirms_for_a_person(
    hass: HomeAssistant, waiting_gun: list[tuple[float, dict[str, Any]]]
) -> None:
    """A person's press of Confirm step starts the gun."""
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: CONFIRM_BUTTON},
        blocking=True,
        context=await by_person(hass),
    )
    assert not still_waiting(hass)
    assert len(waiting_gun) == 1

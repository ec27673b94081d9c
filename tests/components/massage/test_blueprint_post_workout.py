"""The post-workout recovery blueprint, run end to end in a real automation.

The workout's end comes from real helper entities (and, in the README's examples,
sensors and a webhook), the phone is a recording notify action that taps come
back from as the Companion app's events, and the devices are the emulated ones.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_CALL_SERVICE
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

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
from .routine_helpers import (
    EVENT_ENTITY,
    OFF,
    Fired,
    Writes,
    button,
    by_person,
    device_id,
    recording,
)

BLUEPRINT = "post_workout_recovery.yaml"
WORKOUT = "input_boolean.workout_finished"
HOME = "input_boolean.someone_home"
ASK = ["Start", "Snooze", "Skip"]
GUN_ASK = ["Start the gun", "Stop routine"]


@dataclass
class Recovery:
    """The devices' writes, the player's events and the phone of one test."""

    hass: HomeAssistant
    gun: Writes
    foot_leg: Writes
    fired: Fired
    phone: Phone

    async def workout_ends(self) -> None:
        """The person flips the dashboard's Workout finished switch."""
        await self.hass.services.async_call(
            "input_boolean", "turn_on", {"entity_id": WORKOUT}, blocking=True
        )
        await settle(self.hass)

    async def asked(self, count: int = 1) -> dict[str, Any]:
        """Wait for the `count`th question; return it."""
        await until(self.hass, lambda: len(self.asks) >= count)
        return self.asks[count - 1]

    @property
    def asks(self) -> list[dict[str, Any]]:
        """The questions whether to start, in order."""
        return [call for call in self.phone.shown if self.phone.buttons(call) == ASK]

    @property
    def gun_asks(self) -> list[dict[str, Any]]:
        """The requests to confirm a gun step, in order."""
        return [
            call for call in self.phone.shown if self.phone.buttons(call) == GUN_ASK
        ]


def inputs(**extra: object) -> dict[str, object]:
    """The inputs of an automation made from the blueprint, with a switch as trigger."""
    return {
        "workout_ended": [{"trigger": "state", "entity_id": WORKOUT, "to": "on"}],
        "notify_action": NOTIFY_ACTION,
    } | extra


@pytest.fixture
async def devices(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
) -> AsyncGenerator[Recovery]:
    """Both devices, the player, the helpers and the phone; no automation yet."""
    async with recording(hass, freezer, gun_server, foot_leg_server) as (
        (gun, foot_leg),
        fired,
    ):
        assert await async_setup_component(
            hass,
            "input_boolean",
            {"input_boolean": {"workout_finished": {}, "someone_home": {}}},
        )
        yield Recovery(hass, gun, foot_leg, fired, install_phone(hass))
        await stop_automations(hass)


@pytest.fixture
async def recovery(hass: HomeAssistant, devices: Recovery) -> Recovery:
    """An automation made from the blueprint with its defaults."""
    await setup_automations(hass, (BLUEPRINT, inputs()))
    return devices


async def test_start_tap_starts_the_routine_and_each_gun_step_its_own_tap(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, recovery: Recovery
) -> None:
    """Start begins the routine; every gun step then waits for its own tap."""
    await recovery.workout_ends()
    ask = await recovery.asked()
    assert ask["title"] == "Workout done"
    assert ask["data"]["tag"] == "automation.from_post_workout_recovery_yaml"
    # Asking moves no device.
    assert recovery.gun.log == recovery.foot_leg.log == []
    assert recovery.fired.log == []

    await recovery.phone.tap("Start", ask)
    await until(hass, lambda: len(recovery.gun_asks) == 1)
    # The answered question leaves the phone.
    assert recovery.phone.cleared[0] == ask["data"]["tag"]
    assert recovery.fired.types == [
        "routine_started",
        "step_started",
        "step_waiting_for_confirmation",
    ]
    assert recovery.fired.last("routine_started")["routine"] == "post_workout_legs"
    # The foot and leg massager kneads; the gun has not moved.
    assert recovery.foot_leg.log[0][1]["on"] is True
    assert recovery.gun.log == []
    gun_ask = recovery.gun_asks[0]
    assert gun_ask["title"] == "Massage gun, step 2 of 4"
    assert gun_ask["message"].startswith("Move the gun slowly up and down your calf")
    assert gun_ask["message"].endswith("Hold the gun in place, then tap Start the gun.")

    await recovery.phone.tap("Start the gun", gun_ask)
    await until(hass, lambda: bool(recovery.gun.log))
    assert recovery.gun.log == [(0, {"on": True, "level": 3, "timer": 5})]
    assert recovery.phone.cleared[-1] == f"{ask['data']['tag']}_gun"

    # The calves are done: the gun goes off and the next gun step asks anew.
    await advance(hass, freezer, 120)
    await until(hass, lambda: len(recovery.gun_asks) == 2)
    assert recovery.gun.log[-1] == (120, OFF)
    assert recovery.gun_asks[1]["title"] == "Massage gun, step 3 of 4"
    await advance(hass, freezer, 60)
    assert recovery.gun.log[-1] == (120, OFF)

    # A tap on the first step's notification, however late, starts nothing.
    await recovery.phone.tap("Start the gun", gun_ask)
    assert recovery.gun.log[-1] == (120, OFF)
    assert recovery.fired.types[-1] == "step_waiting_for_confirmation"


async def test_no_gun_starts_without_the_start_tap(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, recovery: Recovery
) -> None:
    """However long nobody answers, no device moves; then it ends quietly."""
    await recovery.workout_ends()
    ask = await recovery.asked()
    await advance(hass, freezer, timedelta(minutes=29))
    assert recovery.phone.cleared == []
    await advance(hass, freezer, timedelta(minutes=1))
    # No answer within the time limit: the question goes, nothing else comes.
    assert recovery.phone.cleared == [ask["data"]["tag"]]
    assert len(recovery.phone.shown) == 1
    await recovery.phone.tap("Start", ask)
    await advance(hass, freezer, timedelta(hours=2))
    assert recovery.gun.log == recovery.foot_leg.log == []
    assert recovery.fired.log == []


async def test_snooze_asks_again_after_its_minutes_and_skip_ends_the_run(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, recovery: Recovery
) -> None:
    """Snooze asks again after 15 minutes; Skip lets the workout go."""
    await recovery.workout_ends()
    first = await recovery.asked()
    await recovery.phone.tap("Snooze", first)
    await advance(hass, freezer, timedelta(minutes=14, seconds=59))
    assert len(recovery.asks) == 1
    await advance(hass, freezer, 1)
    second = await recovery.asked(2)
    # A new question with buttons of its own; the snoozed one's no longer count.
    assert second["data"]["tag"] == first["data"]["tag"]
    await recovery.phone.tap("Start", first)
    assert recovery.fired.log == []

    await recovery.phone.tap("Skip", second)
    assert recovery.phone.cleared == [first["data"]["tag"]]
    await advance(hass, freezer, timedelta(hours=1))
    assert len(recovery.asks) == 2
    assert recovery.fired.log == []
    assert recovery.gun.log == recovery.foot_leg.log == []


async def test_cool_down_and_conditions_come_before_asking(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, devices: Recovery
) -> None:
    """It asks after the cool-down, and only while the person's conditions hold."""
    await setup_automations(
        hass,
        (
            BLUEPRINT,
            inputs(
                cool_down={"minutes": 10},
                ask_conditions=[
                    {"condition": "state", "entity_id": HOME, "state": "on"}
                ],
            ),
        ),
    )
    # Nobody home when the cool-down ends: no question this time.
    await devices.workout_ends()
    await advance(hass, freezer, timedelta(minutes=10))
    assert devices.phone.calls == []

    await hass.services.async_call(
        "input_boolean", "turn_on", {"entity_id": HOME}, blocking=True
    )
    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": WORKOUT}, blocking=True
    )
    await devices.workout_ends()
    await advance(hass, freezer, timedelta(minutes=9, seconds=59))
    assert devices.phone.calls == []
    await advance(hass, freezer, 1)
    ask = await devices.asked()

    # A snoozed question is asked again only if the conditions still hold.
    await devices.phone.tap("Snooze", ask)
    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": HOME}, blocking=True
    )
    await advance(hass, freezer, timedelta(minutes=15))
    assert len(devices.asks) == 1
    assert devices.fired.log == []


async def test_the_foot_and_leg_massager_may_start_by_itself_never_the_gun(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    devices: Recovery,
    foot_leg_server: DeviceServer,
    gun_server: DeviceServer,
) -> None:
    """Switched on, the foot and leg massager starts at once; the gun still waits."""
    await setup_automations(
        hass,
        (
            BLUEPRINT,
            inputs(
                start_foot_leg=True,
                foot_leg=device_id(hass, foot_leg_server),
                gun=device_id(hass, gun_server),
                foot_leg_mode="rolling",
                foot_leg_level=3,
                foot_leg_heat=0,
                foot_leg_minutes=20,
            ),
        ),
    )
    await devices.workout_ends()
    ask = await devices.asked()
    await until(hass, lambda: bool(devices.foot_leg.log))
    assert devices.foot_leg.log == [
        (0, {"on": True, "level": 3, "mode": "rolling", "heat": 0, "timer": 20})
    ]
    assert devices.gun.log == []

    # Snoozed, it asks again, but does not start the massager twice.
    await devices.phone.tap("Snooze", ask)
    await advance(hass, freezer, timedelta(minutes=15))
    second = await devices.asked(2)
    assert len(devices.foot_leg.log) == 1

    # Start hands the running massager to the routine; the gun waits for its tap.
    await devices.phone.tap("Start", second)
    await until(hass, lambda: len(devices.gun_asks) == 1)
    assert devices.fired.last("routine_started")["devices"] == {
        "gun": device_id(hass, gun_server),
        "foot_leg": device_id(hass, foot_leg_server),
    }
    assert devices.foot_leg.log[-1][1]["mode"] == "kneading"
    assert devices.gun.log == []


async def test_stop_on_the_gun_step_stops_the_routine(
    hass: HomeAssistant, recovery: Recovery
) -> None:
    """Stop routine on the gun's notification ends the routine, every device off."""
    await recovery.workout_ends()
    await recovery.phone.tap("Start", await recovery.asked())
    await until(hass, lambda: len(recovery.gun_asks) == 1)
    await recovery.phone.tap("Stop routine", recovery.gun_asks[0])
    await until(hass, lambda: recovery.fired.types[-1] == "routine_aborted")
    assert recovery.fired.last("routine_aborted")["reason"] == "stopped"
    assert recovery.foot_leg.log[-1][1] == OFF
    assert recovery.gun.log == []


async def test_a_step_confirmed_elsewhere_clears_the_phone(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, recovery: Recovery
) -> None:
    """Confirmed on the dashboard, the step's notification goes; its tap is void."""
    await recovery.workout_ends()
    ask = await recovery.asked()
    await recovery.phone.tap("Start", ask)
    await until(hass, lambda: len(recovery.gun_asks) == 1)
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": button("confirm_step")},
        blocking=True,
        context=await by_person(hass),
    )
    await until(hass, lambda: f"{ask['data']['tag']}_gun" in recovery.phone.cleared)
    assert recovery.gun.log == [(0, {"on": True, "level": 3, "timer": 5})]
    # The gun step's end brings the next request; the old tap must not answer it.
    await advance(hass, freezer, 120)
    await until(hass, lambda: len(recovery.gun_asks) == 2)
    await recovery.phone.tap("Start the gun", recovery.gun_asks[0])
    assert recovery.gun.log[-1] == (120, OFF)


async def test_nobody_confirms_the_gun_so_the_routine_ends(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, recovery: Recovery
) -> None:
    """Without a tap the routine gives up after its confirmation timeout."""
    await recovery.workout_ends()
    ask = await recovery.asked()
    await recovery.phone.tap("Start", ask)
    await until(hass, lambda: len(recovery.gun_asks) == 1)
    await advance(hass, freezer, timedelta(minutes=3))
    await until(hass, lambda: f"{ask['data']['tag']}_gun" in recovery.phone.cleared)
    assert recovery.fired.last("routine_aborted")["reason"] == "confirmation_timeout"
    assert recovery.gun.log == []
    await recovery.phone.tap("Start the gun", recovery.gun_asks[0])
    assert recovery.gun.log == []


async def test_gun_steps_are_not_asked_for_when_switched_off(
    hass: HomeAssistant, devices: Recovery
) -> None:
    """With another automation announcing the steps, this one stays silent on them."""
    await setup_automations(hass, (BLUEPRINT, inputs(ask_each_gun_step=False)))
    await devices.workout_ends()
    await devices.phone.tap("Start", await devices.asked())
    await until(hass, lambda: "step_waiting_for_confirmation" in devices.fired.types)
    await settle(hass)
    assert devices.gun_asks == []
    assert devices.gun.log == []


async def test_gun_steps_of_another_routine_are_not_asked_for(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, recovery: Recovery
) -> None:
    """A routine the person started for something else is not this automation's."""
    await hass.services.async_call(
        "massage", "start_routine", {"routine": "leg_cramp"}, blocking=True
    )
    # The routine opens with a rest; its first gun step follows.
    await advance(hass, freezer, 20)
    await until(hass, lambda: "step_waiting_for_confirmation" in recovery.fired.types)
    await settle(hass)
    assert recovery.phone.calls == []


async def test_a_routine_that_cannot_start_says_so(
    hass: HomeAssistant, devices: Recovery
) -> None:
    """A routine that is refused tells the phone instead of failing silently."""
    await setup_automations(hass, (BLUEPRINT, inputs(routine="my_own_routine")))
    await devices.workout_ends()
    await devices.phone.tap("Start", await devices.asked())
    await until(hass, lambda: len(devices.phone.shown) == 2)
    assert devices.phone.last()["message"].startswith("The routine did not start.")
    assert devices.fired.log == []
    assert hass.states.get(EVENT_ENTITY).state == "unknown"


async def test_a_gun_picked_as_the_foot_massager_never_starts_by_itself(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    devices: Recovery,
    gun_server: DeviceServer,
) -> None:
    """The start without asking is refused for a gun, whatever the inputs say."""
    gun = device_id(hass, gun_server)
    await setup_automations(
        hass, (BLUEPRINT, inputs(start_foot_leg=True, foot_leg=gun))
    )
    calls = async_capture_events(hass, EVENT_CALL_SERVICE)
    await devices.workout_ends()
    await devices.asked()
    # The automation asked for it; the integration refused the gun.
    (start,) = [call.data for call in calls if call.data["service"] == "start_session"]
    assert start["service_data"]["device_id"] == gun
    await advance(hass, freezer, timedelta(minutes=30))
    assert devices.gun.log == []
    assert not gun_server.device.state.on
    assert devices.fired.log == []

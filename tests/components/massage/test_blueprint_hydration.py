"""The drink water reminders blueprint, run end to end in a real automation.

The day passes in virtual time, five minutes at a time as the automation's own
clock ticks; the water count is a real counter or number helper; the phone is a
recording notify action; the routine that ends is a real one on the emulated foot
and leg massager.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest

from custom_components.massage.const import DOMAIN
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
from .routine_helpers import EVENT_ENTITY, Fired, recording

BLUEPRINT = "hydration_reminder.yaml"
AUTOMATION = "automation.from_hydration_reminder_yaml"
COUNTER = "counter.water_today"
NUMBER = "input_number.water_ml"
WORKOUT = "input_boolean.workout_finished"
WATER_SENSOR = "sensor.health_water_today"
FOOT_SESSION = "event.foot_and_leg_massager_session"
BUTTONS = ["I drank", "Later"]
REGULAR = (
    "Time for a glass of water. Drinking plenty through the day is a simple habit "
    "worth keeping."
)
WORKOUT_MESSAGE = "Workout done. Time to drink some water."
MASSAGE_MESSAGE = (
    "Massage done. Drink plenty of water, stretch gently and rest: simple ways to "
    "look after yourself after a massage."
)
TICK = timedelta(minutes=5)


def local(hour: int, minute: int = 0, day: int = 24) -> datetime:
    """A time of the test's day in Home Assistant's time zone."""
    return datetime(2026, 11, day, hour, minute, tzinfo=dt_util.get_default_time_zone())


@dataclass
class Reminders:
    """The phone and the clock of one test."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    phone: Phone

    async def until_time(self, when: datetime) -> None:
        """Let the clock run to `when`, five minutes at a time."""
        while dt_util.now() + TICK <= when:
            await advance(self.hass, self.freezer, TICK)
        await advance(self.hass, self.freezer, when - dt_util.now())

    def at(self) -> list[str]:
        """The local times at which reminders were shown, as HH:MM."""
        return self.phone.shown_at

    @property
    def messages(self) -> list[str]:
        """The reminders' texts, in order."""
        return [call["message"] for call in self.phone.shown]

    def count(self, entity_id: str = COUNTER) -> float:
        """The water helper's value."""
        return float(self.hass.states.get(entity_id).state)

    async def tap(self, title: str) -> None:
        """Tap a button of the last reminder."""
        await self.phone.tap(title)

    async def workout_ends(self) -> None:
        """Flip the dashboard's Workout finished switch on (and off again)."""
        for service in ("turn_on", "turn_off"):
            await self.hass.services.async_call(
                "input_boolean", service, {"entity_id": WORKOUT}, blocking=True
            )
        await settle(self.hass)


def inputs(**extra: object) -> dict[str, object]:
    """Realistic inputs: a glass at a time, eight a day, and a workout switch."""
    return {
        "water_helper": COUNTER,
        "amount": 1,
        "daily_goal": 8,
        "notify_action": NOTIFY_ACTION,
        "workout_ended": [
            {"trigger": "state", "entity_id": WORKOUT, "from": "off", "to": "on"}
        ],
    } | extra


async def _helpers(hass: HomeAssistant) -> None:
    """The water helpers a person made, and the workout switch."""
    assert await async_setup_component(
        hass, "counter", {"counter": {"water_today": {"initial": 0, "step": 1}}}
    )
    assert await async_setup_component(
        hass,
        "input_number",
        {
            "input_number": {
                "water_ml": {"min": 0, "max": 1000, "step": 50, "initial": 0}
            }
        },
    )
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"workout_finished": {}}}
    )


@pytest.fixture
async def reminders(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Reminders:
    """The integration (which installs the blueprint), the helpers and the phone."""
    freezer.move_to(local(8, 50))
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    await _helpers(hass)
    yield Reminders(hass, freezer, install_phone(hass))
    await stop_automations(hass)


async def test_reminds_every_interval_within_the_window_only(
    hass: HomeAssistant, reminders: Reminders
) -> None:
    """Every 90 minutes from 09:00, the last before 21:00, then none overnight."""
    await setup_automations(hass, (BLUEPRINT, inputs()))
    await reminders.until_time(local(8, 55))
    assert reminders.phone.calls == []

    await reminders.until_time(local(7, 0, day=25))

    assert reminders.at() == [
        "09:00",
        "10:30",
        "12:00",
        "13:30",
        "15:00",
        "16:30",
        "18:00",
        "19:30",
    ]
    first = reminders.phone.shown[0]
    assert first["title"] == "Drink some water"
    assert first["message"] == f"{REGULAR}\n0 of 8 today."
    assert reminders.phone.buttons(first) == BUTTONS
    assert first["data"]["tag"] == AUTOMATION


async def test_i_drank_counts_and_the_goal_ends_the_day_until_midnight(
    hass: HomeAssistant, reminders: Reminders
) -> None:
    """Each I drank adds a glass; at the goal it stops; midnight starts afresh."""
    await setup_automations(
        hass, (BLUEPRINT, inputs(daily_goal=2, interval_minutes=60))
    )
    await reminders.until_time(local(9, 0))
    await reminders.tap("I drank")
    assert reminders.count() == 1
    # The answered reminder leaves the phone.
    assert reminders.phone.cleared == [AUTOMATION]

    await reminders.until_time(local(10, 0))
    assert reminders.messages[-1].endswith("1 of 2 today.")
    await reminders.tap("I drank")
    assert reminders.count() == 2

    await reminders.until_time(local(23, 55))
    assert reminders.at() == ["09:00", "10:00"]
    await reminders.until_time(local(0, 0, day=25))
    assert reminders.count() == 0

    await reminders.until_time(local(9, 0, day=25))
    assert reminders.at() == ["09:00", "10:00", "09:00"]
    assert reminders.messages[-1].endswith("0 of 2 today.")


async def test_a_number_helper_counts_millilitres_up_to_its_maximum(
    hass: HomeAssistant, reminders: Reminders
) -> None:
    """An input number takes the amount up to its maximum; midnight sets its minimum."""
    await setup_automations(
        hass,
        (BLUEPRINT, inputs(water_helper=NUMBER, amount=400, daily_goal=2000)),
    )
    await reminders.until_time(local(9, 0))
    assert reminders.messages[-1].endswith("0 of 2000 today.")
    for _ in range(3):
        await reminders.tap("I drank")
    assert reminders.count(NUMBER) == 1000
    await reminders.until_time(local(10, 30))
    assert reminders.messages[-1].endswith("1000 of 2000 today.")
    await reminders.until_time(local(0, 0, day=25))
    assert reminders.count(NUMBER) == 0


async def test_later_asks_again_unless_a_drink_was_logged_meanwhile(
    hass: HomeAssistant, reminders: Reminders
) -> None:
    """Later reminds after its minutes; a drink logged meanwhile answers it."""
    await setup_automations(hass, (BLUEPRINT, inputs(snooze_minutes=20)))
    await reminders.until_time(local(9, 0))
    await reminders.tap("Later")
    await reminders.until_time(local(9, 19))
    assert reminders.at() == ["09:00"]
    await reminders.until_time(local(9, 20))
    assert reminders.at() == ["09:00", "09:20"]
    assert reminders.messages[-1] == f"{REGULAR}\n0 of 8 today."

    await reminders.tap("Later")
    await reminders.until_time(local(9, 30))
    # The person drank meanwhile, from the reminder still on another phone.
    hass.bus.async_fire(
        "mobile_app_notification_action", {"action": f"MASSAGE_DRANK_{COUNTER}"}
    )
    await settle(hass)
    assert reminders.count() == 1
    await reminders.until_time(local(10, 0))
    assert reminders.at() == ["09:00", "09:20"]


async def test_after_a_workout_and_never_in_the_quiet_hours(
    hass: HomeAssistant, reminders: Reminders
) -> None:
    """A workout's end reminds at once with its own text; at night it stays quiet."""
    await setup_automations(hass, (BLUEPRINT, inputs(interval_minutes=240)))
    await reminders.until_time(local(9, 10))
    await reminders.workout_ends()
    assert reminders.at() == ["09:00", "09:10"]
    assert reminders.messages[-1] == f"{WORKOUT_MESSAGE}\n0 of 8 today."

    # Later, tapped just before the quiet hours, falls into them: nothing comes.
    await reminders.until_time(local(21, 50))
    await reminders.workout_ends()
    await reminders.tap("Later")
    await reminders.until_time(local(23, 0))
    await reminders.workout_ends()
    await reminders.until_time(local(6, 55, day=25))
    assert reminders.at() == ["09:00", "09:10", "13:00", "17:00", "21:50"]

    await reminders.until_time(local(7, 0, day=25))
    await reminders.workout_ends()
    assert reminders.at()[-1] == "07:00"


async def test_the_daily_goal_counts_from_a_health_sensor_too(
    hass: HomeAssistant, reminders: Reminders
) -> None:
    """Once a health app's water sensor reaches the goal, no more reminders."""
    hass.states.async_set(WATER_SENSOR, "1500", {"unit_of_measurement": "mL"})
    await setup_automations(
        hass,
        (
            BLUEPRINT,
            inputs(
                water_helper=NUMBER,
                amount=250,
                daily_goal=2000,
                water_sensor=WATER_SENSOR,
            ),
        ),
    )
    await reminders.until_time(local(9, 0))
    assert reminders.at() == ["09:00"]
    hass.states.async_set(WATER_SENSOR, "2100", {"unit_of_measurement": "mL"})
    await reminders.until_time(local(12, 0))
    await reminders.workout_ends()
    assert reminders.at() == ["09:00"]


@pytest.fixture
async def with_massager(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
) -> AsyncGenerator[tuple[Reminders, Fired]]:
    """The foot and leg massager and the routine player, at 09:05 local time."""
    async with recording(hass, freezer, foot_leg_server) as (_, fired):
        freezer.move_to(local(9, 5))
        await _helpers(hass)
        yield Reminders(hass, freezer, install_phone(hass)), fired
        await stop_automations(hass)


async def test_after_a_routine_ends_with_the_advice_on_water(
    hass: HomeAssistant, with_massager: tuple[Reminders, Fired]
) -> None:
    """A finished routine, or one the person stopped, brings the massage advice."""
    reminders, fired = with_massager
    await setup_automations(hass, (BLUEPRINT, inputs(interval_minutes=240)))
    await hass.services.async_call(
        DOMAIN, "start_routine", {"routine": "foot_calf_circulation"}, blocking=True
    )
    await settle(hass)
    assert reminders.phone.calls == []
    for _ in range(3):
        await advance(hass, reminders.freezer, timedelta(minutes=5))
    await until(hass, lambda: "routine_finished" in fired.types)
    await until(hass, lambda: len(reminders.phone.shown) == 1)
    assert reminders.messages == [f"{MASSAGE_MESSAGE}\n0 of 8 today."]

    await hass.services.async_call(
        DOMAIN, "start_routine", {"routine": "foot_calf_circulation"}, blocking=True
    )
    await hass.services.async_call(DOMAIN, "stop_routine", {}, blocking=True)
    await until(hass, lambda: len(reminders.phone.shown) == 2)
    assert fired.last("routine_aborted")["reason"] == "stopped"
    assert reminders.messages[-1] == f"{MASSAGE_MESSAGE}\n0 of 8 today."
    assert hass.states.get(EVENT_ENTITY).attributes["event_type"] == "routine_aborted"


async def test_a_routine_that_failed_or_was_switched_off_brings_no_reminder(
    hass: HomeAssistant, with_massager: tuple[Reminders, Fired]
) -> None:
    """Only a routine that ran to its end or was stopped counts as a massage."""
    reminders, fired = with_massager
    await setup_automations(
        hass, (BLUEPRINT, inputs(interval_minutes=240, after_routine=True))
    )
    await hass.services.async_call(
        DOMAIN, "start_routine", {"routine": "foot_calf_circulation"}, blocking=True
    )
    # Someone switches the massager off on the device: the routine is aborted.
    await hass.services.async_call(
        "fan", "turn_off", {"entity_id": "fan.foot_and_leg_massager"}, blocking=True
    )
    await until(hass, lambda: "routine_aborted" in fired.types)
    await settle(hass)
    assert fired.last("routine_aborted")["reason"] != "stopped"
    assert reminders.phone.calls == []


async def test_after_routine_can_be_switched_off(
    hass: HomeAssistant, with_massager: tuple[Reminders, Fired]
) -> None:
    """Without the after-routine reminder, a finished routine says nothing."""
    reminders, fired = with_massager
    await setup_automations(
        hass, (BLUEPRINT, inputs(interval_minutes=240, after_routine=False))
    )
    await hass.services.async_call(
        DOMAIN, "start_routine", {"routine": "foot_calf_circulation"}, blocking=True
    )
    await hass.services.async_call(DOMAIN, "stop_routine", {}, blocking=True)
    await until(hass, lambda: "routine_aborted" in fired.types)
    await settle(hass)
    assert reminders.phone.calls == []
    assert time(9, 5) <= dt_util.now().time() < time(9, 10)


async def test_after_a_massage_session_ends_with_the_advice_on_water(
    hass: HomeAssistant, with_massager: tuple[Reminders, Fired]
) -> None:
    """A session its timer ended reminds; a routine's leaves it to the routine."""
    reminders, _ = with_massager
    await setup_automations(
        hass,
        (
            BLUEPRINT,
            inputs(
                interval_minutes=240,
                after_routine=False,
                session_events=[FOOT_SESSION],
            ),
        ),
    )
    await hass.services.async_call(
        "fan", "turn_on", {"entity_id": "fan.foot_and_leg_massager"}, blocking=True
    )
    await settle(hass)
    assert reminders.phone.calls == []
    # Its own ten-minute timer ends it.
    for _ in range(2):
        await advance(hass, reminders.freezer, timedelta(minutes=5))
    await until(hass, lambda: len(reminders.phone.shown) == 1)
    assert hass.states.get(FOOT_SESSION).attributes["reason"] == "timer"
    assert reminders.messages == [f"{MASSAGE_MESSAGE}\n0 of 8 today."]

    # A routine's session ends by the routine: no reminder of the session's own.
    await hass.services.async_call(
        DOMAIN, "start_routine", {"routine": "foot_calf_circulation"}, blocking=True
    )
    await hass.services.async_call(DOMAIN, "stop_routine", {}, blocking=True)
    await until(
        hass, lambda: hass.states.get(FOOT_SESSION).attributes["reason"] == "routine"
    )
    await settle(hass)
    assert len(reminders.phone.shown) == 1

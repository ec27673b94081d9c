"""The README's workout-end triggers, each in the post-workout blueprint.

Each example is read from the README itself, made the *Workout ends* input of an
automation, and fired by a stand-in for its source: a phone's activity sensor, a
workout integration's sensor, a smart plug's power, a webhook over loopback, a
dashboard switch or button.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.config import async_validate_config_item
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import yaml

from custom_components.massage.const import DOMAIN

from .blueprint_helpers import (
    NOTIFY_ACTION,
    Phone,
    advance,
    blueprint_path,
    install_phone,
    settle,
    setup_automations,
    stop_automations,
)

README = Path(__file__).parents[3] / "README.md"
BLUEPRINT = "post_workout_recovery.yaml"
EXAMPLE = re.compile(r"```yaml\n# workout-end: ([a-z-]+)\n(.*?)```", re.DOTALL)


def readme_examples() -> dict[str, list[dict[str, Any]]]:
    """The README's workout-end triggers, by the name each example carries."""
    text = README.read_text(encoding="utf-8")
    return {name: yaml.safe_load(body) for name, body in EXAMPLE.findall(text)}


EXAMPLES = readme_examples()


@dataclass
class Workout:
    """What a test drives: Home Assistant, its clock, the phone, a web client."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    phone: Phone
    client: ClientSessionGenerator

    def set(self, entity_id: str, state: str) -> None:
        """A source reports a new state."""
        self.hass.states.async_set(entity_id, state)

    async def wait(self, minutes: float) -> None:
        """Let time pass."""
        await advance(self.hass, self.freezer, timedelta(minutes=minutes))

    @property
    def asked(self) -> bool:
        """Whether the phone asked to start the routine."""
        return any(call["title"] == "Workout done" for call in self.phone.shown)


async def _android_activity(workout: Workout) -> None:
    activity = "sensor.pixel_8_detected_activity"
    workout.set(activity, "running")
    await settle(workout.hass)
    workout.set(activity, "still")
    await workout.wait(4)
    assert not workout.asked
    await workout.wait(1)


async def _workout_sensor(workout: Workout) -> None:
    status = "sensor.bike_workout_status"
    workout.set(status, "in_progress")
    await settle(workout.hass)
    workout.set(status, "paused")
    workout.set(status, "in_progress")
    await settle(workout.hass)
    assert not workout.asked
    workout.set(status, "complete")
    await settle(workout.hass)


async def _smart_plug(workout: Workout) -> None:
    power = "sensor.treadmill_plug_power"
    workout.set(power, "250.5")
    await settle(workout.hass)
    # A short pause on the treadmill is not the end.
    workout.set(power, "3.2")
    await workout.wait(2)
    workout.set(power, "240")
    await workout.wait(5)
    assert not workout.asked
    workout.set(power, "2.8")
    await workout.wait(3)


async def _webhook(workout: Workout) -> None:
    (trigger,) = EXAMPLES["webhook"]
    client = await workout.client()
    url = f"/api/webhook/{trigger['webhook_id']}"
    refused = await client.get(url)
    await settle(workout.hass)
    assert not workout.asked
    assert refused.status == HTTPStatus.METHOD_NOT_ALLOWED
    response = await client.post(url, json={"workout": "Outdoor run"})
    assert response.status == HTTPStatus.OK
    await settle(workout.hass)


async def _input_boolean(workout: Workout) -> None:
    await workout.hass.services.async_call(
        "input_boolean",
        "turn_on",
        {"entity_id": "input_boolean.workout_finished"},
        blocking=True,
    )
    await settle(workout.hass)


async def _input_button(workout: Workout) -> None:
    await workout.hass.services.async_call(
        "input_button",
        "press",
        {"entity_id": "input_button.workout_finished"},
        blocking=True,
    )
    await settle(workout.hass)


SOURCES: dict[str, Callable[[Workout], Awaitable[None]]] = {
    "android-activity": _android_activity,
    "workout-sensor": _workout_sensor,
    "smart-plug": _smart_plug,
    "webhook": _webhook,
    "input-boolean": _input_boolean,
    "input-button": _input_button,
}


def test_the_readme_shows_an_example_for_each_source() -> None:
    """Every example the README gives is one this test drives, and the reverse."""
    assert sorted(EXAMPLES) == sorted(SOURCES)


@pytest.fixture
async def workout(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
) -> AsyncGenerator[Workout]:
    """The integration, the helpers, webhooks and the phone; no automation yet."""
    assert await async_setup_component(hass, DOMAIN, {})
    assert await async_setup_component(hass, "webhook", {})
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"workout_finished": {}}}
    )
    assert await async_setup_component(
        hass, "input_button", {"input_button": {"workout_finished": {}}}
    )
    await hass.async_block_till_done()
    yield Workout(hass, freezer, install_phone(hass), hass_client_no_auth)
    await stop_automations(hass)


@pytest.mark.parametrize("name", sorted(SOURCES))
async def test_each_example_starts_the_question_from_its_source(
    hass: HomeAssistant, workout: Workout, name: str
) -> None:
    """The example validates as the blueprint's input and fires on its source."""
    inputs = {"workout_ended": EXAMPLES[name], "notify_action": NOTIFY_ACTION}
    config = {
        "id": name,
        "use_blueprint": {"path": blueprint_path(BLUEPRINT), "input": inputs},
    }
    assert await async_validate_config_item(hass, name, config)
    await setup_automations(hass, (BLUEPRINT, inputs))
    await settle(hass)
    # Setting it up, or Home Assistant starting, is no workout's end.
    assert workout.phone.calls == []

    await SOURCES[name](workout)

    assert workout.asked
    assert len(workout.phone.shown) == 1

"""The shipped blueprints: Home Assistant's own loader and schema take each one.

An automation made from each, with the inputs a person would give, validates and
sets up; the copies the integration installs are the top-level files, byte for
byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.components.automation.config import (
    AUTOMATION_BLUEPRINT_SCHEMA,
    async_validate_config_item,
)
from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.components.blueprint import Blueprint, MissingInput
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml
import pytest

from custom_components.massage.blueprint_install import SOURCE_DIR
from custom_components.massage.const import DOMAIN
from emulator import DeviceServer

from .blueprint_helpers import (
    BLUEPRINT_NAMES,
    NOTIFY_ACTION,
    blueprint_path,
    installed,
)
from .conftest import entry_for, setup_entry
from .routine_helpers import device_id, setup_devices

REPO_DIR = Path(__file__).parents[3]
TOP_LEVEL_DIR = REPO_DIR / "blueprints" / "automation" / DOMAIN
MANIFEST = json.loads(
    (REPO_DIR / "custom_components" / DOMAIN / "manifest.json").read_text()
)
# The blueprints call the integration's actions, so they need what it needs: the
# oldest release it is offered for. What they use of Home Assistant itself (input
# sections, nested trigger lists, variables that a repeat's steps change for the
# steps after it) is older.
MIN_VERSION = json.loads((REPO_DIR / "hacs.json").read_text())["homeassistant"]
EXPECTED = [
    "hydration_reminder.yaml",
    "post_workout_recovery.yaml",
    "routine_step_announcer.yaml",
    "session_finished.yaml",
]


def _raw(name: str) -> dict[str, Any]:
    """A blueprint as YAML, `!input` tags and all."""
    data: dict[str, Any] = load_yaml(SOURCE_DIR / name)
    return data


def _inputs(name: str) -> dict[str, dict[str, Any]]:
    """The inputs of a blueprint, out of their sections."""
    inputs: dict[str, dict[str, Any]] = {}
    for section in _raw(name)["blueprint"]["input"].values():
        inputs |= section["input"]
    return inputs


def test_the_component_carries_the_top_level_blueprints_byte_for_byte() -> None:
    """One source: what is installed is what the repository offers for import."""
    assert sorted(path.name for path in TOP_LEVEL_DIR.glob("*")) == EXPECTED
    assert sorted(path.name for path in SOURCE_DIR.glob("*")) == EXPECTED
    assert BLUEPRINT_NAMES == EXPECTED
    for name in EXPECTED:
        assert (SOURCE_DIR / name).read_bytes() == (TOP_LEVEL_DIR / name).read_bytes()


@pytest.mark.parametrize("name", EXPECTED)
def test_each_blueprint_fits_the_automation_blueprint_schema(name: str) -> None:
    """Home Assistant's schema takes it, and this release is new enough for it."""
    blueprint = Blueprint(
        _raw(name),
        path=f"{DOMAIN}/{name}",
        expected_domain=AUTOMATION_DOMAIN,
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.validate() is None
    metadata = blueprint.metadata
    assert metadata["homeassistant"]["min_version"] == MIN_VERSION
    assert metadata["source_url"] == (
        f"{MANIFEST['documentation']}/blob/main/blueprints/automation/{DOMAIN}/{name}"
    )
    assert "You need" in metadata["description"]


@pytest.mark.parametrize("name", EXPECTED)
def test_each_blueprint_is_written_in_the_modern_syntax(name: str) -> None:
    """Plural keys, `trigger:`/`action:` in each item, and inputs in sections."""
    raw = _raw(name)
    assert {"triggers", "actions"} <= set(raw)
    assert not {"trigger", "condition", "action"} & set(raw)
    text = (SOURCE_DIR / name).read_text()
    assert "platform:" not in text
    assert "service:" not in text
    for section in raw["blueprint"]["input"].values():
        assert {"name", "icon", "input"} <= set(section)
    for key, spec in _inputs(name).items():
        assert spec.get("name"), key
        assert "selector" in spec, key


@pytest.mark.parametrize("name", EXPECTED)
def test_selectors_that_pick_our_things_are_filtered_to_massage(name: str) -> None:
    """A device or the routine's event entity is picked from this integration only."""
    picked_ours = 0
    for key, spec in _inputs(name).items():
        selector = spec["selector"]
        if "device" in selector:
            filters = selector["device"]["filter"]
            assert filters == [{"integration": DOMAIN}], key
            picked_ours += 1
        if "entity" in selector:
            filters = selector["entity"]["filter"]
            domains = [f["domain"] for f in filters]
            if "event" in domains:
                assert filters == [{"integration": DOMAIN, "domain": "event"}], key
                picked_ours += 1
            else:
                assert all("integration" not in f for f in filters), key
    assert picked_ours >= 1


@pytest.fixture
async def realistic_inputs(
    hass: HomeAssistant, gun_server: DeviceServer, foot_leg_server: DeviceServer
) -> dict[str, dict[str, Any]]:
    """What a person would choose for each blueprint, with both massagers there."""
    await setup_devices(hass, gun_server, foot_leg_server)
    gun, foot_leg = device_id(hass, gun_server), device_id(hass, foot_leg_server)
    workout = [
        {
            "trigger": "state",
            "entity_id": "sensor.pixel_8_detected_activity",
            "from": "running",
        }
    ]
    return {
        "post_workout_recovery.yaml": {
            "workout_ended": workout,
            "cool_down": {"minutes": 5},
            "ask_conditions": [
                {"condition": "numeric_state", "entity_id": "zone.home", "above": 0},
                {"condition": "time", "after": "07:00:00", "before": "22:00:00"},
            ],
            "routine": "post_workout_legs",
            "gun": gun,
            "foot_leg": foot_leg,
            "notify_action": NOTIFY_ACTION,
            "start_foot_leg": True,
            "foot_leg_mode": "kneading",
        },
        "hydration_reminder.yaml": {
            "interval_minutes": 60,
            "window_start": "08:00:00",
            "window_end": "20:00:00",
            "workout_ended": workout,
            "water_helper": "counter.water_today",
            "amount": 1,
            "daily_goal": 8,
            "water_sensor": "sensor.health_water_today",
            "notify_action": NOTIFY_ACTION,
        },
        "routine_step_announcer.yaml": {
            "tts_entity": "tts.piper",
            "media_player": "media_player.living_room",
            "notify_action": NOTIFY_ACTION,
            "only_when_home": True,
        },
        "session_finished.yaml": {
            "session_events": [
                "event.massage_gun_session",
                "event.foot_and_leg_massager_session",
            ],
            "reasons": ["session_cap", "timer", "unavailable"],
            "notify_action": NOTIFY_ACTION,
            "tts_entity": "tts.piper",
            "media_player": "media_player.living_room",
        },
    }


async def test_an_automation_from_each_blueprint_validates_and_sets_up(
    hass: HomeAssistant, realistic_inputs: dict[str, dict[str, Any]]
) -> None:
    """Installed by the integration, each blueprint makes a working automation."""
    blueprints = async_get_blueprints(hass)
    for name in EXPECTED:
        assert installed(hass, name).read_bytes() == (SOURCE_DIR / name).read_bytes()
        loaded = await blueprints.async_get_blueprint(blueprint_path(name))
        assert loaded.validate() is None

    configs = [
        {
            "id": name,
            "alias": name,
            "use_blueprint": {"path": blueprint_path(name), "input": inputs},
        }
        for name, inputs in realistic_inputs.items()
    ]
    for config in configs:
        assert await async_validate_config_item(hass, config["id"], config)
    assert await async_setup_component(
        hass, AUTOMATION_DOMAIN, {AUTOMATION_DOMAIN: configs}
    )
    await hass.async_block_till_done()
    for name in EXPECTED:
        automation = f"automation.{name.replace('.', '_')}"
        assert hass.states.get(automation).state == "on", automation


async def test_an_automation_missing_a_required_input_is_refused(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """Without a phone to ask, the post-workout automation cannot be made."""
    await setup_entry(hass, entry_for(gun_server))
    config = {
        "id": "incomplete",
        "use_blueprint": {
            "path": blueprint_path("post_workout_recovery.yaml"),
            "input": {"workout_ended": []},
        },
    }
    with pytest.raises(MissingInput, match="Missing input notify_action"):
        await async_validate_config_item(hass, "incomplete", config)

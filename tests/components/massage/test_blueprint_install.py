"""Installing the blueprints: fresh, updated, and never over a person's changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components.automation import (
    DOMAIN as AUTOMATION_DOMAIN,
    EVENT_AUTOMATION_RELOADED,
)
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events
import yaml

from custom_components.massage.blueprint_install import (
    SOURCE_DIR,
    STORE_KEY,
    async_install_blueprints,
    digest,
)
from custom_components.massage.const import DOMAIN

from .blueprint_helpers import (
    BLUEPRINT_NAMES,
    NOTIFY_ACTION,
    install_phone,
    installed,
    settle,
)

POST_WORKOUT = "post_workout_recovery.yaml"
WORKOUT = "input_boolean.workout_finished"


def _shipped(name: str) -> bytes:
    return (SOURCE_DIR / name).read_bytes()


def _record(hass_storage: dict[str, Any], record: dict[str, str]) -> None:
    """What an earlier version of the integration recorded it wrote."""
    hass_storage[STORE_KEY] = {
        "version": 1,
        "key": STORE_KEY,
        "data": {"installed": record},
    }


def _recorded(hass_storage: dict[str, Any]) -> dict[str, str]:
    return dict(hass_storage[STORE_KEY]["data"]["installed"])


def _write(hass: HomeAssistant, name: str, content: bytes) -> Path:
    path = installed(hass, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _configuration(hass: HomeAssistant, *automations: dict[str, Any]) -> None:
    """The person's configuration.yaml, which reloading the automations reads."""
    Path(hass.config.path("configuration.yaml")).write_text(
        yaml.safe_dump({AUTOMATION_DOMAIN: list(automations)})
    )


async def _setup(hass: HomeAssistant) -> None:
    """Set the integration up, as with its first device; it installs once started."""
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()


async def test_fresh_install_waits_for_the_start_and_keeps_a_record(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Installed once started, after Home Assistant put its own blueprints in."""
    hass.set_state(CoreState.not_running)
    _configuration(hass)
    await _setup(hass)
    assert not installed(hass, POST_WORKOUT).parent.exists()
    # Home Assistant fills the folder with its own only while it does not exist.
    assert await async_setup_component(hass, AUTOMATION_DOMAIN, {})
    await hass.async_block_till_done()

    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()

    for name in BLUEPRINT_NAMES:
        assert installed(hass, name).read_bytes() == _shipped(name)
    assert _recorded(hass_storage) == {
        name: digest(_shipped(name)) for name in BLUEPRINT_NAMES
    }
    stock = Path(hass.config.path("blueprints", "automation", "homeassistant"))
    assert await hass.async_add_executor_job(lambda: any(stock.glob("*.yaml")))


async def test_an_unchanged_install_writes_nothing_and_reloads_nothing(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A start with everything in place touches no file and no automation."""
    _configuration(hass)
    assert await async_setup_component(hass, AUTOMATION_DOMAIN, {})
    await _setup(hass)
    path = installed(hass, POST_WORKOUT)
    before = path.stat().st_mtime_ns
    reloaded = async_capture_events(hass, EVENT_AUTOMATION_RELOADED)

    await async_install_blueprints(hass)

    assert path.stat().st_mtime_ns == before
    assert reloaded == []


@pytest.mark.parametrize(
    ("content", "recorded"),
    [
        # The person edited the file the integration wrote.
        (b"# my tweaks\n", True),
        # The person's own file of that name, never written by the integration.
        (b"# mine\n", False),
    ],
    ids=["edited", "own_file"],
)
async def test_a_persons_file_is_never_replaced(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    content: bytes,
    recorded: bool,
) -> None:
    """Whatever differs from what the integration wrote stays as it is."""
    ours = _shipped(POST_WORKOUT).replace(b"Workout done", b"Done")
    if recorded:
        _record(hass_storage, {POST_WORKOUT: digest(ours)})
    path = _write(
        hass, POST_WORKOUT, ours.replace(b"blueprint:", content + b"blueprint:")
    )

    await _setup(hass)

    assert path.read_bytes() == ours.replace(b"blueprint:", content + b"blueprint:")
    assert "it is not the one the integration wrote" in caplog.text
    # The others are installed as usual.
    for name in set(BLUEPRINT_NAMES) - {POST_WORKOUT}:
        assert installed(hass, name).read_bytes() == _shipped(name)
    assert _recorded(hass_storage).get(POST_WORKOUT) == (
        digest(ours) if recorded else None
    )


async def test_a_deleted_blueprint_stays_deleted(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """A blueprint the person removed is not brought back."""
    _record(hass_storage, {POST_WORKOUT: digest(b"an older version")})
    await _setup(hass)
    assert not installed(hass, POST_WORKOUT).exists()
    assert installed(hass, BLUEPRINT_NAMES[0]).exists()


async def test_a_file_like_the_shipped_one_is_adopted(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """The same content, put there by hand, counts as the integration's from now on."""
    _write(hass, POST_WORKOUT, _shipped(POST_WORKOUT))
    await _setup(hass)
    assert _recorded(hass_storage)[POST_WORKOUT] == digest(_shipped(POST_WORKOUT))


async def test_an_unreadable_record_or_file_installs_the_rest(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A garbled record trusts no file; a folder in a file's place is left."""
    hass_storage[STORE_KEY] = {"version": 1, "key": STORE_KEY, "data": {"installed": 7}}
    installed(hass, POST_WORKOUT).mkdir(parents=True)
    await _setup(hass)
    assert "Could not install the blueprint" in caplog.text
    assert installed(hass, POST_WORKOUT).is_dir()
    for name in set(BLUEPRINT_NAMES) - {POST_WORKOUT}:
        assert installed(hass, name).read_bytes() == _shipped(name)


async def test_an_unchanged_old_version_is_updated_and_its_automation_follows(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """An older blueprint the person never touched is replaced; automations reload."""
    old = _shipped(POST_WORKOUT).replace(b"default: Workout done", b"default: Old")
    _write(hass, POST_WORKOUT, old)
    _record(hass_storage, {POST_WORKOUT: digest(old)})
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"workout_finished": {}}}
    )
    phone = install_phone(hass)
    automation = {
        "id": "recovery",
        "alias": "Recovery",
        "use_blueprint": {
            "path": f"{DOMAIN}/{POST_WORKOUT}",
            "input": {
                "workout_ended": [
                    {"trigger": "state", "entity_id": WORKOUT, "to": "on"}
                ],
                "notify_action": NOTIFY_ACTION,
            },
        },
    }
    _configuration(hass, automation)
    # The automation is set up from the old version before the integration starts.
    assert await async_setup_component(
        hass, AUTOMATION_DOMAIN, {AUTOMATION_DOMAIN: [automation]}
    )
    await hass.async_block_till_done()
    reloaded = async_capture_events(hass, EVENT_AUTOMATION_RELOADED)

    await _setup(hass)

    assert installed(hass, POST_WORKOUT).read_bytes() == _shipped(POST_WORKOUT)
    assert _recorded(hass_storage)[POST_WORKOUT] == digest(_shipped(POST_WORKOUT))
    assert len(reloaded) == 1
    await hass.services.async_call(
        "input_boolean", "turn_on", {"entity_id": WORKOUT}, blocking=True
    )
    await settle(hass)
    assert [call["title"] for call in phone.shown] == ["Workout done"]
    await hass.services.async_call(
        AUTOMATION_DOMAIN, "turn_off", {"entity_id": "all"}, blocking=True
    )

"""The README and the example dashboard match the code.

They name only entities and actions that exist, and the README says who maintains
the integration under the code owner the manifest names.

A Home Assistant is set up as the demo sets up its own: the emulated gun and foot
and leg massager over loopback, the routine player they bring, and the massager
built from the demo's input helpers through the config flow, with the demo's own
answers. Every entity id the documents name (in text, tables, YAML and examples)
must be an entity of it, and every action it names must be registered, unless it
belongs to another integration and is listed below with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
import json
from pathlib import Path
import re
import sys
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest

from custom_components.massage.const import DOMAIN
from emulator import DeviceServer

from .conftest import wait_for
from .routine_helpers import setup_devices

REPO_DIR = Path(__file__).resolve().parents[3]
# The demo builds its third massager from these helpers, with these answers.
sys.path.insert(0, str(REPO_DIR / "script"))
from demo import from_entities  # noqa: E402

DOCUMENTS = ("README.md", "dashboards/massage.yaml")

# Domains whose `domain.name` is an entity id (or an action of that domain).
ENTITY_DOMAINS = frozenset(platform.value for platform in Platform) | {
    "automation",
    "counter",
    "group",
    "input_boolean",
    "input_button",
    "input_datetime",
    "input_number",
    "input_select",
    "input_text",
    "person",
    "script",
    "sun",
    "timer",
    "zone",
}
NAME = re.compile(r"(?<![\w./-])([a-z][a-z0-9_]*)\.([a-z0-9][a-z0-9_]*)\b(?![./-]\w)")

# Names of other integrations that examples use; this Home Assistant has none of
# them, and none can be ours.
OTHER_INTEGRATIONS = {
    "binary_sensor.workout_active": "the reader's own workout sensor (an example)",
    "conversation.process": "Home Assistant's conversation action",
    "media_player.living_room": "the reader's own speaker (an example)",
    "notify.mobile_app_my_phone": "the companion app's notifier (an example)",
    "tts.home_assistant_cloud": "Home Assistant Cloud's text-to-speech",
    "tts.speak": "the text-to-speech action",
    "notify.mobile_app_pixel_8": "the companion app's notifier (an example)",
    "sensor.pixel_8_detected_activity": "the companion app's activity (an example)",
    "sensor.bike_workout_status": "a workout integration's sensor (an example)",
    "sensor.treadmill_plug_power": "a smart plug's power (an example)",
    "input_button.workout_finished": "the reader's own button (an example)",
    # Made by the demo through Home Assistant's API (script/demo/recovery.py);
    # the develop browser test checks that each exists there.
    "input_boolean.workout_finished": "the demo's Workout finished switch",
    "automation.massage_after_a_workout_demo": "the demo's post-workout automation",
    "script.demo_phone_tap": "the demo's stand-in phone",
}


def named(text: str) -> set[str]:
    """Every `domain.name` in `text` whose domain has entities, or is ours."""
    return {
        f"{domain}.{name}"
        for domain, name in NAME.findall(text)
        if domain in ENTITY_DOMAINS or domain == DOMAIN
    }


def test_names_are_found_where_documents_put_them() -> None:
    """The pattern finds ids in prose, tables, YAML and templates, and no files."""
    text = (
        "`fan.massage_gun`, | `sensor.a_b` |\n"
        "    entity_id: select.x_1\n"
        "{{ state_attr('event.massage_routines_routine', 'prompt') }}\n"
        "action: massage.start_session\n"
        "`custom_sentences/en/massage.yaml`, docs/screenshots/device.png, "
        "tests/components/massage/test_fan.py, script/demo/routines.py, "
        "http://sensor.example/x, trigger.to_state.attributes.prompt"
    )

    assert named(text) == {
        "fan.massage_gun",
        "sensor.a_b",
        "select.x_1",
        "event.massage_routines_routine",
        "massage.start_session",
    }


@pytest.fixture
async def demo_like(
    hass: HomeAssistant, gun_server: DeviceServer, foot_leg_server: DeviceServer
) -> HomeAssistant:
    """Home Assistant with the demo's three massagers and the routine player."""
    await setup_devices(hass, gun_server, foot_leg_server)
    config: dict[str, dict[str, Any]] = {}
    for helper in from_entities.HELPERS:
        config.setdefault(helper.domain, {})[helper.object_id] = helper.settings
    for domain, helpers in config.items():
        assert await async_setup_component(hass, domain, {domain: helpers})
    await hass.async_block_till_done()
    answers: Iterable[dict[str, Any]] = from_entities.FLOW_ANSWERS
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    for answer in answers:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], answer
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await wait_for(hass, lambda: hass.states.get(from_entities.FAN) is not None)
    return hass


def exists(hass: HomeAssistant, name: str) -> bool:
    """Whether `name` is an entity (enabled or not) or an action of `hass`."""
    domain, _, service = name.partition(".")
    return (
        hass.states.get(name) is not None
        or er.async_get(hass).async_get(name) is not None
        or hass.services.has_service(domain, service)
    )


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_every_entity_and_action_named_exists(
    demo_like: HomeAssistant, document: str
) -> None:
    hass = demo_like
    names = named((REPO_DIR / document).read_text())
    ours = names - set(OTHER_INTEGRATIONS)

    assert {name for name in ours if not exists(hass, name)} == set()
    # The test has something to check: the document names entities of ours.
    entity_ids = {entity.entity_id for entity in er.async_get(hass).entities.values()}
    assert ours & entity_ids


def test_the_exceptions_are_used_and_none_is_ours() -> None:
    """Every listed exception is still in a document, and none could be ours."""
    text = "\n".join((REPO_DIR / document).read_text() for document in DOCUMENTS)
    found = named(text)
    ours = re.compile(
        r"\.(massage_gun|foot_and_leg_massager|plug_massager|massage_routines"
        r"|massager_)"
    )

    assert set(OTHER_INTEGRATIONS) <= found
    assert [name for name in OTHER_INTEGRATIONS if ours.search(name)] == []
    assert [name for name in OTHER_INTEGRATIONS if name.startswith(f"{DOMAIN}.")] == []


def test_the_readme_says_who_maintains_it() -> None:
    """The code owner is a GitHub handle the README names; the links are its own."""
    manifest = json.loads(
        (REPO_DIR / "custom_components" / DOMAIN / "manifest.json").read_text()
    )
    readme = (REPO_DIR / "README.md").read_text()

    for owner in manifest["codeowners"]:
        # A GitHub user or organisation, or an organisation's team.
        assert re.fullmatch(r"@[A-Za-z0-9](?:-?[A-Za-z0-9])*(?:/[\w.-]+)?", owner)
        assert f"`{owner}`" in readme
    account = manifest["codeowners"][0].removeprefix("@").split("/")[0]
    home = f"https://github.com/{account}/"
    assert manifest["documentation"].startswith(home)
    assert manifest["issue_tracker"] == f"{manifest['documentation']}/issues"
    assert manifest["documentation"].removeprefix("https://") in readme

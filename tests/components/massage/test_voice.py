"""Names and exposure for voice, and Home Assistant's own fan sentences next to ours."""

from __future__ import annotations

import json
from pathlib import Path
import re
from string import Formatter

from homeassistant.components import conversation
from homeassistant.components.homeassistant.const import DATA_EXPOSED_ENTITIES
from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
    async_should_expose,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage import intents
from custom_components.massage.api import DeviceKind
from custom_components.massage.fan import MASSAGE_FAN
from custom_components.massage.routines import is_routine_player
from custom_components.massage.select import SELECTS
from custom_components.massage.sensor import SENSORS
from custom_components.massage.switch import HEAT_SWITCH
from custom_components.massage.voice import ALIASES, async_suggest_for_voice
from emulator import DeviceServer

from .conftest import entry_for, setup_entry, wait_for

GUN_FAN = "fan.massage_gun"
FOOT_FAN = "fan.foot_and_leg_massager"


async def _say(hass: HomeAssistant, sentence: str) -> conversation.ConversationResult:
    return await conversation.async_converse(
        hass, sentence, None, Context(), language="en"
    )


async def test_readme_phrase_and_builtin_fan_sentences(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """The README's "turn on the foot massager" works; so do core's fan sentences."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await setup_entry(hass, entry_for(foot_leg_server))
    device = foot_leg_server.device

    result = await _say(hass, "turn on the foot massager")
    assert result.response.intent is not None
    assert result.response.intent.intent_type == "MassageStart"
    await wait_for(hass, lambda: device.state.on)

    result = await _say(hass, "set the foot and leg massager speed to 100 percent")
    assert result.response.intent is not None
    assert result.response.intent.intent_type == "HassFanSetSpeed"
    await wait_for(hass, lambda: device.state.level == 3)

    result = await _say(hass, "turn off the foot massager")
    assert result.response.speech["plain"]["speech"] == (
        "Stopped Foot and Leg Massager."
    )
    await wait_for(hass, lambda: not device.state.on)


async def test_aliases_on_creation(
    hass: HomeAssistant, gun_entry: MockConfigEntry, foot_leg_entry: MockConfigEntry
) -> None:
    """The main entities answer to what people call them; the name comes first."""
    registry = er.async_get(hass)
    gun = registry.async_get(GUN_FAN)
    foot = registry.async_get(FOOT_FAN)
    assert gun is not None
    assert foot is not None
    # "massage gun" is the gun's name already.
    assert gun.aliases == [er.COMPUTED_NAME, "gun", "massager"]
    assert foot.aliases == [
        er.COMPUTED_NAME,
        "foot massager",
        "leg massager",
        "massager",
    ]
    # Other entities keep their names only.
    heat = registry.async_get("switch.foot_and_leg_massager_heat")
    assert heat is not None
    assert heat.aliases == [er.COMPUTED_NAME]


@pytest.mark.parametrize("language", ["de", "es", "fr"])
async def test_aliases_in_the_configured_language(
    hass: HomeAssistant, gun_server: DeviceServer, language: str
) -> None:
    """Aliases are in Home Assistant's language."""
    hass.config.language = language
    await setup_entry(hass, entry_for(gun_server))
    gun = er.async_get(hass).async_get(GUN_FAN)
    assert gun is not None
    assert gun.aliases == [er.COMPUTED_NAME, *ALIASES[language][DeviceKind.GUN]]


async def test_aliases_are_the_persons_after_creation(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """Aliases a person set survive reloads and re-creation of the entity."""
    entry = entry_for(gun_server)
    await setup_entry(hass, entry)
    registry = er.async_get(hass)
    registry.async_update_entity(GUN_FAN, aliases=["Theragun"])
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    gun = registry.async_get(GUN_FAN)
    assert gun is not None
    assert gun.aliases == ["Theragun"]

    # Removed and added again, the entity keeps what the person chose.
    registry.async_remove(GUN_FAN)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    gun = registry.async_get(GUN_FAN)
    assert gun is not None
    assert gun.aliases == ["Theragun"]


async def test_exposure_suggested_on_creation(
    hass: HomeAssistant, gun_server: DeviceServer, foot_leg_server: DeviceServer
) -> None:
    """Main fan, heat switch and battery are exposed to Assist; the rest are not."""
    assert await async_setup_component(hass, "homeassistant", {})
    await setup_entry(hass, entry_for(gun_server))
    await setup_entry(hass, entry_for(foot_leg_server))
    for entity_id in (
        GUN_FAN,
        FOOT_FAN,
        "switch.foot_and_leg_massager_heat",
        "sensor.massage_gun_battery",
    ):
        assert async_should_expose(hass, "conversation", entity_id), entity_id
    for entity_id in (
        "sensor.massage_gun_strokes_per_minute",
        "select.massage_gun_attachment",
        "binary_sensor.massage_gun_charging",
    ):
        assert not async_should_expose(hass, "conversation", entity_id), entity_id
    # Only Assist: cloud assistants keep their own default.
    assert not async_should_expose(hass, "cloud.alexa", "sensor.massage_gun_battery")


async def test_exposure_respects_the_persons_choice(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """An entity created again keeps the exposure the person gave it."""
    assert await async_setup_component(hass, "homeassistant", {})
    entry = entry_for(gun_server)
    await setup_entry(hass, entry)
    battery = "sensor.massage_gun_battery"
    async_expose_entity(hass, "conversation", battery, should_expose=False)
    er.async_get(hass).async_remove(battery)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert er.async_get(hass).async_get(battery) is not None
    assert not async_should_expose(hass, "conversation", battery)


async def test_no_exposure_when_new_entities_are_not_exposed(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A person who exposes nothing new by default gets nothing exposed."""
    assert await async_setup_component(hass, "homeassistant", {})
    hass.data[DATA_EXPOSED_ENTITIES].async_set_expose_new_entities(
        "conversation", False
    )
    await setup_entry(hass, entry_for(gun_server))
    assert not async_should_expose(hass, "conversation", "sensor.massage_gun_battery")
    assert not async_should_expose(hass, "conversation", GUN_FAN)


async def test_entities_created_outside_setup_are_left_alone(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """An entity of ours registered while its entry is not set up gets nothing."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "massage", {})
    entry = entry_for(gun_server)
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    fan = registry.async_get_or_create(
        "fan", "massage", "gun-0001_massage", config_entry=entry
    )
    await hass.async_block_till_done()
    assert registry.async_get(fan.entity_id).aliases == [er.COMPUTED_NAME]
    assert "conversation" not in registry.async_get(fan.entity_id).options


def test_every_phrase_is_in_the_translations() -> None:
    """What voice says is all in "common", and nothing there is left unsaid."""
    english = json.loads(
        (Path(intents.__file__).parent / "translations" / "en.json").read_text(
            encoding="utf-8"
        )
    )
    said = {value for name, value in vars(intents).items() if name.startswith("SAY_")}
    assert said == set(english["common"])
    assert set(intents.VOICE_REFUSALS) <= set(english["exceptions"])
    assert set(intents.PLAYER_REFUSALS) <= set(english["exceptions"])
    assert set(intents.ROUTINE_NEEDS.values()) <= said


def test_voice_knows_the_entities_by_their_keys() -> None:
    """The keys voice finds entities by are those of the entity descriptions."""
    assert MASSAGE_FAN.key == intents.MAIN_KEY
    assert HEAT_SWITCH.key == intents.HEAT_KEY
    assert intents.HEAT_LEVEL_KEY in {description.key for description in SELECTS}
    assert intents.BATTERY_KEY in {description.key for description in SENSORS}


@pytest.mark.parametrize("language", ["de", "en", "es", "fr"])
def test_phrases_pass_home_assistants_translation_rules(language: str) -> None:
    """No padding, no quoted placeholders, placeholders that are identifiers."""
    common = json.loads(
        (Path(intents.__file__).parent / "translations" / f"{language}.json").read_text(
            encoding="utf-8"
        )
    )["common"]
    for key, text in common.items():
        assert text == text.strip(), key
        assert not re.search(r"'\{\w+\}'", text), key
        fields = [field for _, field, _, _ in Formatter().parse(text) if field]
        assert all(field.isidentifier() for field in fields), key


async def test_routine_player_entities_get_no_massager_names(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, gun_entry: MockConfigEntry
) -> None:
    """The routine player, set up with the first massager, is not a massager.

    Its entities may be created while its entry is still being set up, as they
    are when Home Assistant stops during that set-up.
    """

    def player_entities() -> list[er.RegistryEntry]:
        return [
            entity
            for entry in hass.config_entries.async_entries(gun_entry.domain)
            if is_routine_player(entry) and entry.state is ConfigEntryState.LOADED
            for entity in er.async_entries_for_config_entry(
                entity_registry, entry.entry_id
            )
        ]

    await wait_for(hass, lambda: bool(player_entities()))
    entities = player_entities()
    player = hass.config_entries.async_get_entry(entities[0].config_entry_id or "")
    assert player is not None
    MockConfigEntry.mock_state(player, hass, ConfigEntryState.SETUP_IN_PROGRESS)  # type: ignore[arg-type]
    for entity in entities:
        async_suggest_for_voice(hass, entity.entity_id)
    MockConfigEntry.mock_state(player, hass, ConfigEntryState.LOADED)  # type: ignore[arg-type]
    for entity in entities:
        aliases = entity_registry.async_get(entity.entity_id).aliases  # type: ignore[union-attr]
        assert not set(aliases) - {er.COMPUTED_NAME}

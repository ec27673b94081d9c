"""What voice assistants know of a massager: aliases, exposure, intents, sentences.

Aliases and exposure are suggestions made once, when an entity is created; after
that they are the person's to change, and nothing here touches them again.
"""

from __future__ import annotations

from homeassistant.components.homeassistant.const import DATA_EXPOSED_ENTITIES
from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util import language as language_util

from .api import DeviceKind
from .const import DOMAIN
from .intents import (
    BATTERY_KEY,
    HEAT_KEY,
    LANGUAGES,
    MAIN_KEY,
    async_setup_intents,
    normalize,
)
from .routines import is_routine_player
from .sentences import async_install_sentences

# The words people call each kind of massager, per language; the shipped sentences
# know the same words.
ALIASES: dict[str, dict[DeviceKind, tuple[str, ...]]] = {
    "en": {
        DeviceKind.GUN: ("massage gun", "gun", "massager"),
        DeviceKind.FOOT_LEG: ("foot massager", "leg massager", "massager"),
    },
    "de": {
        DeviceKind.GUN: ("Massagepistole", "Pistole", "Massagegerät"),
        DeviceKind.FOOT_LEG: ("Fußmassagegerät", "Beinmassagegerät", "Massagegerät"),
    },
    "es": {
        DeviceKind.GUN: ("pistola de masaje", "pistola", "masajeador"),
        DeviceKind.FOOT_LEG: (
            "masajeador de pies",
            "masajeador de piernas",
            "masajeador",
        ),
    },
    "fr": {
        DeviceKind.GUN: ("pistolet de massage", "pistolet", "masseur"),
        DeviceKind.FOOT_LEG: ("masseur de pieds", "masseur de jambes", "masseur"),
    },
}

# Entities suggested for exposure to Assist: what a person asks about by voice.
EXPOSED_KEYS = (MAIN_KEY, HEAT_KEY, BATTERY_KEY)
ASSIST = "conversation"


def aliases_for(language: str, kind: DeviceKind) -> tuple[str, ...]:
    """Return the aliases of a kind of massager in the closest language we speak."""
    matches = language_util.matches(language, LANGUAGES)
    return ALIASES[matches[0] if matches else LANGUAGES[0]][kind]


async def async_setup_voice(hass: HomeAssistant) -> None:
    """Register the intents, install the sentences, and name new entities."""
    async_setup_intents(hass)

    @callback
    def _async_entity_created(event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        async_suggest_for_voice(hass, event.data["entity_id"])

    hass.bus.async_listen(
        er.EVENT_ENTITY_REGISTRY_UPDATED,
        _async_entity_created,
        event_filter=_is_creation,
    )
    await async_install_sentences(hass)


@callback
def _is_creation(event_data: er.EventEntityRegistryUpdatedData) -> bool:
    return event_data["action"] == "create"


@callback
def async_suggest_for_voice(hass: HomeAssistant, entity_id: str) -> None:
    """Suggest aliases and exposure for one of our entities, just created."""
    registry = er.async_get(hass)
    entry = registry.async_get(entity_id)
    if entry is None or entry.platform != DOMAIN or entry.config_entry_id is None:
        return
    config_entry = hass.config_entries.async_get_entry(entry.config_entry_id)
    if (
        config_entry is None
        or config_entry.state is not ConfigEntryState.SETUP_IN_PROGRESS
        or is_routine_player(config_entry)
    ):
        return
    info = config_entry.runtime_data.coordinator.info
    key = entry.unique_id.removeprefix(f"{info.id}_")
    if key == MAIN_KEY and entry.aliases == [er.COMPUTED_NAME]:
        name = normalize(er.async_get_full_entity_name(hass, entry))
        extra = [
            alias
            for alias in aliases_for(hass.config.language, info.kind)
            if normalize(alias) != name
        ]
        registry.async_update_entity(
            entry.entity_id, aliases=[er.COMPUTED_NAME, *extra]
        )
    exposed = hass.data.get(DATA_EXPOSED_ENTITIES)
    if (
        key in EXPOSED_KEYS
        and exposed is not None
        and exposed.async_get_expose_new_entities(ASSIST)
        and "should_expose" not in entry.options.get(ASSIST, {})
    ):
        async_expose_entity(hass, ASSIST, entry.entity_id, should_expose=True)

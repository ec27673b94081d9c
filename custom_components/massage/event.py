"""Event entities: what the routine player does, for automations to follow."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import MassageConfigEntry
from .routines import is_routine_player
from .routines.event import routine_player_events

# Events come from the player; nothing is fetched.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MassageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the routine player's event entity."""
    if is_routine_player(entry):
        async_add_entities(routine_player_events(entry.runtime_data))

"""Button entities: the routine player's controls."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import MassageConfigEntry
from .routines import is_routine_player
from .routines.button import routine_player_buttons

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MassageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the routine player's buttons; massagers have none."""
    if is_routine_player(entry):
        async_add_entities(routine_player_buttons(entry.runtime_data))

"""The base class of the routine player's entities."""

from __future__ import annotations

from typing import override

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from ..const import DOMAIN
from .player import RoutinePlayer


class RoutinePlayerEntity(Entity):
    """An entity of the routine player's device, updated by the player."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    # Buttons and events show what happened to them, not the player's state.
    _follows_player = True

    def __init__(self, player: RoutinePlayer, description: EntityDescription) -> None:
        """Attach the entity to the player's device."""
        self.player = player
        self.entity_description = description
        entry_id = player.entry.entry_id
        self._attr_unique_id = f"{entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry_id)},
            translation_key="routine_player",
            entry_type=DeviceEntryType.SERVICE,
        )

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the player, if the entity shows its state."""
        await super().async_added_to_hass()
        if self._follows_player:
            self.async_on_remove(
                self.player.async_add_listener(self.async_write_ha_state)
            )

"""The routine player's event entity: what automations, TTS and notifications follow."""

from __future__ import annotations

from typing import Any, Final, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import callback

from .engine import EventType
from .entity import RoutinePlayerEntity
from .player import RoutinePlayer

ROUTINE_EVENT: Final = EventEntityDescription(
    key="routine",
    translation_key="routine",
    event_types=[event_type.value for event_type in EventType],
)


def routine_player_events(player: RoutinePlayer) -> list[EventEntity]:
    """Make the player's event entities."""
    return [RoutineEvent(player, ROUTINE_EVENT)]


class RoutineEvent(RoutinePlayerEntity, EventEntity):
    """Fires each step, wait, pause and end of a routine, with its prompt."""

    _follows_player = False

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the player's events."""
        await super().async_added_to_hass()
        self.async_on_remove(self.player.async_add_event_listener(self._fire))

    @callback
    def _fire(self, event_type: str, data: dict[str, Any]) -> None:
        self._trigger_event(event_type, data)
        self.async_write_ha_state()

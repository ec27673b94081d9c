"""Event entities: each massager's sessions, and what the routine player does."""

from __future__ import annotations

from typing import Final, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import MassageConfigEntry
from .entity import MassageEntity
from .routines import is_routine_player
from .routines.event import routine_player_events
from .sessions import SessionEvent, SessionEventType

# Events come from the player and the session tracker; nothing is fetched.
PARALLEL_UPDATES = 0

SESSION_EVENT: Final = EventEntityDescription(
    key="session",
    translation_key="session",
    event_types=[event_type.value for event_type in SessionEventType],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MassageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the routine player's event entity, or a massager's session events."""
    if is_routine_player(entry):
        async_add_entities(routine_player_events(entry.runtime_data))
        return
    async_add_entities(
        [MassageSessionEvent(entry.runtime_data.coordinator, SESSION_EVENT)]
    )


class MassageSessionEvent(MassageEntity, EventEntity):
    """Fires when a session starts and when it ends, with why and how long.

    It tells Home Assistant's own record of sessions, which goes on when the
    device is unreachable: the end that losing the device brings is fired too.
    """

    @property
    @override
    def available(self) -> bool:
        """Always: the sessions are Home Assistant's record, not the device's."""
        return True

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the device's sessions."""
        await super().async_added_to_hass()
        self.async_on_remove(self.sessions.async_add_listener(self._fire))

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Nothing to show from a new state: only sessions fire."""

    @callback
    def _fire(self, event: SessionEvent) -> None:
        self._trigger_event(event.type.value, event.data)
        self.async_write_ha_state()

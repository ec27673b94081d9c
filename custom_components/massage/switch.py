"""The heat switch of massagers that have a heater."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import MassageConfigEntry
from .drivers import StateUpdate
from .entity import MassageEntity

PARALLEL_UPDATES = 1

HEAT_SWITCH = SwitchEntityDescription(key="heat", translation_key="heat")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MassageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the heat switch when the device has a heater."""
    coordinator = entry.runtime_data.coordinator
    if coordinator.info.capabilities.heat_levels > 0:
        async_add_entities([MassageHeatSwitch(coordinator, HEAT_SWITCH)])


class MassageHeatSwitch(MassageEntity, SwitchEntity):
    """Heat on or off; on picks the gentlest step."""

    @property
    @override
    def is_on(self) -> bool:
        """Whether the heater is on."""
        return self.device_state.heat > 0

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch heat on, starting a session if none runs: heat needs one."""
        if not self.is_on:
            await self.async_send(StateUpdate(heat=1))

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch heat off."""
        if self.is_on:
            await self.coordinator.async_command(StateUpdate(heat=0))

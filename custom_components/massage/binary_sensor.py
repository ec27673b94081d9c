"""Binary sensors: charging, and whether the push channel is up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import Capabilities
from .coordinator import MassageCoordinator
from .data import MassageConfigEntry
from .entity import MassageEntity, entities_for

# Read-only: the coordinator does all the fetching.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MassageBinarySensorEntityDescription(BinarySensorEntityDescription):
    """How one binary sensor reads its value."""

    exists_fn: Callable[[Capabilities], bool]
    value_fn: Callable[[MassageCoordinator], bool | None]


BINARY_SENSORS: tuple[MassageBinarySensorEntityDescription, ...] = (
    MassageBinarySensorEntityDescription(
        key="charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        entity_category=EntityCategory.DIAGNOSTIC,
        exists_fn=lambda caps: caps.battery,
        value_fn=lambda coordinator: coordinator.data.charging,
    ),
    MassageBinarySensorEntityDescription(
        key="push_connected",
        translation_key="push_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=lambda _caps: True,
        value_fn=lambda coordinator: coordinator.push_connected,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MassageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors this device has."""
    async_add_entities(
        entities_for(
            entry.runtime_data.coordinator, BINARY_SENSORS, MassageBinarySensor
        )
    )


class MassageBinarySensor(MassageEntity, BinarySensorEntity):
    """A yes/no reading of the device."""

    entity_description: MassageBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """The value, from the coordinator."""
        return self.entity_description.value_fn(self.coordinator)

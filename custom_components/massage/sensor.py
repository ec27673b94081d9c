"""Sensors: battery, strokes per minute, force and when the session ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api import Capabilities, DeviceState
from .data import MassageConfigEntry
from .entity import MassageEntity, entities_for
from .routines import is_routine_player
from .routines.sensor import routine_player_sensors
from .safety import SafetyGuard

# Read-only: the coordinator does all the fetching.
PARALLEL_UPDATES = 0


def strokes_per_minute(state: DeviceState, capabilities: Capabilities) -> int | None:
    """Strokes per minute at the current level; 0 while off."""
    if capabilities.strokes_per_minute is None:
        return None
    if not state.on:
        return 0
    return capabilities.strokes_per_minute[state.level - 1]


@dataclass(frozen=True, kw_only=True)
class MassageSensorEntityDescription(SensorEntityDescription):
    """How one sensor reads its value from the state."""

    exists_fn: Callable[[Capabilities], bool]
    value_fn: Callable[[DeviceState, Capabilities, SafetyGuard], StateType | datetime]


SENSORS: tuple[MassageSensorEntityDescription, ...] = (
    MassageSensorEntityDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        exists_fn=lambda caps: caps.battery,
        value_fn=lambda state, _caps, _safety: state.battery,
    ),
    MassageSensorEntityDescription(
        key="strokes_per_minute",
        translation_key="strokes_per_minute",
        native_unit_of_measurement="spm",
        state_class=SensorStateClass.MEASUREMENT,
        exists_fn=lambda caps: caps.strokes_per_minute is not None,
        value_fn=lambda state, caps, _safety: strokes_per_minute(state, caps),
    ),
    MassageSensorEntityDescription(
        key="force",
        translation_key="force",
        native_unit_of_measurement="N",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        exists_fn=lambda caps: caps.force_sensor,
        value_fn=lambda state, _caps, _safety: state.force,
    ),
    MassageSensorEntityDescription(
        key="session_end",
        translation_key="session_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        exists_fn=lambda _caps: True,
        # By the device's timer or at the session cap, whichever comes first; a
        # cap past due shows as an end in the past.
        value_fn=lambda _state, _caps, safety: safety.session_end,
    ),
    MassageSensorEntityDescription(
        key="heat_end",
        translation_key="heat_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        exists_fn=lambda caps: caps.heat_levels > 0,
        value_fn=lambda _state, _caps, safety: safety.heat_end,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MassageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors this device has."""
    if is_routine_player(entry):  # the routine player's, apart from the massagers'
        async_add_entities(routine_player_sensors(entry.runtime_data))
        return
    async_add_entities(
        entities_for(entry.runtime_data.coordinator, SENSORS, MassageSensor)
    )


class MassageSensor(MassageEntity, SensorEntity):
    """A reading of the device's state."""

    entity_description: MassageSensorEntityDescription

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """The value, from the latest state."""
        return self.entity_description.value_fn(
            self.device_state, self.capabilities, self.safety
        )

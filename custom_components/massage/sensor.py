"""Sensors: battery, strokes per minute, force, the session's end and massage time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import math
from typing import Any, Final, Self, override

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTime
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .api import Capabilities, DeviceState
from .const import MASSAGE_TIME_INTERVAL
from .coordinator import MassageCoordinator
from .data import MassageConfigEntry
from .entity import MassageEntity, entities_for
from .routines import is_routine_player
from .routines.sensor import routine_player_sensors
from .safety import SafetyGuard
from .sessions import SessionEnded, SessionEvent

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


MASSAGE_TIME: Final = SensorEntityDescription(
    key="massage_time",
    translation_key="massage_time",
    device_class=SensorDeviceClass.DURATION,
    native_unit_of_measurement=UnitOfTime.MINUTES,
    # Long-term statistics then give massage per day and week with no setup.
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=1,
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
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        [
            *entities_for(coordinator, SENSORS, MassageSensor),
            MassageTimeSensor(coordinator, MASSAGE_TIME),
        ]
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


@dataclass
class MassageTimeStoredData(SensorExtraStoredData):
    """The massage time, and until when the running session is counted in it."""

    counted_until: datetime | None = None

    @override
    def as_dict(self) -> dict[str, Any]:
        """Return the data to store."""
        counted = self.counted_until
        return super().as_dict() | {
            "counted_until": None if counted is None else counted.isoformat()
        }

    @classmethod
    @override
    def from_dict(cls, restored: dict[str, Any]) -> Self | None:
        """Read stored data; anything unusable reads as none."""
        stored = SensorExtraStoredData.from_dict(restored)
        if stored is None:
            return None
        counted_until: datetime | None = None
        try:
            if isinstance(text := restored.get("counted_until"), str):
                counted_until = dt_util.parse_datetime(text)
        except ValueError:
            counted_until = None
        if counted_until is not None and counted_until.tzinfo is None:
            counted_until = None
        return cls(
            stored.native_value, stored.native_unit_of_measurement, counted_until
        )


def stored_minutes(value: object) -> float:
    """Return a stored massage time in minutes; 0 for anything that is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0.0
    try:
        minutes = float(value)
    except ValueError:
        return 0.0
    return minutes if math.isfinite(minutes) and minutes >= 0 else 0.0


class MassageTimeSensor(MassageEntity, RestoreSensor):
    """Minutes of massage the device gave, in all; restored across restarts.

    The time of a session that runs counts from its start, or from what was
    counted of it already: a session handed over by a reload is counted once.
    """

    def __init__(
        self, coordinator: MassageCoordinator, description: SensorEntityDescription
    ) -> None:
        """Start from nothing; what was counted before is restored once added."""
        super().__init__(coordinator, description)
        self._total = 0.0
        self._counted_until: datetime | None = None
        self._ticking: CALLBACK_TYPE | None = None

    @property
    @override
    def available(self) -> bool:
        """Always: the time is Home Assistant's record, not the device's."""
        return True

    @property
    @override
    def native_value(self) -> float:
        """Minutes in all, the running session up to now included."""
        return round(self._total + self._running(dt_util.utcnow()), 1)

    @property
    @override
    def extra_restore_state_data(self) -> MassageTimeStoredData:
        """The time to restore, with the running session counted until now."""
        now = dt_util.utcnow()
        running = self.sessions.session is not None
        return MassageTimeStoredData(
            self._total + self._running(now),
            self.native_unit_of_measurement,
            now if running else self._counted_until,
        )

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the time counted so far, and follow the sessions."""
        await super().async_added_to_hass()
        if (extra := await self.async_get_last_extra_data()) is not None and (
            stored := MassageTimeStoredData.from_dict(extra.as_dict())
        ) is not None:
            self._total = stored_minutes(stored.native_value)
            self._counted_until = stored.counted_until
        self.async_on_remove(self.sessions.async_add_listener(self._session_changed))
        self.async_on_remove(self._stop_ticking)
        if self.sessions.session is not None:
            self._start_ticking()

    def _running(self, now: datetime) -> float:
        """Minutes of the running session not yet counted."""
        if (session := self.sessions.session) is None:
            return 0.0
        return self._uncounted(session.started, now)

    def _uncounted(self, started: datetime, until: datetime) -> float:
        since = started
        if self._counted_until is not None and self._counted_until > since:
            since = self._counted_until
        return max(0.0, (until - since).total_seconds() / 60)

    @callback
    def _session_changed(self, event: SessionEvent) -> None:
        if isinstance(event, SessionEnded):
            self._total += self._uncounted(event.session.started, event.ended)
            self._counted_until = event.ended
            self._stop_ticking()
        else:
            self._start_ticking()
        self.async_write_ha_state()

    @callback
    def _start_ticking(self) -> None:
        if self._ticking is None:
            self._ticking = async_track_time_interval(
                self.hass, self._tick, MASSAGE_TIME_INTERVAL
            )

    @callback
    def _stop_ticking(self) -> None:
        if self._ticking is not None:
            self._ticking()
            self._ticking = None

    @callback
    def _tick(self, _now: datetime) -> None:
        self.async_write_ha_state()

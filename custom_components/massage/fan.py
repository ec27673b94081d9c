"""The main entity of every massager: a fan with speed levels and preset modes."""

from __future__ import annotations

import math
from typing import Any, override

from homeassistant.components.fan import (
    FanEntity,
    FanEntityDescription,
    FanEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util.percentage import (
    percentage_to_ranged_value,
    ranged_value_to_percentage,
)

from .coordinator import MassageCoordinator
from .data import MassageConfigEntry
from .drivers import StateUpdate
from .entity import MassageEntity
from .errors import translated

PARALLEL_UPDATES = 1

# Whether a safety cap is due that the device has not taken: the fan then runs
# against Home Assistant's will, which a plain "on" would hide.
ATTR_CAP_OVERDUE = "cap_overdue"

MASSAGE_FAN = FanEntityDescription(key="massage", translation_key="massage", name=None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MassageConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the device's main entity."""
    async_add_entities([MassageFan(entry.runtime_data.coordinator, MASSAGE_FAN)])


class MassageFan(MassageEntity, FanEntity):
    """On/off, level as a percentage, and massage programmes as preset modes.

    A fan is what Assist, Alexa and Google already know how to switch, speed up
    and set to a mode; the shipped sentences add the massage words on top.
    """

    def __init__(
        self, coordinator: MassageCoordinator, description: FanEntityDescription
    ) -> None:
        """Describe the speeds and modes this device has."""
        super().__init__(coordinator, description)
        capabilities = coordinator.info.capabilities
        self._level_range = (1, capabilities.levels)
        self._attr_speed_count = capabilities.levels
        features = (
            FanEntityFeature.TURN_ON
            | FanEntityFeature.TURN_OFF
            | FanEntityFeature.SET_SPEED
        )
        if capabilities.modes:
            features |= FanEntityFeature.PRESET_MODE
            self._attr_preset_modes = list(capabilities.modes)
        self._attr_supported_features = features

    @property
    @override
    def assumed_state(self) -> bool:
        """Whether on, level or mode is assumed, so the UI offers both on and off."""
        return self.coordinator.driver.assumed_state

    @property
    @override
    def is_on(self) -> bool:
        """Whether the massage runs."""
        return self.device_state.on

    @property
    @override
    def percentage(self) -> int:
        """The level as a percentage; 0 while off."""
        if not self.device_state.on:
            return 0
        return ranged_value_to_percentage(self._level_range, self.device_state.level)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Whether a safety cap is overdue."""
        return {ATTR_CAP_OVERDUE: self.safety.cap_overdue}

    @property
    @override
    def preset_mode(self) -> str | None:
        """The massage programme."""
        return self.device_state.mode

    def _level_for(self, percentage: int) -> int:
        """Map a percentage onto the device's levels, never rounding down to 0."""
        return math.ceil(percentage_to_ranged_value(self._level_range, percentage))

    def _checked_mode(self, preset_mode: str) -> str:
        if preset_mode not in (self.preset_modes or []):
            raise translated(
                ServiceValidationError,
                translation_key="invalid_mode",
                mode=preset_mode,
                modes=", ".join(self.preset_modes or []),
            )
        return preset_mode

    @override
    async def async_turn_on(
        self,
        percentage: int | None = None,
        preset_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Start a session, at the given level and programme if any."""
        if percentage == 0:
            await self.async_turn_off()
            return
        await self.async_start(
            StateUpdate(
                level=None if percentage is None else self._level_for(percentage),
                mode=None if preset_mode is None else self._checked_mode(preset_mode),
            )
        )

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop the session."""
        await self.coordinator.async_command(StateUpdate(on=False))

    @override
    async def async_set_percentage(self, percentage: int) -> None:
        """Change the level; 0 stops the session, and a level starts one."""
        if percentage == 0:
            await self.async_turn_off()
            return
        await self.async_send(StateUpdate(level=self._level_for(percentage)))

    @override
    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Change the programme, starting a session if none runs."""
        await self.async_send(StateUpdate(mode=self._checked_mode(preset_mode)))

    async def async_start_session(
        self,
        level: int | None = None,
        mode: str | None = None,
        heat: int | None = None,
        minutes: int | None = None,
    ) -> None:
        """Start a session with several settings at once (the start_session action)."""
        capabilities = self.capabilities
        if level is not None and not 1 <= level <= capabilities.levels:
            raise translated(
                ServiceValidationError,
                translation_key="invalid_level",
                level=str(level),
                levels=str(capabilities.levels),
            )
        if heat is not None and not 0 <= heat <= capabilities.heat_levels:
            raise translated(
                ServiceValidationError,
                translation_key="invalid_heat",
                heat=str(heat),
                heat_levels=str(capabilities.heat_levels),
            )
        if minutes is not None and minutes not in capabilities.timer_options:
            raise translated(
                ServiceValidationError,
                translation_key="invalid_timer",
                minutes=str(minutes),
                options=", ".join(map(str, capabilities.timer_options)),
            )
        await self.async_start(
            StateUpdate(
                level=level,
                mode=None if mode is None else self._checked_mode(mode),
                heat=heat,
                timer=minutes,
            )
        )

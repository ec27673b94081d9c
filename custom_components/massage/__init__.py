"""Massage guns and shiatsu foot and leg massagers as Home Assistant devices."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .blueprint_install import async_setup_blueprints
from .const import (
    CONF_HEAT_CAP,
    CONF_SESSION_CAP,
    DEFAULT_HEAT_CAP,
    DEFAULT_SESSION_CAP,
    DOMAIN,
)
from .coordinator import MassageCoordinator
from .data import MassageConfigEntry, MassageRuntimeData
from .drivers import create_driver
from .routines import (
    async_offer_routine_player,
    async_remember_player_removed,
    async_setup_player_entry,
    async_unload_player_entry,
    is_routine_player,
)
from .safety import SafetyCaps, SafetyGuard
from .services import async_setup_services
from .voice import async_setup_voice

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.FAN,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions and voice intents, once for all devices."""
    async_setup_services(hass)
    async_setup_blueprints(hass)
    await async_setup_voice(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: MassageConfigEntry) -> bool:
    """Connect to one device and set up its entities."""
    if is_routine_player(entry):  # the routine player is an entry of its own
        return await async_setup_player_entry(hass, entry)
    coordinator = MassageCoordinator(hass, entry, create_driver(hass, entry))
    await coordinator.async_config_entry_first_refresh()

    caps = SafetyCaps(
        session=timedelta(
            minutes=entry.options.get(CONF_SESSION_CAP, DEFAULT_SESSION_CAP)
        ),
        heat=timedelta(minutes=entry.options.get(CONF_HEAT_CAP, DEFAULT_HEAT_CAP)),
    )
    safety = SafetyGuard(hass, coordinator, caps)
    entry.runtime_data = MassageRuntimeData(coordinator=coordinator, safety=safety)
    safety.start()
    coordinator.start_push()

    async def _async_stop_on_shutdown(_event: Event) -> None:
        """Leave no device running once Home Assistant stops guarding it."""
        await safety.async_shutdown()

    # A plain listener, not a once-listener: it stays removable after it fired.
    entry.async_on_unload(
        hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, _async_stop_on_shutdown)
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    async_offer_routine_player(hass)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: MassageConfigEntry) -> bool:
    """Unload the entities, stop the device and drop its connections."""
    if is_routine_player(entry):
        return await async_unload_player_entry(hass, entry)
    if not await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        return False
    await entry.runtime_data.safety.async_shutdown()
    return True


async def async_remove_entry(hass: HomeAssistant, entry: MassageConfigEntry) -> None:
    """Remember a removed routine player, so that it is not added back unasked."""
    if is_routine_player(entry):
        await async_remember_player_removed(hass)

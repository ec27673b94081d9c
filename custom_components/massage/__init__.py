"""Massage guns and shiatsu foot and leg massagers as Home Assistant devices."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .blueprint_install import async_setup_blueprints
from .consent import async_setup_consent
from .const import (
    CONF_HEAT_CAP,
    CONF_SESSION_CAP,
    DEFAULT_HEAT_CAP,
    DEFAULT_SESSION_CAP,
    DOMAIN,
)
from .coordinator import MassageCoordinator
from .data import MassageConfigEntry, MassageRuntimeData
from .drivers import async_remove_driver_issues, create_driver
from .issues import async_clear_issues
from .routines import (
    async_offer_routine_player,
    async_remember_player_removed,
    async_setup_player_entry,
    async_unload_player_entry,
    is_routine_player,
)
from .safety import SafetyCaps, SafetyGuard
from .services import async_setup_services
from .sessions import SessionTracker
from .voice import async_setup_voice

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.FAN,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions and voice intents, once for all devices."""
    async_setup_consent(hass)
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
    # A reload parked the running session, caps armed: this entry takes it over,
    # the session going on as it was.
    parked = SafetyGuard.async_take_parked(hass, coordinator.info.id)
    sessions = SessionTracker(
        hass, coordinator, None if parked is None else parked.sessions.async_hand_over()
    )
    safety = SafetyGuard(hass, coordinator, caps, sessions)
    entry.runtime_data = MassageRuntimeData(
        coordinator=coordinator, safety=safety, sessions=sessions
    )
    safety.start(parked)
    coordinator.start_push()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Once the entities listen, so that a session found running reaches them.
    sessions.start()
    async_offer_routine_player(hass)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: MassageConfigEntry) -> bool:
    """Unload the entities and drop the connections; park or stop the session.

    A reload (an options change, or Reload) parks a running session for the next
    set-up to adopt, guarded meanwhile. Disabling the entry or Home Assistant
    stopping stops the device; removal does, in async_remove_entry.
    """
    if is_routine_player(entry):
        return await async_unload_player_entry(hass, entry)
    if not await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        return False
    safety = entry.runtime_data.safety
    if entry.disabled_by is not None or hass.is_stopping:
        await safety.async_shutdown()
    else:
        await safety.async_park()
    return True


async def async_remove_entry(hass: HomeAssistant, entry: MassageConfigEntry) -> None:
    """Stop a session the entry parked, and take its repair issues away.

    A removed routine player is remembered, so that it is not added back unasked.
    """
    if is_routine_player(entry):
        await async_remember_player_removed(hass)
        return
    if entry.unique_id is not None and (
        parked := SafetyGuard.async_take_parked(hass, entry.unique_id)
    ):
        await parked.async_shutdown()
    async_clear_issues(hass, entry)
    async_remove_driver_issues(hass, entry)

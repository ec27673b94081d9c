"""Guided massage routines: the engine, the built-in library and the routine player."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.config_entries import SOURCE_SYSTEM, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..errors import translated
from .engine import AbortReason
from .player import (
    CONF_ENTRY_TYPE,
    ENTRY_TYPE_ROUTINE_PLAYER,
    RoutinePlayer,
    RoutinePlayerConfigEntry,
    is_routine_player,
)

__all__ = [
    "CONF_ENTRY_TYPE",
    "ENTRY_TYPE_ROUTINE_PLAYER",
    "PLAYER_PLATFORMS",
    "ROUTINE_PLAYER_TITLE",
    "RoutinePlayer",
    "RoutinePlayerConfigEntry",
    "async_confirm_step",
    "async_offer_routine_player",
    "async_remember_player_removed",
    "async_routine_player_removed",
    "async_setup_player_entry",
    "async_unload_player_entry",
    "is_routine_player",
    "loaded_routine_player",
    "routine_player",
]

PLAYER_PLATFORMS: Final = [
    Platform.BUTTON,
    Platform.EVENT,
    Platform.SELECT,
    Platform.SENSOR,
]
ROUTINE_PLAYER_TITLE: Final = "Massage routines"

# Whether a person removed the player, so that it is not added back unasked.
_STORE_VERSION: Final = 1
_STORE_KEY: Final = f"{DOMAIN}.routine_player"
_OFFERED: HassKey[bool] = HassKey(f"{DOMAIN}_routine_player_offered")


async def async_setup_player_entry(
    hass: HomeAssistant, entry: RoutinePlayerConfigEntry
) -> bool:
    """Set up the routine player's device and entities."""
    player = RoutinePlayer(hass, entry)
    await player.async_setup()
    entry.runtime_data = player
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    await hass.config_entries.async_forward_entry_setups(entry, PLAYER_PLATFORMS)
    return True


async def _async_options_updated(
    hass: HomeAssistant, entry: RoutinePlayerConfigEntry
) -> None:
    """Offer the routines of the new options; a running routine goes on."""
    entry.runtime_data.update_routines()


async def async_unload_player_entry(
    hass: HomeAssistant, entry: RoutinePlayerConfigEntry
) -> bool:
    """Stop a running routine, leaving its devices off, and unload the entities."""
    await entry.runtime_data.async_abort(AbortReason.PLAYER_UNLOADED)
    return await hass.config_entries.async_unload_platforms(entry, PLAYER_PLATFORMS)


def _store(hass: HomeAssistant) -> Store[dict[str, Any]]:
    return Store(hass, _STORE_VERSION, _STORE_KEY)


async def async_routine_player_removed(hass: HomeAssistant) -> bool:
    """Whether a person removed the routine player."""
    data = await _store(hass).async_load()
    return bool(data and data.get("removed"))


async def async_remember_player_removed(hass: HomeAssistant) -> None:
    """Remember that a person removed the player: it comes back only when asked."""
    await _store(hass).async_save({"removed": True})


@callback
def async_offer_routine_player(hass: HomeAssistant) -> None:
    """Add the routine player along with the first massager, once per start.

    The config flow leaves it out when a person removed it before.
    """
    if hass.data.get(_OFFERED) or any(
        is_routine_player(entry) for entry in hass.config_entries.async_entries(DOMAIN)
    ):
        return
    hass.data[_OFFERED] = True
    discovery_flow.async_create_flow(hass, DOMAIN, {"source": SOURCE_SYSTEM}, {})


@callback
def loaded_routine_player(hass: HomeAssistant) -> RoutinePlayer | None:
    """Return the loaded routine player, or None when it is not set up."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        if is_routine_player(entry) and entry.state is ConfigEntryState.LOADED:
            return entry.runtime_data
    return None


@callback
def routine_player(hass: HomeAssistant) -> RoutinePlayer:
    """Return the loaded routine player, or raise an error that says how to add it."""
    if (player := loaded_routine_player(hass)) is None:
        raise translated(
            ServiceValidationError, translation_key="routine_player_missing"
        )
    return player


async def async_confirm_step(
    hass: HomeAssistant, context: Context | None, tap_context_id: str | None = None
) -> None:
    """Confirm the gun step that waits: what a person's button, tap or voice does.

    Raises a translated error when nothing waits, or when no person asked.
    """
    await routine_player(hass).async_confirm(context, tap_context_id)

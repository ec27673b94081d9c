"""Drivers: the seam between Home Assistant and each kind of massager backend."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..api import MassageClient
from ..const import CONF_REQUIRE_DIGEST
from .base import (
    CommandRejectedError,
    DeviceAuthError,
    DeviceIncompatibleError,
    DeviceUnavailableError,
    DriverError,
    MassageDriver,
    StateUpdate,
)
from .entities import (
    BACKEND as ENTITIES_BACKEND,
    CONF_BACKEND,
    EntitiesDriver,
    async_remove_issues as async_remove_entities_issues,
)
from .local_api import LocalApiDriver

__all__ = [
    "CommandRejectedError",
    "DeviceAuthError",
    "DeviceIncompatibleError",
    "DeviceUnavailableError",
    "DriverError",
    "MassageDriver",
    "StateUpdate",
    "async_remove_driver_issues",
    "create_driver",
]


def create_driver(hass: HomeAssistant, entry: ConfigEntry) -> MassageDriver:
    """Make the driver for the backend an entry describes."""
    if entry.data.get(CONF_BACKEND) == ENTITIES_BACKEND:
        return EntitiesDriver(
            hass,
            entry.data,
            device_id=str(entry.unique_id),
            name=entry.title,
            entry_id=entry.entry_id,
        )
    client = MassageClient(
        entry.data[CONF_HOST],
        port=entry.data[CONF_PORT],
        token=entry.data.get(CONF_TOKEN),
        session=async_get_clientsession(hass),
        # Once the device used Digest, the entry never sends its token in the clear.
        digest_only=entry.data.get(CONF_REQUIRE_DIGEST, False),
        on_digest=lambda: hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_REQUIRE_DIGEST: True}
        ),
    )
    return LocalApiDriver(client)


def async_remove_driver_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Take away the repair issues an entry's driver raised, as the entry goes."""
    if entry.data.get(CONF_BACKEND) == ENTITIES_BACKEND:
        async_remove_entities_issues(hass, entry.entry_id)

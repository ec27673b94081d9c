"""Tests of what a loaded entry learns about authentication, and keeps."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant

from custom_components.massage.const import CONF_REQUIRE_DIGEST, DOMAIN
from emulator import EmulatedDevice, gun_profile

from .conftest import GUN_ID, entry_for, serve, setup_entry

TOKEN = "s3cret-token"


async def test_an_entry_learns_that_its_device_uses_digest(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """Firmware updated to 1.1: from then on the token is never sent in the clear."""
    async with serve(hass, EmulatedDevice(gun_profile(device_id=GUN_ID))) as server:
        server.token = TOKEN
        entry = entry_for(server, token=TOKEN)
        await setup_entry(hass, entry)
        assert entry.state is ConfigEntryState.LOADED
        assert entry.data[CONF_REQUIRE_DIGEST] is True


async def test_an_entry_of_a_1_0_device_learns_nothing(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    async with serve(hass, EmulatedDevice(gun_profile(device_id=GUN_ID))) as server:
        server.token = TOKEN
        server.protocol = "1.0"
        entry = entry_for(server, token=TOKEN)
        await setup_entry(hass, entry)
        assert entry.state is ConfigEntryState.LOADED
        assert CONF_REQUIRE_DIGEST not in entry.data


async def test_an_entry_that_learned_digest_refuses_a_bearer_device(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """Something at the address asks for the token in the clear: it gets nothing."""
    async with serve(hass, EmulatedDevice(gun_profile(device_id=GUN_ID))) as server:
        server.token = TOKEN
        server.protocol = "1.0"
        entry = entry_for(server, token=TOKEN)
        entry.add_to_hass(hass)
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_REQUIRE_DIGEST: True}
        )
        await setup_entry(hass, entry)
        assert entry.state is ConfigEntryState.SETUP_ERROR
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]

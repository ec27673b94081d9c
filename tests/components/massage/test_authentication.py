"""Tests of what a loaded entry learns about authentication, and keeps."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage.const import CONF_REQUIRE_DIGEST, DOMAIN
from emulator import EmulatedDevice, gun_profile
from tests.tap import Tap

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
        tap = await Tap.start(server.port)
        try:
            entry = MockConfigEntry(
                domain=DOMAIN,
                unique_id=GUN_ID,
                data={
                    CONF_HOST: "127.0.0.1",
                    CONF_PORT: tap.port,
                    CONF_TOKEN: TOKEN,
                    CONF_REQUIRE_DIGEST: True,
                },
            )
            await setup_entry(hass, entry)
        finally:
            await tap.close()
        assert entry.state is ConfigEntryState.SETUP_ERROR
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
        assert tap.requests() >= 1
        assert TOKEN.encode() not in tap.sent

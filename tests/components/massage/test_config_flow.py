"""Tests of the config flow: user, zeroconf, reauth, reconfigure and options."""

from __future__ import annotations

from ipaddress import ip_address
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, SOURCE_ZEROCONF
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage.const import (
    CONF_DEFAULT_TIMER,
    CONF_HEAT_CAP,
    CONF_SESSION_CAP,
    DOMAIN,
)
from emulator import DeviceServer

from .conftest import FOOT_LEG_ID, GUN_ID, entry_for, setup_entry


def _discovery(server: DeviceServer, **properties: str) -> ZeroconfServiceInfo:
    """What zeroconf would report for the emulated device."""
    return ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        hostname="massage.local.",
        name="Massage._massage._tcp.local.",
        port=server.port,
        type="_massage._tcp.local.",
        properties={"id": GUN_ID, "kind": "gun", "model": "Percussion Pro", "api": "1"}
        | properties,
    )


async def _start_user_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return result["flow_id"]


async def test_user_flow_creates_entry(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A reachable device becomes an entry named after it, keyed by its id."""
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: " 127.0.0.1 ", CONF_PORT: gun_server.port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Massage Gun"
    assert result["data"] == {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
    assert result["result"].unique_id == GUN_ID


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("refuse_connections", "cannot_connect"),
        ("malformed_json", "incompatible_device"),
    ],
)
async def test_user_flow_recovers_from_errors(
    hass: HomeAssistant, gun_server: DeviceServer, fault: str, error: str
) -> None:
    """Each failure shows its own error, and the same form then succeeds."""
    flow_id = await _start_user_flow(hass)
    setattr(gun_server.faults, fault, True)
    user_input = {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}

    setattr(gun_server.faults, fault, False)
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_needs_the_token(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A device with a token refuses us until the token is given, then keeps it."""
    gun_server.token = "s3cret"
    flow_id = await _start_user_flow(hass)
    user_input = {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, user_input | {CONF_TOKEN: "s3cret"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TOKEN] == "s3cret"


async def test_user_flow_unexpected_error(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """An error nobody foresaw is reported as unknown, not as a crash."""
    flow_id = await _start_user_flow(hass)
    with patch(
        "custom_components.massage.config_flow.MassageClient.info",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
        )
    assert result["errors"] == {"base": "unknown"}


async def test_user_flow_refuses_duplicate(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """The same device cannot be added twice."""
    entry_for(gun_server).add_to_hass(hass)
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_zeroconf_flow(hass: HomeAssistant, gun_server: DeviceServer) -> None:
    """A discovered device is added after a person confirms it."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(gun_server)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"] == {
        "name": "Percussion Pro",
        "host": "127.0.0.1",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
    assert result["result"].unique_id == GUN_ID


async def test_zeroconf_flow_with_token(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A discovered device that needs a token asks for it, and retries on a bad one."""
    gun_server.token = "s3cret"
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_discovery(gun_server, auth="1"),
    )
    assert result["step_id"] == "zeroconf_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "s3cret"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TOKEN] == "s3cret"


@pytest.mark.parametrize("properties", [{"id": ""}, {"api": "2"}])
async def test_zeroconf_flow_ignores_unsupported(
    hass: HomeAssistant, gun_server: DeviceServer, properties: dict[str, str]
) -> None:
    """An announcement without an id, or of another API version, is not offered."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_discovery(gun_server, **properties),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_discovery_info"


async def test_zeroconf_updates_moved_device(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A known device found at a new address has its entry updated."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=GUN_ID,
        data={CONF_HOST: "127.0.0.2", CONF_PORT: 1},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(gun_server)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}


async def test_reauth_flow(hass: HomeAssistant, gun_server: DeviceServer) -> None:
    """A new token is asked for, checked, stored, and the entry reloaded."""
    entry = entry_for(gun_server, token="old")
    entry.add_to_hass(hass)
    gun_server.token = "new"
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "new"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] == "new"
    await hass.async_block_till_done()


async def test_reauth_refuses_other_device(
    hass: HomeAssistant, gun_server: DeviceServer, foot_leg_server: DeviceServer
) -> None:
    """A token that opens a different device does not change the entry."""
    entry = entry_for(gun_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data=entry.data | {CONF_PORT: foot_leg_server.port}
    )
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "any"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"


async def test_reconfigure_flow(
    hass: HomeAssistant, gun_server: DeviceServer, foot_leg_server: DeviceServer
) -> None:
    """The address can change; a different device at the new address is refused."""
    entry = entry_for(gun_server)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: foot_leg_server.port},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"

    result = await entry.start_reconfigure_flow(hass)
    gun_server.faults.refuse_connections = True
    new_input = {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port, CONF_TOKEN: "t"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], new_input
    )
    assert result["errors"] == {"base": "cannot_connect"}
    gun_server.faults.refuse_connections = False
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], new_input
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == new_input
    await hass.async_block_till_done()


async def test_options_flow(hass: HomeAssistant, foot_leg_server: DeviceServer) -> None:
    """Caps and the default timer are saved, and the timer offers the device's."""
    entry = entry_for(foot_leg_server)
    await setup_entry(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema_keys = {str(key) for key in result["data_schema"].schema}
    assert schema_keys == {CONF_SESSION_CAP, CONF_HEAT_CAP, CONF_DEFAULT_TIMER}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SESSION_CAP: 20.0, CONF_HEAT_CAP: 10.0, CONF_DEFAULT_TIMER: "15"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_SESSION_CAP: 20,
        CONF_HEAT_CAP: 10,
        CONF_DEFAULT_TIMER: "15",
    }
    await hass.async_block_till_done()
    # The reload applied the new caps.
    assert entry.runtime_data.safety.caps.session.total_seconds() == 20 * 60


async def test_options_flow_without_loaded_entry(hass: HomeAssistant) -> None:
    """Without a loaded device, only the caps can be set."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=FOOT_LEG_ID,
        data={CONF_HOST: "127.0.0.1", CONF_PORT: 1},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema_keys = {str(key) for key in result["data_schema"].schema}
    assert schema_keys == {CONF_SESSION_CAP, CONF_HEAT_CAP}

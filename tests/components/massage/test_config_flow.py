"""Tests of the config flow: user, zeroconf, reauth, reconfigure and options."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from ipaddress import ip_address
import socket
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_USER, SOURCE_ZEROCONF
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket

from custom_components.massage.const import (
    CONF_DEFAULT_TIMER,
    CONF_HEAT_CAP,
    CONF_REQUIRE_DIGEST,
    CONF_SESSION_CAP,
    DOMAIN,
)
from emulator import DeviceServer, EmulatedDevice, foot_leg_profile, gun_profile

from .conftest import GUN_ID, entry_for, setup_entry

TOKEN = "s3cret-token"

type StartServer = Callable[..., Awaitable[DeviceServer]]


@pytest.fixture
async def start_server(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncIterator[StartServer]:
    """Start emulated devices with any server options; all stop at teardown."""
    servers: list[DeviceServer] = []

    async def start(device_id: str = GUN_ID, **options: Any) -> DeviceServer:
        profile = (
            foot_leg_profile(device_id=device_id)
            if device_id.startswith("footleg")
            else gun_profile(device_id=device_id)
        )
        server = DeviceServer(EmulatedDevice(profile), **options)
        await server.start()
        servers.append(server)
        return server

    yield start
    await hass.async_block_till_done()
    for entry in hass.config_entries.async_entries(DOMAIN):
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    for server in servers:
        await server.stop()
        server.device.close()


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
    """Open the add-device form: a device by its address, from the first menu."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == ["local_api", "entities"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "local_api"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "local_api"
    assert result["errors"] == {}
    return result["flow_id"]


async def _user(hass: HomeAssistant, user_input: dict[str, Any]) -> Any:
    """Submit the add-device form once."""
    return await hass.config_entries.flow.async_configure(
        await _start_user_flow(hass), user_input
    )


# The add-device form


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
        ("oversized_body", "incompatible_device"),
        ("endless_body", "incompatible_device"),
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
    """A device with a token refuses us until it is given; the entry learns Digest."""
    gun_server.token = TOKEN
    flow_id = await _start_user_flow(hass)
    user_input = {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, user_input | {CONF_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == user_input | {
        CONF_TOKEN: TOKEN,
        CONF_REQUIRE_DIGEST: True,
    }


async def test_user_flow_with_a_1_0_device(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    """A device of the first version takes its bearer token; nothing is learned."""
    server = await start_server(token=TOKEN, protocol="1.0")
    result = await _user(
        hass, {CONF_HOST: "127.0.0.1", CONF_PORT: server.port, CONF_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_REQUIRE_DIGEST not in result["data"]


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
    result = await _user(hass, {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("host", "form_port"),
    [
        ("http://127.0.0.1:{port}/api/v1/info", 1),
        ("https://127.0.0.1:{port}", 1),
        ("HTTP://127.0.0.1:{port}/", None),
        ("http://127.0.0.1", "{port}"),
        ("127.0.0.1:{port}", 1),
        ("127.0.0.1:{port}", None),
        ("  127.0.0.1  ", "{port}"),
        ("127.0.0.1", "{port}"),
    ],
)
async def test_the_address_is_taken_however_it_is_typed(
    hass: HomeAssistant, gun_server: DeviceServer, host: str, form_port: Any
) -> None:
    """A pasted URL or host:port gives host and port; the form's port is the rest."""
    user_input: dict[str, Any] = {CONF_HOST: host.format(port=gun_server.port)}
    if form_port is not None:
        user_input[CONF_PORT] = (
            int(form_port.format(port=gun_server.port))
            if isinstance(form_port, str)
            else form_port
        )
    result = await _user(hass, user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}


@pytest.fixture
def ipv6_loopback(socket_enabled: None) -> None:
    """Allow the IPv6 loopback address too (the harness allows 127.0.0.1 only)."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1"])


@pytest.mark.parametrize(
    "host", ["[::1]:{port}", "[::1]", "::1", "http://[::1]:{port}/"]
)
async def test_ipv6_addresses_work(
    hass: HomeAssistant,
    ipv6_loopback: None,
    start_server: StartServer,
    host: str,
) -> None:
    server = await start_server(host="::1")
    result = await _user(
        hass, {CONF_HOST: host.format(port=server.port), CONF_PORT: server.port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_HOST: "::1", CONF_PORT: server.port}
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.runtime_data.coordinator.data is not None
    # The device page's link is a URL a browser opens: the address in brackets.
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert device.configuration_url == f"http://[::1]:{server.port}"


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({CONF_HOST: "http://"}, {CONF_HOST: "host_is_url"}),
        ({CONF_HOST: "http:///api/v1/info"}, {CONF_HOST: "host_is_url"}),
        ({CONF_HOST: "http://host:port/"}, {CONF_HOST: "host_is_url"}),
        ({CONF_HOST: ""}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "   "}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "massage gun"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "host/path"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "a..b"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "[::1"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "[::1]x"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "[]"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "[127.0.0.1]"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "[zz::1]"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "fe80::1::2"}, {CONF_HOST: "invalid_host"}),
        ({CONF_HOST: "127.0.0.1:"}, {CONF_HOST: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1:abc"}, {CONF_HOST: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1:70000"}, {CONF_HOST: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1:0"}, {CONF_HOST: "invalid_port"}),
        ({CONF_HOST: "[::1]:x"}, {CONF_HOST: "invalid_port"}),
        (
            {CONF_HOST: "127.0.0.1", CONF_PORT: float("nan")},
            {CONF_PORT: "invalid_port"},
        ),
        (
            {CONF_HOST: "127.0.0.1", CONF_PORT: float("inf")},
            {CONF_PORT: "invalid_port"},
        ),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: None}, {CONF_PORT: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: "eighty"}, {CONF_PORT: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: ""}, {CONF_PORT: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: 0}, {CONF_PORT: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: 65536}, {CONF_PORT: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: 80.5}, {CONF_PORT: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: True}, {CONF_PORT: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: [80]}, {CONF_PORT: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: 10**400}, {CONF_PORT: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: "-80"}, {CONF_PORT: "invalid_port"}),
        ({CONF_HOST: "127.0.0.1", CONF_PORT: "999999"}, {CONF_PORT: "invalid_port"}),
        (
            {CONF_HOST: "127.0.0.1", CONF_TOKEN: "to\x00ken"},
            {CONF_TOKEN: "invalid_token"},
        ),
        (
            {CONF_HOST: "127.0.0.1", CONF_TOKEN: "tok\nen"},
            {CONF_TOKEN: "invalid_token"},
        ),
        (
            {CONF_HOST: "127.0.0.1", CONF_TOKEN: "token\x1b"},
            {CONF_TOKEN: "invalid_token"},
        ),
        ({CONF_HOST: "127.0.0.1", CONF_TOKEN: " token"}, {CONF_TOKEN: "invalid_token"}),
        (
            {CONF_HOST: "127.0.0.1", CONF_TOKEN: "x" * 257},
            {CONF_TOKEN: "invalid_token"},
        ),
    ],
)
async def test_bad_input_gets_its_own_error_and_no_request(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    user_input: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Nothing is sent anywhere for a form that cannot be used."""
    user_input = {CONF_PORT: gun_server.port} | user_input
    with patch("custom_components.massage.config_flow.MassageClient.info") as info:
        result = await _user(hass, user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    info.assert_not_called()


async def test_a_port_given_as_text_is_taken(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    result = await _user(
        hass, {CONF_HOST: "127.0.0.1", CONF_PORT: f" {gun_server.port} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PORT] == gun_server.port


class _NoSuchName(AbstractResolver):
    """A resolver for which no name exists, as DNS answers a typo."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        raise OSError(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        """Nothing to close."""


async def test_a_name_that_does_not_resolve(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=_NoSuchName())
    )
    try:
        with patch(
            "custom_components.massage.config_flow.async_get_clientsession",
            return_value=session,
        ):
            result = await _user(hass, {CONF_HOST: "massager.example", CONF_PORT: 80})
    finally:
        await session.close()
    assert result["errors"] == {"base": "cannot_resolve"}


async def test_a_device_that_does_not_answer_in_time(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    gun_server.faults.latency = 5
    with patch("custom_components.massage.config_flow.PROBE_TIMEOUT", 0.1):
        result = await _user(hass, {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port})
    assert result["errors"] == {"base": "timeout"}


@pytest.fixture
async def web_page(socket_enabled: None) -> AsyncIterator[int]:
    """A web server that is not a massager (a router's page), on a loopback port."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html>Router</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    yield server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    await runner.cleanup()


async def test_something_that_is_not_a_massager(
    hass: HomeAssistant, web_page: int
) -> None:
    result = await _user(hass, {CONF_HOST: "127.0.0.1", CONF_PORT: web_page})
    assert result["errors"] == {"base": "not_a_massager"}


async def test_a_service_that_is_not_http(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    async def banner(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(banner, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        result = await _user(hass, {CONF_HOST: "127.0.0.1", CONF_PORT: port})
    finally:
        server.close()
        await server.wait_closed()
    assert result["errors"] == {"base": "not_a_massager"}


async def test_a_huge_name_is_added_shortened(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A 10,000-character name with control characters loads; entity ids stay valid."""
    gun_server.faults.huge_name = True
    result = await _user(hass, {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"].startswith("Massage Gun Gun")
    assert len(result["title"]) <= 64
    assert result["title"].isprintable()
    await hass.async_block_till_done()
    states = hass.states.async_all("fan")
    assert len(states) == 1
    assert states[0].entity_id.startswith("fan.massage_gun_gun")
    assert len(states[0].entity_id) < 80


# Zeroconf


async def test_zeroconf_flow(hass: HomeAssistant, gun_server: DeviceServer) -> None:
    """A discovered device is added after a person confirms it."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(gun_server)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"] == {
        "name": "Percussion Pro",
        "host": f"127.0.0.1:{gun_server.port}",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
    assert result["result"].unique_id == GUN_ID


async def test_zeroconf_during_onboarding_needs_no_confirmation(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    with patch(
        "homeassistant.components.onboarding.async_is_onboarded", return_value=False
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(gun_server)
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == GUN_ID


async def test_zeroconf_during_onboarding_still_asks_for_a_token(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    gun_server.token = TOKEN
    with patch(
        "homeassistant.components.onboarding.async_is_onboarded", return_value=False
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_ZEROCONF},
            data=_discovery(gun_server, auth="1"),
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"


async def test_zeroconf_flow_with_token(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A discovered 1.1 device asks for its token, and the entry requires Digest."""
    gun_server.token = TOKEN
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_discovery(gun_server, auth="1", minor="1"),
    )
    assert result["step_id"] == "zeroconf_confirm"
    for token, error in (("wrong", "invalid_auth"), ("bad\x07", "invalid_token")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_TOKEN: token}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == (
            {"base": error} if token == "wrong" else {CONF_TOKEN: error}
        )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TOKEN] == TOKEN
    assert result["data"][CONF_REQUIRE_DIGEST] is True


async def test_zeroconf_asks_for_a_token_the_announcement_did_not_mention(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    gun_server.token = TOKEN
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(gun_server)
    )
    assert _schema_keys(result) == set()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "invalid_auth"}
    assert _schema_keys(result) == {CONF_TOKEN}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_REQUIRE_DIGEST] is True


async def test_zeroconf_announcing_1_1_never_falls_back_to_a_bearer_token(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    """Whatever answers asks for the token in the clear, though 1.1 was announced."""
    server = await start_server(token=TOKEN, protocol="1.0")
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_discovery(server, auth="1", minor="1"),
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: TOKEN}
    )
    assert result["errors"] == {"base": "auth_downgrade"}


@pytest.mark.parametrize(
    "properties",
    [
        {"id": ""},
        {"api": "2"},
        {"api": ""},
        {"id": "gun 1"},
        {"id": "gun/../1"},
        {"id": "x" * 33},
        {"id": "gun\x001"},
    ],
)
async def test_zeroconf_flow_ignores_unusable_announcements(
    hass: HomeAssistant, gun_server: DeviceServer, properties: dict[str, str]
) -> None:
    """An announcement without a usable id, or of another API version, is dropped."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_discovery(gun_server, **properties),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_discovery_info"


async def test_zeroconf_without_a_port_is_dropped(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    discovery = _discovery(gun_server)
    discovery.port = None
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=discovery
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_discovery_info"


async def test_zeroconf_without_an_id_property(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    discovery = _discovery(gun_server)
    discovery.properties.pop("id")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=discovery
    )
    assert result["reason"] == "invalid_discovery_info"


async def test_zeroconf_announcing_another_id_than_the_device_has(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """Something announces an id; the device at that address is someone else."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_discovery(gun_server, id="gun-9999"),
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "id_mismatch"
    assert result["description_placeholders"] == {
        "announced": "gun-9999",
        "found": GUN_ID,
    }
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_zeroconf_name_from_the_announcement_is_cleaned(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_discovery(gun_server, model="Evil\x1b[2J" + "x" * 500),
    )
    name = result["description_placeholders"]["name"]
    assert name.isprintable()
    assert len(name) <= 64
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_ZEROCONF},
        data=_discovery(gun_server, id="gun-0002", model="\x00"),
    )
    assert result["description_placeholders"]["name"] == "gun-0002"


async def test_zeroconf_confirm_that_fails(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(gun_server)
    )
    gun_server.faults.refuse_connections = True
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_zeroconf_updates_moved_device_without_a_token(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A known device without a token found at a new address: the entry follows."""
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


def _token_entry(hass: HomeAssistant, **data: Any) -> MockConfigEntry:
    """An entry of the gun with a token, at an old address."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Massage Gun",
        unique_id=GUN_ID,
        data={CONF_HOST: "127.0.0.2", CONF_PORT: 1, CONF_TOKEN: TOKEN} | data,
    )
    entry.add_to_hass(hass)
    return entry


async def test_a_moved_device_that_proves_the_token_is_followed(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    gun_server.token = TOKEN
    entry = _token_entry(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(gun_server)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: gun_server.port,
        CONF_TOKEN: TOKEN,
        CONF_REQUIRE_DIGEST: True,
    }


@pytest.mark.parametrize(
    "impostor",
    [
        {},  # no token at all: it answers anything without asking
        {"token": "another"},  # a token, but not ours
        {"token": TOKEN, "protocol": "1.0"},  # wants our token in the clear
    ],
    ids=["no-token", "other-token", "bearer"],
)
async def test_an_unproven_device_at_a_new_address_is_left_to_a_person(
    hass: HomeAssistant, start_server: StartServer, impostor: dict[str, Any]
) -> None:
    """Something announces our id elsewhere; the entry does not follow by itself."""
    server = await start_server(**impostor)
    entry = _token_entry(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(server)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm_move"
    assert result["description_placeholders"] == {
        "name": "Massage Gun",
        "old_address": "127.0.0.2:1",
        "new_address": f"127.0.0.1:{server.port}",
    }
    assert entry.data[CONF_HOST] == "127.0.0.2"
    progress = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert progress[0]["context"]["title_placeholders"] == {"name": "Massage Gun"}

    # The person knows the device moved, and says so.
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "moved"
    assert entry.data == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: server.port,
        CONF_TOKEN: TOKEN,
    }


async def test_a_move_question_for_an_entry_removed_meanwhile(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    server = await start_server()
    entry = _token_entry(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(server)
    )
    assert result["step_id"] == "confirm_move"
    await hass.config_entries.async_remove(entry.entry_id)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_removed"
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_a_device_with_a_token_at_its_own_address(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    entry = _token_entry(hass, **{CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port})
    with patch("custom_components.massage.config_flow.MassageClient.info") as info:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(gun_server)
        )
    assert result["reason"] == "already_configured"
    info.assert_not_called()
    assert entry.data[CONF_PORT] == gun_server.port


async def test_an_ignored_device_stays_ignored(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=GUN_ID,
        source=SOURCE_IGNORE,
        data={CONF_TOKEN: TOKEN},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_discovery(gun_server)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


# Re-authentication and reconfiguration


async def test_reauth_flow(hass: HomeAssistant, gun_server: DeviceServer) -> None:
    """A new token is asked for, checked, stored, and the entry reloaded."""
    entry = entry_for(gun_server, token="old")
    entry.add_to_hass(hass)
    gun_server.token = "new"
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    for token, errors in (
        ("still-wrong", {"base": "invalid_auth"}),
        ("new\x00", {CONF_TOKEN: "invalid_token"}),
        ("", {"base": "invalid_auth"}),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_TOKEN: token}
        )
        assert result["errors"] == errors
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "new"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] == "new"
    assert entry.data[CONF_REQUIRE_DIGEST] is True
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


async def test_reauth_keeps_refusing_a_downgrade(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    """An entry that learned Digest does not hand its token to a 1.0 device."""
    server = await start_server(token=TOKEN, protocol="1.0")
    entry = entry_for(server, token="old")
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data=entry.data | {CONF_REQUIRE_DIGEST: True}
    )
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: TOKEN}
    )
    assert result["errors"] == {"base": "auth_downgrade"}


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
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: float("nan")}
    )
    assert result["errors"] == {CONF_PORT: "invalid_port"}
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


async def test_reconfigure_keeps_what_the_entry_learned(
    hass: HomeAssistant, start_server: StartServer
) -> None:
    server = await start_server(token=TOKEN)
    entry = entry_for(server, token=TOKEN)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data=entry.data | {CONF_REQUIRE_DIGEST: True}
    )
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: f"127.0.0.1:{server.port}", CONF_TOKEN: TOKEN},
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_REQUIRE_DIGEST] is True
    await hass.async_block_till_done()


@pytest.mark.parametrize("step", ["user", "reauth", "reconfigure", "zeroconf"])
async def test_no_step_lets_an_unexpected_error_escape(
    hass: HomeAssistant, gun_server: DeviceServer, step: str
) -> None:
    """Whatever the client raises, a flow answers with a form."""
    entry = entry_for(gun_server, token=TOKEN)
    user_input: dict[str, Any] = {CONF_TOKEN: TOKEN}
    if step == "user":
        result = {"flow_id": await _start_user_flow(hass)}
        user_input |= {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
    elif step == "zeroconf":
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_ZEROCONF},
            data=_discovery(gun_server, auth="1"),
        )
    else:
        entry.add_to_hass(hass)
        if step == "reauth":
            result = await entry.start_reauth_flow(hass)
        else:
            result = await entry.start_reconfigure_flow(hass)
            user_input |= {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
    for error in (RuntimeError("boom"), ValueError("bad"), KeyError("x")):
        with patch(
            "custom_components.massage.config_flow.MassageClient.info",
            side_effect=error,
        ):
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], user_input
            )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "unknown"}


# Options


async def _options(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    return result


def _schema_keys(result: Any) -> set[str]:
    return {str(key) for key in result["data_schema"].schema}


async def test_options_flow(hass: HomeAssistant, foot_leg_server: DeviceServer) -> None:
    """Options are saved as numbers after a summary of what changes."""
    entry = entry_for(foot_leg_server)
    await setup_entry(hass, entry)
    result = await _options(hass, entry)
    assert _schema_keys(result) == {CONF_SESSION_CAP, CONF_HEAT_CAP, CONF_DEFAULT_TIMER}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SESSION_CAP: 20.0, CONF_HEAT_CAP: 15.0, CONF_DEFAULT_TIMER: "15"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"
    assert result["description_placeholders"] == {
        "session_cap": "30 min → **20 min**",
        "heat_cap": "15 min",
        "default_timer": "\u2013 → **15 min**",
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_SESSION_CAP: 20,
        CONF_HEAT_CAP: 15,
        CONF_DEFAULT_TIMER: 15,
    }
    assert all(type(value) is int for value in entry.options.values())
    await hass.async_block_till_done()
    # The reload applied the new caps.
    assert entry.runtime_data.safety.caps.session.total_seconds() == 20 * 60


async def test_the_default_timer_can_be_cleared_again(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """An older entry kept the timer as text; it shows, and clearing removes it."""
    entry = entry_for(foot_leg_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_SESSION_CAP: 30, CONF_DEFAULT_TIMER: "20"}
    )
    await setup_entry(hass, entry)
    result = await _options(hass, entry)
    timer = next(
        key for key in result["data_schema"].schema if key == CONF_DEFAULT_TIMER
    )
    assert timer.description == {"suggested_value": "20"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SESSION_CAP: 30, CONF_HEAT_CAP: 15}
    )
    assert result["description_placeholders"]["default_timer"] == "20 min → **\u2013**"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert entry.options == {CONF_SESSION_CAP: 30, CONF_HEAT_CAP: 15}
    await hass.async_block_till_done()


async def test_a_gun_is_not_offered_a_heat_cap(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    entry = entry_for(gun_server)
    await setup_entry(hass, entry)
    result = await _options(hass, entry)
    assert _schema_keys(result) == {CONF_SESSION_CAP, CONF_DEFAULT_TIMER}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SESSION_CAP: 10}
    )
    assert result["step_id"] == "confirm_without_heat"
    assert result["description_placeholders"]["session_cap"] == "30 min → **10 min**"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert entry.options == {CONF_SESSION_CAP: 10}
    await hass.async_block_till_done()


async def test_a_gun_keeps_a_heat_cap_it_had(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    entry = entry_for(gun_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_HEAT_CAP: 5})
    await setup_entry(hass, entry)
    result = await _options(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SESSION_CAP: 10}
    )
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert entry.options == {CONF_SESSION_CAP: 10, CONF_HEAT_CAP: 5}
    await hass.async_block_till_done()


async def test_saving_nothing_new_says_so(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    entry = entry_for(foot_leg_server)
    await setup_entry(hass, entry)
    result = await _options(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SESSION_CAP: 30, CONF_HEAT_CAP: 15}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_changes"
    assert entry.options == {}


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({CONF_SESSION_CAP: float("nan")}, {CONF_SESSION_CAP: "invalid_minutes"}),
        ({CONF_SESSION_CAP: 0}, {CONF_SESSION_CAP: "invalid_minutes"}),
        ({CONF_SESSION_CAP: 61}, {CONF_SESSION_CAP: "invalid_minutes"}),
        ({CONF_SESSION_CAP: 20.5}, {CONF_SESSION_CAP: "invalid_minutes"}),
        ({CONF_SESSION_CAP: "20"}, {CONF_SESSION_CAP: "invalid_minutes"}),
        ({CONF_SESSION_CAP: None}, {CONF_SESSION_CAP: "invalid_minutes"}),
        ({CONF_SESSION_CAP: True}, {CONF_SESSION_CAP: "invalid_minutes"}),
        ({CONF_SESSION_CAP: 10**400}, {CONF_SESSION_CAP: "invalid_minutes"}),
        ({CONF_SESSION_CAP: -5}, {CONF_SESSION_CAP: "invalid_minutes"}),
        ({CONF_HEAT_CAP: float("inf")}, {CONF_HEAT_CAP: "invalid_minutes"}),
        ({CONF_HEAT_CAP: 31}, {CONF_HEAT_CAP: "invalid_minutes"}),
        ({CONF_DEFAULT_TIMER: "7"}, {CONF_DEFAULT_TIMER: "invalid_timer"}),
    ],
)
async def test_options_that_cannot_be_used_get_their_error(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    user_input: dict[str, Any],
    errors: dict[str, str],
) -> None:
    entry = entry_for(foot_leg_server)
    await setup_entry(hass, entry)
    result = await _options(hass, entry)
    with patch(
        "homeassistant.helpers.selector.SelectSelector.__call__",
        side_effect=lambda value: value,
    ):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_SESSION_CAP: 30, CONF_HEAT_CAP: 15} | user_input
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["errors"] == errors
    assert entry.options == {}


async def test_options_flow_without_loaded_entry(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """Without a loaded device, only the caps can be set; the timer is kept."""
    entry = entry_for(foot_leg_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_DEFAULT_TIMER: 15, CONF_SESSION_CAP: "garbled"}
    )
    result = await _options(hass, entry)
    assert _schema_keys(result) == {CONF_SESSION_CAP, CONF_HEAT_CAP}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SESSION_CAP: 25, CONF_HEAT_CAP: 10}
    )
    assert result["description_placeholders"] == {
        "session_cap": "30 min → **25 min**",
        "heat_cap": "15 min → **10 min**",
        "default_timer": "15 min",
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert entry.options == {
        CONF_SESSION_CAP: 25,
        CONF_HEAT_CAP: 10,
        CONF_DEFAULT_TIMER: 15,
    }
    await hass.async_block_till_done()


async def test_options_of_an_entry_not_loaded_without_a_timer(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    entry = entry_for(gun_server)
    entry.add_to_hass(hass)
    result = await _options(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SESSION_CAP: 12, CONF_HEAT_CAP: 15}
    )
    assert result["description_placeholders"]["default_timer"] == "\u2013"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert entry.options == {CONF_SESSION_CAP: 12, CONF_HEAT_CAP: 15}
    await hass.async_block_till_done()

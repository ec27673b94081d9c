"""Tests of the faults a device server can show."""

from __future__ import annotations

import asyncio
from dataclasses import fields
import json
import time
from typing import Any

import aiohttp
import pytest

from emulator import DeviceServer, Faults, foot_leg_profile, gun_profile
from emulator.server import OVERSIZE_BYTES

from .common import API, receive_closed, receive_state, wait_for
from .conftest import MakeDevice, Serve


@pytest.fixture
async def server(make_device: MakeDevice, serve: Serve) -> DeviceServer:
    """Return a gun on its own server."""
    return await serve(make_device(gun_profile()))


async def assert_refused(session: aiohttp.ClientSession, server: DeviceServer) -> None:
    """Assert that nothing listens on the server's port."""
    with pytest.raises(aiohttp.ClientConnectorError) as caught:
        await session.get(f"{server.url}{API}/info")
    assert isinstance(caught.value.os_error, ConnectionRefusedError)


async def assert_served(session: aiohttp.ClientSession, server: DeviceServer) -> None:
    """Assert that the server answers on its port."""
    async with session.get(f"{server.url}{API}/info") as response:
        assert response.status == 200


# The Faults object


def test_faults_start_switched_off() -> None:
    faults = Faults()

    assert faults == Faults(
        latency=0.0,
        refuse_connections=False,
        malformed_json=False,
        wrong_types=False,
        server_error=None,
        retry_after=1,
        silent_websocket=False,
        oversized_body=False,
        endless_body=False,
        oversized_push=False,
        huge_name=False,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("latency", -1),
        ("latency", float("inf")),
        ("latency", "1"),
        ("server_error", 404),
        ("server_error", 600),
        ("server_error", 503.0),
        ("retry_after", -1),
        ("retry_after", 1.5),
    ],
)
def test_faults_reject_values_that_make_no_sense(name: str, value: Any) -> None:
    faults = Faults()
    with pytest.raises(ValueError, match=name):
        setattr(faults, name, value)
    with pytest.raises(ValueError, match=name):
        Faults(**{name: value})


def test_watchers_hear_each_change_and_clear_switches_all_off() -> None:
    faults = Faults(latency=0.5, server_error=503, wrong_types=True)
    changed: list[str] = []
    unwatch = faults.watch(changed.append)

    faults.malformed_json = True
    faults.clear()
    unwatch()
    unwatch()
    faults.latency = 1

    assert changed[0] == "malformed_json"
    assert set(changed[1:]) == {fault.name for fault in fields(Faults) if fault.init}
    assert {"latency", "oversized_body", "endless_body", "huge_name"} < set(changed)
    assert faults == Faults(latency=1)


# Latency


async def test_latency_delays_answers_and_pushes(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    server.faults.latency = 0.1

    started = time.monotonic()
    async with session.get(f"{server.url}{API}/state") as response:
        assert response.status == 200
    assert time.monotonic() - started >= 0.1

    async with session.ws_connect(f"{server.url}{API}/ws") as ws:
        await receive_state(ws)
        started = time.monotonic()
        server.device.write({"timer": 10})
        await receive_state(ws)
        assert time.monotonic() - started >= 0.1


# Refusing connections


async def test_refusing_connections_stops_listening_and_restores_on_the_same_port(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    await assert_served(session, server)
    port = server.port

    server.faults.refuse_connections = True
    await assert_refused(session, server)
    await assert_refused(session, server)

    server.faults.refuse_connections = False
    assert server.port == port
    # Served at once: a connection made before the server object exists waits.
    await assert_served(session, server)


async def test_refusing_connections_cuts_open_connections(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{server.url}{API}/ws") as ws:
        await receive_state(ws)

        server.faults.refuse_connections = True

        await receive_closed(ws)
    await wait_for(lambda: server.push_connections == 0)


async def test_a_server_can_start_refusing(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    server = await serve(
        make_device(gun_profile()), faults=Faults(refuse_connections=True)
    )

    await assert_refused(session, server)
    server.faults.refuse_connections = False
    await assert_served(session, server)


async def test_refusal_switched_back_on_before_listening_wins(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    server.faults.refuse_connections = True
    server.faults.refuse_connections = False
    server.faults.refuse_connections = True
    await asyncio.sleep(0.05)
    await assert_refused(session, server)

    server.faults.refuse_connections = False
    server.faults.refuse_connections = True
    server.faults.refuse_connections = False
    await assert_served(session, server)


async def test_stop_while_starting_to_listen_again(
    make_device: MakeDevice, session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    server = DeviceServer(make_device(gun_profile()))
    await server.start()
    server.faults.refuse_connections = True
    server.faults.refuse_connections = False

    await server.stop()

    await assert_refused(session, server)
    server.faults.refuse_connections = True


async def test_stop_while_refusing(
    make_device: MakeDevice, session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    server = DeviceServer(make_device(gun_profile()))
    await server.start()
    server.faults.refuse_connections = True

    await server.stop()

    # The port is free again.
    server.faults.refuse_connections = False
    await server.start()
    await assert_served(session, server)
    await server.stop()


# Malformed JSON and wrong types


async def test_malformed_json_breaks_every_body_but_writes_still_apply(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    server.faults.malformed_json = True

    for method, path, body in [
        ("GET", "/info", None),
        ("GET", "/state", None),
        ("PATCH", "/state", {"on": True}),
        ("PATCH", "/state", {"on": 1}),
        ("GET", "/missing", None),
    ]:
        async with session.request(
            method, f"{server.url}{API}{path}", json=body
        ) as response:
            assert response.content_type == "application/json"
            text = await response.text()
            assert text.startswith("{")
            with pytest.raises(json.JSONDecodeError):
                json.loads(text)

    assert server.device.state.on is True


async def test_malformed_json_breaks_push_messages(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    server.faults.malformed_json = True

    async with session.ws_connect(f"{server.url}{API}/ws") as ws:
        message = await ws.receive(timeout=2)

    assert message.type is aiohttp.WSMsgType.TEXT
    with pytest.raises(json.JSONDecodeError):
        json.loads(message.data)


async def test_wrong_types_send_numbers_and_booleans_as_strings(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    server = await serve(make_device(foot_leg_profile()))
    server.device.write({"on": True, "level": 3, "heat": 1})
    server.faults.wrong_types = True

    async with session.get(f"{server.url}{API}/info") as response:
        info = await response.json()
    async with session.get(f"{server.url}{API}/state") as response:
        state = await response.json()
    async with session.ws_connect(f"{server.url}{API}/ws") as ws:
        pushed = await receive_state(ws)

    assert info["api_version"] == "1"
    assert info["capabilities"]["levels"] == "3"
    assert info["capabilities"]["timer_options"] == ["10", "15", "20", "30"]
    assert info["capabilities"]["battery"] == "false"
    assert info["capabilities"]["heat_cutoff_minutes"] == "15"
    assert info["capabilities"]["modes"][0] == "kneading"
    assert (state["on"], state["level"], state["heat"]) == ("true", "3", "1")
    assert state["battery"] is None
    assert isinstance(state["session_end"], str)
    assert pushed == state


# Oversized, endless and huge answers


@pytest.mark.parametrize(("method", "path"), [("GET", "/info"), ("GET", "/state")])
async def test_an_oversized_body_says_its_size(
    server: DeviceServer, session: aiohttp.ClientSession, method: str, path: str
) -> None:
    server.faults.oversized_body = True
    async with session.request(method, f"{server.url}{API}{path}") as response:
        assert response.status == 200
        assert response.content_length is not None
        assert response.content_length > OVERSIZE_BYTES
        body = await response.json()
    assert len(body["padding"]) == OVERSIZE_BYTES


async def test_an_oversized_write_answer_still_applies_the_write(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    server.faults.oversized_body = True
    async with session.patch(f"{server.url}{API}/state", json={"on": True}) as answer:
        assert answer.content_length is not None
        assert answer.content_length > OVERSIZE_BYTES
    assert server.device.state.on is True


async def test_an_endless_body_does_not_end(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    server.faults.endless_body = True
    async with session.get(f"{server.url}{API}/info") as response:
        assert response.status == 200
        assert response.content_length is None
        assert response.headers["Transfer-Encoding"] == "chunked"
        received = 0
        while received <= 4 * OVERSIZE_BYTES:
            chunk = await response.content.read(65536)
            assert chunk, "the body ended"
            received += len(chunk)
    # The server goes on serving after the client gave up.
    server.faults.endless_body = False
    await assert_served(session, server)


async def test_an_endless_body_stops_with_the_server(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    server.faults.endless_body = True
    async with session.get(f"{server.url}{API}/state") as response:
        assert await response.content.read(10)
        await server.stop()
        # The stream ends (cut short, never valid JSON) instead of outliving it.
        rest = await asyncio.wait_for(response.read(), 5)
    assert not rest.endswith(b"}")


async def test_an_oversized_push_carries_padding(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    server.faults.oversized_push = True
    async with session.ws_connect(f"{server.url}{API}/ws", max_msg_size=0) as ws:
        message = await ws.receive(timeout=2)
    assert len(message.data) > OVERSIZE_BYTES
    assert json.loads(message.data)["type"] == "state"


async def test_a_huge_name_has_10000_characters_with_control_characters(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    server.faults.huge_name = True
    async with session.get(f"{server.url}{API}/info") as response:
        name = (await response.json())["name"]
    assert len(name) == 10_000
    assert "\x07" in name
    assert "\n" in name


# Server errors


async def test_server_error_503_answers_busy_with_retry_after(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    server.faults.server_error = 503
    server.faults.retry_after = 7

    async with session.patch(f"{server.url}{API}/state", json={"on": True}) as response:
        assert response.status == 503
        assert response.headers["Retry-After"] == "7"
        assert (await response.json())["error"]["code"] == "busy"
    assert server.device.state.on is False

    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await session.ws_connect(f"{server.url}{API}/ws")
    assert caught.value.status == 503

    server.faults.server_error = None
    async with session.get(f"{server.url}{API}/state") as response:
        assert response.status == 200


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_other_server_errors_answer_internal(
    server: DeviceServer, session: aiohttp.ClientSession, status: int
) -> None:
    server.faults.server_error = status

    async with session.get(f"{server.url}{API}/info") as response:
        assert response.status == status
        assert "Retry-After" not in response.headers
        body = await response.json()
    assert body["error"]["code"] == "internal"


async def test_authentication_comes_before_server_errors(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    server = await serve(
        make_device(gun_profile()), token="t", faults=Faults(server_error=503)
    )

    async with session.get(f"{server.url}{API}/info") as response:
        assert response.status == 401


# Push connections


async def test_drop_websockets_cuts_every_push_connection(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    url = f"{server.url}{API}/ws"
    async with session.ws_connect(url) as first, session.ws_connect(url) as second:
        await receive_state(first)
        await receive_state(second)

        assert server.drop_websockets() == 2

        for ws in (first, second):
            closed = await receive_closed(ws)
            assert closed.type is not aiohttp.WSMsgType.CLOSE
    await wait_for(lambda: server.push_connections == 0)
    assert server.drop_websockets() == 0

    async with session.ws_connect(url) as again:
        await receive_state(again)


async def test_a_silent_websocket_sends_nothing_and_answers_no_pings(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    server = await serve(make_device(gun_profile()), heartbeat=0.05)
    server.faults.silent_websocket = True

    async with session.ws_connect(f"{server.url}{API}/ws", autoping=False) as ws:
        await ws.ping()
        server.device.write({"timer": 10})
        with pytest.raises(TimeoutError):
            await ws.receive(timeout=0.3)

        server.faults.silent_websocket = False
        server.device.write({"timer": 15})
        assert (await receive_state(ws))["timer"] == 15


async def test_a_client_heartbeat_notices_a_silent_device(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{server.url}{API}/ws", heartbeat=0.1) as ws:
        await receive_state(ws)
        server.faults.silent_websocket = True

        started = time.monotonic()
        closed = await receive_closed(ws)

    assert closed.type in {aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED}
    assert isinstance(ws.exception(), aiohttp.ServerTimeoutError)
    assert time.monotonic() - started < 1

"""Tests of the device server over real sockets on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import aiohttp
from aiohttp import web
import pytest

from emulator import DeviceServer, EmulatedDevice, foot_leg_profile, gun_profile
from emulator.server import _error_from_http_exception, _PushConnection

from .common import (
    API,
    FAST_MINUTE,
    receive_closed,
    receive_state,
    receive_until,
    wait_for,
)
from .conftest import MakeDevice, Serve


async def error_of(response: aiohttp.ClientResponse) -> tuple[int, str]:
    """Return the status and error code of an error answer."""
    body = await response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    return response.status, body["error"]["code"]


@pytest.fixture
async def gun_server(make_device: MakeDevice, serve: Serve) -> DeviceServer:
    """Return a gun on its own server."""
    return await serve(make_device(gun_profile()))


@pytest.fixture
async def foot_leg_server(make_device: MakeDevice, serve: Serve) -> DeviceServer:
    """Return a foot and leg massager on its own server, with fast timers."""
    device = make_device(
        foot_leg_profile(heat_cutoff_minutes=1), minute_seconds=FAST_MINUTE
    )
    return await serve(device)


# HTTP


async def test_info_describes_the_device(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.get(f"{gun_server.url}{API}/info") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        assert response.charset == "utf-8"
        assert await response.json() == gun_server.device.info()


async def test_state_is_the_devices_state(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    gun_server.device.write({"on": True, "level": 3})

    async with session.get(f"{gun_server.url}{API}/state") as response:
        assert response.status == 200
        state = await response.json()

    assert state == gun_server.device.state.as_json()
    assert state["on"] is True
    assert state["level"] == 3
    assert isinstance(state["session_end"], str)


async def test_head_is_answered_too(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.head(f"{gun_server.url}{API}/info") as response:
        assert response.status == 200


async def test_patch_applies_a_write_and_answers_the_new_state(
    foot_leg_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    url = f"{foot_leg_server.url}{API}/state"

    async with session.patch(
        url, json={"on": True, "mode": "combined", "heat": 1, "level": 2}
    ) as response:
        assert response.status == 200
        state = await response.json()

    assert state == foot_leg_server.device.state.as_json()
    assert (state["on"], state["mode"], state["heat"], state["level"]) == (
        True,
        "combined",
        1,
        2,
    )
    assert state["heat_end"] is not None


async def test_empty_patch_is_valid(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.patch(f"{gun_server.url}{API}/state", json={}) as response:
        assert response.status == 200
        assert await response.json() == gun_server.device.state.as_json()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"level": 2}, 409, "device_off"),
        ({"heat": 1}, 422, "unsupported"),
        ({"on": 1}, 422, "invalid_value"),
        ({"on": True, "level": 9}, 422, "invalid_value"),
        ({"colour": "red"}, 422, "unknown_field"),
    ],
)
async def test_refused_writes_get_their_status_and_code(
    gun_server: DeviceServer,
    session: aiohttp.ClientSession,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    before = gun_server.device.state

    async with session.patch(f"{gun_server.url}{API}/state", json=body) as response:
        assert await error_of(response) == (status, code)

    assert gun_server.device.state == before


async def test_a_write_is_atomic_over_http(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.patch(
        f"{gun_server.url}{API}/state",
        json={"on": True, "level": 4, "attachment": "fork", "timer": 11},
    ) as response:
        assert await error_of(response) == (422, "invalid_value")

    state = gun_server.device.state
    assert (state.on, state.level, state.attachment) == (False, 1, "ball")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'"on"',
        b"null",
        b'{"level": NaN}',
        b'{"on": true',
        b'{"attachment": "\xff"}',
        b"[" * 100_000,
    ],
)
async def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    gun_server: DeviceServer, session: aiohttp.ClientSession, body: bytes
) -> None:
    async with session.patch(
        f"{gun_server.url}{API}/state",
        data=body,
        headers={"Content-Type": "application/json"},
    ) as response:
        assert await error_of(response) == (400, "bad_request")


async def test_an_oversized_body_is_refused(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.patch(
        f"{gun_server.url}{API}/state", data=b" " * (2 * 1024 * 1024)
    ) as response:
        assert await error_of(response) == (413, "bad_request")


async def test_an_empty_battery_answers_busy_with_retry_after(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    server = await serve(make_device(gun_profile(), battery=0, minute_seconds=2.5))

    async with session.patch(f"{server.url}{API}/state", json={"on": True}) as response:
        assert await error_of(response) == (503, "busy")
        assert response.headers["Retry-After"] == "3"


@pytest.mark.parametrize(
    "path", ["/api/v1", "/api/v1/", "/api/v1/state/", "/api/v2/state", "/x", "/y/"]
)
async def test_unknown_paths_are_not_found(
    gun_server: DeviceServer, session: aiohttp.ClientSession, path: str
) -> None:
    async with session.get(f"{gun_server.url}{path}") as response:
        assert await error_of(response) == (404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/state", "GET,HEAD,PATCH"),
        ("PUT", "/state", "GET,HEAD,PATCH"),
        ("PATCH", "/info", "GET,HEAD"),
        ("DELETE", "/ws", "GET,HEAD"),
    ],
)
async def test_wrong_methods_are_not_allowed(
    gun_server: DeviceServer,
    session: aiohttp.ClientSession,
    method: str,
    path: str,
    allow: str,
) -> None:
    async with session.request(
        method, f"{gun_server.url}{API}{path}", json={}
    ) as response:
        assert await error_of(response) == (405, "method_not_allowed")
        assert sorted(response.headers["Allow"].split(",")) == allow.split(",")


async def test_an_unexpected_failure_is_an_internal_error(
    gun_server: DeviceServer,
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(
        gun_server.device, "info", MagicMock(side_effect=RuntimeError("bug"))
    )

    async with session.get(f"{gun_server.url}{API}/info") as response:
        assert await error_of(response) == (500, "internal")
    assert "Unexpected error answering /api/v1/info" in caplog.text


def test_aiohttp_server_errors_become_internal_errors() -> None:
    error = _error_from_http_exception(web.HTTPBadGateway())

    assert (error.status, error.code) == (502, "internal")


async def test_the_push_path_needs_a_websocket_upgrade(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.get(f"{gun_server.url}{API}/ws") as response:
        assert await error_of(response) == (400, "bad_request")


# Authentication of a 1.0 device: a bearer token (1.1 is in test_auth.py)


@pytest.fixture
async def locked_server(make_device: MakeDevice, serve: Serve) -> DeviceServer:
    """Return a gun on a 1.0 server that requires the bearer token `secret`."""
    return await serve(make_device(gun_profile()), token="secret", protocol="1.0")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Bearer secret2"},
        {"Authorization": "Basic secret"},
        {"Authorization": "secret"},
        {"Authorization": "Bearer"},
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/info"), ("GET", "/state"), ("PATCH", "/state"), ("GET", "/nothing")],
)
async def test_requests_without_the_token_are_unauthorized(
    locked_server: DeviceServer,
    session: aiohttp.ClientSession,
    headers: dict[str, str],
    method: str,
    path: str,
) -> None:
    async with session.request(
        method, f"{locked_server.url}{API}{path}", json={"on": True}, headers=headers
    ) as response:
        assert await error_of(response) == (401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert locked_server.device.state.on is False


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_requests_with_the_token_are_served(
    locked_server: DeviceServer, session: aiohttp.ClientSession, scheme: str
) -> None:
    headers = {"Authorization": f"{scheme} secret"}

    async with session.patch(
        f"{locked_server.url}{API}/state", json={"on": True}, headers=headers
    ) as response:
        assert response.status == 200
    assert locked_server.device.state.on is True


async def test_the_websocket_needs_the_token(
    locked_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    url = f"{locked_server.url}{API}/ws"
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await session.ws_connect(url)
    assert caught.value.status == 401
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await session.ws_connect(url, headers={"Authorization": "Bearer nope"})

    async with session.ws_connect(
        url, headers={"Authorization": "Bearer secret"}
    ) as ws:
        assert (await receive_state(ws))["on"] is False


async def test_the_token_can_change_while_running(
    locked_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    url = f"{locked_server.url}{API}/info"
    locked_server.token = "new"

    async with session.get(url, headers={"Authorization": "Bearer secret"}) as old:
        assert old.status == 401
    async with session.get(url, headers={"Authorization": "Bearer new"}) as new:
        assert new.status == 200
    locked_server.token = None
    async with session.get(url) as unlocked:
        assert unlocked.status == 200


async def test_a_device_without_a_token_ignores_the_header(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.get(
        f"{gun_server.url}{API}/info", headers={"Authorization": "Bearer anything"}
    ) as response:
        assert response.status == 200


# The push channel


async def test_push_sends_the_state_on_connect_and_after_each_write(
    foot_leg_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{foot_leg_server.url}{API}/ws") as ws:
        assert await receive_state(ws) == foot_leg_server.device.state.as_json()

        async with session.patch(
            f"{foot_leg_server.url}{API}/state", json={"on": True, "timer": 30}
        ) as response:
            answered = await response.json()
        pushed = await receive_state(ws)

        assert pushed == answered
        assert pushed["on"] is True


async def test_push_reports_changes_made_on_the_device_itself(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    device = gun_server.device
    async with session.ws_connect(f"{gun_server.url}{API}/ws") as ws:
        await receive_state(ws)

        device.press_power()
        assert (await receive_state(ws))["on"] is True
        device.set_force(20.5)
        assert (await receive_state(ws))["force"] == 20.5
        device.set_docked(True)
        assert (await receive_state(ws))["charging"] is True
        device.write({"attachment": "bullet"})
        assert (await receive_state(ws))["attachment"] == "bullet"


async def test_push_reports_the_timer_ending_the_session(
    foot_leg_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{foot_leg_server.url}{API}/ws") as ws:
        await receive_state(ws)
        foot_leg_server.device.write({"on": True})

        states = await receive_until(ws, lambda state: not state["on"])

    assert [state["on"] for state in states] == [True, False]
    assert states[-1]["session_end"] is None


async def test_push_reports_the_heat_cutoff(
    foot_leg_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{foot_leg_server.url}{API}/ws") as ws:
        await receive_state(ws)
        foot_leg_server.device.write({"on": True, "heat": 2, "timer": 30})

        states = await receive_until(ws, lambda state: state["heat"] == 0)

    assert [(state["on"], state["heat"]) for state in states] == [(True, 2), (True, 0)]
    assert states[0]["heat_end"] is not None
    assert states[-1]["heat_end"] is None


async def test_push_reports_the_battery_draining_and_charging(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    device = make_device(gun_profile(), battery=2, minute_seconds=FAST_MINUTE)
    server = await serve(device)
    async with session.ws_connect(f"{server.url}{API}/ws") as ws:
        await receive_state(ws)
        device.write({"on": True, "timer": 15})

        drained = await receive_until(ws, lambda state: not state["on"])
        device.set_docked(True)
        charged = await receive_until(ws, lambda state: state["battery"] >= 4)

    assert [state["battery"] for state in drained] == [2, 1, 0]
    assert [state["battery"] for state in charged] == [0, 2, 4]
    assert all(state["charging"] for state in charged)


async def test_every_client_gets_every_push(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    url = f"{gun_server.url}{API}/ws"
    async with session.ws_connect(url) as first, session.ws_connect(url) as second:
        await receive_state(first)
        await receive_state(second)
        await wait_for(lambda: gun_server.push_connections == 2)

        gun_server.device.write({"timer": 15})

        assert (await receive_state(first))["timer"] == 15
        assert (await receive_state(second))["timer"] == 15
    await wait_for(lambda: gun_server.push_connections == 0)


async def test_text_from_clients_is_ignored(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{gun_server.url}{API}/ws") as ws:
        await receive_state(ws)
        await ws.send_str('{"on": true}')
        await ws.send_bytes(b"\x00")
        gun_server.device.write({"timer": 10})

        assert (await receive_state(ws))["on"] is False


async def test_the_server_pings_and_keeps_a_client_that_answers(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    server = await serve(make_device(gun_profile()), heartbeat=0.05)
    async with session.ws_connect(f"{server.url}{API}/ws", autoping=False) as ws:
        await receive_state(ws)
        for _ in range(3):
            ping = await ws.receive(timeout=1)
            assert ping.type is aiohttp.WSMsgType.PING
            await ws.pong(ping.data)

        server.device.write({"timer": 10})
        assert (await receive_state(ws))["timer"] == 10


async def test_the_server_drops_a_client_that_does_not_pong(
    make_device: MakeDevice, serve: Serve, session: aiohttp.ClientSession
) -> None:
    server = await serve(make_device(gun_profile()), heartbeat=0.05)
    async with session.ws_connect(f"{server.url}{API}/ws", autoping=False) as ws:
        await receive_state(ws)
        assert (await ws.receive(timeout=1)).type is aiohttp.WSMsgType.PING

        await receive_closed(ws)

    await wait_for(lambda: server.push_connections == 0)


async def test_the_server_answers_pings(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(f"{gun_server.url}{API}/ws", autoping=False) as ws:
        await receive_state(ws)
        await ws.ping(b"hello")

        pong = await ws.receive(timeout=1)

    assert pong.type is aiohttp.WSMsgType.PONG
    assert pong.data == b"hello"


async def test_stop_closes_push_connections_as_going_away(
    make_device: MakeDevice, session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    device = make_device(gun_profile())
    server = DeviceServer(device)
    await server.start()
    async with session.ws_connect(f"{server.url}{API}/ws") as ws:
        await receive_state(ws)

        await server.stop()

        closed = await receive_closed(ws)
    assert closed.type is aiohttp.WSMsgType.CLOSE
    assert closed.data == aiohttp.WSCloseCode.GOING_AWAY
    assert closed.extra == "device stopping"
    assert server.push_connections == 0


async def test_stop_cuts_connections_that_do_not_close_in_time(
    make_device: MakeDevice,
    session: aiohttp.ClientSession,
    socket_enabled: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = DeviceServer(make_device(gun_profile()))
    await server.start()
    async with session.ws_connect(f"{server.url}{API}/ws") as ws:
        await receive_state(ws)
        monkeypatch.setattr("emulator.server._CLOSE_TIMEOUT", 0)

        await server.stop()

        await receive_closed(ws)
    assert server.push_connections == 0


async def test_push_helpers_end_quietly_when_the_connection_breaks() -> None:
    server = DeviceServer(EmulatedDevice(gun_profile()), heartbeat=0.001)
    ws = MagicMock(spec=web.WebSocketResponse)
    ws.ping = AsyncMock(side_effect=ConnectionResetError)
    ws.pong = AsyncMock(side_effect=ConnectionResetError)
    ws.send_str = AsyncMock(side_effect=ConnectionResetError)
    ping = aiohttp.WSMessage(aiohttp.WSMsgType.PING, b"", None)
    ws.__aiter__.return_value = [ping]
    connection = _PushConnection(ws, None)
    connection.states.put_nowait(server.device.state)

    await server._keep_alive(connection)
    await server._send_states(connection)
    await server._receive(connection)
    connection.abort()

    ws.__aiter__.return_value = [aiohttp.WSMessage(aiohttp.WSMsgType.ERROR, None, None)]
    await server._receive(connection)


# Lifecycle


async def test_port_and_url(make_device: MakeDevice, socket_enabled: None) -> None:
    device = make_device(gun_profile())
    server = DeviceServer(device)
    with pytest.raises(RuntimeError, match="start"):
        _ = server.port

    async with server:
        assert server.host == "127.0.0.1"
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        with pytest.raises(RuntimeError, match="already running"):
            await server.start()

    assert DeviceServer(device, host="::1", port=8765).url == "http://[::1]:8765"


def test_heartbeat_must_be_positive() -> None:
    with pytest.raises(ValueError, match="heartbeat"):
        DeviceServer(EmulatedDevice(gun_profile()), heartbeat=0)


async def test_stop_twice_and_stop_unstarted_do_nothing(
    make_device: MakeDevice,
) -> None:
    server = DeviceServer(make_device(gun_profile()))
    await server.stop()
    await server.stop()


async def test_a_stopped_server_starts_again_on_the_same_port(
    gun_server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    url = f"{gun_server.url}{API}/info"
    async with session.get(url) as response:
        assert response.status == 200

    await gun_server.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await session.get(url)
    await gun_server.start()

    async with session.get(url) as response:
        assert response.status == 200


async def test_a_taken_port_fails_to_start(
    make_device: MakeDevice, socket_enabled: None
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = DeviceServer(make_device(gun_profile()), port=taken.getsockname()[1])

        with pytest.raises(OSError, match="in use"):
            await server.start()


async def test_logging_a_dead_peer_is_informational(
    make_device: MakeDevice,
    serve: Serve,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = await serve(make_device(gun_profile()), heartbeat=0.02)
    with caplog.at_level(logging.INFO, logger="emulator.server"):
        async with session.ws_connect(f"{server.url}{API}/ws", autoping=False) as ws:
            await receive_closed(ws)
    assert "No pong" in caplog.text

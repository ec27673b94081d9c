"""Client tests against a programmable stand-in device, for answers off the spec."""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
from aiohttp import web
import pytest

from custom_components.massage.api import (
    API_VERSION,
    DeviceState,
    MassageAuthenticationError,
    MassageClient,
    MassageConnectionClosedError,
    MassageConnectionError,
    MassageError,
    MassageInvalidResponseError,
    MassageNotADeviceError,
    MassageRequestError,
    MassageTimeoutError,
    MassageUnsupportedError,
)

from .conftest import Handler, Rogue, push, reply, state_message
from .payloads import GUN_INFO, GUN_STATE, fresh


def connected(client: MassageClient) -> bool:
    """Read client.connected afresh (keeps type checkers from narrowing it)."""
    return client.connected


def closed(session: aiohttp.ClientSession) -> bool:
    """Read session.closed afresh."""
    return session.closed


def error_body(code: str, message: str = "nope") -> dict[str, object]:
    """Return the protocol's error body."""
    return {"error": {"code": code, "message": message}}


async def test_info_then_state(rogue: Rogue, rogue_client: MassageClient) -> None:
    before = rogue_client.capabilities
    assert before is None
    info = await rogue_client.info()
    assert rogue_client.capabilities == info.capabilities
    state = await rogue_client.state()
    assert state.level == 3
    assert rogue.paths() == ["GET /api/v1/info", "GET /api/v1/state"]
    assert all(auth is None for *_, auth in rogue.requests)


async def test_state_fetches_info_once(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    await rogue_client.state()
    await rogue_client.state()
    assert rogue.paths() == [
        "GET /api/v1/info",
        "GET /api/v1/state",
        "GET /api/v1/state",
    ]


async def test_update_sends_only_given_fields(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    state = await rogue_client.update(level=4, on=True, attachment="flat")
    assert isinstance(state, DeviceState)
    method, path, body, _ = rogue.requests[-1]
    assert (method, path) == ("PATCH", "/api/v1/state")
    assert json.loads(body) == {"on": True, "level": 4, "attachment": "flat"}
    await rogue_client.update()
    assert json.loads(rogue.requests[-1][2]) == {}
    await rogue_client.update(on=False, mode="x", heat=0, timer=5)
    assert json.loads(rogue.requests[-1][2]) == {
        "on": False,
        "mode": "x",
        "heat": 0,
        "timer": 5,
    }


async def test_token_is_not_sent_unasked(rogue: Rogue) -> None:
    """A device that does not ask for the token never sees it (test_auth.py: more)."""
    async with MassageClient("127.0.0.1", port=rogue.port, token="s3cret") as client:
        await client.state()
    assert {auth for *_, auth in rogue.requests} == {None}


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "bad_request"),
        (404, "not_found"),
        (409, "device_off"),
        (422, "invalid_value"),
        (422, "unknown_field"),
        (500, "internal"),
        (503, "busy"),
        (418, "teapot"),
    ],
)
async def test_error_body_becomes_request_error(
    rogue: Rogue, rogue_client: MassageClient, status: int, code: str
) -> None:
    rogue.handlers["PATCH", "/api/v1/state"] = reply(
        error_body(code, "level must be between 1 and 5"), status
    )
    with pytest.raises(MassageRequestError) as caught:
        await rogue_client.update(level=9)
    assert caught.value.code == code
    assert caught.value.status == status
    assert caught.value.message == "level must be between 1 and 5"
    assert code in str(caught.value)


async def test_error_without_message(rogue: Rogue, rogue_client: MassageClient) -> None:
    rogue.handlers["GET", "/api/v1/state"] = reply({"error": {"code": "busy"}}, 503)
    with pytest.raises(MassageRequestError) as caught:
        await rogue_client.state()
    assert (caught.value.code, caught.value.status, caught.value.message) == (
        "busy",
        503,
        "",
    )


@pytest.mark.parametrize("message", ["heat on a gun", None])
async def test_unsupported(
    rogue: Rogue, rogue_client: MassageClient, message: str | None
) -> None:
    body = {"error": {"code": "unsupported", "message": message}}
    rogue.handlers["PATCH", "/api/v1/state"] = reply(body, 422)
    with pytest.raises(MassageUnsupportedError, match=message or "capability"):
        await rogue_client.update(heat=1)


async def test_401_is_authentication(rogue: Rogue, rogue_client: MassageClient) -> None:
    rogue.handlers["GET", "/api/v1/info"] = reply(error_body("unauthorized"), 401)
    with pytest.raises(MassageAuthenticationError):
        await rogue_client.info()


@pytest.mark.parametrize("body", [{"error": "nope"}, None])
async def test_401_without_the_error_body_is_not_a_device(
    rogue: Rogue, rogue_client: MassageClient, body: object
) -> None:
    """A login that is not a Massage device's: a router's web interface, say."""
    rogue.handlers["GET", "/api/v1/info"] = reply(body, 401)
    with pytest.raises(MassageNotADeviceError, match="401"):
        await rogue_client.info()


@pytest.mark.parametrize(
    "handler",
    [
        reply(None, 500, raw="<html>Internal Server Error</html>"),
        reply(None, 502, raw=""),
        reply({"error": {"code": 5, "message": "x"}}, 500),
        reply({"error": {"code": "", "message": "x"}}, 500),
        reply({"error": "internal"}, 500),
        reply(["error"], 404),
        reply(GUN_INFO, 204),
        reply(GUN_INFO, 201),
    ],
)
async def test_unexpected_status_is_invalid(
    rogue: Rogue, rogue_client: MassageClient, handler: Handler
) -> None:
    rogue.handlers["GET", "/api/v1/info"] = handler
    with pytest.raises(MassageInvalidResponseError, match="unexpected status"):
        await rogue_client.info()


async def test_redirect_is_not_followed(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/api/v1/elsewhere")

    rogue.handlers["GET", "/api/v1/info"] = redirect
    with pytest.raises(MassageInvalidResponseError, match="302"):
        await rogue_client.info()
    assert rogue.paths() == ["GET /api/v1/info"]


@pytest.mark.parametrize(
    "raw",
    ["{", "not json", '{"id": NaN', "\xff", "[" * 100_000 + "]" * 100_000],
    ids=["truncated", "text", "nan", "latin1", "deep"],
)
async def test_garbage_body_is_invalid(
    rogue: Rogue, rogue_client: MassageClient, raw: str
) -> None:
    rogue.handlers["GET", "/api/v1/info"] = reply(None, raw=raw)
    with pytest.raises(MassageInvalidResponseError):
        await rogue_client.info()


async def test_wrong_shape_is_invalid(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    state = fresh(GUN_STATE)
    state["level"] = "three"
    rogue.handlers["GET", "/api/v1/state"] = reply(state)
    with pytest.raises(MassageInvalidResponseError, match="level"):
        await rogue_client.state()


async def test_old_api_version_is_unsupported(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    info = fresh(GUN_INFO)
    info["api_version"] = 0
    rogue.handlers["GET", "/api/v1/info"] = reply(info)
    with pytest.raises(MassageUnsupportedError, match="version 0"):
        await rogue_client.info()
    assert rogue_client.capabilities is None


async def test_later_api_version_is_spoken(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    info = fresh(GUN_INFO)
    info["api_version"] = API_VERSION + 1
    info["capabilities"]["new_thing"] = True
    rogue.handlers["GET", "/api/v1/info"] = reply(info)
    assert (await rogue_client.info()).api_version == 2


async def test_request_timeout(rogue: Rogue) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await rogue.release.wait()
        return await reply(GUN_INFO)(request)

    rogue.handlers["GET", "/api/v1/info"] = slow
    async with MassageClient(
        "127.0.0.1", port=rogue.port, request_timeout=0.05
    ) as client:
        with pytest.raises(MassageTimeoutError):
            await client.info()


async def test_connection_dropped_mid_answer(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    async def drop(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    rogue.handlers["GET", "/api/v1/info"] = drop
    with pytest.raises(MassageConnectionError) as caught:
        await rogue_client.info()
    assert not isinstance(caught.value, MassageTimeoutError)


def _free_port() -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_refused_connection(socket_enabled: None) -> None:
    async with MassageClient("127.0.0.1", port=_free_port()) as client:
        with pytest.raises(MassageConnectionError):
            await client.info()
        with pytest.raises(MassageConnectionError):
            await client.listen(lambda _: None)
        assert not client.connected


@pytest.mark.parametrize("host", ["bad host", "exa mple.local", "[::1"])
async def test_invalid_host(host: str) -> None:
    async with MassageClient(host) as client:
        with pytest.raises(MassageConnectionError, match="invalid host"):
            await client.info()


async def test_own_session_is_closed(rogue: Rogue) -> None:
    client = MassageClient("127.0.0.1", port=rogue.port)
    await client.info()
    session = client._session
    assert session is not None
    assert not closed(session)
    await client.close()
    assert closed(session)
    await client.close()
    # A closed client may be used again; it makes itself a new session.
    await client.info()
    assert client._session is not session
    await client.close()


async def test_given_session_is_not_closed(rogue: Rogue) -> None:
    async with aiohttp.ClientSession() as session:
        async with MassageClient(
            "127.0.0.1", port=rogue.port, session=session
        ) as client:
            await client.info()
        assert not closed(session)
        await client.close()
        assert not closed(session)
        assert (await client.state()).on


async def test_session_with_raise_for_status(rogue: Rogue) -> None:
    rogue.handlers["GET", "/api/v1/info"] = reply(error_body("busy"), 503)
    async with (
        aiohttp.ClientSession(raise_for_status=True) as session,
        MassageClient("127.0.0.1", port=rogue.port, session=session) as client,
    ):
        with pytest.raises(MassageRequestError, match="busy"):
            await client.info()


# The push channel.


async def _listen_until(
    client: MassageClient, count: int, *, heartbeat: float = 5.0
) -> tuple[list[DeviceState], asyncio.Task[None]]:
    """Start listen() and wait until count states have arrived."""
    states: list[DeviceState] = []
    arrived = asyncio.Event()

    def callback(state: DeviceState) -> None:
        states.append(state)
        if len(states) >= count:
            arrived.set()

    task = asyncio.create_task(client.listen(callback, heartbeat=heartbeat))
    waiter = asyncio.create_task(arrived.wait())
    await asyncio.wait({task, waiter}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    return states, task


async def test_listen_and_disconnect(rogue: Rogue, rogue_client: MassageClient) -> None:
    on = fresh(GUN_STATE)
    off = dict(on, on=False, session_end=None, force=None)
    rogue.handlers["GET", "/api/v1/ws"] = push(state_message(on), state_message(off))
    states, task = await _listen_until(rogue_client, 2)
    assert [state.on for state in states] == [True, False]
    assert connected(rogue_client)
    await rogue_client.disconnect()
    assert not connected(rogue_client)
    await asyncio.wait_for(task, 5)
    assert task.result() is None
    assert not connected(rogue_client)
    assert rogue.paths() == ["GET /api/v1/info", "GET /api/v1/ws"]


async def test_listen_ignores_unknown_messages(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    rogue.handlers["GET", "/api/v1/ws"] = push(
        json.dumps({"type": "hello", "version": 2}), state_message()
    )
    states, task = await _listen_until(rogue_client, 1)
    assert len(states) == 1
    await rogue_client.disconnect()
    await task


async def test_listen_twice_is_refused(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    _, task = await _listen_until(rogue_client, 1)
    with pytest.raises(MassageError, match="already listening"):
        await rogue_client.listen(lambda _: None)
    await rogue_client.close()
    await task


async def test_listen_again_after_disconnect(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    for _ in range(2):
        states, task = await _listen_until(rogue_client, 1)
        assert len(states) == 1
        await rogue_client.disconnect()
        await task


@pytest.mark.parametrize(
    ("message", "match"),
    [
        ("not json", "invalid JSON"),
        ("[1, 2]", "pushed"),
        (json.dumps({"state": GUN_STATE}), "pushed"),
        (json.dumps({"type": 1}), "pushed"),
        (json.dumps({"type": "state"}), "lacks 'state'"),
        (json.dumps({"type": "state", "state": dict(GUN_STATE, level=0)}), "level"),
        (b"\x00\x01", "binary"),
    ],
)
async def test_listen_bad_message(
    rogue: Rogue, rogue_client: MassageClient, message: str | bytes, match: str
) -> None:
    rogue.handlers["GET", "/api/v1/ws"] = push(state_message(), message)
    states: list[DeviceState] = []
    with pytest.raises(MassageInvalidResponseError, match=match):
        await asyncio.wait_for(rogue_client.listen(states.append), 5)
    assert len(states) == 1
    assert not connected(rogue_client)


async def test_listen_server_closes(rogue: Rogue, rogue_client: MassageClient) -> None:
    async def close_soon(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(state_message())
        await ws.close()
        return ws

    rogue.handlers["GET", "/api/v1/ws"] = close_soon
    states: list[DeviceState] = []
    with pytest.raises(MassageConnectionClosedError, match="closed"):
        await asyncio.wait_for(rogue_client.listen(states.append), 5)
    assert len(states) == 1


async def test_listen_transport_dies(rogue: Rogue, rogue_client: MassageClient) -> None:
    async def die(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(state_message())
        assert request.transport is not None
        request.transport.abort()
        return ws

    rogue.handlers["GET", "/api/v1/ws"] = die
    with pytest.raises(MassageConnectionClosedError):
        await asyncio.wait_for(rogue_client.listen(lambda _: None), 5)


async def test_listen_protocol_violation(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    async def invalid_utf8(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(state_message())
        await ws.send_frame(b"\xff\xfe", aiohttp.WSMsgType.TEXT)
        async for _ in ws:
            pass
        return ws

    rogue.handlers["GET", "/api/v1/ws"] = invalid_utf8
    with pytest.raises(MassageConnectionClosedError, match="failed"):
        await asyncio.wait_for(rogue_client.listen(lambda _: None), 5)
    assert not connected(rogue_client)


async def test_listen_missed_heartbeat(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    async def deaf(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        await ws.send_str(state_message())
        async for _ in ws:  # never answers a ping
            pass
        return ws

    rogue.handlers["GET", "/api/v1/ws"] = deaf
    loop = asyncio.get_running_loop()
    states: list[DeviceState] = []
    started = loop.time()
    with pytest.raises(MassageConnectionClosedError, match="did not answer a ping"):
        await asyncio.wait_for(rogue_client.listen(states.append, heartbeat=0.1), 5)
    assert 0.2 <= loop.time() - started < 2
    assert len(states) == 1
    assert not connected(rogue_client)


async def test_listen_heartbeat_answered(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    """A quiet device that answers pings, and pings itself, keeps the socket."""
    seen: list[aiohttp.WSMsgType] = []

    async def quiet(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        await ws.send_str(state_message())
        await ws.ping(b"device")
        await ws.pong(b"unasked")
        async for message in ws:
            seen.append(message.type)
            if message.type is aiohttp.WSMsgType.PING:
                await ws.pong(message.data)
        return ws

    rogue.handlers["GET", "/api/v1/ws"] = quiet
    states, task = await _listen_until(rogue_client, 1, heartbeat=0.1)
    await asyncio.sleep(0.5)
    assert not task.done()
    assert connected(rogue_client)
    await rogue_client.disconnect()
    await asyncio.wait_for(task, 5)
    assert seen[0] is aiohttp.WSMsgType.PONG  # the answer to the device's ping
    assert seen.count(aiohttp.WSMsgType.PING) >= 2
    assert len(states) == 1


async def test_listen_ping_fails(
    rogue: Rogue, rogue_client: MassageClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: object, message: bytes = b"") -> None:
        raise aiohttp.ClientConnectionResetError("Cannot write to closing transport")

    monkeypatch.setattr(aiohttp.ClientWebSocketResponse, "ping", broken)
    with pytest.raises(MassageConnectionClosedError, match="closing transport"):
        await asyncio.wait_for(rogue_client.listen(lambda _: None, heartbeat=0.05), 5)


async def test_listen_needs_positive_heartbeat(rogue_client: MassageClient) -> None:
    with pytest.raises(ValueError, match="heartbeat"):
        await rogue_client.listen(lambda _: None, heartbeat=0)


async def test_listen_callback_error_closes_socket(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    def callback(state: DeviceState) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await asyncio.wait_for(rogue_client.listen(callback), 5)
    assert not connected(rogue_client)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, MassageAuthenticationError),
        (404, MassageConnectionError),
        (503, MassageConnectionError),
    ],
)
async def test_listen_handshake_refused(
    rogue: Rogue,
    rogue_client: MassageClient,
    status: int,
    error: type[MassageError],
) -> None:
    rogue.handlers["GET", "/api/v1/ws"] = reply(error_body("x"), status)
    with pytest.raises(error):
        await rogue_client.listen(lambda _: None)
    assert not connected(rogue_client)


async def test_listen_handshake_dropped(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    async def drop(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    rogue.handlers["GET", "/api/v1/ws"] = drop
    await rogue_client.info()
    with pytest.raises(MassageConnectionError, match="cannot open"):
        await rogue_client.listen(lambda _: None)


async def test_listen_handshake_timeout(rogue: Rogue) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await rogue.release.wait()
        return await push(state_message())(request)

    rogue.handlers["GET", "/api/v1/ws"] = slow
    async with MassageClient(
        "127.0.0.1", port=rogue.port, request_timeout=0.1
    ) as client:
        await client.info()
        with pytest.raises(MassageTimeoutError):
            await client.listen(lambda _: None)


async def test_disconnect_while_connecting(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    gate = asyncio.Event()
    knocked = asyncio.Event()

    async def gated(request: web.Request) -> web.StreamResponse:
        knocked.set()
        await gate.wait()
        return await push(state_message())(request)

    rogue.handlers["GET", "/api/v1/ws"] = gated
    states: list[DeviceState] = []
    task = asyncio.create_task(rogue_client.listen(states.append))
    await asyncio.wait_for(knocked.wait(), 5)
    await rogue_client.disconnect()
    gate.set()
    await asyncio.wait_for(task, 5)
    assert states == []
    assert not connected(rogue_client)


async def test_disconnect_during_callback(
    rogue: Rogue, rogue_client: MassageClient
) -> None:
    rogue.handlers["GET", "/api/v1/ws"] = push(state_message(), state_message())
    states: list[DeviceState] = []
    tasks: list[asyncio.Task[None]] = []

    def callback(state: DeviceState) -> None:
        states.append(state)
        tasks.append(asyncio.get_running_loop().create_task(rogue_client.disconnect()))

    await asyncio.wait_for(rogue_client.listen(callback), 5)
    await asyncio.gather(*tasks)
    assert 1 <= len(states) <= 2


async def test_listen_cancelled(rogue: Rogue, rogue_client: MassageClient) -> None:
    states, task = await _listen_until(rogue_client, 1)
    assert connected(rogue_client)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not connected(rogue_client)
    # Nothing is left that would refuse a new listen().
    states, task = await _listen_until(rogue_client, 1)
    assert len(states) == 1
    await rogue_client.disconnect()
    assert not connected(rogue_client)
    await task


async def test_disconnect_without_listen(rogue_client: MassageClient) -> None:
    await rogue_client.disconnect()
    assert not connected(rogue_client)

"""Fixtures for the API client tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import web
import pytest

from custom_components.massage.api import DeviceState, MassageClient
from emulator import DeviceProfile, DeviceServer, EmulatedDevice, gun_profile
from tests.tap import Tap

from .payloads import GUN_INFO, GUN_STATE

WAIT = 5.0
"""Seconds a test waits for something that should come at once."""

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the root fixture: the API client needs no Home Assistant instance."""


def reply(body: object, status: int = 200, *, raw: str | None = None) -> Handler:
    """Return a handler answering with a JSON body (or raw text) and a status."""

    async def handler(request: web.Request) -> web.StreamResponse:
        text = raw if raw is not None else json.dumps(body)
        return web.Response(text=text, status=status, content_type="application/json")

    return handler


def push(*messages: str | bytes) -> Handler:
    """Return a WebSocket handler that sends messages, then waits for the close."""

    async def handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        for message in messages:
            if isinstance(message, bytes):
                await ws.send_bytes(message)
            else:
                await ws.send_str(message)
        async for _ in ws:
            pass
        return ws

    return handler


def state_message(state: dict[str, Any] | None = None) -> str:
    """Return a pushed state message."""
    return json.dumps({"type": "state", "state": state or GUN_STATE})


@dataclass
class Rogue:
    """A programmable stand-in device for answers the emulator never gives."""

    port: int = 0
    handlers: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[tuple[str, str, bytes, str | None]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    """Set at teardown: handlers that stall wait for it, so none outlives a test."""

    def __post_init__(self) -> None:
        """Answer like the protocol page's gun by default."""
        self.handlers.update(
            {
                ("GET", "/api/v1/info"): reply(GUN_INFO),
                ("GET", "/api/v1/state"): reply(GUN_STATE),
                ("PATCH", "/api/v1/state"): reply(GUN_STATE),
                ("GET", "/api/v1/ws"): push(state_message()),
            }
        )

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        """Record a request and answer it with its handler."""
        body = await request.read()
        auth = request.headers.get("Authorization")
        self.requests.append((request.method, request.path, body, auth))
        handler = self.handlers.get((request.method, request.path))
        if handler is None:
            return await reply({"error": {"code": "not_found", "message": "no"}}, 404)(
                request
            )
        return await handler(request)

    def paths(self) -> list[str]:
        """Return method and path of every request so far."""
        return [f"{method} {path}" for method, path, _, _ in self.requests]


@pytest.fixture
async def rogue(socket_enabled: None) -> AsyncIterator[Rogue]:
    """Serve a Rogue device on 127.0.0.1."""
    device = Rogue()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", device.dispatch)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    device.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    yield device
    device.release.set()
    await runner.cleanup()


@pytest.fixture
async def rogue_client(rogue: Rogue) -> AsyncIterator[MassageClient]:
    """Yield a client of the Rogue device, with its own session."""
    client = MassageClient("127.0.0.1", port=rogue.port, request_timeout=2.0)
    yield client
    await client.close()


@dataclass
class Emulated:
    """A running emulated device and its server."""

    device: EmulatedDevice
    server: DeviceServer

    def client(self, **kwargs: Any) -> MassageClient:
        """Return a client of this device (the caller closes it)."""
        kwargs.setdefault("request_timeout", 2.0)
        return MassageClient("127.0.0.1", port=self.server.port, **kwargs)


type Emulate = Callable[..., Awaitable[Emulated]]


@pytest.fixture
async def emulate(socket_enabled: None) -> AsyncIterator[Emulate]:
    """Start emulated devices on 127.0.0.1; all are stopped at teardown."""
    running: list[Emulated] = []

    async def start(
        profile: DeviceProfile | None = None,
        *,
        minute_seconds: float = 60.0,
        token: str | None = None,
        **server_options: Any,
    ) -> Emulated:
        device = EmulatedDevice(profile or gun_profile(), minute_seconds=minute_seconds)
        server = DeviceServer(
            device, host="127.0.0.1", port=0, token=token, **server_options
        )
        await server.start()
        running.append(Emulated(device, server))
        return running[-1]

    yield start
    for emulated in running:
        await emulated.server.stop()
        emulated.device.close()


@pytest.fixture
async def gun(emulate: Emulate) -> Emulated:
    """Return a running emulated massage gun."""
    return await emulate()


@pytest.fixture
async def client(gun: Emulated) -> AsyncIterator[MassageClient]:
    """Yield a client of the emulated gun, with its own session."""
    client = gun.client()
    yield client
    await client.close()


class Listener:
    """Runs client.listen() in a task and queues the states it is handed."""

    def __init__(self, client: MassageClient, *, heartbeat: float = 5.0) -> None:
        """Start listening."""
        self.client = client
        self.states: asyncio.Queue[DeviceState] = asyncio.Queue()
        self.task = asyncio.create_task(
            client.listen(self.states.put_nowait, heartbeat=heartbeat)
        )

    async def next(
        self,
        predicate: Callable[[DeviceState], bool] = lambda _: True,
    ) -> DeviceState:
        """Return the next pushed state that matches; raise what listen() raised."""
        async with asyncio.timeout(WAIT):
            while True:
                getter = asyncio.ensure_future(self.states.get())
                try:
                    await asyncio.wait(
                        {getter, self.task}, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    getter.cancel()
                if getter.done() and not getter.cancelled():
                    state = getter.result()
                    if predicate(state):
                        return state
                    continue
                self.task.result()
                raise AssertionError("listen() returned")

    async def ended(self) -> None:
        """Wait for listen() to end, and raise what it raised."""
        await asyncio.wait_for(asyncio.shield(self.task), WAIT)

    async def stop(self) -> None:
        """Disconnect and wait for listen() to return normally."""
        await self.client.disconnect()
        await self.ended()


@pytest.fixture
async def tap(socket_enabled: None) -> AsyncIterator[Callable[[int], Awaitable[Tap]]]:
    """Start taps in front of device ports; all are closed at teardown."""
    taps: list[Tap] = []

    async def start(upstream: int) -> Tap:
        taps.append(await Tap.start(upstream))
        return taps[-1]

    yield start
    for relay in taps:
        await relay.close()

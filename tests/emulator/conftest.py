"""Fixtures for the emulator tests: devices, servers on 127.0.0.1 and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest

from emulator import DeviceProfile, DeviceServer, EmulatedDevice, gun_profile

type MakeDevice = Callable[..., EmulatedDevice]
type Serve = Callable[..., Awaitable[DeviceServer]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite-wide fixture: the emulator needs no Home Assistant."""


@pytest.fixture
def make_device() -> Iterator[MakeDevice]:
    """Create devices (a gun by default) whose timers are cancelled afterwards."""
    devices: list[EmulatedDevice] = []

    def make(profile: DeviceProfile | None = None, **kwargs: Any) -> EmulatedDevice:
        device = EmulatedDevice(profile or gun_profile(), **kwargs)
        devices.append(device)
        return device

    yield make
    for device in devices:
        device.close()


@pytest.fixture
async def serve(socket_enabled: None) -> AsyncIterator[Serve]:
    """Start servers on 127.0.0.1 that are stopped afterwards."""
    servers: list[DeviceServer] = []

    async def start(device: EmulatedDevice, **kwargs: Any) -> DeviceServer:
        server = DeviceServer(device, **kwargs)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """Return an HTTP client, closed afterwards."""
    async with aiohttp.ClientSession() as client:
        yield client

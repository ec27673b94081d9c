"""
Home Assistant for the benchmarks: the test harness's, with custom integrations.

`home_assistant()` runs the harness's `async_test_home_assistant` with the repository
root importable and custom integrations allowed, and with Home Assistant's
mDNS-capable resolver replaced by aiohttp's threaded one, so that no zeroconf socket
is opened (aiohttp never resolves an IP address such as 127.0.0.1, so this changes
no figure).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
import sys
from unittest.mock import patch

from aiohttp.resolver import ThreadedResolver

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import aiohttp_client, frame
from homeassistant.util.async_ import get_scheduled_timer_handles
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_test_home_assistant,
)

from custom_components.massage.coordinator import MassageCoordinator

# Bound on every wait for something that should take milliseconds.
TIMEOUT = 10.0


class _LoopbackResolver(ThreadedResolver):
    """Stands in for Home Assistant's mDNS resolver, which needs zeroconf."""

    async def real_close(self) -> None:
        """Close the resolver when Home Assistant closes (as its own does)."""
        await self.close()


def _make_resolver(hass: HomeAssistant) -> _LoopbackResolver:
    return _LoopbackResolver()


@asynccontextmanager
async def home_assistant(config_dir: str) -> AsyncIterator[HomeAssistant]:
    """Run a Home Assistant that loads custom integrations; stop it afterwards."""
    with patch.object(aiohttp_client, "_async_make_resolver", _make_resolver):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            frame.async_setup(hass)
            # What the test harness's enable_custom_integrations fixture does.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            try:
                yield hass
            finally:
                await hass.async_stop(force=True)


async def push_connected(coordinator: MassageCoordinator) -> None:
    """Wait until the coordinator follows the device's push channel."""
    connected: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @callback
    def _on_update() -> None:
        if coordinator.push_connected and not connected.done():
            connected.set_result(None)

    unsubscribe = coordinator.async_add_listener(_on_update)
    try:
        if not coordinator.push_connected:
            await asyncio.wait_for(connected, TIMEOUT)
    finally:
        unsubscribe()


def leftovers() -> list[str]:
    """Describe the tasks and timers still pending on the running loop."""
    loop = asyncio.get_running_loop()
    tasks = asyncio.all_tasks(loop) - {asyncio.current_task(loop)}
    timers = [
        handle for handle in get_scheduled_timer_handles(loop) if not handle.cancelled()
    ]
    return [f"lingering task {task!r}" for task in tasks] + [
        f"lingering timer {handle!r}" for handle in timers
    ]

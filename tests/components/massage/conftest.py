"""Fixtures: emulated devices on loopback, and config entries pointing at them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
import time
from typing import TYPE_CHECKING
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.debounce import Debouncer
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    get_scheduled_timer_handles,
)

from custom_components.massage.const import DOMAIN
from custom_components.massage.routines import is_routine_player
from emulator import DeviceServer, EmulatedDevice, foot_leg_profile, gun_profile

if TYPE_CHECKING:
    from .routine_helpers import Fired, Writes

# Captured before any test freezes the clock: waits are bounded in real time. Kept
# in a tuple, where freezing the clock does not replace it as it would a name.
_REAL_CLOCK = (time.monotonic, time.time)

GUN_ID = "gun-0001"
FOOT_LEG_ID = "footleg-0001"
# Snapshots need a fixed clock; the emulator reads the same frozen one.
FROZEN_NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A configuration of each test's own: the integration installs sentences there."""
    return hass_tmp_config_dir


@pytest.fixture
def frozen_time(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Fix the clock for tests that compare absolute times."""
    freezer.move_to(FROZEN_NOW)
    return freezer


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the entities that are disabled by default, to test them too."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@asynccontextmanager
async def serve(
    hass: HomeAssistant, device: EmulatedDevice
) -> AsyncIterator[DeviceServer]:
    """Run an emulated device on a loopback port for one test.

    Entries are removed before the device goes away, as a person would remove
    the integration before unplugging the massager.
    """
    server = DeviceServer(device)
    await server.start()
    try:
        yield server
    finally:
        for entry in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
        await server.stop()
        device.close()


@pytest.fixture
async def gun_server(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncGenerator[DeviceServer]:
    """An emulated massage gun on a loopback port."""
    async with serve(hass, EmulatedDevice(gun_profile(device_id=GUN_ID))) as server:
        yield server


@pytest.fixture
async def foot_leg_server(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncGenerator[DeviceServer]:
    """An emulated foot and leg massager on a loopback port."""
    device = EmulatedDevice(foot_leg_profile(device_id=FOOT_LEG_ID))
    async with serve(hass, device) as server:
        yield server


@pytest.fixture
async def second_gun(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncGenerator[DeviceServer]:
    """Another emulated massage gun."""
    device = EmulatedDevice(gun_profile(device_id="gun-0002", name="Second Gun"))
    async with serve(hass, device) as server:
        yield server


@pytest.fixture
async def unheated_foot_leg(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncGenerator[DeviceServer]:
    """A second foot and leg massager, without a heater (one on a smart plug, say)."""
    profile = replace(
        foot_leg_profile(device_id="footleg-0002", name="Plug Massager"),
        heat_levels=0,
        heat_cutoff_minutes=None,
    )
    async with serve(hass, EmulatedDevice(profile)) as server:
        yield server


def entry_for(server: DeviceServer, *, token: str | None = None) -> MockConfigEntry:
    """A config entry for the device behind `server`."""
    data = {CONF_HOST: "127.0.0.1", CONF_PORT: server.port}
    if token is not None:
        data[CONF_TOKEN] = token
    return MockConfigEntry(
        domain=DOMAIN,
        title=server.device.info()["name"],
        unique_id=server.device.info()["id"],
        data=data,
    )


def massager_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    """The entries of massagers: all but the routine player's."""
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if not is_routine_player(entry)
    ]


async def wait_for(
    hass: HomeAssistant, condition: Callable[[], bool], limit: float = 10
) -> float:
    """Wait, in real time, until `condition()` holds; return how long it took.

    It yields with zero-length sleeps, which still let sockets be read, so it
    also works while a test has frozen the clock.
    """
    real_monotonic, real_time = _REAL_CLOCK
    start = real_monotonic()
    while not condition():
        assert real_monotonic() - start < limit, "condition not reached in time"
        await asyncio.sleep(0)
        if time.time is not real_time:
            # A frozen clock never ends a cool-down, as real time would.
            end_push_cool_downs(hass)
        await hass.async_block_till_done()
    return real_monotonic() - start


def end_push_cool_downs(hass: HomeAssistant) -> None:
    """Show now the pushed states that coordinators hold back for a cool-down.

    Only these timers run: moving the clock would also fire the devices' own
    timers and the push channels' heartbeats.
    """
    for handle in get_scheduled_timer_handles(hass.loop):
        debouncer = getattr(handle._callback, "__self__", None)
        if (
            isinstance(debouncer, Debouncer)
            and getattr(debouncer.function, "__name__", None) == "_async_show_pushed"
            and not handle.cancelled()
        ):
            callback = handle._callback
            handle.cancel()
            callback()


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Move the frozen clock on and run what fell due, device timers included."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add (unless added) and set up an entry; wait for its push channel if loaded."""
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    if entry.state is ConfigEntryState.LOADED:
        await wait_for(hass, lambda: entry.runtime_data.coordinator.push_connected)


async def setup_entry_with(
    hass: HomeAssistant, server: DeviceServer, **options: int
) -> MockConfigEntry:
    """Add and set up an entry for the device behind `server`, with these options."""
    entry = entry_for(server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options=options)
    await setup_entry(hass, entry)
    return entry


@pytest.fixture
async def gun_entry(hass: HomeAssistant, gun_server: DeviceServer) -> MockConfigEntry:
    """A loaded entry for the emulated gun."""
    entry = entry_for(gun_server)
    await setup_entry(hass, entry)
    return entry


@pytest.fixture
async def foot_leg_entry(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> MockConfigEntry:
    """A loaded entry for the emulated foot and leg massager."""
    entry = entry_for(foot_leg_server)
    await setup_entry(hass, entry)
    return entry


@pytest.fixture
async def recorded(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
) -> AsyncGenerator[tuple[Writes, Writes, Fired]]:
    """Both devices and the routine player, with their writes and events recorded."""
    # Imported here: the routine helpers build on this module.
    from .routine_helpers import recording  # noqa: PLC0415

    async with recording(hass, freezer, gun_server, foot_leg_server) as (
        (gun, foot_leg),
        fired,
    ):
        yield gun, foot_leg, fired

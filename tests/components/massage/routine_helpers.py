"""Helpers for the routine tests: the player, what devices received, what fired."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import (
    Context,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.massage.const import DOMAIN
from custom_components.massage.routines import RoutinePlayer, is_routine_player
from emulator import DeviceServer

from .conftest import FROZEN_NOW, entry_for, setup_entry, wait_for

PLAYER = "massage_routines"
EVENT_ENTITY = f"event.{PLAYER}_routine"
# The write that switches a device off, as the devices record it.
OFF: Final = {"on": False}
# The name of the person signed in to Home Assistant who uses the dashboard.
PERSON: Final = "A person"
STEP_SENSOR = f"sensor.{PLAYER}_current_step"
END_SENSOR = f"sensor.{PLAYER}_routine_end"
SELECT = f"select.{PLAYER}_routine"


def button(name: str) -> str:
    """The entity id of one of the player's buttons."""
    return f"button.{PLAYER}_{name}"


def player_entry(hass: HomeAssistant) -> ConfigEntry[RoutinePlayer]:
    """The routine player's entry; there must be exactly one."""
    (entry,) = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if is_routine_player(entry)
    ]
    return entry


def player(hass: HomeAssistant) -> RoutinePlayer:
    """The loaded routine player."""
    entry = player_entry(hass)
    assert entry.state is ConfigEntryState.LOADED
    return entry.runtime_data


def device_id(hass: HomeAssistant, server: DeviceServer) -> str:
    """The device registry id of an emulated device."""
    entry = entry_of(hass, server)
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert device is not None
    return device.id


@dataclass
class Writes:
    """Every write a device took, with the seconds since the recording began."""

    start: datetime
    log: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def since(self, count: int) -> list[tuple[float, dict[str, Any]]]:
        """The writes after the first `count`."""
        return self.log[count:]


def record_writes(server: DeviceServer) -> Writes:
    """Record the writes that reach an emulated device, and when."""
    device = server.device
    writes = Writes(dt_util.utcnow())
    original = device.write

    def write(changes: Mapping[str, object]) -> Any:
        elapsed = (dt_util.utcnow() - writes.start).total_seconds()
        writes.log.append((elapsed, dict(changes)))
        return original(changes)

    device.write = write  # type: ignore[method-assign]
    return writes


@dataclass
class Fired:
    """The events the player's event entity fired, in order."""

    start: datetime
    log: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)

    @property
    def types(self) -> list[str]:
        """The event types, in order."""
        return [event_type for _, event_type, _ in self.log]

    def last(self, event_type: str) -> dict[str, Any]:
        """The data of the last event of a type."""
        return next(data for _, kind, data in reversed(self.log) if kind == event_type)


def record_events(hass: HomeAssistant) -> Fired:
    """Record every event the player fires, with the seconds since recording began."""
    fired = Fired(dt_util.utcnow())
    skip = {"event_type", "event_types", "friendly_name", "icon"}

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        if state is None or state.attributes.get("event_type") is None:
            return
        elapsed = (dt_util.utcnow() - fired.start).total_seconds()
        data = {k: v for k, v in state.attributes.items() if k not in skip}
        fired.log.append((elapsed, state.attributes["event_type"], data))

    async_track_state_change_event(hass, [EVENT_ENTITY], changed)
    return fired


# Heartbeats measure real silence, which virtual time does not have: a jump of
# the clock would look like a dead peer. Routine tests stretch them past any jump.
QUIET: Final = 86400.0


@contextmanager
def quiet_heartbeats(*servers: DeviceServer) -> Iterator[None]:
    """Let the clock jump without the push channels taking it for silence."""
    for server in servers:
        server.heartbeat = QUIET
    with patch("custom_components.massage.drivers.local_api.PUSH_HEARTBEAT", QUIET):
        yield


async def setup_devices(hass: HomeAssistant, *servers: DeviceServer) -> None:
    """Set up an entry for each emulated device; the player comes with the first."""
    for server in servers:
        await setup_entry(hass, entry_for(server))
    # The player's flow runs in the background, as discovery flows do.
    await wait_for(hass, lambda: player_loaded(hass))


def player_loaded(hass: HomeAssistant) -> bool:
    """Whether the routine player's entry is loaded."""
    return any(
        is_routine_player(entry) and entry.state is ConfigEntryState.LOADED
        for entry in hass.config_entries.async_entries(DOMAIN)
    )


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta | float
) -> None:
    """Move the clock on by `delta` (seconds or a timedelta) and run what falls due."""
    freezer.tick(delta if isinstance(delta, timedelta) else timedelta(seconds=delta))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@asynccontextmanager
async def recording(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, *servers: DeviceServer
) -> AsyncIterator[tuple[list[Writes], Fired]]:
    """Set up the devices and the player at a fixed time; record writes and events."""
    freezer.move_to(FROZEN_NOW)
    with quiet_heartbeats(*servers):
        await setup_devices(hass, *servers)
        yield [record_writes(server) for server in servers], record_events(hass)


async def by_person(hass: HomeAssistant) -> Context:
    """The context of a signed-in person's request, as the dashboard sends it."""
    users = await hass.auth.async_get_users()
    user = next((user for user in users if user.name == PERSON), None)
    if user is None:
        user = await hass.auth.async_create_user(PERSON, group_ids=["system-users"])
    return Context(user_id=user.id)


async def confirm(hass: HomeAssistant) -> None:
    """Confirm the waiting gun step, as a person does."""
    await call(hass, "confirm_step", await by_person(hass))


async def call(
    hass: HomeAssistant, action: str, context: Context | None = None, **data: object
) -> None:
    """Call one of the integration's actions and wait for it."""
    await hass.services.async_call(DOMAIN, action, data, blocking=True, context=context)


async def refused(
    hass: HomeAssistant, action: str, **data: object
) -> ServiceValidationError:
    """Call an action that must be refused; return the error."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, action, **data)
    return err.value


def entry_of(hass: HomeAssistant, server: DeviceServer) -> ConfigEntry[Any]:
    """The entry of an emulated device."""
    entry = hass.config_entries.async_entry_for_domain_unique_id(
        DOMAIN, server.device.info()["id"]
    )
    assert entry is not None
    return entry

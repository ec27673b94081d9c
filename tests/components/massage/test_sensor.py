"""Tests of the sensors of a session: when it ends, and the massage time in all."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
import dataclasses
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State
from homeassistant.helpers import restore_state
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    mock_restore_cache_with_extra_data,
)

from custom_components.massage.const import CONF_SESSION_CAP, DOMAIN
from emulator import DeviceServer, EmulatedDevice, foot_leg_profile

from .conftest import (
    FOOT_LEG_ID,
    FROZEN_NOW,
    advance,
    serve,
    setup_entry_with,
    wait_for,
)
from .routine_helpers import quiet_heartbeats

FOOT = "fan.foot_and_leg_massager"
SESSION_END = "sensor.foot_and_leg_massager_session_end"
MASSAGE_TIME = "sensor.foot_and_leg_massager_massage_time"


@pytest.fixture
async def short_timer_server(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncGenerator[DeviceServer]:
    """A foot massager whose timer can be set to a single minute."""
    profile = dataclasses.replace(
        foot_leg_profile(device_id=FOOT_LEG_ID), timer_options=(1, 10, 15)
    )
    async with serve(hass, EmulatedDevice(profile)) as server:
        yield server


@pytest.fixture
def clock(
    freezer: FrozenDateTimeFactory, foot_leg_server: DeviceServer
) -> Iterator[FrozenDateTimeFactory]:
    """A fixed clock that may jump without the push channel taking it for silence."""
    freezer.move_to(FROZEN_NOW)
    with quiet_heartbeats(foot_leg_server):
        yield freezer


async def session(hass: HomeAssistant, minutes: int = 30) -> None:
    """Start a session with a timer of `minutes`."""
    await hass.services.async_call(
        DOMAIN, "start_session", {"entity_id": FOOT, "minutes": minutes}, blocking=True
    )


async def stop(hass: HomeAssistant) -> None:
    """Stop the session from its fan."""
    await hass.services.async_call(
        "fan", "turn_off", {"entity_id": FOOT}, blocking=True
    )


def massage_time(hass: HomeAssistant) -> float:
    """The massage time shown, in minutes."""
    return float(hass.states.get(MASSAGE_TIME).state)


def record(hass: HomeAssistant) -> list[float]:
    """Record every massage time written from now on."""
    written: list[float] = []

    def changed(event: Event[EventStateChangedData]) -> None:
        # As the entry goes at the end of a test, the entity's state goes too.
        if (state := event.data["new_state"]) is not None and state.state not in (
            "unavailable",
            "unknown",
        ):
            written.append(float(state.state))

    async_track_state_change_event(hass, [MASSAGE_TIME], changed)
    return written


# Session ends


@pytest.mark.parametrize(
    ("cap", "timer", "shown"),
    [
        pytest.param(1, 10, timedelta(minutes=1), id="1-minute cap, 10-minute timer"),
        pytest.param(10, 1, timedelta(minutes=1), id="10-minute cap, 1-minute timer"),
        pytest.param(
            15, 10, timedelta(minutes=10), id="15-minute cap, 10-minute timer"
        ),
    ],
)
async def test_session_end_is_the_earlier_of_timer_and_cap(
    hass: HomeAssistant,
    frozen_time: FrozenDateTimeFactory,
    short_timer_server: DeviceServer,
    cap: int,
    timer: int,
    shown: timedelta,
) -> None:
    """The sensor shows when the session ends: at the cap, or by the timer first."""
    await setup_entry_with(hass, short_timer_server, **{CONF_SESSION_CAP: cap})
    await session(hass, timer)

    ends = dt_util.parse_datetime(hass.states.get(SESSION_END).state)
    assert ends == FROZEN_NOW + shown
    await advance(hass, frozen_time, shown)
    await wait_for(hass, lambda: hass.states.get(SESSION_END).state == "unknown")
    assert not short_timer_server.device.state.on


# Massage time


async def test_massage_time_adds_up_across_sessions(
    hass: HomeAssistant, clock: FrozenDateTimeFactory, foot_leg_server: DeviceServer
) -> None:
    """Each session adds its minutes; a running one counts minute by minute."""
    await setup_entry_with(hass, foot_leg_server)
    written = record(hass)
    assert massage_time(hass) == 0.0

    await session(hass)
    await advance(hass, clock, timedelta(minutes=3))
    assert massage_time(hass) == 3.0
    await stop(hass)
    assert massage_time(hass) == 3.0
    await advance(hass, clock, timedelta(minutes=10))
    assert massage_time(hass) == 3.0

    await session(hass)
    await advance(hass, clock, timedelta(minutes=2, seconds=30))
    await stop(hass)
    assert massage_time(hass) == 5.5

    # Written once a minute while running, with nothing from the device.
    await session(hass)
    before = len(written)
    for minute in range(1, 4):
        await advance(hass, clock, timedelta(minutes=1))
        assert massage_time(hass) == 5.5 + minute
    assert len(written) == before + 3
    await stop(hass)
    assert massage_time(hass) == 8.5
    assert written == sorted(written)


async def test_massage_time_across_midnight_and_days(
    hass: HomeAssistant, clock: FrozenDateTimeFactory, foot_leg_server: DeviceServer
) -> None:
    """A session over midnight counts on both sides; the next day adds to it."""
    await setup_entry_with(hass, foot_leg_server)
    written = record(hass)
    midnight = dt_util.start_of_local_day(dt_util.now() + timedelta(days=1))
    clock.move_to(midnight - timedelta(minutes=10))

    await session(hass)
    await advance(hass, clock, timedelta(minutes=10, seconds=30))
    assert dt_util.now().date() == midnight.date()
    assert massage_time(hass) == 10.5
    await advance(hass, clock, timedelta(minutes=9, seconds=30))
    await stop(hass)
    assert massage_time(hass) == 20.0

    clock.move_to(midnight + timedelta(days=1, hours=7))
    await session(hass)
    await advance(hass, clock, timedelta(minutes=15))
    await stop(hass)
    assert massage_time(hass) == 35.0
    assert written == sorted(written)


async def test_massage_time_kept_while_unavailable(
    hass: HomeAssistant, clock: FrozenDateTimeFactory, foot_leg_server: DeviceServer
) -> None:
    """A device that vanishes keeps its massage time, counted until it went."""
    await setup_entry_with(hass, foot_leg_server)
    await session(hass)
    await advance(hass, clock, timedelta(minutes=4))
    await foot_leg_server.stop()
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "unavailable")

    assert massage_time(hass) == 4.0
    await advance(hass, clock, timedelta(minutes=5))
    assert massage_time(hass) == 4.0


async def test_massage_time_counts_a_reloaded_session_once(
    hass: HomeAssistant, clock: FrozenDateTimeFactory, foot_leg_server: DeviceServer
) -> None:
    """A reload hands the session over: its minutes are neither lost nor doubled."""
    entry = await setup_entry_with(hass, foot_leg_server)
    await session(hass)
    await advance(hass, clock, timedelta(minutes=4))
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert massage_time(hass) == 4.0

    await advance(hass, clock, timedelta(minutes=2))
    assert massage_time(hass) == 6.0
    await stop(hass)
    assert massage_time(hass) == 6.0
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert massage_time(hass) == 6.0


async def test_massage_time_stored_as_home_assistant_stops(
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    hass_storage: dict[str, Any],
) -> None:
    """What is stored at a stop is the time until then, the session's too.

    Home Assistant stores the states as it stops, before or after the session
    ends for it: either way, the same time.
    """

    async def stored() -> dict[str, Any]:
        await restore_state.async_get(hass).async_dump_states()
        (item,) = [
            item
            for item in hass_storage[restore_state.STORAGE_KEY]["data"]
            if item["state"]["entity_id"] == MASSAGE_TIME
        ]
        return dict(item["extra_data"])

    await setup_entry_with(hass, foot_leg_server)
    await session(hass)
    await advance(hass, clock, timedelta(minutes=3))
    await stop(hass)
    await session(hass)
    await advance(hass, clock, timedelta(minutes=4))
    expected = {
        "native_value": pytest.approx(7.0),
        "native_unit_of_measurement": "min",
        "counted_until": dt_util.utcnow().isoformat(),
    }
    assert await stored() == expected

    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert not foot_leg_server.device.state.on
    assert massage_time(hass) == 7.0
    assert await stored() == expected


def _restored(value: object, counted_until: object) -> tuple[State, dict[str, Any]]:
    return (
        State(MASSAGE_TIME, str(value)),
        {
            "native_value": value,
            "native_unit_of_measurement": "min",
            "counted_until": counted_until,
        },
    )


async def test_massage_time_restored_after_a_restart(
    hass: HomeAssistant, clock: FrozenDateTimeFactory, foot_leg_server: DeviceServer
) -> None:
    """Restored, the time goes on from where it was."""
    before = (dt_util.utcnow() - timedelta(hours=3)).isoformat()
    mock_restore_cache_with_extra_data(hass, [_restored(42.25, before)])
    await setup_entry_with(hass, foot_leg_server)
    assert massage_time(hass) == 42.2

    await session(hass)
    await advance(hass, clock, timedelta(minutes=2))
    await stop(hass)
    assert massage_time(hass) == 44.2


async def test_massage_time_after_a_restart_with_the_device_running(
    hass: HomeAssistant, clock: FrozenDateTimeFactory, foot_leg_server: DeviceServer
) -> None:
    """A session found running counts from when Home Assistant saw it, not before."""
    now = dt_util.utcnow()
    mock_restore_cache_with_extra_data(hass, [_restored(10.0, now.isoformat())])
    clock.tick(timedelta(minutes=30))
    foot_leg_server.device.write({"on": True, "timer": 30})
    await setup_entry_with(hass, foot_leg_server)
    assert massage_time(hass) == 10.0
    await advance(hass, clock, timedelta(minutes=5))
    assert massage_time(hass) == 15.0


@pytest.mark.parametrize(
    ("value", "counted_until", "restored"),
    [
        ("not a number", None, 0.0),
        (-5, None, 0.0),
        ("nan", None, 0.0),
        ("inf", None, 0.0),
        (True, None, 0.0),
        (None, None, 0.0),
        ({"__type": "<class 'decimal.Decimal'>", "decimal_str": "x"}, None, 0.0),
        (5.0, "yesterday", 5.0),
        (5.0, "2026-11-24T07:00:00", 5.0),
        (5.0, "9999-99-99T00:00:00+00:00", 5.0),
        (5.0, 12, 5.0),
    ],
)
async def test_massage_time_restored_from_garbage(
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    value: object,
    counted_until: object,
    restored: float,
) -> None:
    """Stored data that is no massage time starts from nothing; nothing breaks."""
    mock_restore_cache_with_extra_data(hass, [_restored(value, counted_until)])
    await setup_entry_with(hass, foot_leg_server)
    assert massage_time(hass) == restored

    await session(hass)
    await advance(hass, clock, timedelta(minutes=1))
    await stop(hass)
    assert massage_time(hass) == restored + 1

"""Tests of the push-fed coordinator: reconnects, polling fallback and availability."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage.const import (
    POLL_INTERVAL,
    RECONNECT_MAX_DELAY,
    RECONNECT_MIN_DELAY,
)
from custom_components.massage.coordinator import reconnect_delay
from custom_components.massage.drivers.local_api import LocalApiDriver
from emulator import DeviceServer

from .conftest import entry_for, setup_entry, wait_for

FOOT = "fan.foot_and_leg_massager"


@pytest.fixture(autouse=True)
def fast_reconnect() -> None:
    """Reconnect at once: these tests are about what happens, not how long it waits."""
    with patch(
        "custom_components.massage.coordinator.reconnect_delay", return_value=0.05
    ):
        yield


def test_reconnect_delay_grows_to_a_cap_with_jitter() -> None:
    """Delays grow from the minimum, never exceed the cap, and never drop to zero."""
    for attempt in range(12):
        ceiling = min(RECONNECT_MAX_DELAY, RECONNECT_MIN_DELAY * 2**attempt)
        delays = {reconnect_delay(attempt) for _ in range(20)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1


async def test_push_follows_device_changes(
    hass: HomeAssistant, foot_leg_server: DeviceServer, foot_leg_entry: MockConfigEntry
) -> None:
    """A change made on the device itself shows without polling."""
    coordinator = foot_leg_entry.runtime_data.coordinator
    assert coordinator.push_connected
    assert coordinator.update_interval is None
    foot_leg_server.device.press_power()
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")


async def test_dropped_push_reconnects(
    hass: HomeAssistant, foot_leg_server: DeviceServer, foot_leg_entry: MockConfigEntry
) -> None:
    """A dropped WebSocket comes back, and the entity never goes unavailable."""
    coordinator = foot_leg_entry.runtime_data.coordinator
    seen: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            seen.append(event.data["new_state"].state)
            if event.data["entity_id"] == FOOT and event.data["new_state"]
            else None
        ),
    )
    foot_leg_server.drop_websockets()
    await wait_for(hass, lambda: not coordinator.push_connected, limit=5)
    await wait_for(hass, lambda: coordinator.push_connected)
    foot_leg_server.device.press_power()
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")
    assert STATE_UNAVAILABLE not in seen


async def test_vanished_device_turns_unavailable_and_back(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    foot_leg_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unavailable within 10 s, one log line going and one coming back."""
    coordinator = foot_leg_entry.runtime_data.coordinator
    caplog.set_level(logging.INFO, logger="custom_components.massage")
    foot_leg_server.faults.refuse_connections = True
    took = await wait_for(
        hass, lambda: hass.states.get(FOOT).state == STATE_UNAVAILABLE
    )
    assert took < 10
    assert coordinator.update_interval == POLL_INTERVAL
    # Reconnect attempts go on while it is away, without more log lines.
    await asyncio.sleep(0.3)
    await hass.async_block_till_done()

    foot_leg_server.faults.refuse_connections = False
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "off")
    assert coordinator.push_connected
    going = [r for r in caplog.records if r.levelno >= logging.ERROR]
    coming = [r for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(going) == 1
    assert len(coming) == 1


async def test_silent_peer_falls_back_to_polling(
    hass: HomeAssistant, foot_leg_server: DeviceServer, foot_leg_entry: MockConfigEntry
) -> None:
    """A push peer that stops answering is noticed; polling takes over."""
    coordinator = foot_leg_entry.runtime_data.coordinator
    foot_leg_server.faults.silent_websocket = True
    took = await wait_for(hass, lambda: not coordinator.push_connected, limit=12)
    assert took < 10
    assert hass.states.get(FOOT).state == "off"
    assert coordinator.update_interval == POLL_INTERVAL


async def test_refused_push_starts_reauth(
    hass: HomeAssistant, foot_leg_server: DeviceServer, foot_leg_entry: MockConfigEntry
) -> None:
    """A token refused on reconnect asks the user for a new one."""
    foot_leg_server.token = "changed"
    foot_leg_server.drop_websockets()
    await wait_for(
        hass,
        lambda: any(
            flow["context"]["source"] == SOURCE_REAUTH
            for flow in hass.config_entries.flow.async_progress()
        ),
    )


async def test_dead_peer_turns_unavailable_within_ten_seconds(
    hass: HomeAssistant, foot_leg_server: DeviceServer, foot_leg_entry: MockConfigEntry
) -> None:
    """A device that vanishes without closing anything is noticed in time."""
    foot_leg_server.faults.silent_websocket = True
    foot_leg_server.faults.latency = 30
    took = await wait_for(
        hass, lambda: hass.states.get(FOOT).state == STATE_UNAVAILABLE, limit=12
    )
    assert took < 10
    foot_leg_server.faults.clear()


async def test_echo_of_own_write_is_not_applied_twice(
    hass: HomeAssistant, foot_leg_server: DeviceServer, foot_leg_entry: MockConfigEntry
) -> None:
    """The push that echoes our own write does not make entities write again."""
    coordinator = foot_leg_entry.runtime_data.coordinator
    updates: list[object] = []
    unsubscribe = coordinator.async_add_listener(lambda: updates.append(None))
    await hass.services.async_call(
        "fan", "turn_on", {"entity_id": FOOT, "percentage": 100}, blocking=True
    )
    assert len(updates) == 1
    # The echo arrives over loopback well within this.
    await asyncio.sleep(0.2)
    await hass.async_block_till_done()
    assert len(updates) == 1
    foot_leg_server.device.press_power()
    await wait_for(hass, lambda: len(updates) == 2)
    unsubscribe()


async def test_no_polling_while_push_is_up(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """With push up the device is never polled; once push is down it is, regularly."""
    # Home Assistant schedules polls on whole loop seconds, so a poll set up at
    # start would come between 0.55 s and 2 s after it.
    interval = timedelta(seconds=1.5)
    real_fetch_state = LocalApiDriver.async_fetch_state
    with (
        patch("custom_components.massage.coordinator.POLL_INTERVAL", interval),
        patch("custom_components.massage.drivers.local_api.PUSH_HEARTBEAT", 0.3),
        patch.object(
            LocalApiDriver,
            "async_fetch_state",
            autospec=True,
            side_effect=real_fetch_state,
        ) as fetch_state,
    ):
        entry = entry_for(foot_leg_server)
        await setup_entry(hass, entry)
        coordinator = entry.runtime_data.coordinator
        assert fetch_state.call_count == 1  # the first refresh, before push is up
        await asyncio.sleep(2.1)
        await hass.async_block_till_done()
        assert fetch_state.call_count == 1

        foot_leg_server.faults.silent_websocket = True
        await wait_for(hass, lambda: not coordinator.push_connected)
        polls_at_loss = fetch_state.call_count
        await wait_for(hass, lambda: fetch_state.call_count >= polls_at_loss + 1)
        assert coordinator.update_interval == interval


@pytest.mark.parametrize("fault", ["malformed_json", "wrong_types"])
async def test_garbled_device_turns_unavailable_and_recovers(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    foot_leg_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    """Garbage from the device is refused, never shown, and nothing crashes."""
    setattr(foot_leg_server.faults, fault, True)
    foot_leg_server.device.press_power()  # a push, garbled on the way
    await wait_for(hass, lambda: hass.states.get(FOOT).state == STATE_UNAVAILABLE)
    assert "answered with something unexpected" in caplog.text

    setattr(foot_leg_server.faults, fault, False)
    await wait_for(hass, lambda: hass.states.get(FOOT).state == "on")

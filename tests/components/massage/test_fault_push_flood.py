"""Fault: a device that pushes thousands of states a second."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from homeassistant.core import Event, EventStateChangedData, HomeAssistant

from custom_components.massage.coordinator import MassageCoordinator
from emulator import DeviceServer

from .conftest import end_push_cool_downs, entry_for, setup_entry, wait_for

FORCE = "sensor.massage_gun_force"
# States a second; the emulator changes the force reading that often.
FLOOD_RATE = 5000
FLOOD_STATES = 2000
# Longer than the test, so that only this test ends a cool-down.
COOL_DOWN = timedelta(hours=1)


async def test_push_flood_is_coalesced_and_the_last_state_shown(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """During a flood each entity writes once per interval; the last state shows."""
    received: list[object] = []
    handle_push = MassageCoordinator._async_handle_push

    def counting_handle_push(self: MassageCoordinator, state: object) -> None:
        received.append(state)
        handle_push(self, state)  # type: ignore[arg-type]

    with (
        patch("custom_components.massage.coordinator.PUSH_COALESCE", COOL_DOWN),
        patch.object(MassageCoordinator, "_async_handle_push", counting_handle_push),
    ):
        entry = entry_for(gun_server)
        await setup_entry(hass, entry)
        device = gun_server.device
        device.press_power()
        await wait_for(hass, lambda: bool(received) and received[-1].on)  # type: ignore[attr-defined]
        end_push_cool_downs(hass)
        await hass.async_block_till_done()
        assert hass.states.get(FORCE).state == "0.0"
        end_push_cool_downs(hass)
        await hass.async_block_till_done()

        writes: list[str] = []

        def count_write(event: Event[EventStateChangedData]) -> None:
            if event.data["entity_id"] == FORCE:
                writes.append(event.data["new_state"].state)

        unsubscribe = hass.bus.async_listen("state_changed", count_write)
        before = len(received)
        gun_server.faults.push_flood = FLOOD_RATE
        await wait_for(hass, lambda: len(received) - before >= FLOOD_STATES)
        gun_server.faults.push_flood = 0
        last = device.state
        await wait_for(hass, lambda: received[-1].force == last.force)  # type: ignore[attr-defined]
        flooded = len(received) - before

        # The first state of the flood shows at once; the rest wait for the
        # end of the cool-down, however many there were.
        assert flooded >= FLOOD_STATES
        assert len(writes) == 1
        end_push_cool_downs(hass)
        await hass.async_block_till_done()
        assert len(writes) == 2
        assert float(hass.states.get(FORCE).state) == last.force
        unsubscribe()

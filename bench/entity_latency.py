"""Measure Home Assistant action and push latency of a massager against floors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
import logging
from pathlib import Path
import sys
import tempfile
import time
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import figures  # beside this script
import harness  # beside this script
from homeassistant import runner
from homeassistant.components.fan import (
    ATTR_PERCENTAGE,
    DOMAIN as FAN_DOMAIN,
    SERVICE_SET_PERCENTAGE,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_HOST,
    CONF_PORT,
    EVENT_STATE_CHANGED,
    SERVICE_TURN_ON,
    __version__ as ha_version,
)
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    ServiceCall,
    callback,
)
from homeassistant.helpers import aiohttp_client
from homeassistant.util.percentage import ranged_value_to_percentage
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.massage.api import DeviceState, MassageClient
from custom_components.massage.const import DOMAIN
from custom_components.massage.coordinator import MassageCoordinator
from custom_components.massage.drivers.local_api import LocalApiDriver
from emulator import DeviceServer, EmulatedDevice, foot_leg_profile

HOST = "127.0.0.1"
DEVICE_ID = "footleg-bench"
ENTITY_ID = "fan.foot_and_leg_massager"
# Long protocol minutes: no session end lands inside the run.
MINUTE_SECONDS = 3600.0
# Bound on every wait for something that should take milliseconds.
TIMEOUT = 10.0
FLOOR_DOMAIN = "bench"
FLOOR_SERVICE = "floor"
FLOOR_ENTITY = "bench.floor"


class _CoordinatorWatch:
    """Tells when the coordinator has taken a given level a given number of times.

    A write from Home Assistant reaches the listeners once (the device's answer;
    the coordinator drops the push that echoes it); a write from elsewhere once (the
    push). Waiting for them, and for the echo to drain,
    between samples keeps one sample's traffic out of the next one's timing.
    """

    def __init__(self, coordinator: MassageCoordinator) -> None:
        """Watch `coordinator`, once `listener` is registered with it."""
        self._coordinator = coordinator
        self._level = 0
        self._expected = 0
        self._done: asyncio.Future[None] | None = None
        self.seen = 0
        """Updates carrying the level since the last `expect()`."""

    def expect(self, level: int, updates: int) -> asyncio.Future[None]:
        """Return a future that resolves after `updates` updates carrying `level`."""
        self._level = level
        self._expected = updates
        self.seen = 0
        self._done = asyncio.get_running_loop().create_future()
        return self._done

    @callback
    def listener(self) -> None:
        """Count an update of the coordinator that carries the expected level."""
        state = self._coordinator.data
        done = self._done
        if done is None or done.done() or not state.on or state.level != self._level:
            return
        self.seen += 1
        if self.seen >= self._expected:
            done.set_result(None)


class _PushTap:
    """Sees every state the driver hands up from the device's push channel.

    The coordinator drops a push that only echoes its own write, so listeners
    never hear of it; waiting here keeps that echo out of the next sample.
    """

    def __init__(self) -> None:
        """Start with no push awaited."""
        self._waiter: asyncio.Future[None] | None = None

    def next_push(self) -> asyncio.Future[None]:
        """Return a future that resolves at the next pushed state."""
        self._waiter = asyncio.get_running_loop().create_future()
        return self._waiter

    def wrap(
        self, on_state: Callable[[DeviceState], None]
    ) -> Callable[[DeviceState], None]:
        """Wrap the coordinator's push callback so that pushes are seen here too."""

        def tapped(state: DeviceState) -> None:
            on_state(state)
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_result(None)

        return tapped

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Tap the Local API driver's listen loop while the block runs."""
        real_listen = LocalApiDriver.async_listen

        async def listen(
            driver: LocalApiDriver, on_state: Callable[[DeviceState], None]
        ) -> None:
            await real_listen(driver, self.wrap(on_state))

        with patch.object(LocalApiDriver, "async_listen", listen):
            yield


class _Bench:
    """One sample of each measurement at a time, against one loaded entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        device: EmulatedDevice,
        coordinator: MassageCoordinator,
        client: MassageClient,
        tap: _PushTap,
    ) -> None:
        """Measure `device` through `hass`, and directly through `client`."""
        self.hass = hass
        self.tap = tap
        self.device = device
        self.client = client
        self.watch = _CoordinatorWatch(coordinator)
        self.levels = device.profile.levels
        self.percentage = {
            level: ranged_value_to_percentage((1, self.levels), level)
            for level in range(1, self.levels + 1)
        }
        self.level = device.state.level
        self._pending: tuple[int, asyncio.Future[float]] | None = None
        self._floor_value = 0

    @asynccontextmanager
    async def listening(self, coordinator: MassageCoordinator) -> AsyncIterator[None]:
        """Register the listeners and the floor action for the length of the block."""
        undo: list[Callable[[], None]] = [
            coordinator.async_add_listener(self.watch.listener),
            self.hass.bus.async_listen(
                EVENT_STATE_CHANGED, self._on_state_changed, _is_fan
            ),
        ]
        self.hass.services.async_register(FLOOR_DOMAIN, FLOOR_SERVICE, self._floor)
        try:
            yield
        finally:
            self.hass.services.async_remove(FLOOR_DOMAIN, FLOOR_SERVICE)
            self.hass.states.async_remove(FLOOR_ENTITY)
            for unsubscribe in undo:
                unsubscribe()

    @callback
    def _on_state_changed(self, event: Event[EventStateChangedData]) -> None:
        """Note when the fan's state shows the percentage a push sample waits for."""
        if self._pending is None:
            return
        expected, arrived = self._pending
        new_state = event.data["new_state"]
        if (
            new_state is not None
            and new_state.attributes.get(ATTR_PERCENTAGE) == expected
            and not arrived.done()
        ):
            arrived.set_result(time.perf_counter())

    @callback
    def _floor(self, call: ServiceCall) -> None:
        """Write one state and nothing else: the floor action."""
        self.hass.states.async_set(FLOOR_ENTITY, str(call.data["value"]))

    def _next_level(self) -> int:
        return self.level % self.levels + 1

    async def _settle(self, *settled: asyncio.Future[None]) -> None:
        """Wait until every update and push the sample caused has arrived."""
        await asyncio.wait_for(asyncio.gather(*settled), TIMEOUT)
        await self.hass.async_block_till_done()

    def _check(self, level: int) -> None:
        """Fail unless the device and the fan's state both show `level`."""
        state = self.hass.states.get(ENTITY_ID)
        shown = None if state is None else state.attributes.get(ATTR_PERCENTAGE)
        if self.device.state.level != level or shown != self.percentage[level]:
            raise RuntimeError(
                f"after the action: device level {self.device.state.level}, "
                f"{ENTITY_ID} at {shown} %; expected level {level}"
            )

    async def turn_on(self) -> None:
        """Start a session at the current level, through Home Assistant."""
        settled = self.watch.expect(self.level, updates=1)
        echo = self.tap.next_push()
        await self.hass.services.async_call(
            FAN_DOMAIN,
            SERVICE_TURN_ON,
            {ATTR_ENTITY_ID: ENTITY_ID, ATTR_PERCENTAGE: self.percentage[self.level]},
            blocking=True,
        )
        await self._settle(settled, echo)
        self._check(self.level)

    async def action(self) -> float:
        """Time `fan.set_percentage` to the next level, call to return."""
        target = self._next_level()
        data = {ATTR_ENTITY_ID: ENTITY_ID, ATTR_PERCENTAGE: self.percentage[target]}
        settled = self.watch.expect(target, updates=1)
        echo = self.tap.next_push()
        started = time.perf_counter()
        await self.hass.services.async_call(
            FAN_DOMAIN, SERVICE_SET_PERCENTAGE, data, blocking=True
        )
        elapsed = time.perf_counter() - started
        self._check(target)
        await self._settle(settled, echo)
        self.level = target
        return elapsed

    async def push(self) -> float:
        """Time a change on the device to the fan's state_changed event."""
        target = self._next_level()
        arrived: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._pending = (self.percentage[target], arrived)
        try:
            started = time.perf_counter()
            self.device.write({"level": target})
            seen = await asyncio.wait_for(arrived, TIMEOUT)
        finally:
            self._pending = None
        await self.hass.async_block_till_done()
        self.level = target
        return seen - started

    async def raw_update(self) -> float:
        """Time a bare `MassageClient.update(level=...)` to the next level."""
        target = self._next_level()
        settled = self.watch.expect(target, updates=1)
        started = time.perf_counter()
        await self.client.update(level=target)
        elapsed = time.perf_counter() - started
        await self._settle(settled)
        self.level = target
        return elapsed

    async def floor_action(self) -> float:
        """Time a blocking call of the action that writes one state."""
        self._floor_value += 1
        data = {"value": self._floor_value}
        started = time.perf_counter()
        await self.hass.services.async_call(
            FLOOR_DOMAIN, FLOOR_SERVICE, data, blocking=True
        )
        elapsed = time.perf_counter() - started
        state = self.hass.states.get(FLOOR_ENTITY)
        if state is None or state.state != str(self._floor_value):
            raise RuntimeError(f"{FLOOR_ENTITY} did not take {self._floor_value}")
        await self.hass.async_block_till_done()
        return elapsed


@callback
def _is_fan(event_data: EventStateChangedData) -> bool:
    return event_data["entity_id"] == ENTITY_ID


class _Results:
    """The samples of every measurement, in seconds."""

    def __init__(self) -> None:
        """Start empty."""
        self.action: list[float] = []
        self.push: list[float] = []
        self.raw: list[float] = []
        self.floor: list[float] = []


@asynccontextmanager
async def _loaded_entry(
    hass: HomeAssistant, server: DeviceServer
) -> AsyncIterator[MockConfigEntry]:
    """Set up an entry for the device behind `server`; unload it afterwards."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=server.device.info()["name"],
        unique_id=server.device.info()["id"],
        data={CONF_HOST: HOST, CONF_PORT: server.port},
    )
    entry.add_to_hass(hass)
    try:
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        if entry.state is not ConfigEntryState.LOADED:
            raise RuntimeError(f"the entry did not load: {entry.state}")
        await harness.push_connected(entry.runtime_data.coordinator)
        if hass.states.get(ENTITY_ID) is None:
            raise RuntimeError(f"{ENTITY_ID} does not exist")
        yield entry
    finally:
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def _measure(
    hass: HomeAssistant, server: DeviceServer, samples: int, warmup: int
) -> _Results:
    """Take the samples, one of each measurement per round."""
    results = _Results()
    tap = _PushTap()
    with tap.installed():
        return await _measure_tapped(
            hass, server, tap, samples=samples, warmup=warmup, results=results
        )


async def _measure_tapped(
    hass: HomeAssistant,
    server: DeviceServer,
    tap: _PushTap,
    *,
    samples: int,
    warmup: int,
    results: _Results,
) -> _Results:
    """Take the samples, with the push tap in place from before set-up."""
    async with _loaded_entry(hass, server) as entry:
        coordinator: MassageCoordinator = entry.runtime_data.coordinator
        client = MassageClient(
            HOST, port=server.port, session=aiohttp_client.async_get_clientsession(hass)
        )
        await client.info()
        bench = _Bench(hass, server.device, coordinator, client, tap)
        async with bench.listening(coordinator):
            await bench.turn_on()
            for index in range(warmup + samples):
                action = await bench.action()
                push = await bench.push()
                raw = await bench.raw_update()
                floor = await bench.floor_action()
                if index < warmup:
                    continue
                results.action.append(action)
                results.push.append(push)
                results.raw.append(raw)
                results.floor.append(floor)
        await client.close()
    return results


async def main(samples: int, warmup: int, results_dir: Path) -> int:
    """Measure against one emulated foot and leg massager; print the figures."""
    device = EmulatedDevice(
        foot_leg_profile(device_id=DEVICE_ID), minute_seconds=MINUTE_SECONDS
    )
    server = DeviceServer(device, host=HOST, port=0)
    await server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="massage-bench-") as config_dir:
            async with harness.home_assistant(config_dir) as hass:
                results = await _measure(hass, server, samples, warmup)
    finally:
        await server.stop()
        device.close()
    leftovers = harness.leftovers()

    print(
        f"samples: {samples} each (after {warmup} warm-up), one of each per round, "
        f"loopback {HOST}, Home Assistant {ha_version}"
    )
    print(figures.line("(1) HA action -> device (fan.set_percentage)", results.action))
    print(figures.line("(2) device change -> HA state (push)", results.push))
    print(figures.line("(3a) floor: MassageClient.update()", results.raw))
    print(figures.line("(3b) floor: HA action writing one state", results.floor))
    print(figures.ratio("ratio (1) / (3a)", results.action, results.raw))
    print(figures.ratio("ratio (1) / (3b)", results.action, results.floor))
    figures.save(
        results_dir,
        "entity_latency",
        {
            "samples": samples,
            "warmup": warmup,
            "figures": {
                "action": figures.latency(
                    "HA action -> device (fan.set_percentage)", results.action
                ),
                "push": figures.latency("device change -> HA state", results.push),
                "client_floor": figures.latency(
                    "floor: MassageClient.update()", results.raw
                ),
                "action_floor": figures.latency(
                    "floor: HA action writing one state", results.floor
                ),
            },
        },
    )
    for leftover in leftovers:
        print(leftover, file=sys.stderr)
    return 1 if leftovers else 0


if __name__ == "__main__":
    arguments = figures.parse_args(__doc__.splitlines()[0], 300)
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    # The event loop Home Assistant runs on: its executor and exception handler.
    sys.exit(
        asyncio.run(
            main(arguments.samples, arguments.warmup, arguments.results),
            loop_factory=runner.create_event_loop,
        )
    )

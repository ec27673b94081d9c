"""Measure how Home Assistant copes with many massagers: 1, 10 and 100 in one.

For each device count it starts that many emulated devices in a process of their
own (`python -m emulator`, half guns and half foot and leg massagers, free ports on
127.0.0.1) and a Home Assistant in this process (the test harness's, as
bench/entity_latency.py uses it), adds one config entry per device, and measures:

- setup: `async_setup_component(hass, "massage", {})` sets up every entry at once,
  as Home Assistant's start does; from that call until every entry is loaded and
  Home Assistant has nothing left to do, then until every push channel is up;
- memory per device: the Python heap still held once set up, measured with
  tracemalloc in a second, separate set-up of the same devices (tracemalloc slows
  everything down, so never in the timed one), divided by the count; and the
  marginal figure, what each device beyond the first costs;
- idle: over --idle seconds (60) with every push channel up and nothing happening,
  the HTTP requests that reach the devices (from the emulator's own access log) and
  the state writes in Home Assistant (state_changed and state_reported events),
  per device.

Before the counts, one set-up of a single device loads the platforms' modules, as a
Home Assistant that has started once has them; its time is printed apart, as the
first set-up. Prints what it measured against the targets and writes everything to
bench/results/scale.json (then redraws the plot there). Run it inside the
project's environment:

    python bench/scale.py [--counts 1,10,100] [--idle 60] [--results DIR]
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
import gc
import json
import logging
from pathlib import Path
import re
import sys
import tempfile
import time
import tracemalloc
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import figures  # beside this script
import harness  # beside this script
from homeassistant import runner
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_HOST,
    CONF_PORT,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.massage.const import DOMAIN
from custom_components.massage.routines import (
    CONF_ENTRY_TYPE,
    ENTRY_TYPE_ROUTINE_PLAYER,
    ROUTINE_PLAYER_TITLE,
    is_routine_player,
)

REPO_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# Long protocol minutes: no session end or battery step lands inside the run.
MINUTE_SECONDS = "3600"
EMULATOR_START_TIMEOUT = 60.0
# One line of the emulator's access log (aiohttp.access, with -v).
ACCESS_LINE = re.compile(r"aiohttp\.access: \S+ \"(\w+) (\S+) HTTP/")
# Targets from the issue that asked for this benchmark.
TARGET_SETUP_SECONDS = 3.0
TARGET_SETUP_DEVICES = 100
TARGET_KIB_PER_DEVICE = 200.0


@dataclass(slots=True, kw_only=True)
class Run:
    """What was measured for one device count."""

    devices: int
    entities: int
    setup_seconds: float
    push_up_seconds: float
    setup_requests: int
    heap_kib: float
    heap_kib_per_device: float
    idle_seconds: float
    idle_requests: int
    idle_state_writes: int
    idle_requests_per_device: float
    idle_state_writes_per_device: float
    push_up_after_idle: int


class Emulators:
    """`python -m emulator` with `count` devices, counting the requests they get."""

    def __init__(self, count: int) -> None:
        """Prepare `count` devices; nothing runs until `start()`."""
        self.count = count
        self.devices: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the devices and wait until each listens."""
        guns = self.count // 2
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "emulator",
            "--gun",
            str(guns),
            "--foot-leg",
            str(self.count - guns),
            "--base-port",
            "0",
            "--minute-seconds",
            MINUTE_SECONDS,
            "--json",
            "--verbose",
            cwd=REPO_DIR,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read_log())
        assert self._process.stdout is not None  # noqa: S101 - a pipe, asked for
        async with asyncio.timeout(EMULATOR_START_TIMEOUT):
            while len(self.devices) < self.count:
                line = await self._process.stdout.readline()
                if not line:
                    raise RuntimeError("the emulator exited while starting")
                self.devices.append(json.loads(line))

    async def _read_log(self) -> None:
        assert self._process is not None  # noqa: S101 - started first
        assert self._process.stderr is not None  # noqa: S101 - a pipe, asked for
        async for raw in self._process.stderr:
            text = raw.decode(errors="replace")
            if match := ACCESS_LINE.search(text):
                self.requests.append((match[1], match[2]))
            elif "ERROR" in text or "Traceback" in text:
                print(f"emulator: {text.rstrip()}", file=sys.stderr)

    async def stop(self) -> None:
        """Stop the devices (SIGTERM) and wait for the process."""
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()
        if self._reader is not None:
            await self._reader


@asynccontextmanager
async def _emulators(count: int) -> AsyncIterator[Emulators]:
    emulators = Emulators(count)
    try:
        await emulators.start()
        yield emulators
    finally:
        await emulators.stop()


def _add_entries(hass: HomeAssistant, devices: list[dict[str, Any]]) -> None:
    # The routine player, which the first massager would otherwise add in the
    # background while the figures are taken.
    MockConfigEntry(
        domain=DOMAIN,
        title=ROUTINE_PLAYER_TITLE,
        data={CONF_ENTRY_TYPE: ENTRY_TYPE_ROUTINE_PLAYER},
    ).add_to_hass(hass)
    for device in devices:
        MockConfigEntry(
            domain=DOMAIN,
            title=device["name"],
            unique_id=device["id"],
            data={CONF_HOST: HOST, CONF_PORT: device["port"]},
        ).add_to_hass(hass)


async def _set_up(hass: HomeAssistant) -> tuple[float, float]:
    """Set up every entry at once; return the seconds to loaded and to push up."""
    started = time.perf_counter()
    if not await async_setup_component(hass, DOMAIN, {}):
        raise RuntimeError("the integration did not set up")
    await hass.async_block_till_done()
    loaded = time.perf_counter()
    entries = hass.config_entries.async_entries(DOMAIN)
    if failed := [e.title for e in entries if e.state is not ConfigEntryState.LOADED]:
        raise RuntimeError(f"entries did not load: {failed}")
    await asyncio.gather(
        *(
            harness.push_connected(entry.runtime_data.coordinator)
            for entry in _massager_entries(hass)
        )
    )
    return loaded - started, time.perf_counter() - started


def _massager_entries(hass: HomeAssistant) -> list[MockConfigEntry]:
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if not is_routine_player(entry)
    ]


async def _unload_all(hass: HomeAssistant) -> None:
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


class _StateWrites:
    """Counts state writes (changed or only reported) while it listens."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.count = 0
        # Home Assistant wants a filter for state_reported, which fires often.
        self._undo: list[Callable[[], None]] = [
            hass.bus.async_listen(event_type, self._seen, self._every)
            for event_type in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED)
        ]

    @staticmethod
    @callback
    def _every(_event_data: Any) -> bool:
        return True

    @callback
    def _seen(self, event: Event[Any]) -> None:
        self.count += 1

    def stop(self) -> None:
        for undo in self._undo:
            undo()


async def _timed_pass(
    emulators: Emulators, idle: float
) -> tuple[float, float, int, int, int, int, int]:
    """Set up, then sit idle; return setup, push-up and what idle brought."""
    with tempfile.TemporaryDirectory(prefix="massage-bench-") as config_dir:
        async with harness.home_assistant(config_dir) as hass:
            _add_entries(hass, emulators.devices)
            before_setup = len(emulators.requests)
            setup, push_up = await _set_up(hass)
            await hass.async_block_till_done()
            # Let the last access-log lines of the setup arrive.
            await asyncio.sleep(1.0)
            setup_requests = len(emulators.requests) - before_setup
            entities = len(hass.states.async_all())
            writes = _StateWrites(hass)
            before_idle = len(emulators.requests)
            await asyncio.sleep(idle)
            idle_requests = len(emulators.requests) - before_idle
            writes.stop()
            entries = _massager_entries(hass)
            push_up_after = sum(
                entry.runtime_data.coordinator.push_connected for entry in entries
            )
            await _unload_all(hass)
    return (
        setup,
        push_up,
        setup_requests,
        entities,
        idle_requests,
        writes.count,
        push_up_after,
    )


async def _heap_pass(emulators: Emulators) -> float:
    """Set up again, tracing allocations; return the KiB still held once set up."""
    with tempfile.TemporaryDirectory(prefix="massage-bench-") as config_dir:
        async with harness.home_assistant(config_dir) as hass:
            _add_entries(hass, emulators.devices)
            await hass.async_block_till_done()
            gc.collect()
            tracemalloc.start()
            try:
                await _set_up(hass)
                await hass.async_block_till_done()
                gc.collect()
                held, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            await _unload_all(hass)
    return held / 1024


async def _measure(count: int, idle: float) -> Run:
    async with _emulators(count) as emulators:
        (
            setup,
            push_up,
            setup_requests,
            entities,
            requests,
            writes,
            push_after,
        ) = await _timed_pass(emulators, idle)
        heap = await _heap_pass(emulators)
    return Run(
        devices=count,
        entities=entities,
        setup_seconds=setup,
        push_up_seconds=push_up,
        setup_requests=setup_requests,
        heap_kib=heap,
        heap_kib_per_device=heap / count,
        idle_seconds=idle,
        idle_requests=requests,
        idle_state_writes=writes,
        idle_requests_per_device=requests / count,
        idle_state_writes_per_device=writes / count,
        push_up_after_idle=push_after,
    )


async def _cold_setup() -> float:
    """Set up one device once, untimed for the figures; return its seconds."""
    async with _emulators(1) as emulators:
        with tempfile.TemporaryDirectory(prefix="massage-bench-") as config_dir:
            async with harness.home_assistant(config_dir) as hass:
                _add_entries(hass, emulators.devices)
                _, push_up = await _set_up(hass)
                await _unload_all(hass)
    return push_up


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _report(cold: float, runs: list[Run], idle: float) -> dict[str, Any]:
    """Print the figures and the targets; return them for the results file."""
    print(
        f"devices in one Home Assistant (harness), emulated in another process, "
        f"idle {idle:g} s; the first set-up in this process (one device, loading "
        f"modules) took {cold:.3f} s"
    )
    print(
        f"{'devices':>7} {'entities':>8} {'setup s':>8} {'push up s':>9} "
        f"{'setup req':>9} {'heap KiB/dev':>12} {'idle req/dev':>12} "
        f"{'idle writes/dev':>15} {'push up after':>13}"
    )
    for run in runs:
        print(
            f"{run.devices:>7} {run.entities:>8} {run.setup_seconds:>8.3f} "
            f"{run.push_up_seconds:>9.3f} {run.setup_requests:>9} "
            f"{run.heap_kib_per_device:>12.1f} {run.idle_requests_per_device:>12.2f} "
            f"{run.idle_state_writes_per_device:>15.2f} "
            f"{run.push_up_after_idle:>6}/{run.devices}"
        )
    smallest, largest = runs[0], runs[-1]
    marginal = None
    if largest.devices > smallest.devices:
        marginal = (largest.heap_kib - smallest.heap_kib) / (
            largest.devices - smallest.devices
        )
        print(
            f"heap per device beyond the first {smallest.devices} "
            f"(from {smallest.devices} to {largest.devices}): {marginal:.1f} KiB"
        )
    targets: dict[str, Any] = {}
    at_target = next((r for r in runs if r.devices == TARGET_SETUP_DEVICES), None)
    if at_target is not None:
        targets["setup"] = {
            "target": f"{TARGET_SETUP_DEVICES} devices set up in under "
            f"{TARGET_SETUP_SECONDS:g} s",
            "measured_seconds": at_target.setup_seconds,
            "met": at_target.setup_seconds < TARGET_SETUP_SECONDS,
        }
    targets["memory"] = {
        "target": f"under {TARGET_KIB_PER_DEVICE:g} KiB per device",
        "measured_kib_per_device": largest.heap_kib_per_device,
        "at_devices": largest.devices,
        "met": largest.heap_kib_per_device < TARGET_KIB_PER_DEVICE,
    }
    targets["idle"] = {
        "target": "0 HTTP requests and 0 state writes while idle with push up",
        "requests": sum(r.idle_requests for r in runs),
        "state_writes": sum(r.idle_state_writes for r in runs),
        "met": all(r.idle_requests == 0 and r.idle_state_writes == 0 for r in runs),
    }
    print(
        "(setup req: HTTP requests the devices answered during setup; a push "
        "channel's WebSocket is logged only when it closes, so it is not among them)"
    )
    for target in targets.values():
        print(f"target: {target['target']}: {_verdict(target['met'])}")
    return {
        "idle_seconds": idle,
        "first_setup_seconds": cold,
        "runs": [asdict(run) for run in runs],
        "marginal_heap_kib_per_device": marginal,
        "memory_measure": "tracemalloc: Python heap held after setup, no RSS",
        "targets": targets,
    }


async def main(counts: list[int], idle: float, results: Path) -> int:
    """Measure every count in turn; print and save the figures."""
    cold = await _cold_setup()
    runs = [await _measure(count, idle) for count in counts]
    figures.save(results, "scale", _report(cold, runs, idle))
    leftovers = harness.leftovers()
    for leftover in leftovers:
        print(leftover, file=sys.stderr)
    return 1 if leftovers else 0


def _counts(text: str) -> list[int]:
    try:
        counts = sorted({int(part) for part in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of counts") from None
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError("counts must be 1 or more")
    return counts


def parse_args() -> argparse.Namespace:
    """Parse --counts, --idle and --results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--counts",
        type=_counts,
        default=[1, 10, 100],
        help="device counts, comma-separated (default 1,10,100)",
    )
    parser.add_argument(
        "--idle",
        type=float,
        default=60.0,
        help="seconds of idle to count requests and writes over (default 60)",
    )
    figures.add_results_option(parser)
    args = parser.parse_args()
    if args.idle <= 0:
        parser.error("--idle must be more than 0")
    return args


if __name__ == "__main__":
    arguments = parse_args()
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    # Said once per Home Assistant, and this starts many: the custom integration.
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)
    sys.exit(
        asyncio.run(
            main(arguments.counts, arguments.idle, arguments.results),
            loop_factory=runner.create_event_loop,
        )
    )

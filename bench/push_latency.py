"""Measure write-to-push latency of the Massage client against the emulator.

Starts an emulated massage gun on 127.0.0.1 and measures, over loopback:

(a) push latency: from the start of a `MassageClient.update(level=...)` call to the
    moment `listen()` hands over a pushed state carrying the new level;
(a') the same with a token on the device: every request signed with Digest
    (protocol 1.1), every answer's proof checked, the push socket opened with a
    ticket;
(b) the floor: a bare HTTP round trip, `GET /api/v1/state` with a plain aiohttp
    request and no parsing.

Prints the median and 99th percentile of each and the ratios to the floor, and
writes them with every sample to bench/results/push_latency.json (then redraws the
plot there). Everything printed is measured in this run. Run it inside the
project's environment:

    python bench/push_latency.py [--samples N] [--warmup N] [--results DIR]
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import sys
import time

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import figures  # beside this script

from custom_components.massage.api import DeviceState, MassageClient
from emulator import DeviceServer, EmulatedDevice, gun_profile

HOST = "127.0.0.1"
# Only ever given to the emulator started here.
TOKEN = "bench-token"  # noqa: S105 - a made-up token for the emulator
# Long protocol minutes: no session end or battery step lands inside the run.
MINUTE_SECONDS = 3600.0


async def _push_latency(
    client: MassageClient, levels: int, samples: int, warmup: int
) -> list[float]:
    """Time update() start to the push that carries the new level."""
    loop = asyncio.get_running_loop()
    waiting: dict[int, asyncio.Future[float]] = {}
    first = loop.create_future()

    def on_state(state: DeviceState) -> None:
        if not first.done():
            first.set_result(None)
        future = waiting.pop(state.level, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    listening = asyncio.create_task(client.listen(on_state))
    await asyncio.wait_for(first, 10)
    await client.update(on=True, level=1)
    current = 1
    results: list[float] = []
    for index in range(warmup + samples):
        target = current % levels + 1
        pushed: asyncio.Future[float] = loop.create_future()
        waiting[target] = pushed
        started = time.perf_counter()
        await client.update(level=target)
        arrived = await asyncio.wait_for(pushed, 10)
        current = target
        if index >= warmup:
            results.append(arrived - started)
    await client.update(on=False)
    await client.disconnect()
    await listening
    return results


async def _http_floor(url: str, samples: int, warmup: int) -> list[float]:
    """Time bare GET /api/v1/state round trips, reading the body unparsed."""
    results: list[float] = []
    async with aiohttp.ClientSession() as session:
        for index in range(warmup + samples):
            started = time.perf_counter()
            async with session.get(f"{url}/api/v1/state") as response:
                await response.read()
            elapsed = time.perf_counter() - started
            if index >= warmup:
                results.append(elapsed)
    return results


async def _measure_push(token: str | None, samples: int, warmup: int) -> list[float]:
    """Measure push latency against a fresh emulated gun, with or without a token."""
    device = EmulatedDevice(gun_profile(), minute_seconds=MINUTE_SECONDS)
    server = DeviceServer(device, host=HOST, port=0, token=token)
    await server.start()
    try:
        async with MassageClient(HOST, port=server.port, token=token) as client:
            info = await client.info()
            if token is not None and not client.uses_digest:
                raise RuntimeError("the client did not authenticate with Digest")
            return await _push_latency(
                client, info.capabilities.levels, samples, warmup
            )
    finally:
        await server.stop()
        device.close()


async def main(samples: int, warmup: int, results: Path) -> None:
    """Run the measurements against emulated guns and print the figures."""
    push = await _measure_push(None, samples, warmup)
    signed = await _measure_push(TOKEN, samples, warmup)
    device = EmulatedDevice(gun_profile(), minute_seconds=MINUTE_SECONDS)
    server = DeviceServer(device, host=HOST, port=0)
    await server.start()
    try:
        floor = await _http_floor(server.url, samples, warmup)
    finally:
        await server.stop()
        device.close()

    print(f"samples: {samples} each (after {warmup} warm-up), loopback {HOST}")
    print(figures.line("update -> pushed state", push))
    print(figures.line("update -> pushed state, Digest (token)", signed))
    print(figures.line("bare HTTP GET /state", floor))
    print(figures.ratio("ratio push / HTTP", push, floor))
    print(figures.ratio("ratio push with Digest / HTTP", signed, floor))
    figures.save(
        results,
        "push_latency",
        {
            "samples": samples,
            "warmup": warmup,
            "figures": {
                "push": figures.latency("client: update -> pushed state", push),
                "push_digest": figures.latency(
                    "client with a token (Digest): update -> pushed state", signed
                ),
                "http_floor": figures.latency("floor: bare HTTP GET /state", floor),
            },
        },
    )


if __name__ == "__main__":
    arguments = figures.parse_args(__doc__.splitlines()[0], 500)
    asyncio.run(main(arguments.samples, arguments.warmup, arguments.results))

"""
One emulated device of the demo in a process of its own: `python -m demo.emulated`.

The demo runs each device this way, so that a person can kill one and watch Home
Assistant mark it unavailable, then start it again. The process serves the device
on 127.0.0.1 and, on another port, the emulator's control endpoint
(`emulator/control.py`), through which `script/develop fault` switches its faults.
It prints one JSON line once both listen (or why they cannot) and runs until
SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from typing import Any

from emulator.control import ControlServer
from emulator.device import EmulatedDevice
from emulator.profiles import DeviceProfile, foot_leg_profile, gun_profile
from emulator.server import DeviceServer

# Fixed ids: Home Assistant keys config entries on the device id, so that a second
# run of the demo finds the same devices again instead of new ones.
DEVICE_IDS = {"gun": "gun-demo01", "foot_leg": "footleg-demo01"}
KINDS = tuple(DEVICE_IDS)


def profile(kind: str) -> DeviceProfile:
    """Return the profile of the demo's device of `kind`."""
    if kind == "gun":
        return gun_profile(device_id=DEVICE_IDS[kind])
    return foot_leg_profile(device_id=DEVICE_IDS[kind])


def _say(message: dict[str, Any]) -> None:
    """Print the one line the demo waits for, then stop writing to stdout."""
    print(json.dumps(message), flush=True)
    # Nobody reads stdout any more; stray output goes nowhere instead of blocking.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


async def serve(kind: str, port: int, control_port: int) -> int:
    """Serve one device and its control endpoint until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    device = EmulatedDevice(profile(kind))
    server = DeviceServer(device, port=port)
    control = ControlServer([server], port=control_port)
    try:
        try:
            await server.start()
            await control.start()
        except OSError as error:
            _say({"event": "error", "kind": kind, "error": str(error)})
            return 1
        _say(
            {
                "event": "ready",
                "kind": kind,
                "device_id": device.profile.device_id,
                "name": device.profile.name,
                "port": server.port,
                "control_port": control.port,
                "pid": os.getpid(),
            }
        )
        logging.getLogger(__name__).info(
            "%s (%s) at %s, control at %s",
            device.profile.name,
            device.profile.device_id,
            server.url,
            control.url,
        )
        await stop.wait()
        return 0
    finally:
        await control.stop()
        await server.stop()
        device.close()


def main(argv: list[str] | None = None) -> int:
    """Run one device; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m demo.emulated", description=__doc__.strip().splitlines()[0]
    )
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--control-port", type=int, default=0)
    args = parser.parse_args(argv)
    # Each request on one line, as a person following the log wants to see it.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return asyncio.run(serve(args.kind, args.port, args.control_port))


if __name__ == "__main__":
    sys.exit(main())

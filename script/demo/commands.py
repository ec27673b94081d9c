"""
Commands that act on a running demo: kill a device, start it again, switch faults.

    script/develop kill gun             # the gun's process dies, as a power cut
    script/develop start                # the demo starts its stopped devices again
    script/develop fault gun refuse on  # the gun refuses connections

Each finds the demo through the file it keeps in its configuration directory
(`running.py`). `kill` sends the device process SIGKILL; `start` asks the demo with
SIGUSR1; `fault` talks to the device's control endpoint (`emulator/control.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http import HTTPStatus
import math
import os
from pathlib import Path
import signal
import time
from typing import Any

import aiohttp

from . import running
from .api import DemoError
from .emulated import KINDS

# The faults a person switches from the command line, and the emulator's names.
FAULTS = {
    "refuse": "refuse_connections",
    "latency": "latency",
    "silent": "silent_websocket",
    "token": "token",
}
SWITCHES = {"on": True, "off": False}
WAIT_TIMEOUT = 30.0
DEVICE_NAMES = {"gun": "gun", "foot_leg": "foot_leg", "foot-leg": "foot_leg"}


def device_kind(text: str) -> str:
    """Return the kind a person means: `gun`, `foot_leg` or `foot-leg`."""
    try:
        return DEVICE_NAMES[text]
    except KeyError:
        raise ValueError(f"no device {text!r}: say gun or foot_leg") from None


def fault_change(fault: str, value: str | None) -> dict[str, Any]:
    """
    Return the control endpoint's change for `fault VALUE` as a person types it.

    `refuse on|off`, `silent on|off`, `latency SECONDS` (0 for none), `token TOKEN`
    (`off` for none), and `clear` for no fault and no token at all.
    """
    if fault == "clear":
        if value is not None:
            raise ValueError("clear takes no value")
        return {
            "refuse_connections": False,
            "latency": 0.0,
            "silent_websocket": False,
            "malformed_json": False,
            "wrong_types": False,
            "server_error": None,
            "token": None,
        }
    if fault not in FAULTS:
        raise ValueError(f"no fault {fault!r}: say {', '.join(FAULTS)} or clear")
    if value is None:
        raise ValueError(f"{fault} needs a value: {_usage(fault)}")
    name = FAULTS[fault]
    if fault in {"refuse", "silent"}:
        if value not in SWITCHES:
            raise ValueError(f"{fault} takes on or off")
        return {name: SWITCHES[value]}
    if fault == "latency":
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError("latency takes seconds, 0 or more, such as 0.5")
        return {name: seconds}
    return {name: None if value == "off" else value}


def _usage(fault: str) -> str:
    return {
        "refuse": "refuse on|off",
        "silent": "silent on|off",
        "latency": "latency SECONDS (0 for none)",
        "token": "token TOKEN|off",
    }[fault]


def _running(config_dir: Path) -> running.Running:
    demo = running.read(config_dir)
    if demo is None:
        raise DemoError(
            f"No demo runs with the configuration {config_dir}. Start it with "
            "script/develop (with the same --config)."
        )
    return demo


def _device(demo: running.Running, kind: str) -> dict[str, Any]:
    device = demo.devices.get(kind)
    if device is None:
        raise DemoError(f"The demo has no {kind}")
    return device


def _wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise DemoError(f"Timed out waiting for {what}")
        time.sleep(0.1)


def kill(config_dir: Path, kind: str, say: Callable[[str], None]) -> None:
    """Kill the device's process with SIGKILL, as if it lost power."""
    demo = _running(config_dir)
    device = _device(demo, kind)
    pid = device.get("pid")
    if pid is None or not running.process_runs(pid, "demo.emulated", kind):
        say(f"The {kind} is not running; script/develop start starts it.")
        return
    os.kill(pid, signal.SIGKILL)
    # Once the demo has noticed, `start` can start it again.
    _wait(
        lambda: _device(_running(config_dir), kind).get("pid") is None,
        f"the demo to notice that the {kind} stopped",
    )
    say(
        f"Killed {device['name']} (pid {pid}). Home Assistant shows it unavailable "
        "now; script/develop start starts it again."
    )


def start(config_dir: Path, say: Callable[[str], None]) -> None:
    """Ask the demo to start its stopped devices again, and wait until they run."""
    demo = _running(config_dir)
    stopped = [kind for kind in KINDS if demo.devices.get(kind, {}).get("pid") is None]
    if not stopped:
        say("Every device runs already.")
        return
    os.kill(demo.demo_pid, signal.SIGUSR1)
    _wait(
        lambda: all(
            _device(_running(config_dir), kind).get("pid") is not None
            for kind in stopped
        ),
        "the devices to start",
    )
    for kind in stopped:
        device = _device(_running(config_dir), kind)
        say(
            f"Started {device['name']} again (pid {device['pid']}) at {device['url']}; "
            "Home Assistant reconnects within seconds."
        )


async def fault(
    config_dir: Path, kind: str, change: dict[str, Any] | None
) -> dict[str, Any]:
    """Apply `change` to the device's faults (None: only read them); return them."""
    device = _device(_running(config_dir), kind)
    if device.get("pid") is None:
        raise DemoError(f"The {kind} is not running; script/develop start starts it.")
    url = f"{device['control_url']}/devices/{device['device_id']}"
    async with aiohttp.ClientSession() as session:
        if change is None:
            async with session.get(f"{device['control_url']}/devices") as answer:
                return dict((await answer.json())["devices"][0])
        async with session.patch(url, json=change) as answer:
            body = await answer.json()
            if answer.status != HTTPStatus.OK:
                raise DemoError(f"The {kind} refused: {body.get('error')}")
            return dict(body)


def describe_faults(device: dict[str, Any]) -> str:
    """Say in one line which faults a device shows, as the control endpoint told."""
    faults = device["faults"]
    shown = []
    if faults["refuse_connections"]:
        shown.append("refuses connections")
    if faults["latency"]:
        shown.append(f"answers after {faults['latency']:g} s")
    if faults["silent_websocket"]:
        shown.append("push channel silent")
    if device["token"]:
        shown.append("wants a token")
    others = [
        name
        for name in ("malformed_json", "wrong_types", "server_error")
        if faults[name]
    ]
    shown += others
    return f"{device['name']}: {', '.join(shown) if shown else 'no faults'}"


def run_fault(
    config_dir: Path,
    kind: str,
    change: dict[str, Any] | None,
    say: Callable[[str], None],
) -> None:
    """`script/develop fault DEVICE [FAULT [VALUE]]`, the change parsed already."""
    device = asyncio.run(fault(config_dir, kind, change))
    say(describe_faults(device))

"""
The demo's emulated massagers, each in a process of its own (`demo.emulated`).

A person can kill one (`script/develop kill gun`) and watch Home Assistant mark it
unavailable while everything else runs on, then start it again (`script/develop
start`) on the same port, with the same id, and watch it come back. Each device's
log (its requests, one a line) is `emulator-<kind>.log` in the configuration
directory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import asdict, dataclass
import json
import os
from pathlib import Path
import signal
import sys
from typing import Any

from . import DEFAULT_EMULATOR_PORT, REPO_DIR
from .api import DemoError
from .children import start_child
from .emulated import KINDS

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RunningDevice:
    """One started device: its kind, id, name, where it listens and its process."""

    kind: str
    device_id: str
    name: str
    port: int
    control_port: int
    pid: int

    @property
    def url(self) -> str:
        """Base URL of its Massage Local API."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def control_url(self) -> str:
        """Base URL of its control endpoint (faults)."""
        return f"http://127.0.0.1:{self.control_port}"

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict, with its URLs."""
        return {**asdict(self), "url": self.url, "control_url": self.control_url}


def log_path(config_dir: Path, kind: str) -> Path:
    """Where the device of `kind` logs."""
    return config_dir / f"emulator-{kind}.log"


class EmulatedDevices:
    """Starts, watches and stops the demo's device processes."""

    def __init__(
        self, config_dir: Path, on_exit: Callable[[RunningDevice, int], None]
    ) -> None:
        """Prepare; `on_exit(device, status)` hears of a device that exits alone."""
        self._config_dir = config_dir
        self._on_exit = on_exit
        # The port each kind listens on, kept for a restart.
        self._ports: dict[str, int] = {}
        self._running: dict[str, RunningDevice] = {}
        self._processes: dict[str, asyncio.subprocess.Process] = {}
        self._watchers: dict[str, asyncio.Task[None]] = {}

    @property
    def running(self) -> list[RunningDevice]:
        """The devices whose process runs, in the order of `KINDS`."""
        return [self._running[kind] for kind in KINDS if kind in self._running]

    @property
    def stopped(self) -> list[str]:
        """The kinds started once whose process has exited since."""
        return [kind for kind in self._ports if kind not in self._running]

    async def start(self, ports: dict[str, int] | None = None) -> list[RunningDevice]:
        """
        Start every device; `ports` maps a kind to its port, 0 for any free one.

        Without `ports`, the gun gets 8765 and the foot and leg massager 8766.
        Raises DemoError when one cannot start (a port is taken); none runs then.
        """
        if ports is None:
            ports = {kind: DEFAULT_EMULATOR_PORT + i for i, kind in enumerate(KINDS)}
        try:
            for kind in KINDS:
                await self._start(kind, ports[kind])
        except BaseException:
            await self.stop()
            raise
        return self.running

    async def start_stopped(self) -> list[RunningDevice]:
        """Start again each device whose process has exited, on its old port."""
        return [await self._start(kind, self._ports[kind]) for kind in self.stopped]

    async def _start(self, kind: str, port: int) -> RunningDevice:
        with log_path(self._config_dir, kind).open("ab") as log:
            process = await start_child(
                sys.executable,
                "-m",
                "demo.emulated",
                kind,
                "--port",
                str(port),
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                env=_child_environment(),
            )
        assert process.stdout is not None  # noqa: S101 - a pipe, asked for
        try:
            line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        except TimeoutError:
            line = b""
        message = json.loads(line) if line.startswith(b"{") else {}
        if message.get("event") != "ready":
            await _end(process)
            reason = message.get("error") or (
                f"it exited with status {process.returncode}; see "
                f"{log_path(self._config_dir, kind)}"
            )
            raise DemoError(f"Cannot start the emulated {kind}: {reason}")
        device = RunningDevice(
            kind=kind,
            device_id=message["device_id"],
            name=message["name"],
            port=message["port"],
            control_port=message["control_port"],
            pid=process.pid,
        )
        self._ports[kind] = device.port
        self._running[kind] = device
        self._processes[kind] = process
        self._watchers[kind] = asyncio.create_task(
            self._watch(device, process), name=f"demo watches {kind}"
        )
        return device

    async def _watch(
        self, device: RunningDevice, process: asyncio.subprocess.Process
    ) -> None:
        """Note a device that exits while the demo runs on."""
        status = await process.wait()
        self._running.pop(device.kind, None)
        self._processes.pop(device.kind, None)
        self._watchers.pop(device.kind, None)
        self._on_exit(device, status)

    async def stop(self) -> None:
        """Stop every device (SIGTERM, then SIGKILL); safe to call more than once."""
        for watcher in self._watchers.values():
            watcher.cancel()
        self._watchers.clear()
        processes = list(self._processes.values())
        self._processes.clear()
        self._running.clear()
        await asyncio.gather(*(_end(process) for process in processes))


async def _end(process: asyncio.subprocess.Process) -> None:
    """Stop a device process and wait for it."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()


def _child_environment() -> dict[str, str]:
    """Return the environment of a device process: ours, with `demo` importable."""
    script_dir = str(REPO_DIR / "script")
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "PYTHONPATH": script_dir if not path else f"{script_dir}{os.pathsep}{path}",
    }

"""Runs the demo: emulated devices, Home Assistant, onboarding, devices, dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import signal
import socket
import sys
import time
from typing import IO, Any

import aiohttp

from . import (
    DASHBOARD_URL_PATH,
    DASHBOARD_VIEW,
    DEFAULT_EMULATOR_PORT,
    DISPLAY_NAME,
    PASSWORD,
    USERNAME,
    config,
    from_entities,
    recovery,
    requirements,
    routines,
    running,
)
from .api import DemoError, HomeAssistantApi
from .children import start_child
from .devices import EmulatedDevices, RunningDevice
from .emulated import KINDS

DOMAIN = "massage"
# Where the demo remembers its devices' ports and config entries between runs.
STATE_FILE = ".massage-demo.json"
# Home Assistant's console output; its own log is home-assistant.log beside it.
CONSOLE_LOG = "home-assistant.console.log"
# Home Assistant exits with this status when it is asked to restart.
RESTART_EXIT_CODE = 100
STOP_TIMEOUT = 60.0
# The repair that a Home Assistant installed with pip (a "Core" installation)
# raises after every start; the demo is one on purpose, and ignores it.
INSTALLATION_REPAIR = {"domain": "homeassistant", "issue_id": "deprecated_method"}
# How long after start the demo looks for that repair.
REPAIR_TIMEOUT = 10.0


def log(message: str) -> None:
    """Print a progress line to stderr, if anyone still reads it."""
    with contextlib.suppress(OSError):
        print(f"==> {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoOptions:
    """What the command line asked for."""

    config_dir: Path
    # None: the port the configuration has, 8123 at first.
    port: int | None = None
    # None: the ports of the last run, or 8765 and 8766; 0: any free ports.
    emulator_port: int | None = None
    startup_timeout: float = 300.0


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoInfo:
    """What a running demo offers; printed when it is ready."""

    url: str
    dashboard_url: str
    username: str
    password: str
    config_dir: str
    demo_pid: int
    hass_pid: int
    startup_seconds: float
    devices: list[RunningDevice] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict, devices with their URLs."""
        return {
            "url": self.url,
            "dashboard_url": self.dashboard_url,
            "username": self.username,
            "password": self.password,
            "config_dir": self.config_dir,
            "demo_pid": self.demo_pid,
            "hass_pid": self.hass_pid,
            "startup_seconds": self.startup_seconds,
            "devices": [device.as_dict() for device in self.devices],
        }


def _check_free(port: int) -> None:
    """Refuse to start when something else serves the port already."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise DemoError(
                f"Port {port} is taken ({error.strerror}): is another Home "
                "Assistant or demo running? Stop it, or use --config with another "
                "directory and --port."
            ) from error


class Demo:
    """One run of the demo; `start()` it, then `stop()` it whatever happened."""

    def __init__(self, options: DemoOptions) -> None:
        """Prepare a run; nothing starts yet."""
        self.options = options
        self.config_dir = options.config_dir.resolve()
        self.base_url = ""
        self._devices = EmulatedDevices(self.config_dir, on_exit=self._device_exited)
        self._hass: asyncio.subprocess.Process | None = None
        self._console: IO[bytes] | None = None

    # -- state kept between runs ---------------------------------------------------

    def _load_state(self) -> dict[str, Any]:
        path = self.config_dir / STATE_FILE
        try:
            state = json.loads(path.read_text())
        except FileNotFoundError, json.JSONDecodeError:
            state = {}
        return {"ports": state.get("ports", {}), "entries": state.get("entries", {})}

    def _save_state(self, state: dict[str, Any]) -> None:
        (self.config_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")

    def _emulator_ports(self, saved: dict[str, int]) -> dict[str, int]:
        base = self.options.emulator_port
        if base is None:
            if set(saved) == set(KINDS):
                return dict(saved)
            base = DEFAULT_EMULATOR_PORT
        return {kind: base + index if base else 0 for index, kind in enumerate(KINDS)}

    # -- start -------------------------------------------------------------------------

    async def start(self) -> DemoInfo:
        """Start everything and return once the dashboard can be used."""
        started = time.monotonic()
        await requirements.install_missing(log)
        port = config.prepare(self.config_dir, self.options.port)
        self.base_url = f"http://127.0.0.1:{port}"
        _check_free(port)
        state = self._load_state()
        try:
            devices = await self._devices.start(self._emulator_ports(state["ports"]))
        except DemoError as error:
            raise DemoError(
                f"{error}. Is another demo running? Use --emulator-port to pick "
                "other ports."
            ) from error
        for device in devices:
            log(
                f"Emulated {device.name} ({device.device_id}) at {device.url}, "
                f"pid {device.pid}"
            )
        self._write_running()
        await self._start_hass()
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(session, self.base_url)
            await self._guard(api.wait_until_up(self.options.startup_timeout))
            log(f"Home Assistant answers at {self.base_url}")
            onboarded_now = await self._guard(
                api.onboard(DISPLAY_NAME, USERNAME, PASSWORD)
            )
            log(
                f"Onboarding done: user {USERNAME!r} created"
                if "user" in onboarded_now
                else f"Logged in as {USERNAME!r}"
            )
            await self._guard(self._confirm_http_settings(api))
            entry_ids = await self._guard(self._add_devices(api, devices, state))
            # The input helpers' commands exist once their integrations are set
            # up: only after start-up on a reused configuration, which logs in fast.
            await self._guard(api.wait_until_running(self.options.startup_timeout))
            entry_ids.add(await self._guard(self._add_from_entities(api, state)))
            self._save_state(state)
            await self._guard(
                api.wait_for_entries(entry_ids, self.options.startup_timeout)
            )
            await self._guard(self._routine_player(api))
            await self._guard(self._add_recovery(api))
            await self._guard(self._ignore_installation_repair(api))
        assert self._hass is not None  # noqa: S101 - started above
        return DemoInfo(
            url=self.base_url,
            dashboard_url=f"{self.base_url}/{DASHBOARD_URL_PATH}/{DASHBOARD_VIEW}",
            username=USERNAME,
            password=PASSWORD,
            config_dir=str(self.config_dir),
            demo_pid=os.getpid(),
            hass_pid=self._hass.pid,
            startup_seconds=round(time.monotonic() - started, 1),
            devices=devices,
        )

    async def _start_hass(self) -> None:
        log(f"Starting Home Assistant with configuration {self.config_dir}")
        if self._console is None:
            self._console = (self.config_dir / CONSOLE_LOG).open("wb")
        self._hass = await start_child(
            sys.executable,
            "-m",
            "homeassistant",
            "--config",
            str(self.config_dir),
            "--skip-pip",
            "--log-no-color",
            stdout=self._console,
            stderr=asyncio.subprocess.STDOUT,
        )

    async def _guard[T](self, step: Awaitable[T]) -> T:
        """Await `step`, unless Home Assistant exits first."""
        assert self._hass is not None  # noqa: S101 - started before any step
        task = asyncio.ensure_future(step)
        exited = asyncio.ensure_future(self._hass.wait())
        await asyncio.wait({task, exited}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            exited.cancel()
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, DemoError):
            await task
        raise DemoError(
            f"Home Assistant exited with status {self._hass.returncode} while "
            f"starting.\n{self.log_tail()}"
        )

    @staticmethod
    async def _confirm_http_settings(api: HomeAssistantApi) -> None:
        """
        Confirm the HTTP settings taken over from configuration.yaml.

        Home Assistant tries new HTTP settings on probation and goes back to the
        last confirmed ones (every interface, port 8123, at first) after five
        minutes unless someone confirms them, as the demo does here.
        """
        settings = await api.websocket_command({"type": "http/config"})
        if settings["active_config_type"] != "pending":
            return
        await api.websocket_command({"type": "http/config/promote"})
        # Its repair asks to remove `http:` from configuration.yaml, which the
        # demo does itself from the next start on.
        with contextlib.suppress(DemoError):
            await api.websocket_command(
                {
                    "type": "repairs/ignore_issue",
                    "domain": "http",
                    "issue_id": "deprecated_yaml",
                    "ignore": True,
                }
            )
        log("Confirmed the HTTP settings (127.0.0.1 only)")

    async def _add_devices(
        self,
        api: HomeAssistantApi,
        devices: list[RunningDevice],
        state: dict[str, Any],
    ) -> set[str]:
        """Add each device through the config flow, or point its entry at its port."""
        entries = await api.entries(DOMAIN)
        known: dict[str, str] = state["entries"]
        for device in devices:
            user_input = {"host": "127.0.0.1", "port": device.port}
            entry_id = known.get(device.kind)
            if entry_id in entries:
                if state["ports"].get(device.kind) != device.port:
                    await self._reconfigure(api, entry_id, user_input, device)
                continue
            result = await api.run_flow(
                DOMAIN, {"next_step_id": "local_api"}, user_input
            )
            if result["type"] == "create_entry":
                known[device.kind] = result["result"]["entry_id"]
                log(f"Added {device.name} through the config flow")
                continue
            if result.get("reason") != "already_configured":
                raise DemoError(f"Could not add {device.name}: {result}")
            # Configured before, but this demo lost track of it (its state file).
            candidates = [
                found
                for found, entry in entries.items()
                if entry["title"] == device.name and found not in known.values()
            ]
            if not candidates:
                raise DemoError(f"{device.name} is configured, but no entry is its")
            known[device.kind] = candidates[0]
            await self._reconfigure(api, candidates[0], user_input, device)
        state["ports"] = {device.kind: device.port for device in devices}
        return {known[device.kind] for device in devices}

    @staticmethod
    async def _add_from_entities(api: HomeAssistantApi, state: dict[str, Any]) -> str:
        """Create the input helpers, and build the third massager from them."""
        for entity_id in await from_entities.create_helpers(api):
            log(f"Created the helper {entity_id}")
        entry_id, added = await from_entities.add(api, state["entries"])
        if added:
            log(f"Built {from_entities.NAME} from entities through the config flow")
        return entry_id

    async def _routine_player(self, api: HomeAssistantApi) -> None:
        """Wait for the routine player the first massager brings, or add it again."""
        entry_id, added = await routines.ensure(api)
        if added:
            log(f"Added {routines.TITLE} again, as a person removed it before")
        await api.wait_for_entries({entry_id}, self.options.startup_timeout)

    async def _add_recovery(self, api: HomeAssistantApi) -> None:
        """Make the post-workout automation, its switch and the demo's phone."""
        for made in await recovery.add(api, self.options.startup_timeout):
            log(f"Created {made}")

    @staticmethod
    async def _reconfigure(
        api: HomeAssistantApi,
        entry_id: str,
        user_input: dict[str, Any],
        device: RunningDevice,
    ) -> None:
        result = await api.run_flow(DOMAIN, user_input, entry_id=entry_id)
        if result.get("reason") != "reconfigure_successful":
            raise DemoError(f"Could not move {device.name} to its port: {result}")
        log(f"Moved {device.name} to port {device.port}")

    @staticmethod
    async def _ignore_installation_repair(api: HomeAssistantApi) -> None:
        """
        Ignore the repair about an unsupported installation method, once it shows.

        The demo is Home Assistant installed with pip into a virtual environment,
        which Home Assistant calls a Core installation and no longer supports; the
        demo needs nothing more, and the repair would only distract. Home
        Assistant raises it shortly after start, so the demo waits a little for it.
        """
        deadline = time.monotonic() + REPAIR_TIMEOUT
        while time.monotonic() < deadline:
            issues = (await api.websocket_command({"type": "repairs/list_issues"}))[
                "issues"
            ]
            for issue in issues:
                if (
                    issue["domain"] == INSTALLATION_REPAIR["domain"]
                    and issue["issue_id"] == INSTALLATION_REPAIR["issue_id"]
                ):
                    if not issue["ignored"]:
                        await api.websocket_command(
                            {"type": "repairs/ignore_issue", **INSTALLATION_REPAIR}
                            | {"ignore": True}
                        )
                        log("Ignored the repair about the installation method")
                    return
            await asyncio.sleep(0.25)

    # -- devices -----------------------------------------------------------------------

    def _write_running(self) -> None:
        """Tell the commands that act on this demo where its devices are."""
        running.write(
            self.config_dir,
            [device.as_dict() for device in self._devices.running],
            self._devices.stopped,
        )

    def _device_exited(self, device: RunningDevice, status: int) -> None:
        """Say that a device's process ended, and how to start it again."""
        how = (
            f"was killed by {signal.Signals(-status).name}"
            if status < 0
            else f"exited with status {status}"
        )
        log(
            f"{device.name} (pid {device.pid}) {how}. Home Assistant marks it "
            "unavailable; script/develop start starts it again."
        )
        self._write_running()

    async def _start_stopped_devices(self) -> None:
        for device in await self._devices.start_stopped():
            log(f"Started {device.name} again at {device.url}, pid {device.pid}")
        self._write_running()

    # -- run and stop ----------------------------------------------------------------

    async def run_until(self, stop: asyncio.Event, revive: asyncio.Event) -> int:
        """
        Keep Home Assistant running until `stop` is set; return an exit status.

        Restarts it when it asks to be restarted (Settings > Restart), as its
        own supervisor would, and starts stopped devices again when `revive` is set.
        """
        assert self._hass is not None  # noqa: S101 - only after start()
        while True:
            exited = asyncio.ensure_future(self._hass.wait())
            stopping = asyncio.ensure_future(stop.wait())
            reviving = asyncio.ensure_future(revive.wait())
            await asyncio.wait(
                {exited, stopping, reviving}, return_when=asyncio.FIRST_COMPLETED
            )
            reviving.cancel()
            if stopping.done():
                exited.cancel()
                return 0
            stopping.cancel()
            if not exited.done():
                exited.cancel()
                revive.clear()
                await self._start_stopped_devices()
                continue
            status = exited.result()
            if status != RESTART_EXIT_CODE:
                log(f"Home Assistant exited with status {status}")
                log(self.log_tail())
                return 1
            log("Home Assistant asked to be restarted")
            await self._start_hass()
            async with aiohttp.ClientSession() as session:
                api = HomeAssistantApi(session, self.base_url)
                await self._guard(api.wait_until_up(self.options.startup_timeout))
            log(f"Home Assistant is back at {self.base_url}")

    async def stop(self) -> None:
        """Stop Home Assistant, then the devices; safe at any point."""
        hass, self._hass = self._hass, None
        if hass is not None and hass.returncode is None:
            log("Stopping Home Assistant")
            hass.terminate()
            try:
                await asyncio.wait_for(hass.wait(), STOP_TIMEOUT)
            except TimeoutError:
                log("Home Assistant did not stop in time; killing it")
                hass.kill()
                await hass.wait()
        await self._devices.stop()
        running.remove(self.config_dir)
        if self._console is not None:
            self._console.close()
            self._console = None

    def log_tail(self, lines: int = 30) -> str:
        """Return the last lines Home Assistant printed, to explain a failure."""
        path = self.config_dir / CONSOLE_LOG
        try:
            text = path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


async def run(
    options: DemoOptions,
    on_ready: Callable[[DemoInfo], None],
    stop: asyncio.Event,
    revive: asyncio.Event,
) -> int:
    """
    Run the demo until `stop` is set or Home Assistant fails; return a status.

    `on_ready(info)` is called once everything runs; setting `revive` starts
    stopped devices again.
    """
    demo = Demo(options)
    try:
        starting = asyncio.ensure_future(demo.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            log("Interrupted while starting")
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, DemoError):
                await starting
            return 130
        stopping.cancel()
        try:
            info = starting.result()
        except DemoError as error:
            log(str(error))
            return 1
        on_ready(info)
        try:
            return await demo.run_until(stop, revive)
        except DemoError as error:
            log(str(error))
            return 1
    finally:
        await demo.stop()
        log("Stopped")

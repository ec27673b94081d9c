"""
script/develop as a person runs it, in the background of a shell, without a browser.

A non-interactive shell starts a background job with SIGINT ignored, which once
made script/develop deaf to it. Here it is started just so, on free ports with a
fresh configuration; a device is killed and started again and faults are switched
with script/develop's own commands while Home Assistant's REST API shows what it
makes of them; the third massager, built from input helpers, starts from Home
Assistant; then SIGINT or SIGTERM must stop everything, leaving no process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.request

import aiohttp
import pytest

# The demo package lives in script/, which is not a package of its own.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "script"))

from demo import DASHBOARD_URL_PATH, PASSWORD, REPO_DIR, USERNAME
from demo.api import HomeAssistantApi
from demo.process import free_port
from demo.running import RUNNING_FILE, process_runs

DEVELOP = REPO_DIR / "script" / "develop"
READY_TIMEOUT = 240.0
STOP_TIMEOUT = 90.0
GUN_FAN = "fan.massage_gun"
FOOT_LEG_FAN = "fan.foot_and_leg_massager"
PLUG_FAN = "fan.plug_massager"
WORKOUT = "input_boolean.workout_finished"
RECOVERY = "automation.massage_after_a_workout_demo"


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll `check` until it holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}")
        time.sleep(0.2)


class BackgroundDevelop:
    """`script/develop &` in a non-interactive shell, which waits for its status."""

    def __init__(self, config_dir: Path) -> None:
        """Prepare a demo with a fresh configuration in `config_dir`."""
        self.config_dir = config_dir
        work = config_dir.parent
        self.out = work / "develop.out"
        self.err = work / "develop.err"
        self.status_file = work / "develop.status"
        self.pid = 0
        self.info: dict[str, Any] = {}
        self._shell: subprocess.Popen[str] | None = None

    def start(self) -> dict[str, Any]:
        """Start it and return what it printed when ready."""
        script = (
            '"$0" "$@" >"$OUT" 2>"$ERR" & echo "$!"; wait "$!"; echo "$?" >"$STATUS"'
        )
        self._shell = subprocess.Popen(  # noqa: S603 - our own script
            [
                "/bin/bash",
                "-c",
                script,
                str(DEVELOP),
                "--config",
                str(self.config_dir),
                "--port",
                str(free_port()),
                "--emulator-port",
                "0",
                "--json",
            ],
            cwd=REPO_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
            env={
                **os.environ,
                "OUT": str(self.out),
                "ERR": str(self.err),
                "STATUS": str(self.status_file),
            },
        )
        assert self._shell.stdout is not None
        self.pid = int(self._shell.stdout.readline())
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline and process_runs(self.pid):
            for line in self.out.read_text().splitlines() if self.out.exists() else []:
                if line.startswith("{") and json.loads(line)["event"] == "ready":
                    self.info = json.loads(line)
                    return self.info
            time.sleep(0.5)
        pytest.fail(f"script/develop did not get ready:\n{self.log()}")

    def log(self) -> str:
        """Return what it printed to stderr."""
        return self.err.read_text() if self.err.exists() else ""

    def signal(self, sig: signal.Signals) -> int:
        """Send `sig` to script/develop alone; return its exit status."""
        os.kill(self.pid, sig)
        assert self._shell is not None
        self._shell.wait(STOP_TIMEOUT)
        return int(self.status_file.read_text())

    def command(self, *arguments: str) -> str:
        """Run `script/develop --config DIR ...` and return what it printed."""
        done = subprocess.run(  # noqa: S603 - our own script
            [str(DEVELOP), "--config", str(self.config_dir), *arguments],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def stop_leftovers(self) -> None:
        """After a failed test: take down whatever still runs."""
        pids = [self.info.get("demo_pid"), self.info.get("hass_pid")]
        pids += [device["pid"] for device in self.info.get("devices", [])]
        for pid in [self.pid, *pids]:
            if pid and process_runs(pid):
                os.kill(pid, signal.SIGKILL)
        if self._shell is not None:
            self._shell.wait(10)


@pytest.fixture
def develop(socket_enabled: None, tmp_path: Path) -> Iterator[BackgroundDevelop]:
    """script/develop started in the background, ready."""
    demo = BackgroundDevelop(tmp_path / "config")
    try:
        demo.start()
        yield demo
    finally:
        demo.stop_leftovers()


def ha_state(info: dict[str, Any], entity_id: str) -> str:
    """Ask Home Assistant's REST API for an entity's state, as the demo user."""

    async def read() -> str:
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(session, info["url"])
            await api.login(USERNAME, PASSWORD)
            return str((await api.state(entity_id))["state"])

    return asyncio.run(read())


def ha_call(
    info: dict[str, Any], domain: str, service: str, data: dict[str, Any]
) -> None:
    """Call a Home Assistant action through its REST API, as the demo user."""

    async def call() -> None:
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(session, info["url"])
            await api.login(USERNAME, PASSWORD)
            await api.call_service(domain, service, data)

    asyncio.run(call())


def device_answers(device: dict[str, Any]) -> int | None:
    """Return the HTTP status of the device's info, None when nothing answers."""
    try:
        with urllib.request.urlopen(  # noqa: S310 - http://127.0.0.1:PORT
            f"{device['url']}/api/v1/info", timeout=5
        ) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:
        return None


def assert_all_stopped(demo: BackgroundDevelop) -> None:
    """Nothing of the demo runs any more, and it forgot its devices."""
    info = demo.info
    pids = {
        "script/develop": demo.pid,
        "the demo": info["demo_pid"],
        "Home Assistant": info["hass_pid"],
    } | {device["name"]: device["pid"] for device in info["devices"]}
    assert {name: pid for name, pid in pids.items() if process_runs(pid)} == {}
    # No other process works with this configuration either.
    strays = [
        proc.name
        for proc in Path("/proc").iterdir()
        if proc.name.isdigit() and process_runs(int(proc.name), str(demo.config_dir))
    ]
    assert strays == []
    assert not (demo.config_dir / RUNNING_FILE).exists()


@pytest.mark.timeout(300)
def test_a_killed_device_recovers_faults_switch_and_sigint_stops_it_all(
    develop: BackgroundDevelop,
) -> None:
    info = develop.info
    gun = next(device for device in info["devices"] if device["kind"] == "gun")
    assert ha_state(info, GUN_FAN) == "off"

    printed = develop.command("kill", "gun")

    assert f"Killed Massage Gun (pid {gun['pid']})" in printed
    assert not process_runs(gun["pid"])
    wait_for(lambda: ha_state(info, GUN_FAN) == "unavailable", "the gun unavailable")
    # Home Assistant runs on, and so does the other device.
    assert process_runs(info["hass_pid"])
    assert ha_state(info, FOOT_LEG_FAN) == "off"
    assert "killed by SIGKILL" in develop.log()

    printed = develop.command("start")

    assert "Started Massage Gun again" in printed
    assert device_answers(gun) == 200
    wait_for(lambda: ha_state(info, GUN_FAN) == "off", "the gun back")

    assert develop.command("fault", "gun").strip() == "Massage Gun: no faults"
    printed = develop.command("fault", "gun", "refuse", "on")

    assert printed.strip() == "Massage Gun: refuses connections"
    assert device_answers(gun) is None
    wait_for(lambda: ha_state(info, GUN_FAN) == "unavailable", "the gun refusing")

    develop.command("fault", "gun", "refuse", "off")

    wait_for(lambda: ha_state(info, GUN_FAN) == "off", "the gun answering again")

    printed = develop.command("fault", "foot-leg", "latency", "0.2")
    printed += develop.command("fault", "foot_leg", "silent", "on")

    assert printed.splitlines() == [
        "Foot and Leg Massager: answers after 0.2 s",
        "Foot and Leg Massager: answers after 0.2 s, push channel silent",
    ]
    printed = develop.command("fault", "gun", "token", "s3cret")

    assert printed.strip() == "Massage Gun: wants a token"
    assert device_answers(gun) == 401
    # The push channel closes with the old token; the new one is not Home
    # Assistant's, so it turns unavailable and asks to re-authenticate.
    wait_for(lambda: ha_state(info, GUN_FAN) == "unavailable", "the gun refusing HA")

    printed = develop.command("fault", "gun", "clear")

    assert printed.strip() == "Massage Gun: no faults"
    assert device_answers(gun) == 200
    assert process_runs(info["hass_pid"])

    assert develop.signal(signal.SIGINT) == 0
    assert_all_stopped(develop)


@pytest.mark.timeout(300)
def test_the_massager_from_helpers_runs_and_sigterm_stops_it_all(
    develop: BackgroundDevelop,
) -> None:
    """The third massager starts from HA; the post-workout automation works too."""
    info = develop.info
    assert ha_state(info, GUN_FAN) == "off"
    assert ha_state(info, PLUG_FAN) == "off"
    assert ha_state(info, "input_boolean.massager_plug") == "off"

    ha_call(info, "fan", "turn_on", {"entity_id": PLUG_FAN, "preset_mode": "rolling"})

    wait_for(lambda: ha_state(info, PLUG_FAN) == "on", "the plug massager on")
    assert ha_state(info, "input_boolean.massager_plug") == "on"
    assert ha_state(info, "input_select.massager_programme") == "rolling"
    assert "Built Plug Massager from entities" in develop.log()

    asyncio.run(try_the_recovery_automation(info))

    assert develop.signal(signal.SIGTERM) == 0
    assert_all_stopped(develop)


async def try_the_recovery_automation(info: dict[str, Any]) -> None:
    """The blueprints are listed, and the demo's automation from one works.

    Flip *Workout finished* on the dashboard, answer the demo phone with its
    buttons: Start begins the routine, the gun waits for Start the gun.
    """
    async with aiohttp.ClientSession() as session:
        api = HomeAssistantApi(session, info["url"])
        await api.login(USERNAME, PASSWORD)

        async def until(check: Callable[[], Any], what: str) -> None:
            deadline = time.monotonic() + 30
            while not await check():
                if time.monotonic() > deadline:
                    pytest.fail(f"Timed out waiting for {what}")
                await asyncio.sleep(0.2)

        async def state(entity_id: str) -> str:
            return str((await api.state(entity_id))["state"])

        async def notification_titled(title: str) -> bool:
            shown = await api.websocket_command({"type": "persistent_notification/get"})
            return any(item["title"] == title for item in shown)

        listed = await api.websocket_command(
            {"type": "blueprint/list", "domain": "automation"}
        )
        assert {
            "massage/post_workout_recovery.yaml",
            "massage/hydration_reminder.yaml",
            "massage/routine_step_announcer.yaml",
            "massage/session_finished.yaml",
            # Home Assistant's own were put in first.
            "homeassistant/motion_light.yaml",
        } <= set(listed)
        automation = await api.config_item("automation", "massage_demo_post_workout")
        assert automation is not None
        assert (
            automation["use_blueprint"]["path"] == "massage/post_workout_recovery.yaml"
        )
        assert await state(RECOVERY) == "on"
        assert await state(WORKOUT) == "off"
        dashboard = json.dumps(
            await api.websocket_command(
                {"type": "lovelace/config", "url_path": DASHBOARD_URL_PATH}
            )
        )
        assert WORKOUT in dashboard
        assert RECOVERY in dashboard

        await api.call_service("input_boolean", "turn_on", {"entity_id": WORKOUT})
        await until(lambda: notification_titled("Workout done"), "the question")
        await api.call_service("script", "demo_phone_tap", {"button": "Start"})
        await until(
            lambda: notification_titled("Massage gun, step 2 of 4"), "the gun step"
        )
        assert await state(FOOT_LEG_FAN) == "on"
        assert await state(GUN_FAN) == "off"

        await api.call_service("script", "demo_phone_tap", {"button": "Start the gun"})
        await until(lambda: _is(state(GUN_FAN), "on"), "the gun on")
        await api.call_service(
            "button", "press", {"entity_id": "button.massage_routines_stop_routine"}
        )
        await until(lambda: _is(state(GUN_FAN), "off"), "the gun off")
        assert await state(FOOT_LEG_FAN) == "off"


async def _is(value: Awaitable[str], expected: str) -> bool:
    return await value == expected


def test_commands_say_when_no_demo_runs(tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603 - our own script
        [
            sys.executable,
            str(REPO_DIR / "script" / "demo"),
            "--config",
            str(tmp_path),
            "kill",
            "gun",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert "No demo runs with the configuration" in done.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["fault", "kettle", "refuse", "on"], "no device 'kettle'"),
        (["fault", "gun", "refuse", "maybe"], "refuse takes on or off"),
        (["fault", "gun", "latency", "-1"], "latency takes seconds"),
        (["fault", "gun", "latency", "nan"], "latency takes seconds"),
        (["fault", "gun", "token"], "token needs a value"),
        (["fault", "gun", "clear", "now"], "clear takes no value"),
        (["fault", "gun", "meltdown", "on"], "invalid choice"),
        (["kill"], "required"),
    ],
)
def test_command_usage_errors(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    done = subprocess.run(  # noqa: S603 - our own script
        [
            sys.executable,
            str(REPO_DIR / "script" / "demo"),
            "--config",
            str(tmp_path),
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert message in done.stderr

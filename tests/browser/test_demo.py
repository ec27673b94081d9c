"""
The demo, end to end, as a person uses it: script/develop's code in real processes.

Starts the demo (Home Assistant and the emulated devices) on free ports with a fresh
configuration, logs in through the real login page in headless Chromium, switches
the foot and leg massager on, picks its programme by name and sets the gun's speed
from the dashboard's tiles, and checks on the emulated devices themselves that the
commands arrived. Then it kills the gun's process, as `script/develop kill gun`
does, and watches its tile turn unavailable and come back after `script/develop
start`, with Home Assistant running throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import json
from pathlib import Path
import sys
import time
from typing import Any
import urllib.request

from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
import pytest

# The demo package lives in script/, which is not a package of its own.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "script"))

from demo import PASSWORD, USERNAME, browser
from demo.process import DemoProcess
from demo.running import process_runs

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed"
)
if browser.chromium_path() is None:
    pytest.skip("Chromium is not installed", allow_module_level=True)


def device_state(device: dict[str, Any]) -> dict[str, Any]:
    """Ask an emulated device for its state, as the protocol defines it."""
    url = f"{device['url']}/api/v1/state"  # http://127.0.0.1:PORT
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
        return dict(json.load(answer))


def gun_runs_at(gun: dict[str, Any], level: int) -> bool:
    """Whether the emulated gun runs at `level`."""
    state = device_state(gun)
    return bool(state["on"]) and state["level"] == level


def wait_for(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    """Poll `check` until it holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def demo(socket_enabled: None, tmp_path: Path) -> Iterator[DemoProcess]:
    """Run the demo with a fresh configuration; stop it as Ctrl-C would."""
    process = DemoProcess(tmp_path / "config")
    started = time.monotonic()
    try:
        process.start()
    except RuntimeError:
        process.stop()
        raise
    print(f"demo ready in {time.monotonic() - started:.1f} s")  # noqa: T201
    yield process
    hass_pid = process.info["hass_pid"]
    assert process.stop() == 0, process.log()
    # Nothing is left behind: Home Assistant stopped with the demo.
    assert not process_runs(hass_pid)


@pytest.fixture
def dashboard(demo: DemoProcess) -> Iterator[sync_api.Page]:
    """The demo's dashboard in headless Chromium, logged in as the demo user."""
    with sync_api.sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        try:
            page = browser.new_page(chromium)
            browser.log_in(page, demo.info["url"], USERNAME, PASSWORD)
            browser.open_dashboard(page, demo.info["dashboard_url"])
            yield page
        finally:
            chromium.close()


def tile(page: sync_api.Page, name: str) -> sync_api.Locator:
    """The first tile whose text has `name`: a device's main tile."""
    return page.locator("hui-tile-card").filter(has_text=name).first


def pick_speed(fan_tile: sync_api.Locator, level: int) -> None:
    """Pick a speed of five on a fan's tile, as a person does in this release.

    Home Assistant 2026.10 draws a button per speed. 2026.9 draws a slider for more
    than four speeds, in steps of 20 %; holding an arrow key moves it, and it sends
    the speed once the key is let go.
    """
    if (MAJOR_VERSION, MINOR_VERSION) >= (2026, 10):
        fan_tile.get_by_role("radio", name=f"Speed {level}").click()
        return
    slider = fan_tile.get_by_role("slider", name="Speed")
    slider.focus()
    steps = level - int(slider.get_attribute("aria-valuenow") or 0) // 20
    for _ in range(steps):
        slider.page.keyboard.down("ArrowRight")
    slider.page.keyboard.up("ArrowRight")


@pytest.mark.timeout(240)
def test_dashboard_controls_the_emulated_devices(
    demo: DemoProcess, dashboard: sync_api.Page
) -> None:
    """Tiles on the dashboard start the foot massager and set the gun's speed."""
    devices = {device["kind"]: device for device in demo.info["devices"]}
    assert device_state(devices["foot_leg"])["on"] is False
    assert device_state(devices["gun"])["on"] is False
    foot = tile(dashboard, "Foot and leg massager")
    gun = tile(dashboard, "Massage gun")

    foot.locator("ha-tile-icon").click()
    wait_for(
        lambda: device_state(devices["foot_leg"])["on"],
        "the foot and leg massager to start",
    )
    # Its programmes are named in a menu, not only drawn as icons.
    programme = foot.locator("ha-control-select-menu")
    sync_api.expect(programme).to_contain_text("Kneading")
    programme.click()
    dashboard.get_by_role("menuitem", name="Rolling").click()
    wait_for(
        lambda: device_state(devices["foot_leg"])["mode"] == "rolling",
        "the foot and leg massager to roll",
    )
    sync_api.expect(programme).to_contain_text("Rolling")

    # The gun starts at speed 3 of 5: the tap comes from a signed-in person.
    pick_speed(gun, 3)
    wait_for(lambda: gun_runs_at(devices["gun"], 3), "the gun to run at level 3")
    # And the dashboard shows what the devices report.
    sync_api.expect(gun).to_contain_text("60%")
    sync_api.expect(foot).to_contain_text("33%")

    gun_state = device_state(devices["gun"])
    assert gun_state["on"] is True
    assert gun_state["level"] == 3
    assert device_state(devices["foot_leg"])["on"] is True


@pytest.mark.timeout(240)
def test_a_killed_device_turns_unavailable_and_comes_back(
    demo: DemoProcess, dashboard: sync_api.Page
) -> None:
    """Kill the gun's process: its tile says so; start it again: it is back."""
    gun_device = next(d for d in demo.info["devices"] if d["kind"] == "gun")
    gun = tile(dashboard, "Massage gun")
    foot = tile(dashboard, "Foot and leg massager")
    sync_api.expect(gun).to_contain_text("Off")

    killed = demo.command("kill", "gun")

    assert killed.returncode == 0, killed.stderr
    assert not process_runs(gun_device["pid"])
    sync_api.expect(gun).to_contain_text("Unavailable")
    # Only the gun: the other device and Home Assistant run on.
    sync_api.expect(foot).to_contain_text("Off")
    assert process_runs(demo.info["hass_pid"])

    started = demo.command("start")

    assert started.returncode == 0, started.stderr
    assert device_state(gun_device)["on"] is False
    sync_api.expect(gun).to_contain_text("Off", timeout=30_000)
    # And it obeys the dashboard again.
    pick_speed(gun, 2)
    wait_for(lambda: gun_runs_at(gun_device, 2), "the restarted gun at level 2")

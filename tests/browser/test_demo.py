"""
The demo, end to end, as a person uses it: script/develop's code in real processes.

Each test starts the demo (Home Assistant and the emulated devices) on free ports
with a fresh configuration and logs in through the real login page in headless
Chromium. From the dashboard's tiles it switches the foot and leg massager on,
picks its programme by name and sets the gun's speed, and checks on the emulated
devices themselves that the commands arrived. It kills the gun's process, as
`script/develop kill gun` does, and watches its tile turn unavailable and come back
after `script/develop start`, with Home Assistant running throughout. It runs
routines from the Routines section and asks each device's control endpoint whether
the gun ever started before a person confirmed its step. It walks the add-device
form through each mistake a person makes and reads the translated error there, and
changes a running gun's session cap in its options while the gun runs on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
import json
from pathlib import Path
import re
import socket
import sys
import time
from typing import Any
import urllib.parse
import urllib.request

import aiohttp
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
import pytest

# The demo package lives in script/, which is not a package of its own.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "script"))

from demo import PASSWORD, REPO_DIR, USERNAME, browser
from demo.api import HomeAssistantApi
from demo.process import DemoProcess, free_port
from demo.running import process_runs

from custom_components.massage.config_flow import PROBE_TIMEOUT

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed"
)
if browser.chromium_path() is None:
    pytest.skip("Chromium is not installed", allow_module_level=True)


# What a person reads: the integration's English texts, as the frontend shows them.
TEXTS = json.loads(
    (REPO_DIR / "custom_components/massage/translations/en.json").read_text()
)
STEP = TEXTS["entity"]["sensor"]["routine_step"]
ROUTINE_EVENT = TEXTS["entity"]["event"]["routine"]["state_attributes"]


def step_shown(prompt: str, body_area: str, status: str) -> str:
    """What the Current step tile shows: the step's title, body area and status."""
    attributes = STEP["state_attributes"]
    return " · ".join(
        (
            STEP["state"][prompt],
            attributes["body_area"]["state"][body_area],
            attributes["status"]["state"][status],
        )
    )


def prompt_text(prompt: str) -> str:
    """The text of a step's prompt."""
    return str(STEP["state_attributes"]["prompt"]["state"][prompt])


def device_state(device: dict[str, Any]) -> dict[str, Any]:
    """Ask an emulated device for its state, as the protocol defines it."""
    url = f"{device['url']}/api/v1/state"  # http://127.0.0.1:PORT
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
        return dict(json.load(answer))


def control(device: dict[str, Any]) -> dict[str, Any]:
    """Ask the device's control endpoint: its state and how often it started.

    Unlike the device's own API, it counts every start, also one that a
    look at the state now would miss.
    """
    url = f"{device['control_url']}/devices"  # http://127.0.0.1:PORT
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
        (described,) = json.load(answer)["devices"]
    return dict(described)


def runs(device: dict[str, Any]) -> bool:
    """Whether the device runs, as its control endpoint says."""
    return bool(control(device)["state"]["on"])


def ha_state(info: dict[str, Any], entity_id: str) -> dict[str, Any]:
    """Ask Home Assistant's REST API for an entity's state, as the demo user."""

    async def read() -> dict[str, Any]:
        async with aiohttp.ClientSession() as session:
            api = HomeAssistantApi(session, info["url"])
            await api.login(USERNAME, PASSWORD)
            return await api.state(entity_id)

    # Playwright's own event loop runs in this thread.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, read()).result()


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


def section(page: sync_api.Page, heading: str) -> sync_api.Locator:
    """The dashboard section under `heading`."""
    # The heading's exact text: another section's heading card may mention it.
    return page.locator("hui-grid-section").filter(
        has=page.locator("hui-heading-card").get_by_text(heading, exact=True)
    )


def named_tile(where: sync_api.Locator, name: str) -> sync_api.Locator:
    """The tile named exactly `name` in a section."""
    return where.locator("hui-tile-card").filter(
        has=where.page.get_by_text(name, exact=True)
    )


def press(where: sync_api.Locator, name: str) -> None:
    """Tap the icon of the tile named `name`, as a person taps a button."""
    named_tile(where, name).locator("ha-tile-icon").click()


def choose(
    where: sync_api.Locator,
    tile_name: str,
    name: str,
    info: dict[str, Any],
    option: tuple[str, str],
) -> None:
    """Pick `name` in the menu of the tile named `tile_name`.

    `option` is the select and the state Home Assistant must then hold: the menu
    shows the choice at once, and Start plays what Home Assistant holds.
    """
    chooser = named_tile(where, tile_name)
    chooser.locator("ha-control-select-menu").click()
    where.page.get_by_role("menuitem", name=name).click()
    sync_api.expect(chooser.locator("ha-control-select-menu")).to_contain_text(name)
    entity_id, state = option
    wait_for(
        lambda: ha_state(info, entity_id)["state"] == state,
        f"{name} chosen in Home Assistant",
    )


ROUTINE_SELECT = "select.massage_routines_routine"
FOOT_LEG_SELECT = "select.massage_routines_foot_and_leg_massager"


@pytest.mark.timeout(240)
def test_a_routine_runs_from_the_dashboard_and_the_gun_starts_only_when_confirmed(
    demo: DemoProcess, dashboard: sync_api.Page
) -> None:
    """Leg cramp relief and post-workout legs, from the Routines section's tiles."""
    devices = {device["kind"]: device for device in demo.info["devices"]}
    gun, foot_leg = devices["gun"], devices["foot_leg"]
    assert control(gun)["times_started"] == 0
    routines = section(dashboard, "Routines")
    step = named_tile(routines, "Current step")
    prompt = routines.locator("hui-markdown-card")
    logbook = routines.locator("hui-logbook-card")
    sync_api.expect(step).to_contain_text(STEP["state"]["idle"])

    choose(
        routines,
        "Routine",
        "Leg cramp relief",
        demo.info,
        (ROUTINE_SELECT, "leg_cramp"),
    )
    press(routines, "Start")
    # Paused at once: the first step lasts only 20 s, which a busy machine can
    # spend before the next look at the page.
    press(routines, "Pause")

    # The first step rests the gun while the person bends the knee.
    sync_api.expect(step).to_contain_text(
        step_shown("cramp_bend_knee", "calves", "paused")
    )
    sync_api.expect(prompt).to_contain_text("Press Resume to go on.")
    # Paused, it has no end yet.
    sync_api.expect(named_tile(routines, "Routine ends")).to_contain_text("Unknown")
    press(routines, "Resume")
    sync_api.expect(step).to_contain_text(
        step_shown("cramp_bend_knee", "calves", "running")
    )
    sync_api.expect(named_tile(routines, "Routine ends")).to_contain_text(
        re.compile(r"In \d+ minutes?")
    )
    sync_api.expect(prompt).to_contain_text("Step 1 of 3.")
    sync_api.expect(prompt).to_contain_text(prompt_text("cramp_bend_knee"))

    # After its 20 s, the step moves on by itself, to a gun step that waits.
    sync_api.expect(step).to_contain_text(
        step_shown("cramp_calf_gentle", "calves", "waiting_for_confirmation"),
        timeout=60_000,
    )
    sync_api.expect(prompt).to_contain_text("Step 2 of 3.")
    sync_api.expect(prompt).to_contain_text(prompt_text("cramp_calf_gentle"))
    sync_api.expect(prompt).to_contain_text("then press Confirm step.")
    waiting = ROUTINE_EVENT["event_type"]["state"]["step_waiting_for_confirmation"]
    # The logbook draws only the rows in view.
    logbook.scroll_into_view_if_needed()
    sync_api.expect(logbook).to_contain_text(waiting)
    # Not started for the rest, nor for the step that waits: never so far.
    assert control(gun)["times_started"] == 0
    assert not runs(gun)

    press(routines, "Confirm step")

    wait_for(lambda: runs(gun), "the gun to start once confirmed")
    # At the routine's low level: 20 % of the gun's five levels, its lowest.
    assert control(gun)["state"]["level"] == 1
    assert control(gun)["times_started"] == 1
    sync_api.expect(step).to_contain_text(
        step_shown("cramp_calf_gentle", "calves", "running")
    )

    press(routines, "Skip step")

    # The next gun step waits again, with the gun off in between.
    sync_api.expect(step).to_contain_text(
        step_shown("cramp_calf", "calves", "waiting_for_confirmation")
    )
    sync_api.expect(prompt).to_contain_text(prompt_text("cramp_calf"))
    wait_for(lambda: not runs(gun), "the gun off between two steps")
    assert control(gun)["times_started"] == 1
    press(routines, "Confirm step")
    wait_for(lambda: runs(gun), "the gun to start for the last step")
    assert control(gun)["times_started"] == 2

    press(routines, "Stop")

    wait_for(lambda: not runs(gun), "the gun off after Stop")
    sync_api.expect(step).to_contain_text(STEP["state"]["idle"])
    aborted = ROUTINE_EVENT["event_type"]["state"]["routine_aborted"]
    logbook.scroll_into_view_if_needed()
    sync_api.expect(logbook).to_contain_text(aborted)
    assert control(foot_leg)["times_started"] == 0


@pytest.mark.timeout(240)
def test_post_workout_legs_runs_both_devices_and_stop_leaves_both_off(
    demo: DemoProcess, dashboard: sync_api.Page
) -> None:
    """The foot and leg massager kneads with heat at once; the gun waits for you.

    Chosen for the foot and leg role, Plug Massager, which has no heater, is refused
    with the reason; on Automatic the heated one plays. Massage time then lists the
    sessions, with why each one ended.
    """
    devices = {device["kind"]: device for device in demo.info["devices"]}
    gun, foot_leg = devices["gun"], devices["foot_leg"]
    routines = section(dashboard, "Routines")
    step = named_tile(routines, "Current step")

    choose(
        routines,
        "Routine",
        "Post-workout legs",
        demo.info,
        (ROUTINE_SELECT, "post_workout_legs"),
    )
    choose(
        routines,
        "Foot massager for routines",
        "Plug Massager",
        demo.info,
        (FOOT_LEG_SELECT, "Plug Massager"),
    )
    press(routines, "Start")
    sync_api.expect(dashboard.locator("ha-toast")).to_contain_text(
        "is more than Plug Massager has"
    )
    sync_api.expect(step).to_contain_text(STEP["state"]["idle"])
    assert control(foot_leg)["times_started"] == 0
    choose(
        routines,
        "Foot massager for routines",
        "Automatic",
        demo.info,
        (FOOT_LEG_SELECT, "automatic"),
    )
    press(routines, "Start")

    wait_for(lambda: runs(foot_leg), "the foot and leg massager to start")
    foot_leg_state = control(foot_leg)["state"]
    assert foot_leg_state["mode"] == "kneading"
    assert foot_leg_state["heat"] == 1
    sync_api.expect(step).to_contain_text(
        step_shown("legs_calves", "calves", "waiting_for_confirmation")
    )
    assert control(gun)["times_started"] == 0
    press(routines, "Confirm step")
    wait_for(lambda: runs(gun), "the gun to start once confirmed")
    assert runs(foot_leg)

    press(routines, "Stop")

    wait_for(
        lambda: not runs(gun) and not runs(foot_leg), "both devices off after Stop"
    )
    assert control(foot_leg)["state"]["heat"] == 0
    assert control(gun)["times_started"] == 1
    assert control(foot_leg)["times_started"] == 1
    sync_api.expect(step).to_contain_text(STEP["state"]["idle"])

    sessions = section(dashboard, "Massage time").locator("hui-logbook-card")
    sessions.scroll_into_view_if_needed()
    by_routine = TEXTS["common"]["logbook_ended_routine"].split(" {")[0]
    sync_api.expect(sessions).to_contain_text(f"Foot and Leg Massager {by_routine}")
    sync_api.expect(sessions).to_contain_text(f"Massage Gun {by_routine}")


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port on 127.0.0.1 that takes connections and never answers: a hung device."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def open_add_device_form(page: sync_api.Page, base_url: str) -> sync_api.Locator:
    """Add integration → Massage → By its address, as a person goes there."""
    page.goto(f"{base_url}/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    page.get_by_placeholder("Search for a brand name").fill("Massage")
    page.locator("dialog-add-integration").get_by_text("Massage", exact=True).click()
    flow = page.locator("dialog-data-entry-flow")
    flow.get_by_text(
        TEXTS["config"]["step"]["user"]["menu_options"]["local_api"]
    ).click()
    sync_api.expect(flow).to_contain_text(TEXTS["config"]["step"]["local_api"]["title"])
    return flow


def submit_address(flow: sync_api.Locator, host: str, port: int | str = 80) -> None:
    """Fill in host and port and submit the form."""
    flow.get_by_role("textbox", name="Host").fill(host)
    flow.get_by_role("spinbutton", name="Port").fill(str(port))
    flow.get_by_role("button", name="Submit").click()


def expect_error(flow: sync_api.Locator, key: str, *, timeout: float = 5.0) -> None:
    """The form shows the translated error `key`, and no other."""
    alerts = flow.locator("ha-alert")
    sync_api.expect(alerts).to_contain_text(
        TEXTS["config"]["error"][key], timeout=timeout * 1000
    )
    sync_api.expect(alerts).to_have_count(1)
    # The form stays open for the next try.
    sync_api.expect(flow.get_by_role("textbox", name="Host")).to_be_visible()


@pytest.mark.timeout(240)
def test_the_add_device_form_says_what_is_wrong_with_each_address(
    demo: DemoProcess, dashboard: sync_api.Page
) -> None:
    """Each mistake a person makes in the form gets its own translated error."""
    base_url = demo.info["url"]
    ha_port = urllib.parse.urlsplit(base_url).port
    gun = next(device for device in demo.info["devices"] if device["kind"] == "gun")
    flow = open_add_device_form(dashboard, base_url)

    # A web address without a host.
    submit_address(flow, "http:///api/v1/info")
    expect_error(flow, "host_is_url")
    # A port that cannot be one.
    submit_address(flow, "127.0.0.1", 70000)
    expect_error(flow, "invalid_port")
    # A name that does not resolve: the resolver refuses .onion names itself
    # (RFC 7686), so nothing is asked of a name server beyond this machine.
    submit_address(flow, "massager.onion")
    expect_error(flow, "cannot_resolve")
    # Nothing listens on the port.
    submit_address(flow, "127.0.0.1", free_port())
    expect_error(flow, "cannot_connect")
    # host:port in the host field is taken apart; there Home Assistant's own web
    # server answers, which is no massager (the port field's 80 is not used).
    submit_address(flow, f"127.0.0.1:{ha_port}")
    expect_error(flow, "not_a_massager")
    # Something takes the connection and never answers.
    with silent_listener() as port:
        submit_address(flow, "127.0.0.1", port)
        # Home Assistant waits for the device as long as the form allows.
        expect_error(flow, "timeout", timeout=PROBE_TIMEOUT + 10)
    # A URL pasted whole gives host and port: there is the gun, added already.
    submit_address(flow, f"http://127.0.0.1:{gun['port']}/api/v1/info")
    sync_api.expect(flow).to_contain_text(
        TEXTS["config"]["abort"]["already_configured"]
    )


@pytest.mark.timeout(240)
def test_options_saved_while_the_gun_runs_leave_it_running_under_the_new_cap(
    demo: DemoProcess, dashboard: sync_api.Page
) -> None:
    """Change a running gun's session cap: it runs on, and ends at the new cap."""
    gun = next(device for device in demo.info["devices"] if device["kind"] == "gun")
    gun_section = section(dashboard, "Massage gun")
    session_ends = named_tile(gun_section, "Session ends")
    press(gun_section, "Level 3, 10 min")
    wait_for(lambda: gun_runs_at(gun, 3), "the gun to run at level 3")
    assert control(gun)["times_started"] == 1
    # Ten minutes of timer, well inside the 30-minute session cap.
    sync_api.expect(session_ends).to_contain_text(re.compile(r"In (9|10) minutes"))
    device_end = datetime.fromisoformat(control(gun)["state"]["session_end"])

    dashboard.goto(f"{demo.info['url']}/config/integrations/integration/massage")
    entry = dashboard.locator("ha-config-entry-row").filter(has_text="Massage Gun")
    entry.get_by_role("button", name="Configure").click()
    flow = dashboard.locator("dialog-data-entry-flow")
    options = TEXTS["options"]["step"]
    sync_api.expect(flow).to_contain_text(options["init"]["title"])
    # The session cap's box (the only one: a gun is offered no heat cap).
    cap = flow.get_by_role("spinbutton")
    sync_api.expect(cap).to_have_value("30")
    cap.fill("2")
    flow.get_by_role("button", name="Submit").click()

    # The summary says what changes before anything is saved.
    sync_api.expect(flow).to_contain_text(options["confirm_without_heat"]["title"])
    sync_api.expect(flow).to_contain_text("Session cap: 30 min → 2 min")
    flow.get_by_role("button", name="Submit").click()
    sync_api.expect(flow).to_contain_text("Options successfully saved.")
    flow.get_by_role("button", name="Finish").click()

    # The entry reloaded and took the running session over: on at level 3, and
    # never stopped and started again in between.
    wait_for(
        lambda: ha_state(demo.info, "fan.massage_gun")["state"] == "on",
        "the reloaded gun to show on",
    )
    assert gun_runs_at(gun, 3)
    assert control(gun)["times_started"] == 1
    # The session now ends at the new cap, two minutes from its start, not by the
    # device's ten-minute timer; counted from when the session began.
    shown_end = datetime.fromisoformat(
        ha_state(demo.info, "sensor.massage_gun_session_end")["state"]
    )
    assert abs(shown_end - (device_end - timedelta(minutes=8))) < timedelta(seconds=5)
    dashboard.goto(demo.info["dashboard_url"])
    sync_api.expect(session_ends).to_contain_text(
        re.compile(r"In (1 minute|2 minutes)")
    )
    sync_api.expect(named_tile(gun_section, "Massage gun")).to_contain_text("60%")

    # Its options show the new cap.
    dashboard.goto(f"{demo.info['url']}/config/integrations/integration/massage")
    entry.get_by_role("button", name="Configure").click()
    sync_api.expect(cap).to_have_value("2")
    assert runs(gun)

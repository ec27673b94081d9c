"""
Take the README's screenshots of the demo: the dashboard, a routine, a device page.

    script/develop &                      # a running demo, then:
    python script/screenshots.py          # from it, at http://127.0.0.1:8123
    python script/screenshots.py --start  # or from a demo of its own, on free ports

Run it in the project's environment (`source script/_common.sh; in_env python ...`).
With --start, the routine *Post-workout legs* runs first, so that the pictures show
the devices running and a gun step waiting for confirmation. Writes
docs/screenshots/dashboard.png (the whole dashboard), docs/screenshots/routines.png
(its Routines section) and docs/screenshots/device.png (the foot massager's page).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
import sys
import tempfile
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo import (
    DASHBOARD_URL_PATH,
    DASHBOARD_VIEW,
    PASSWORD,
    REPO_DIR,
    USERNAME,
    browser,
)
from demo.process import DemoProcess

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

FOOT_LEG_FAN = "fan.foot_and_leg_massager"
SETTLE_MS = 1500


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8123", help="the demo")
    parser.add_argument("--username", default=USERNAME)
    parser.add_argument("--password", default=PASSWORD)
    parser.add_argument(
        "--start", action="store_true", help="start a demo of its own for this"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO_DIR / "docs" / "screenshots", help="folder"
    )
    return parser.parse_args()


def _run_a_routine(page: Page) -> Locator:
    """Start Post-workout legs, confirm its first gun step and return the section.

    The foot and leg massager kneads with heat and the gun works the calves.
    """
    from playwright.sync_api import expect  # noqa: PLC0415

    routines = page.locator("hui-grid-section").filter(
        has=page.locator("hui-heading-card", has_text="Routines")
    )
    tiles = routines.locator("hui-tile-card")

    def press(name: str) -> None:
        tiles.filter(has=page.get_by_text(name, exact=True)).locator(
            "ha-tile-icon"
        ).click()

    chooser = tiles.filter(has=page.get_by_text("Routine", exact=True))
    chooser.locator("ha-control-select-menu").click()
    page.get_by_role("menuitem", name="Post-workout legs").click()
    press("Start")
    step = tiles.filter(has=page.get_by_text("Current step", exact=True))
    expect(step).to_contain_text("Waiting for confirmation")
    press("Confirm step")
    expect(step).to_contain_text("Running")
    return routines


def _wait_for_the_next_gun_step(page: Page, routines: Locator) -> None:
    """Skip to the routine's next gun step, which waits for a person."""
    from playwright.sync_api import expect  # noqa: PLC0415

    tiles = routines.locator("hui-tile-card")
    tiles.filter(has=page.get_by_text("Skip step", exact=True)).locator(
        "ha-tile-icon"
    ).click()
    step = tiles.filter(has=page.get_by_text("Current step", exact=True))
    expect(step).to_contain_text("Hamstrings")
    expect(step).to_contain_text("Waiting for confirmation")


@contextmanager
def _as_tall_as_the_page(page: Page) -> Iterator[None]:
    """Make the window as tall as the page: nothing scrolls, every card is drawn."""
    size = page.viewport_size or browser.VIEWPORT
    height = page.evaluate("() => document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(height, 900)})
    try:
        page.wait_for_timeout(SETTLE_MS)
        yield
    finally:
        page.set_viewport_size(size)


def take(url: str, username: str, password: str, out: Path, *, lively: bool) -> None:
    """Log in at `url` and save the screenshots into `out`."""
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        try:
            page = browser.new_page(chromium)
            browser.log_in(page, url, username, password)
            browser.open_dashboard(page, f"{url}/{DASHBOARD_URL_PATH}/{DASHBOARD_VIEW}")
            routines = _run_a_routine(page) if lively else None
            with _as_tall_as_the_page(page):
                page.screenshot(path=out / "dashboard.png")
                print(f"Saved {out / 'dashboard.png'}")
                if routines is not None:
                    _wait_for_the_next_gun_step(page, routines)
                    page.wait_for_timeout(SETTLE_MS)
                    routines.screenshot(path=out / "routines.png")
                    print(f"Saved {out / 'routines.png'}")

            device_id = page.evaluate(
                "entity => document.querySelector('home-assistant')"
                ".hass.entities[entity].device_id",
                FOOT_LEG_FAN,
            )
            page.goto(f"{url}/config/devices/device/{device_id}")
            page.locator("ha-config-device-page").wait_for()
            expect(page.locator("ha-config-device-page")).to_contain_text("Controls")
            page.wait_for_timeout(SETTLE_MS)
            page.screenshot(path=out / "device.png")
            print(f"Saved {out / 'device.png'}")
        finally:
            chromium.close()


def main() -> int:
    """Take the screenshots; return the exit status."""
    args = parse_args()
    if not args.start:
        take(args.url, args.username, args.password, args.out, lively=False)
        return 0
    with (
        tempfile.TemporaryDirectory(prefix="massage-demo-") as tmp,
        DemoProcess(Path(tmp) / "config") as demo,
    ):
        take(demo.info["url"], USERNAME, PASSWORD, args.out, lively=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

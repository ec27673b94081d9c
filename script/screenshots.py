"""
Take the README's screenshots of the demo: the dashboard and the foot massager's page.

    script/develop &                      # a running demo, then:
    python script/screenshots.py          # from it, at http://127.0.0.1:8123
    python script/screenshots.py --start  # or from a demo of its own, on free ports

Run it in the project's environment (`source script/_common.sh; in_env python ...`).
With --start, a session is started on both devices first, so that the pictures show
them running. Writes docs/screenshots/dashboard.png and docs/screenshots/device.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys
import tempfile

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


def take(url: str, username: str, password: str, out: Path, *, lively: bool) -> None:
    """Log in at `url` and save both screenshots into `out`."""
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        try:
            page = browser.new_page(chromium)
            browser.log_in(page, url, username, password)
            browser.open_dashboard(page, f"{url}/{DASHBOARD_URL_PATH}/{DASHBOARD_VIEW}")
            if lively:
                tiles = page.locator("hui-tile-card")
                tiles.filter(has_text="Warm kneading").locator("ha-tile-icon").click()
                gun = tiles.filter(has_text="Massage gun").first
                gun.get_by_role("radio", name="Speed 3").click()
                expect(gun).to_contain_text("60%")
            page.wait_for_timeout(SETTLE_MS)
            page.screenshot(path=out / "dashboard.png")
            print(f"Saved {out / 'dashboard.png'}")

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

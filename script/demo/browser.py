"""
Debian's Chromium, driven by Playwright, for the browser test and the screenshots.

Playwright's own browser builds are not used: `script/setup` installs Debian's
Chromium, and this launches it headless with nothing that would reach the internet.
"""

from __future__ import annotations

from pathlib import Path
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, ViewportSize

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# Home Assistant's web interface is a large single-page application.
PAGE_TIMEOUT_MS = 30_000


def chromium_path() -> str | None:
    """Debian's Chromium, or None when it is not installed."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def launch(playwright: Playwright) -> Browser:
    """Launch headless Chromium; raises RuntimeError when it is missing."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium is not installed; script/setup installs it")
    return playwright.chromium.launch(
        executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
    )


def new_page(browser: Browser) -> Page:
    """Open a fresh page, in English, the size of a laptop screen."""
    context = browser.new_context(
        viewport=VIEWPORT, locale="en-US", timezone_id="UTC", color_scheme="light"
    )
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    return context.new_page()


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Log in through Home Assistant's real login page and wait for the app."""
    page.goto(f"{base_url}/")
    page.wait_for_url("**/auth/authorize**")
    # By role and accessible name: what a screen reader announces is the same in
    # every tested release, while how the labels are tied to the fields is not.
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    # Back on the app: the sidebar appears once it has connected.
    page.wait_for_url(lambda url: "/auth/authorize" not in url)
    page.locator("ha-sidebar").wait_for()


def open_dashboard(page: Page, url: str) -> None:
    """Open a dashboard view and wait until its cards are drawn."""
    page.goto(url)
    page.locator("hui-tile-card").first.wait_for()

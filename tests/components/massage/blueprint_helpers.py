"""Helpers for the blueprint tests: a recording phone, automations from blueprints."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.core import Context, HomeAssistant, ServiceCall, callback
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.massage.blueprint_install import SOURCE_DIR

from .conftest import _REAL_CLOCK

PHONE: Final = "mobile_app_test_phone"
NOTIFY_ACTION: Final = f"notify.{PHONE}"
NOTIFICATION_ACTION_EVENT: Final = "mobile_app_notification_action"
CLEAR: Final = "clear_notification"
BLUEPRINT_NAMES: Final = sorted(path.name for path in SOURCE_DIR.glob("*.yaml"))


def blueprint_path(name: str) -> str:
    """The path an automation names in `use_blueprint`."""
    return f"massage/{name}"


@dataclass
class Phone:
    """A notify action that records what it was asked to show, as a phone would."""

    hass: HomeAssistant
    calls: list[dict[str, Any]] = field(default_factory=list)
    # When each call came, in Home Assistant's time zone.
    times: list[datetime] = field(default_factory=list)
    # The user the app is signed in as, made at the first tap.
    owner: str | None = None

    @property
    def shown_at(self) -> list[str]:
        """The local times (HH:MM) at which notifications were shown."""
        return [
            when.strftime("%H:%M")
            for when, call in zip(self.times, self.calls, strict=True)
            if call["message"] != CLEAR
        ]

    @property
    def shown(self) -> list[dict[str, Any]]:
        """The notifications shown, without the requests to clear one."""
        return [call for call in self.calls if call["message"] != CLEAR]

    @property
    def cleared(self) -> list[str]:
        """The tags of the notifications cleared, in order."""
        return [call["data"]["tag"] for call in self.calls if call["message"] == CLEAR]

    def last(self) -> dict[str, Any]:
        """The last notification shown."""
        assert self.shown, "no notification was shown"
        return self.shown[-1]

    def buttons(self, notification: dict[str, Any] | None = None) -> list[str]:
        """The titles of a notification's buttons (of the last one by default)."""
        notification = notification or self.last()
        return [
            button["title"]
            for button in notification.get("data", {}).get("actions", [])
        ]

    async def tap(
        self,
        title: str,
        notification: dict[str, Any] | None = None,
        *,
        by_person: bool = True,
    ) -> None:
        """Tap a button of a notification, as the Companion app reports it.

        The app fires the event under the context of the person signed in to it;
        `by_person=False` fires the same event as an automation would, with none.
        """
        notification = notification or self.last()
        (action,) = [
            button["action"]
            for button in notification["data"]["actions"]
            if button["title"] == title
        ]
        context = Context()
        if by_person:
            if self.owner is None:
                self.owner = (await self.hass.auth.async_create_user("Phone owner")).id
            context = Context(user_id=self.owner)
        self.hass.bus.async_fire(
            NOTIFICATION_ACTION_EVENT, {"action": action}, context=context
        )
        await settle(self.hass)


def install_phone(hass: HomeAssistant) -> Phone:
    """Register the recording notify action of a phone."""
    phone = Phone(hass)

    @callback
    def notify(call: ServiceCall) -> None:
        phone.calls.append(dict(call.data))
        phone.times.append(dt_util.now())

    hass.services.async_register("notify", PHONE, notify)
    return phone


async def setup_automations(
    hass: HomeAssistant, *automations: tuple[str, dict[str, Any]]
) -> None:
    """Set up automations made from the installed blueprints, by name and inputs."""
    config = [
        {
            "id": f"massage_{index}",
            "alias": f"From {name}",
            "use_blueprint": {"path": blueprint_path(name), "input": inputs},
        }
        for index, (name, inputs) in enumerate(automations)
    ]
    assert await async_setup_component(
        hass, AUTOMATION_DOMAIN, {AUTOMATION_DOMAIN: config}
    )
    await hass.async_block_till_done()


async def stop_automations(hass: HomeAssistant) -> None:
    """Switch every automation off, which stops its runs.

    A run that waits on the frozen clock would otherwise hold up the teardown,
    which waits for all that runs.
    """
    if hass.services.has_service(AUTOMATION_DOMAIN, "turn_off"):
        await hass.services.async_call(
            AUTOMATION_DOMAIN, "turn_off", {"entity_id": "all"}, blocking=True
        )


def installed(hass: HomeAssistant, name: str) -> Path:
    """Where the integration installs a blueprint in the configuration."""
    return Path(hass.config.path("blueprints", "automation", "massage", name))


async def settle(hass: HomeAssistant, rounds: int = 200) -> None:
    """Let all that can run now run; automation runs that wait stay waiting.

    `async_block_till_done` would wait for those runs too, forever; the loop's
    clock is frozen with the test's, so only zero-length sleeps pass.
    """
    for _ in range(rounds):
        await asyncio.sleep(0)


async def until(
    hass: HomeAssistant, condition: Callable[[], bool], limit: float = 10
) -> None:
    """Wait, in real time, until `condition()` holds, without blocking on waits."""
    real_monotonic, _ = _REAL_CLOCK
    start = real_monotonic()
    while not condition():
        assert real_monotonic() - start < limit, "condition not reached in time"
        await asyncio.sleep(0)


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta | float
) -> None:
    """Move the clock on by `delta` (seconds or a timedelta) and run what falls due."""
    freezer.tick(delta if isinstance(delta, timedelta) else timedelta(seconds=delta))
    async_fire_time_changed(hass)
    await settle(hass)

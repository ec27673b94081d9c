"""Tests of what Activity says of sessions, through the logbook's own API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.massage import logbook
from custom_components.massage.const import CONF_SESSION_CAP, DOMAIN
from custom_components.massage.sessions import (
    EVENT_SESSION_ENDED,
    EVENT_SESSION_STARTED,
    EndReason,
)
from emulator import DeviceServer

from .conftest import (
    FROZEN_NOW,
    advance,
    entry_for,
    setup_entry,
    setup_entry_with,
    wait_for,
)
from .routine_helpers import call, quiet_heartbeats, setup_devices

TRANSLATIONS = (
    Path(__file__).parents[3] / "custom_components" / "massage" / "translations"
)
FOOT = "fan.foot_and_leg_massager"
NAME = "Foot and Leg Massager"
UNDER = "less than a minute"
UNKNOWN = "an unknown time"
GENERIC = f"stopped after {UNKNOWN}"

ENGLISH = {
    EndReason.TIMER: "stopped: its timer ran out after 10 min",
    EndReason.SESSION_CAP: "stopped: session cap reached after 10 min",
    EndReason.USER: "switched off after 10 min",
    EndReason.ROUTINE: "stopped by a routine after 10 min",
    EndReason.UNAVAILABLE: "became unavailable after 10 min; its session is over",
    EndReason.SHUTDOWN: ("stopped: Home Assistant stopped guarding it after 10 min"),
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Set the recorder up before Home Assistant, whose events it records."""


@pytest.fixture
def clock(
    freezer: FrozenDateTimeFactory, foot_leg_server: DeviceServer
) -> Iterator[FrozenDateTimeFactory]:
    """A fixed clock that may jump without the push channel taking it for silence."""
    freezer.move_to(FROZEN_NOW)
    with quiet_heartbeats(foot_leg_server):
        yield freezer


@pytest.fixture
async def activity(
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> Any:
    """Ask Activity, as the frontend does, for what it says of massagers."""
    assert await async_setup_component(hass, "logbook", {})
    client = await hass_ws_client(hass)

    async def ask(
        start: datetime = FROZEN_NOW - timedelta(minutes=1),
    ) -> list[tuple[str, str, str | None]]:
        await hass.async_block_till_done()
        await async_wait_recording_done(hass)
        # Up to a day on: the clock stands still, and "now" would end it at once.
        end = start + timedelta(days=1)
        await client.send_json_auto_id(
            {
                "type": "logbook/get_events",
                "start_time": start.isoformat(),
                "end_time": end.isoformat(),
            }
        )
        answer = await client.receive_json()
        assert answer["success"], answer
        return [
            (row["name"], row["message"], row.get("entity_id"))
            for row in answer["result"]
            if row.get("domain") == DOMAIN
        ]

    return ask


async def test_a_capped_session_in_english_and_german(
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    activity: Any,
) -> None:
    """Activity says that the massager started, and that its cap stopped it, when."""
    await setup_entry_with(hass, foot_leg_server, **{CONF_SESSION_CAP: 20})
    await hass.services.async_call(
        DOMAIN, "start_session", {"entity_id": FOOT, "minutes": 30}, blocking=True
    )
    await advance(hass, clock, timedelta(minutes=20))
    await wait_for(hass, lambda: not foot_leg_server.device.state.on)

    assert await activity() == [
        (NAME, "started", FOOT),
        (NAME, "stopped: session cap reached after 20 min", FOOT),
    ]

    await hass.config.async_update(language="de")
    assert await activity() == [
        (NAME, "gestartet", FOOT),
        (NAME, "gestoppt: Sitzungsgrenze nach 20 Min. erreicht", FOOT),
    ]


async def test_a_routine_session_in_french(
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    activity: Any,
) -> None:
    """A routine's session, said in the language Home Assistant runs in."""
    await hass.config.async_update(language="fr")
    await setup_devices(hass, foot_leg_server)
    await call(
        hass,
        "start_routine",
        steps=[
            {
                "role": "foot_leg",
                "body_area": "feet_and_calves",
                "level": 2,
                "duration": 45,
                "prompt": "circulation_warm_feet",
            }
        ],
    )
    await advance(hass, clock, timedelta(seconds=45))
    await wait_for(hass, lambda: not foot_leg_server.device.state.on)

    assert await activity() == [
        (NAME, "démarré par une routine", FOOT),
        (NAME, "arrêté par une routine après moins d'une minute", FOOT),
    ]


@pytest.mark.parametrize(("reason", "message"), ENGLISH.items())
async def test_every_reason(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    activity: Any,
    reason: EndReason,
    message: str,
) -> None:
    """Each reason has its own words."""
    await setup_entry(hass, entry_for(foot_leg_server))
    hass.bus.async_fire(
        EVENT_SESSION_ENDED,
        {"name": NAME, "reason": reason, "minutes": 9.7, "started": "x"},
    )
    assert await activity() == [(NAME, message, None)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "unheard_of", "minutes": 3}, "stopped after 3 min"),
        ({"reason": ["timer"], "minutes": 3}, "stopped after 3 min"),
        ({"reason": "user", "minutes": float("inf")}, f"switched off after {UNKNOWN}"),
        ({"reason": "user", "minutes": float("nan")}, f"switched off after {UNKNOWN}"),
        ({"reason": "user", "minutes": True}, f"switched off after {UNKNOWN}"),
        ({"reason": "user", "minutes": "12"}, f"switched off after {UNKNOWN}"),
        ({"reason": "user", "minutes": -3}, f"switched off after {UNKNOWN}"),
        ({"reason": "user", "minutes": 1e300}, f"switched off after {UNKNOWN}"),
        ({"reason": "user"}, f"switched off after {UNKNOWN}"),
        ({"reason": "user", "minutes": 0}, f"switched off after {UNDER}"),
        ({"reason": "user", "minutes": 0.9}, f"switched off after {UNDER}"),
        ({"reason": "user", "minutes": 1.5}, "switched off after 2 min"),
        ({"reason": "user", "minutes": 2.5}, "switched off after 3 min"),
        ({"reason": "user", "minutes": 1440}, "switched off after 1440 min"),
        (
            {"device_id": "x", "reason": "user", "minutes": 5},
            "switched off after 5 min",
        ),
        ({"device_id": ["x"], "entity_id": ["fan.x"], "name": {"a": 1}}, GENERIC),
        ({"entity_id": "not an entity id", "name": "\u202e" * 3}, GENERIC),
    ],
)
async def test_events_that_no_session_fired(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    activity: Any,
    data: dict[str, Any],
    message: str,
) -> None:
    """Anyone can fire these events: whatever they carry, Activity shows a line."""
    await setup_entry(hass, entry_for(foot_leg_server))
    hass.bus.async_fire(EVENT_SESSION_ENDED, data)
    hass.bus.async_fire(EVENT_SESSION_STARTED, {})
    assert await activity() == [(DOMAIN, message, None), (DOMAIN, "started", None)]


async def test_the_device_renamed_later(
    hass: HomeAssistant,
    clock: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    activity: Any,
) -> None:
    """Activity names the device as it is called now, as it names entities."""
    entry = entry_for(foot_leg_server)
    await setup_entry(hass, entry)
    await hass.services.async_call("fan", "turn_on", {"entity_id": FOOT}, blocking=True)
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    dr.async_get(hass).async_update_device(device.id, name_by_user="Footsie")
    assert await activity(dt_util.utcnow() - timedelta(minutes=1)) == [
        ("Footsie", "started", FOOT)
    ]


def test_every_phrase_is_in_the_translations() -> None:
    """Each reason has its phrase; what voice does not say in "common" is said here."""
    english = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
    phrases = {key for key in english["common"] if not key.startswith("voice_")}
    assert phrases == {
        "logbook_started",
        "logbook_started_routine",
        "logbook_ended",
        *(f"logbook_ended_{reason}" for reason in EndReason),
        "logbook_minutes",
        "logbook_under_a_minute",
        "logbook_unknown_duration",
    }


def _describer(hass: HomeAssistant) -> Any:
    """The logbook's description of an ended session, called directly."""
    described: dict[str, Any] = {}
    logbook.async_describe_events(
        hass,
        lambda _domain, event_type, describe: described.update({event_type: describe}),
    )
    return lambda data: described[EVENT_SESSION_ENDED](
        SimpleNamespace(event_type=EVENT_SESSION_ENDED, data=data)
    )


async def test_a_language_whose_words_are_not_loaded_yet(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """Just after the language changed, before its words load, Activity says English."""
    await setup_entry(hass, entry_for(foot_leg_server))
    hass.config.language = "nl"
    describe = _describer(hass)
    assert describe({"reason": "user", "minutes": 2})["message"] == (
        "switched off after 2 min"
    )


async def test_words_never_loaded(hass: HomeAssistant) -> None:
    """Without the integration's translations, Activity shows the phrase's key."""
    describe = _describer(hass)
    # Home Assistant loads them with the integration; only a mock can undo that.
    with patch(
        "custom_components.massage.logbook.async_get_cached_translations",
        return_value={},
    ):
        described = describe({"reason": "user", "minutes": 2})
    assert described == {
        "name": DOMAIN,
        "message": "logbook_ended_user",
        "entity_id": None,
    }

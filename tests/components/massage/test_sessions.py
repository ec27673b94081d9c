"""Tests of each massager's sessions: who started them, why they ended, what fired."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from custom_components.massage.const import (
    CONF_HEAT_CAP,
    CONF_SESSION_CAP,
    DOMAIN,
    HANDOVER_GRACE,
    POLL_INTERVAL,
)
from custom_components.massage.sessions import (
    EVENT_SESSION_ENDED,
    EVENT_SESSION_STARTED,
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
from .entities_backend import FakeSwitch, async_add_entities
from .routine_helpers import call, device_id, quiet_heartbeats, setup_devices

FOOT = "fan.foot_and_leg_massager"
GUN = "fan.massage_gun"
FOOT_SESSION = "event.foot_and_leg_massager_session"
GUN_SESSION = "event.massage_gun_session"
STARTED = FROZEN_NOW.isoformat()
EDGE_TIMES = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"]


class Sessions:
    """The session events a test sees on the bus."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Capture both kinds from now on."""
        self.started: list[Event[dict[str, Any]]] = async_capture_events(
            hass, EVENT_SESSION_STARTED
        )
        self.ended: list[Event[dict[str, Any]]] = async_capture_events(
            hass, EVENT_SESSION_ENDED
        )

    @property
    def reasons(self) -> list[str]:
        """Why each session ended, in order."""
        return [event.data["reason"] for event in self.ended]

    @property
    def starters(self) -> list[str]:
        """Who started each session, in order."""
        return [event.data["started_by"] for event in self.started]


@pytest.fixture
def quiet(gun_server: DeviceServer, foot_leg_server: DeviceServer) -> Iterator[None]:
    """Let the clock jump without the push channels taking it for silence."""
    with quiet_heartbeats(gun_server, foot_leg_server):
        yield


@pytest.fixture
def sessions(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, quiet: None
) -> Sessions:
    """The session events, from a fixed time on."""
    freezer.move_to(FROZEN_NOW)
    return Sessions(hass)


async def fan(hass: HomeAssistant, service: str, entity_id: str = FOOT) -> None:
    """Switch a massager's main entity, as a person would on a dashboard."""
    await hass.services.async_call(
        "fan", service, {"entity_id": entity_id}, blocking=True
    )


async def ended(hass: HomeAssistant, sessions: Sessions, count: int = 1) -> None:
    """Wait until `count` sessions ended."""
    await wait_for(hass, lambda: len(sessions.ended) >= count)


# Why a session ends


async def test_timer(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """The device's own timer ends it: the bus and the entity say so, and how long."""
    await setup_entry_with(hass, foot_leg_server)
    await fan(hass, "turn_on")
    await advance(hass, freezer, timedelta(minutes=10))
    await ended(hass, sessions)

    assert not foot_leg_server.device.state.on
    assert sessions.starters == ["home_assistant"]
    assert sessions.started[0].data == {
        "name": "Foot and Leg Massager",
        "device_id": device_id(hass, foot_leg_server),
        "entity_id": FOOT,
        "started_by": "home_assistant",
        "level": 1,
        "mode": "kneading",
        "heat": 0,
        "started": STARTED,
    }
    assert sessions.ended[0].data == {
        "name": "Foot and Leg Massager",
        "device_id": device_id(hass, foot_leg_server),
        "entity_id": FOOT,
        "reason": "timer",
        "minutes": 10.0,
        "started": STARTED,
    }
    state = hass.states.get(FOOT_SESSION)
    assert state.attributes["event_type"] == "session_ended"
    assert state.attributes["reason"] == "timer"
    assert state.attributes["minutes"] == 10.0
    assert state.attributes["started"] == STARTED


async def test_session_cap(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """The guard's cap ends it before the device's timer would."""
    await setup_entry_with(hass, foot_leg_server, **{CONF_SESSION_CAP: 1})
    await fan(hass, "turn_on")
    await advance(hass, freezer, timedelta(minutes=1))
    await ended(hass, sessions)

    assert not foot_leg_server.device.state.on
    assert sessions.reasons == ["session_cap"]
    assert sessions.ended[0].data["minutes"] == 1.0
    assert hass.states.get(FOOT_SESSION).attributes["reason"] == "session_cap"


async def test_heat_cap_ends_no_session(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """The heat cap switches heat off; the session goes on to its timer."""
    await setup_entry_with(hass, foot_leg_server, **{CONF_HEAT_CAP: 1})
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": "switch.foot_and_leg_massager_heat"},
        blocking=True,
    )
    await advance(hass, freezer, timedelta(minutes=1, seconds=1))
    assert foot_leg_server.device.state.heat == 0
    assert foot_leg_server.device.state.on
    assert sessions.ended == []
    assert sessions.started[0].data["heat"] == 1

    await advance(hass, freezer, timedelta(minutes=9))
    await ended(hass, sessions)
    assert sessions.reasons == ["timer"]


async def test_user_by_the_fan(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """Switched off in Home Assistant: a person's (or an automation's) doing."""
    await setup_entry_with(hass, foot_leg_server)
    await fan(hass, "turn_on")
    await advance(hass, freezer, timedelta(minutes=3))
    await fan(hass, "turn_off")
    await ended(hass, sessions)

    assert sessions.reasons == ["user"]
    assert sessions.ended[0].data["minutes"] == 3.0


async def test_user_by_the_device_button(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """Started and stopped on the device: the device started it, a person ended it."""
    await setup_entry_with(hass, foot_leg_server)
    foot_leg_server.device.press_power()
    await wait_for(hass, lambda: len(sessions.started) == 1)
    await advance(hass, freezer, timedelta(minutes=2, seconds=30))
    foot_leg_server.device.press_power()
    await ended(hass, sessions)

    assert sessions.starters == ["device"]
    assert sessions.reasons == ["user"]
    assert sessions.ended[0].data["minutes"] == 2.5


async def test_gun_started_by_a_person(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    gun_server: DeviceServer,
    hass_admin_user: MockUser,
    sessions: Sessions,
) -> None:
    """A gun a person started, and its timer ended, on the gun's own event entity."""
    await setup_entry(hass, entry_for(gun_server))
    await hass.services.async_call(
        "fan",
        "turn_on",
        {"entity_id": GUN, "percentage": 60},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    state = hass.states.get(GUN_SESSION)
    assert state.attributes["event_type"] == "session_started"
    assert state.attributes["started_by"] == "home_assistant"
    assert state.attributes["level"] == 3
    assert state.attributes["mode"] is None

    await advance(hass, freezer, timedelta(minutes=5))
    await ended(hass, sessions)
    assert sessions.reasons == ["timer"]
    assert hass.states.get(GUN_SESSION).attributes["minutes"] == 5.0


async def test_routine(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """A routine's step starts it and the routine's end stops it."""
    await setup_devices(hass, foot_leg_server)
    await call(
        hass,
        "start_routine",
        steps=[
            {
                "role": "foot_leg",
                "body_area": "feet_and_calves",
                "mode": "kneading",
                "level": 2,
                "duration": 90,
                "prompt": "circulation_warm_feet",
            }
        ],
    )
    await advance(hass, freezer, timedelta(seconds=90))
    await ended(hass, sessions)

    assert not foot_leg_server.device.state.on
    assert sessions.starters == ["routine"]
    assert sessions.started[0].data["level"] == 2
    assert sessions.reasons == ["routine"]
    assert sessions.ended[0].data["minutes"] == 1.5


async def test_routine_stopped(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """Stopping a routine ends its device's session for the routine."""
    await setup_devices(hass, foot_leg_server)
    await call(hass, "start_routine", routine="foot_calf_circulation")
    await advance(hass, freezer, timedelta(minutes=2))
    await call(hass, "stop_routine")
    await ended(hass, sessions)

    assert sessions.reasons == ["routine"]
    assert sessions.ended[0].data["minutes"] == 2.0


async def test_unavailable(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """A device that vanishes while running ends its session, fired all the same."""
    await setup_entry_with(hass, foot_leg_server)
    await fan(hass, "turn_on")
    await advance(hass, freezer, timedelta(minutes=4))
    await foot_leg_server.stop()
    await ended(hass, sessions)

    assert hass.states.get(FOOT).state == "unavailable"
    assert sessions.reasons == ["unavailable"]
    assert sessions.ended[0].data["minutes"] == 4.0
    state = hass.states.get(FOOT_SESSION)
    assert state.attributes["event_type"] == "session_ended"
    assert state.attributes["reason"] == "unavailable"


async def test_back_from_unavailable_running(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """A device that comes back running starts a session nobody knows the start of."""
    await setup_entry_with(hass, foot_leg_server)
    await fan(hass, "turn_on")
    foot_leg_server.faults.refuse_connections = True
    await ended(hass, sessions)
    foot_leg_server.faults.refuse_connections = False
    await advance(hass, freezer, POLL_INTERVAL)
    await wait_for(hass, lambda: len(sessions.started) == 2)

    assert sessions.starters == ["home_assistant", "unknown"]
    assert sessions.reasons == ["unavailable"]


async def test_home_assistant_stops(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """Home Assistant stopping ends the session as it stops the device."""
    await setup_entry_with(hass, foot_leg_server)
    await fan(hass, "turn_on")
    await advance(hass, freezer, timedelta(minutes=7))
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()

    assert not foot_leg_server.device.state.on
    assert sessions.reasons == ["shutdown"]
    assert sessions.ended[0].data["minutes"] == 7.0
    assert hass.states.get(FOOT_SESSION).attributes["reason"] == "shutdown"


async def test_home_assistant_stops_a_routine(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """A routine's device stopped as Home Assistant stops: for that, not the routine."""
    await setup_devices(hass, foot_leg_server)
    await call(hass, "start_routine", routine="foot_calf_circulation")
    await advance(hass, freezer, timedelta(minutes=1))
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()

    assert not foot_leg_server.device.state.on
    assert sessions.reasons == ["shutdown"]


async def test_entry_removed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """Removing the entry ends the session; the bus says so, the entity being gone."""
    entry = await setup_entry_with(hass, foot_leg_server)
    await fan(hass, "turn_on")
    await advance(hass, freezer, timedelta(minutes=2))
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert not foot_leg_server.device.state.on
    assert hass.states.get(FOOT_SESSION) is None
    assert sessions.reasons == ["shutdown"]
    assert sessions.ended[0].data["minutes"] == 2.0
    assert sessions.ended[0].data["name"] == "Foot and Leg Massager"


async def test_entry_disabled(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """Disabling the entry stops the device and ends its session."""
    entry = await setup_entry_with(hass, foot_leg_server)
    await fan(hass, "turn_on")
    await hass.config_entries.async_set_disabled_by(
        entry.entry_id, ConfigEntryDisabler.USER
    )
    await hass.async_block_till_done()

    assert not foot_leg_server.device.state.on
    assert sessions.reasons == ["shutdown"]


async def test_parked_and_never_taken_over(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """Unloaded for a reload that never sets up again: over when the grace ends."""
    entry = await setup_entry_with(hass, foot_leg_server)
    await fan(hass, "turn_on")
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert sessions.ended == []

    await advance(hass, freezer, HANDOVER_GRACE)
    await ended(hass, sessions)
    assert not foot_leg_server.device.state.on
    assert sessions.reasons == ["shutdown"]
    assert sessions.ended[0].data["minutes"] == 2.0


async def test_a_massager_built_from_entities(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, sessions: Sessions
) -> None:
    """The other driver's sessions end for the same reasons, its own timer too."""
    plug = FakeSwitch("plug")
    await async_add_entities(hass, plug)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Plug Massager",
        unique_id="plug-1",
        data={
            "backend": "entities",
            "kind": "foot_leg",
            "timer_options": [10],
            "roles": {
                "power": {"means": "toggle", "entity_id": "switch.plug", "delay": 0}
            },
        },
    )
    await setup_entry(hass, entry)
    plug_fan = "fan.plug_massager"

    # Home Assistant's own timer stops a massager that has none.
    await fan(hass, "turn_on", plug_fan)
    await advance(hass, freezer, timedelta(minutes=10))
    assert plug.is_on is False
    # Switched on at the plug, and off there.
    plug.update(is_on=True)
    await wait_for(hass, lambda: len(sessions.started) == 2)
    await advance(hass, freezer, timedelta(minutes=4))
    plug.update(is_on=False)
    await ended(hass, sessions, 2)

    assert sessions.starters == ["home_assistant", "device"]
    assert sessions.reasons == ["timer", "user"]
    assert [event.data["minutes"] for event in sessions.ended] == [10.0, 4.0]
    assert hass.states.get("event.plug_massager_session").attributes["reason"] == (
        "user"
    )
    await hass.config_entries.async_remove(entry.entry_id)


async def test_device_deleted_from_the_registry(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """A session whose device is gone from the registry still ends, by its name."""
    await setup_entry_with(hass, foot_leg_server)
    await fan(hass, "turn_on")
    registry = dr.async_get(hass)
    registry.async_remove_device(device_id(hass, foot_leg_server))
    await advance(hass, freezer, timedelta(minutes=1))
    foot_leg_server.device.press_power()
    await ended(hass, sessions)

    assert sessions.ended[0].data == {
        "name": "Foot and Leg Massager",
        "reason": "user",
        "minutes": 1.0,
        "started": STARTED,
    }


# Reloads and sessions found running


async def test_reload_keeps_one_session(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """A reload neither ends the session nor starts one; its minutes run on."""
    entry = await setup_entry_with(hass, foot_leg_server)
    await hass.services.async_call(
        DOMAIN, "start_session", {"entity_id": FOOT, "minutes": 30}, blocking=True
    )
    await advance(hass, freezer, timedelta(minutes=4))
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.sessions.session is not None
    assert entry.runtime_data.sessions.session.started == FROZEN_NOW

    await advance(hass, freezer, timedelta(minutes=2))
    await fan(hass, "turn_off")
    await ended(hass, sessions)
    assert len(sessions.started) == 1
    assert sessions.reasons == ["user"]
    assert sessions.ended[0].data["minutes"] == 6.0
    assert sessions.ended[0].data["started"] == STARTED


async def test_reload_while_the_timer_ends(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """A session handed over that ended meanwhile ends for its timer."""
    entry = await setup_entry_with(hass, foot_leg_server)
    await fan(hass, "turn_on")
    await advance(hass, freezer, timedelta(minutes=9, seconds=30))
    assert await hass.config_entries.async_unload(entry.entry_id)
    await advance(hass, freezer, timedelta(seconds=40))
    assert not foot_leg_server.device.state.on
    assert sessions.ended == []

    await setup_entry(hass, entry)
    assert sessions.reasons == ["timer"]
    # It ended at its timer's end, not when the new set-up heard of it.
    assert sessions.ended[0].data["minutes"] == 10.0
    assert len(sessions.started) == 1


async def test_found_running_at_setup(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
) -> None:
    """A session running before Home Assistant saw it: nobody knows who started it."""
    foot_leg_server.device.write({"on": True, "level": 3, "heat": 2})
    await setup_entry_with(hass, foot_leg_server)

    assert sessions.starters == ["unknown"]
    state = hass.states.get(FOOT_SESSION)
    assert state.attributes["event_type"] == "session_started"
    assert state.attributes["started_by"] == "unknown"
    assert state.attributes["level"] == 3
    assert state.attributes["heat"] == 2
    assert state.attributes["started"] == STARTED


# A device that lies


@pytest.mark.parametrize("edge", EDGE_TIMES)
async def test_session_end_at_the_calendar_edge(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    foot_leg_server: DeviceServer,
    sessions: Sessions,
    edge: str,
) -> None:
    """A timer claimed to end at the calendar's edge: a person's stop is theirs."""
    await setup_entry_with(hass, foot_leg_server)
    foot_leg_server.faults.reported_time = edge
    await fan(hass, "turn_on")
    await advance(hass, freezer, timedelta(minutes=1))
    await fan(hass, "turn_off")
    await ended(hass, sessions)

    assert sessions.reasons == ["user"]
    assert sessions.ended[0].data["minutes"] == 1.0

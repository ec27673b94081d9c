"""Tests of a whole entry driven by entities: platforms, caps, unload, lost entities."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.massage.const import CONF_HEAT_CAP, CONF_SESSION_CAP, DOMAIN
from custom_components.massage.drivers import StateUpdate
from custom_components.massage.drivers.entities import (
    EntitiesDriver,
    async_remove_issues,
    issue_id,
)
from emulator import DeviceServer

from .conftest import FROZEN_NOW, entry_for, setup_entry, wait_for
from .entities_backend import (
    CallLog,
    FakeButton,
    FakeSelect,
    FakeSwitch,
    advance,
    async_add_entities,
)
from .routine_helpers import player_loaded, record_events

FAN = "fan.foot_spa"
PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.FAN,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]
MODES = ["kneading", "rolling", "air_compression", "combined"]


@pytest.fixture(autouse=True)
def fast_reconnect() -> Generator[None]:
    """Listen again at once after a lost entity; what matters is what happens."""
    with patch(
        "custom_components.massage.coordinator.reconnect_delay", return_value=0.05
    ):
        yield


def spa_data(**extra: Any) -> dict[str, Any]:
    """A foot spa on a plug with mode, level and heat selects; our own timer."""
    return {
        "backend": "entities",
        "kind": "foot_leg",
        "timer_options": [10, 15, 20, 30],
        "roles": {
            "power": {"means": "toggle", "entity_id": "switch.spa_plug", "delay": 0},
            "level": {"means": "select", "entity_id": "select.spa_intensity"},
            "mode": {"means": "select", "entity_id": "select.spa_mode"},
            "heat": {"means": "select", "entity_id": "select.spa_heat"},
        },
        **extra,
    }


def spa_entry(**extra: Any) -> MockConfigEntry:
    """An entry for the foot spa."""
    return MockConfigEntry(
        domain=DOMAIN, title="Foot Spa", unique_id="spa-1", data=spa_data(**extra)
    )


class Spa:
    """The spa's source entities."""

    def __init__(self) -> None:
        """Make them, all off."""
        self.plug = FakeSwitch("spa_plug")
        self.intensity = FakeSelect("spa_intensity", ["low", "medium", "high"], "low")
        self.mode = FakeSelect("spa_mode", MODES, "kneading")
        self.heat = FakeSelect("spa_heat", ["off", "warm", "hot"], "off")

    @property
    def entities(self) -> tuple[Any, ...]:
        """All of them."""
        return (self.plug, self.intensity, self.mode, self.heat)


@pytest.fixture
async def spa(hass: HomeAssistant) -> Spa:
    """The source entities, set up."""
    entities = Spa()
    await async_add_entities(hass, *entities.entities)
    return entities


def _keys(hass: HomeAssistant, entry: MockConfigEntry) -> set[tuple[str, str]]:
    """Each entity's platform and description key."""
    unique_prefix = f"{entry.unique_id}_"
    return {
        (entity.domain, entity.unique_id.removeprefix(unique_prefix))
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    }


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_same_entities_as_a_local_api_device(
    hass: HomeAssistant, spa: Spa, foot_leg_server: DeviceServer
) -> None:
    """A foot massager built from entities has the entities an emulated one has."""
    local = entry_for(foot_leg_server)
    await setup_entry(hass, local)
    entry = spa_entry()
    await setup_entry(hass, entry)
    assert isinstance(entry.runtime_data.coordinator.driver, EntitiesDriver)
    assert _keys(hass, entry) == _keys(hass, local)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", PLATFORMS)
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    frozen_time: FrozenDateTimeFactory,
    spa: Spa,
    platform: Platform,
) -> None:
    """Each platform's entities, for a running foot spa with heat."""
    entry = spa_entry()
    with patch("custom_components.massage.PLATFORMS", [platform]):
        await setup_entry(hass, entry)
        await entry.runtime_data.coordinator.async_command(
            StateUpdate(on=True, level=3, mode="rolling", heat=1)
        )
    assert (spa.plug.is_on, spa.intensity.current_option) == (True, "high")
    assert (spa.mode.current_option, spa.heat.current_option) == ("rolling", "warm")
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_device_comes_from_the_source_device(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry, spa: Spa
) -> None:
    """Its identity is the entry's; maker and model are the source device's."""
    source_entry = MockConfigEntry(domain="tuya")
    source_entry.add_to_hass(hass)
    source = device_registry.async_get_or_create(
        config_entry_id=source_entry.entry_id,
        identifiers={("tuya", "bf0123")},
        manufacturer="Comfier",
        model="Foot Spa FS-1",
        sw_version="3.0",
    )
    entry = spa_entry(source_device=source.id)
    await setup_entry(hass, entry)
    driver = entry.runtime_data.coordinator.driver
    assert isinstance(driver, EntitiesDriver)
    (device,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    # Its page links to the device the entities come from.
    assert device.via_device_id == source.id
    assert device.identifiers == {(DOMAIN, "spa-1")}
    assert (device.name, device.manufacturer, device.model, device.sw_version) == (
        "Foot Spa",
        "Comfier",
        "Foot Spa FS-1",
        "3.0",
    )
    assert device.configuration_url is None


async def test_a_source_device_without_maker_or_model_leaves_them_blank(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry, spa: Spa
) -> None:
    """Empty texts would show as empty lines on the device page: none instead."""
    source_entry = MockConfigEntry(domain="esphome")
    source_entry.add_to_hass(hass)
    source = device_registry.async_get_or_create(
        config_entry_id=source_entry.entry_id,
        identifiers={("esphome", "relay-board")},
    )
    entry = spa_entry(source_device=source.id)
    await setup_entry(hass, entry)
    (device,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert (device.manufacturer, device.model, device.sw_version) == (None, None, None)


async def test_a_mode_counted_in_presses_shows_as_assumed(
    hass: HomeAssistant, spa: Spa
) -> None:
    """The dashboard then offers both on and off, as for any assumed state."""
    await async_add_entities(hass, FakeButton("spa_mode_next"))
    data = spa_data()
    data["roles"]["mode"] = {
        "means": "cycle",
        "next": {"entity_id": "button.spa_mode_next"},
        "modes": MODES,
        "resets_to": "kneading",
    }
    entry = MockConfigEntry(
        domain=DOMAIN, title="Foot Spa", unique_id="spa-1", data=data
    )
    await setup_entry(hass, entry)
    # Read back from the selects, the spa's fan in test_entities is not assumed.
    assert hass.states.get(FAN).attributes["assumed_state"] is True


async def test_caps_stop_heat_and_session_in_virtual_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, spa: Spa
) -> None:
    """The guard's caps act on a device built from entities as on any other."""
    freezer.move_to(FROZEN_NOW)
    entry = spa_entry(timer_options=[30, 45])
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_SESSION_CAP: 20, CONF_HEAT_CAP: 5}
    )
    await setup_entry(hass, entry)
    await hass.services.async_call(
        DOMAIN, "start_session", {"entity_id": FAN, "heat": 2}, blocking=True
    )
    assert (spa.plug.is_on, spa.heat.current_option) == (True, "hot")

    await advance(hass, freezer, timedelta(minutes=4, seconds=59))
    assert spa.heat.current_option == "hot"
    await advance(hass, freezer, timedelta(seconds=2))
    assert spa.heat.current_option == "off"
    assert spa.plug.is_on
    assert hass.states.get("switch.foot_spa_heat").state == "off"

    await advance(hass, freezer, timedelta(minutes=15))
    assert not spa.plug.is_on
    assert hass.states.get(FAN).state == "off"


async def test_own_timer_ends_the_session(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, spa: Spa
) -> None:
    """Without a timer of its own, the device stops when the chosen minutes are up."""
    freezer.move_to(FROZEN_NOW)
    await setup_entry(hass, spa_entry())
    await hass.services.async_call(
        DOMAIN, "start_session", {"entity_id": FAN, "minutes": 10}, blocking=True
    )
    ends = hass.states.get("sensor.foot_spa_session_end").state
    assert ends == (FROZEN_NOW + timedelta(minutes=10)).isoformat()
    await advance(hass, freezer, timedelta(minutes=9, seconds=59))
    assert spa.plug.is_on
    await advance(hass, freezer, timedelta(seconds=2))
    assert not spa.plug.is_on
    assert hass.states.get(FAN).state == "off"


async def test_disabling_leaves_the_sources_and_the_massager_off(
    hass: HomeAssistant, spa: Spa
) -> None:
    """Disabling the entry stops it; the source entities stay, only switched off."""
    entry = spa_entry()
    await setup_entry(hass, entry)
    await hass.services.async_call(
        DOMAIN, "start_session", {"entity_id": FAN, "heat": 1}, blocking=True
    )
    assert spa.plug.is_on
    assert await hass.config_entries.async_set_disabled_by(
        entry.entry_id, ConfigEntryDisabler.USER
    )
    await hass.async_block_till_done()
    assert not spa.plug.is_on
    assert spa.heat.current_option == "off"
    for entity_id in ("switch.spa_plug", "select.spa_mode", "select.spa_heat"):
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state != STATE_UNAVAILABLE


async def test_a_removed_entity_makes_it_unavailable_with_a_repair(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
    spa: Spa,
) -> None:
    """The issue names the role and the entity; both go once it is back."""
    entry = spa_entry()
    await setup_entry(hass, entry)
    platform = spa.mode.platform
    entity_registry.async_remove("select.spa_mode")
    await wait_for(hass, lambda: hass.states.get(FAN).state == STATE_UNAVAILABLE)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id(entry.entry_id, "mode"))
    assert issue is not None
    assert issue.translation_key == "missing_entity_mode"
    assert issue.translation_placeholders == {
        "name": "Foot Spa",
        "entity_id": "select.spa_mode",
    }
    # Its fix flow opens the reconfigure step (test_config_flow_entities.py).
    assert issue.is_fixable
    assert issue.data == {"entry_id": entry.entry_id}

    # The source integration brings it back.
    await platform.async_add_entities([FakeSelect("spa_mode", MODES, "combined")])
    await wait_for(hass, lambda: hass.states.get(FAN).state == "off")
    assert hass.states.get(FAN).attributes["preset_mode"] == "combined"
    assert (
        issue_registry.async_get_issue(DOMAIN, issue_id(entry.entry_id, "mode")) is None
    )


async def test_removing_the_massager_takes_its_repair_away(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
    spa: Spa,
) -> None:
    """An issue about an entry that is gone would ask for a fix nobody can make."""
    entry = spa_entry()
    await setup_entry(hass, entry)
    entity_registry.async_remove("select.spa_mode")
    await wait_for(hass, lambda: hass.states.get(FAN).state == STATE_UNAVAILABLE)
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry.entry_id, "mode"))

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert (
        issue_registry.async_get_issue(DOMAIN, issue_id(entry.entry_id, "mode")) is None
    )


async def test_a_renamed_entity_makes_it_unavailable_until_renamed_back(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
    spa: Spa,
) -> None:
    """A rename loses the entity as much as a removal."""
    entry = spa_entry()
    await setup_entry(hass, entry)
    entity_registry.async_update_entity(
        "switch.spa_plug", new_entity_id="switch.spa_outlet"
    )
    await wait_for(hass, lambda: hass.states.get(FAN).state == STATE_UNAVAILABLE)
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry.entry_id, "power"))
    entity_registry.async_update_entity(
        "switch.spa_outlet", new_entity_id="switch.spa_plug"
    )
    await wait_for(hass, lambda: hass.states.get(FAN).state == "off")
    assert not issue_registry.async_get_issue(DOMAIN, issue_id(entry.entry_id, "power"))
    # An issue outlives an unload, since it still holds; removal takes it along.
    entity_registry.async_update_entity(
        "switch.spa_plug", new_entity_id="switch.spa_outlet"
    )
    await wait_for(hass, lambda: hass.states.get(FAN).state == STATE_UNAVAILABLE)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert issue_registry.async_get_issue(DOMAIN, issue_id(entry.entry_id, "power"))
    async_remove_issues(hass, entry.entry_id)
    assert not issue_registry.issues


async def test_setup_waits_for_entities_not_loaded_yet(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
    spa: Spa,
) -> None:
    """Registered but not loaded (as at start-up): retried, and no repair issue."""
    entity_registry.async_get_or_create(
        "select", "later", "spa_program", suggested_object_id="spa_program"
    )
    entry = spa_entry()
    entry.data["roles"]["mode"]["entity_id"] = "select.spa_program"
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert not issue_registry.issues

    entity_registry.async_update_entity(
        "select.spa_program", disabled_by=er.RegistryEntryDisabler.USER
    )
    await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    issue = issue_registry.async_get_issue(DOMAIN, issue_id(entry.entry_id, "mode"))
    assert issue is not None
    assert issue.translation_placeholders == {
        "name": "Foot Spa",
        "entity_id": "select.spa_program",
    }


async def test_gun_built_from_entities_needs_a_person(
    hass: HomeAssistant, hass_admin_user: MockUser
) -> None:
    """An automation cannot start it, by any setting; a person can; anyone stops it."""
    plug = FakeSwitch("gun_plug")
    await async_add_entities(
        hass, plug, FakeSelect("gun_speed", ["1", "2", "3", "4", "5"], "1")
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Gun",
        unique_id="gun-1",
        data={
            "backend": "entities",
            "kind": "gun",
            "roles": {
                "power": {"means": "toggle", "entity_id": "switch.gun_plug"},
                "level": {"means": "select", "entity_id": "select.gun_speed"},
            },
        },
    )
    await setup_entry(hass, entry)
    calls = CallLog(hass, ["switch.gun_plug", "select.gun_speed"])
    automation = Context()
    for service, data in (
        ("turn_on", {}),
        ("set_percentage", {"percentage": 60}),
    ):
        with pytest.raises(ServiceValidationError) as caught:
            await hass.services.async_call(
                "fan",
                service,
                {"entity_id": "fan.gun", **data},
                blocking=True,
                context=automation,
            )
        assert caught.value.translation_key == "gun_needs_person"
    assert calls.calls == []
    assert not plug.is_on

    person = Context(user_id=hass_admin_user.id)
    await hass.services.async_call(
        "fan",
        "turn_on",
        {"entity_id": "fan.gun", "percentage": 60},
        blocking=True,
        context=person,
    )
    assert plug.is_on
    assert hass.states.get("select.gun_speed").state == "3"
    await hass.services.async_call(
        "fan", "turn_off", {"entity_id": "fan.gun"}, blocking=True, context=automation
    )
    assert not plug.is_on


async def test_a_built_in_routine_plays_on_a_massager_from_entities(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, spa: Spa
) -> None:
    """The routine engine drives it through the same seam as a Local API device."""
    freezer.move_to(FROZEN_NOW)
    await setup_entry(hass, spa_entry())
    await wait_for(hass, lambda: player_loaded(hass))
    fired = record_events(hass)

    def spa_state() -> tuple[bool, str, str, str]:
        return (
            spa.plug.is_on,
            spa.intensity.current_option,
            spa.mode.current_option,
            spa.heat.current_option,
        )

    async def run_for(seconds: int) -> None:
        # In small steps, as time passes: each step's end is timed from the last.
        for _ in range(seconds):
            await advance(hass, freezer, timedelta(seconds=1))

    await hass.services.async_call(
        DOMAIN, "start_routine", {"routine": "foot_calf_circulation"}, blocking=True
    )
    assert spa_state() == (True, "medium", "kneading", "warm")
    await run_for(599)
    assert spa_state() == (True, "medium", "kneading", "warm")
    await run_for(2)
    assert spa_state() == (True, "medium", "rolling", "off")
    await run_for(298)
    assert spa.plug.is_on
    await run_for(2)
    assert spa_state() == (False, "medium", "rolling", "off")
    assert hass.states.get(FAN).state == "off"
    assert fired.types == [
        "routine_started",
        "step_started",
        "step_started",
        "step_started",
        "routine_finished",
    ]
    # The same timeline as on the emulated foot and leg massager.
    assert [round(at) for at, _, _ in fired.log] == [0, 0, 300, 600, 900]

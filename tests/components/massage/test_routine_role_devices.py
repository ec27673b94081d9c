"""Tests of the role selects: which massager plays a role, as a person chose."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from homeassistant.components.select import (
    ATTR_OPTION,
    ATTR_OPTIONS,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID
from homeassistant.core import (
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    Event,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import area_registry as ar, device_registry as dr
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_restore_state_shutdown_restart,
    mock_restore_cache_with_extra_data,
)

from custom_components.massage.const import DOMAIN
from custom_components.massage.diagnostics import (
    async_get_config_entry_diagnostics,
)
from emulator import DeviceServer

from .routine_helpers import (
    call,
    device_id,
    entry_of,
    player,
    player_entry,
    quiet_heartbeats,
    setup_devices,
)

GUN_SELECT = "select.massage_routines_massage_gun"
FOOT_LEG_SELECT = "select.massage_routines_foot_and_leg_massager"
START = "button.massage_routines_start_routine"


@pytest.fixture
async def two_guns(
    hass: HomeAssistant, gun_server: DeviceServer, second_gun: DeviceServer
) -> AsyncIterator[None]:
    """The emulated gun and a second one, set up with the routine player."""
    with quiet_heartbeats(gun_server, second_gun):
        await setup_devices(hass, gun_server, second_gun)
        yield


async def choose(hass: HomeAssistant, entity_id: str, option: str) -> None:
    """Choose an option, as the dashboard does."""
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, ATTR_OPTION: option},
        blocking=True,
    )


async def press_start(hass: HomeAssistant) -> None:
    """Press the player's Start button with the leg cramp routine selected."""
    player(hass).select("leg_cramp")
    await hass.services.async_call(
        "button", "press", {ATTR_ENTITY_ID: START}, blocking=True
    )


def shown(hass: HomeAssistant, entity_id: str) -> tuple[str, list[str]]:
    """The select's state and its options."""
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state, state.attributes[ATTR_OPTIONS]


def gun_playing(hass: HomeAssistant) -> str:
    """The device id of the gun that plays in the running routine."""
    run = player(hass).run
    assert run is not None
    return run.devices["gun"].device_id


async def test_a_person_chooses_the_gun_of_the_routines(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    second_gun: DeviceServer,
    foot_leg_server: DeviceServer,
) -> None:
    """Two guns: Start says to choose; once chosen, Start and the actions use it."""
    with quiet_heartbeats(gun_server, second_gun, foot_leg_server):
        await setup_devices(hass, gun_server, second_gun, foot_leg_server)
        assert shown(hass, GUN_SELECT) == (
            "automatic",
            ["automatic", "Massage Gun", "Second Gun"],
        )
        assert shown(hass, FOOT_LEG_SELECT) == (
            "automatic",
            ["automatic", "Foot and Leg Massager"],
        )

        with pytest.raises(ServiceValidationError) as err:
            await press_start(hass)
        assert err.value.translation_key == "role_ambiguous"
        translations = await async_get_translations(hass, "en", "exceptions", {DOMAIN})
        text = translations[f"component.{DOMAIN}.exceptions.role_ambiguous.message"]
        assert "select of the Massage routines device" in text

        await choose(hass, GUN_SELECT, "Second Gun")
        assert shown(hass, GUN_SELECT)[0] == "Second Gun"
        await press_start(hass)
        assert gun_playing(hass) == device_id(hass, second_gun)
        await call(hass, "stop_routine")

        # The action's own choice comes first; a role it leaves out takes the
        # person's choice.
        first = device_id(hass, gun_server)
        await call(hass, "start_routine", routine="leg_cramp", gun=first)
        assert gun_playing(hass) == first
        await call(hass, "stop_routine")
        await call(hass, "start_routine", routine="leg_cramp")
        assert gun_playing(hass) == device_id(hass, second_gun)
        await call(hass, "stop_routine")

        await choose(hass, GUN_SELECT, "automatic")
        assert shown(hass, GUN_SELECT)[0] == "automatic"
        with pytest.raises(ServiceValidationError) as err:
            await press_start(hass)
        assert err.value.translation_key == "role_ambiguous"


async def test_a_chosen_gun_that_unloads_stays_chosen_until_removed(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    second_gun: DeviceServer,
    two_guns: None,
) -> None:
    """An unloaded choice is not swapped for another gun; a removed one is dropped."""
    await choose(hass, GUN_SELECT, "Second Gun")
    second = entry_of(hass, second_gun)
    await hass.config_entries.async_unload(second.entry_id)
    await hass.async_block_till_done()
    assert shown(hass, GUN_SELECT) == (
        "Second Gun",
        ["automatic", "Massage Gun", "Second Gun"],
    )
    with pytest.raises(ServiceValidationError) as err:
        await press_start(hass)
    assert err.value.translation_key == "role_device_not_loaded"
    assert player(hass).run is None

    await hass.config_entries.async_remove(second.entry_id)
    await hass.async_block_till_done()
    assert shown(hass, GUN_SELECT) == ("automatic", ["automatic", "Massage Gun"])
    await press_start(hass)
    assert gun_playing(hass) == device_id(hass, gun_server)
    await call(hass, "stop_routine")


async def test_guns_of_one_name_are_told_apart_and_renames_show(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    second_gun: DeviceServer,
    two_guns: None,
) -> None:
    """Two guns called alike are numbered; the name a person gives shows at once."""
    registry = dr.async_get(hass)
    registry.async_update_device(
        device_id(hass, second_gun), name_by_user="Massage Gun"
    )
    await hass.async_block_till_done()
    assert shown(hass, GUN_SELECT)[1] == [
        "automatic",
        "Massage Gun",
        "Massage Gun (2)",
    ]
    await choose(hass, GUN_SELECT, "Massage Gun (2)")
    await press_start(hass)
    assert gun_playing(hass) == device_id(hass, second_gun)
    await call(hass, "stop_routine")

    # A device named like the automatic option does not take its place.
    registry.async_update_device(device_id(hass, second_gun), name_by_user="automatic")
    await hass.async_block_till_done()
    assert shown(hass, GUN_SELECT) == (
        "automatic (2)",
        ["automatic", "Massage Gun", "automatic (2)"],
    )


async def test_only_renames_of_the_devices_on_offer_are_written(
    hass: HomeAssistant, second_gun: DeviceServer, two_guns: None
) -> None:
    """Other devices, and other changes to a gun, leave the select unwritten.

    Every device of every integration changes through the registry, hundreds of
    them at start-up.
    """
    writes: list[str] = []

    @callback
    def of_the_select(data: Mapping[str, Any]) -> bool:
        return bool(data["entity_id"] == GUN_SELECT)

    @callback
    def written(event: Event[dict[str, Any]]) -> None:
        writes.append(event.event_type)

    for event_type in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED):
        hass.bus.async_listen(event_type, written, event_filter=of_the_select)
    registry = dr.async_get(hass)
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    lamp = registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "lamp")}, name="Lamp"
    )
    registry.async_update_device(lamp.id, name_by_user="Reading lamp")
    registry.async_remove_device(lamp.id)
    area = ar.async_get(hass).async_create("Gym")
    registry.async_update_device(device_id(hass, second_gun), area_id=area.id)
    await hass.async_block_till_done()
    assert writes == []

    registry.async_update_device(device_id(hass, second_gun), name_by_user="Travel")
    await hass.async_block_till_done()
    assert EVENT_STATE_CHANGED in writes
    assert shown(hass, GUN_SELECT)[1] == ["automatic", "Massage Gun", "Travel"]


async def test_the_choice_outlives_a_restart(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    second_gun: DeviceServer,
    two_guns: None,
) -> None:
    """The chosen gun is kept by its device id and restored with the player."""
    await choose(hass, GUN_SELECT, "Second Gun")
    await async_mock_restore_state_shutdown_restart(hass)
    entry = player_entry(hass)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert shown(hass, GUN_SELECT)[0] == "Second Gun"
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["chosen_devices"] == {"gun": device_id(hass, second_gun)}


@pytest.mark.parametrize("stored", [{ATTR_DEVICE_ID: "gone"}, {ATTR_DEVICE_ID: 42}, {}])
async def test_a_stored_choice_that_no_longer_fits_is_automatic(
    hass: HomeAssistant, gun_server: DeviceServer, stored: dict[str, object]
) -> None:
    """A device removed while Home Assistant was down, or garbage, is automatic."""
    mock_restore_cache_with_extra_data(hass, [(State(GUN_SELECT, "Gone Gun"), stored)])
    with quiet_heartbeats(gun_server):
        await setup_devices(hass, gun_server)
        assert player(hass).chosen == {}
        assert shown(hass, GUN_SELECT) == ("automatic", ["automatic", "Massage Gun"])

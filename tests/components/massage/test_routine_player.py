"""Tests of the routine player's entry: created, removed, added again, its options."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_SYSTEM, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.massage.const import DOMAIN
from custom_components.massage.diagnostics import async_get_config_entry_diagnostics
from custom_components.massage.routines import async_routine_player_removed
from custom_components.massage.routines.player import (
    CONF_CONFIRM_TIMEOUT,
    CONF_ENTRY_TYPE,
    CONF_ROUTINES,
    ENTRY_TYPE_ROUTINE_PLAYER,
)
from emulator import DeviceServer

from .conftest import FROZEN_NOW, entry_for, setup_entry, wait_for
from .routine_helpers import (
    SELECT,
    advance,
    call,
    player,
    player_entry,
    player_loaded,
    recording,
    setup_devices,
)

REMOVED = {
    "massage.routine_player": {"version": 1, "key": "x", "data": {"removed": True}}
}
EVENING = [
    {
        "role": "foot_leg",
        "body_area": "feet_and_calves",
        "mode": "rolling",
        "level": "30%",
        "duration": 60,
        "prompt": "circulation_rolling",
    }
]


def no_flows(hass: HomeAssistant) -> bool:
    """Whether no flow of the integration is in progress."""
    return not hass.config_entries.flow.async_progress_by_handler(
        DOMAIN, include_uninitialized=True
    )


async def test_created_with_the_first_massager(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
) -> None:
    """The first massager brings the player, a device of its own; no later one."""
    await setup_devices(hass, gun_server)
    entry = player_entry(hass)
    assert entry.title == "Massage routines"
    assert entry.source == SOURCE_SYSTEM
    (device,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert device.name == "Massage routines"
    assert hass.states.get(SELECT).attributes["friendly_name"] == (
        "Massage routines Routine"
    )

    await setup_devices(hass, foot_leg_server)
    await wait_for(hass, lambda: no_flows(hass))
    player_entry(hass)  # still exactly one


async def test_removed_player_is_not_added_back(
    hass: HomeAssistant, gun_server: DeviceServer, foot_leg_server: DeviceServer
) -> None:
    """A person who removed the player keeps it removed, also after a restart."""
    await setup_devices(hass, gun_server)
    assert await hass.config_entries.async_remove(player_entry(hass).entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_SYSTEM}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "routine_player_removed"
    await setup_entry(hass, entry_for(foot_leg_server))
    await wait_for(hass, lambda: no_flows(hass))
    assert not player_loaded(hass)


async def test_removed_player_stays_removed_after_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    gun_server: DeviceServer,
) -> None:
    """What a person removed before the restart is not added at start."""
    hass_storage.update(REMOVED)
    await setup_entry(hass, entry_for(gun_server))
    await wait_for(hass, lambda: no_flows(hass))
    assert not [e for e in hass.config_entries.async_entries(DOMAIN) if not e.unique_id]


async def test_added_again_from_add_integration(
    hass: HomeAssistant, hass_storage: dict[str, Any], gun_server: DeviceServer
) -> None:
    """After a removal, Add integration offers the player beside the devices."""
    hass_storage.update(REMOVED)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == ["local_api", "entities", "routine_player"]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "routine_player"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Massage routines"
    await hass.async_block_till_done()
    assert player_loaded(hass)

    # With the player there, Add integration offers only the devices.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["local_api", "entities"]


async def test_menu_leads_to_a_device(
    hass: HomeAssistant, hass_storage: dict[str, Any], gun_server: DeviceServer
) -> None:
    """The menu's device choice is the usual device form."""
    hass_storage.update(REMOVED)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "local_api"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "local_api"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: gun_server.port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Massage Gun"


async def test_only_one_player(hass: HomeAssistant, gun_server: DeviceServer) -> None:
    """A second player is refused."""
    await setup_devices(hass, gun_server)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_SYSTEM}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_options_declare_routines(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Declared routines join the select at once; a running routine goes on."""
    async with recording(hass, freezer, gun_server, foot_leg_server) as (_, fired):
        await call(hass, "start_routine", routine="foot_calf_circulation")
        entry = player_entry(hass)
        result = await hass.config_entries.options.async_init(entry.entry_id)
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "routines"
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {CONF_CONFIRM_TIMEOUT: 5, CONF_ROUTINES: {"evening": EVENING}},
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()

        assert entry.options == {
            CONF_CONFIRM_TIMEOUT: 5,
            CONF_ROUTINES: {"evening": EVENING},
        }
        assert entry.state is ConfigEntryState.LOADED
        assert hass.states.get(SELECT).attributes["options"][-1] == "evening"
        assert fired.types == ["routine_started", "step_started"]
        await advance(hass, freezer, 300)
        assert fired.types[-1] == "step_started"

        await hass.services.async_call(DOMAIN, "stop_routine", {}, blocking=True)
        await hass.services.async_call(
            "select",
            "select_option",
            {"entity_id": SELECT, "option": "evening"},
            blocking=True,
        )
        await hass.services.async_call(
            "button",
            "press",
            {"entity_id": "button.massage_routines_start_routine"},
            blocking=True,
        )
        assert fired.log[-1][2]["routine"] == "evening"
        assert foot_leg_server.device.state.mode == "rolling"


@pytest.mark.parametrize(
    ("routines", "text"),
    [
        (["not", "a", "mapping"], "Declare routines as a mapping"),
        ({"Evening!": EVENING}, '"Evening!" cannot name a routine'),
        ({"leg_cramp": EVENING}, '"leg_cramp" is a built-in routine'),
        ({"evening": [EVENING[0] | {"level": "hot"}]}, 'Step 1: "level" cannot be'),
        ({"evening": []}, "The steps must be a list"),
    ],
)
async def test_options_refuse_bad_routines(
    hass: HomeAssistant, gun_server: DeviceServer, routines: Any, text: str
) -> None:
    """A bad routine is shown in the form, in words that name what is wrong."""
    await setup_devices(hass, gun_server)
    entry = player_entry(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_CONFIRM_TIMEOUT: 3, CONF_ROUTINES: routines}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ROUTINES: "invalid_routines"}
    assert text in result["description_placeholders"]["error"]
    assert entry.options == {}


async def test_stored_bad_routine_is_left_out(
    hass: HomeAssistant, gun_server: DeviceServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A routine in the options that no longer passes is left out, with a warning."""
    await setup_devices(hass, gun_server)
    entry = player_entry(hass)
    hass.config_entries.async_update_entry(
        entry,
        options={CONF_ROUTINES: {"evening": EVENING, "broken": [{"role": "x"}]}},
    )
    await hass.async_block_till_done()
    assert list(player(hass).routines)[-1] == "evening"
    assert "broken" not in player(hass).routines
    assert "Routine broken is left out" in caplog.text


async def test_selected_routine_that_goes_away(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """Choosing a routine that is then removed falls back to the first one."""
    await setup_devices(hass, gun_server)
    entry = player_entry(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_ROUTINES: {"evening": EVENING}}
    )
    await hass.async_block_till_done()
    player(hass).select("evening")
    hass.config_entries.async_update_entry(entry, options={})
    await hass.async_block_till_done()
    assert hass.states.get(SELECT).state == "post_workout_legs"


async def test_diagnostics(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    """The player's diagnostics show its routines and the run."""
    freezer.move_to(FROZEN_NOW)
    await setup_devices(hass, gun_server, foot_leg_server)
    entry = player_entry(hass)
    idle = await async_get_config_entry_diagnostics(hass, entry)
    assert idle["run"] is None
    assert idle["chosen_devices"] == {}
    await hass.services.async_call(
        DOMAIN, "start_routine", {"routine": "post_workout_legs"}, blocking=True
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    diagnostics["run"]["devices"] = sorted(diagnostics["run"]["devices"])
    assert diagnostics == snapshot


@pytest.mark.parametrize(
    ("platform", "running"),
    [
        (Platform.BUTTON, False),
        # Its attributes carry device registry ids, which differ on each run;
        # test_event checks what a routine makes it fire.
        (Platform.EVENT, False),
        (Platform.SELECT, False),
        (Platform.SELECT, True),
        (Platform.SENSOR, False),
        (Platform.SENSOR, True),
    ],
)
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    freezer: FrozenDateTimeFactory,
    platform: Platform,
    running: bool,
) -> None:
    """Each of the player's platforms, idle and with a routine waiting for the gun."""
    freezer.move_to(FROZEN_NOW)
    # An entry of a fixed id, so that the unique ids that derive from it are too.
    MockConfigEntry(
        domain=DOMAIN,
        entry_id="01KROUTINEPLAYER000000000",
        title="Massage routines",
        data={CONF_ENTRY_TYPE: ENTRY_TYPE_ROUTINE_PLAYER},
    ).add_to_hass(hass)
    await setup_devices(hass, gun_server, foot_leg_server)
    if running:
        await hass.services.async_call(
            DOMAIN, "start_routine", {"routine": "post_workout_legs"}, blocking=True
        )
    entry = player_entry(hass)
    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    for entity in entities:
        if entity.domain != platform:
            entity_registry.async_remove(entity.entity_id)
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_removing_a_massager_is_not_removing_the_player(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """Only the player's own removal is remembered."""
    await setup_devices(hass, gun_server)
    gun = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, "gun-0001")
    assert gun is not None
    assert await hass.config_entries.async_remove(gun.entry_id)
    assert not await async_routine_player_removed(hass)
    assert player_loaded(hass)

"""Tests of the config flow path that builds a massager from existing entities.

The entities are real: input helpers as in the demo, and the recording test
platform of `entities_backend.py`; registry entries shaped as other integrations
register them for the profiles.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import timedelta
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.fan import FanEntityFeature
from homeassistant.components.repairs import FlowType, repairs_flow_manager
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import (
    MAJOR_VERSION,
    MINOR_VERSION,
    PERCENTAGE,
    STATE_UNAVAILABLE,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage import config_flow
from custom_components.massage.compat import vol
from custom_components.massage.const import CONF_DEFAULT_TIMER, DOMAIN
from custom_components.massage.drivers import DeviceUnavailableError
from custom_components.massage.drivers.entities import ROLES, issue_id
from custom_components.massage.drivers.entities.errors import UNAVAILABLE
from custom_components.massage.drivers.entities.profiles import PROFILES
from custom_components.massage.entities_form import ROLE_FIELDS, ROLE_MEANS

from .conftest import massager_entries, wait_for
from .entities_backend import (
    FakeBinarySensor,
    FakeButton,
    FakeFan,
    FakeNumber,
    FakeRemote,
    FakeSelect,
    FakeSensor,
    FakeSwitch,
    Source,
    advance,
    async_add_entities,
    source,
)

INTEGRATION_DIR = Path(config_flow.__file__).parent
MODES = ["kneading", "rolling", "air_compression", "combined"]
# The demo's helpers: a plug, its power reading, a programme and an intensity.
PLUG = "input_boolean.massager_plug"
POWER = "input_number.massager_plug_power"
MODE = "input_select.massager_mode"
LEVEL = "input_select.massager_intensity"
NO_MEANS = dict.fromkeys(ROLES, "none") | {"power": "toggle"}
# Seconds a device needs after power-on: none, so that tests wait for nothing.
NO_DELAY = {"advanced": {"power_delay": 0}}


@pytest.fixture
async def helpers(hass: HomeAssistant) -> None:
    """The input helpers the demo builds its third massager from."""
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"massager_plug": {}}}
    )
    assert await async_setup_component(
        hass,
        "input_number",
        {
            "input_number": {
                "massager_plug_power": {
                    "min": 0,
                    "max": 100,
                    "step": 0.1,
                    "unit_of_measurement": "W",
                }
            }
        },
    )
    assert await async_setup_component(
        hass,
        "input_select",
        {
            "input_select": {
                "massager_mode": {"options": MODES},
                "massager_intensity": {"options": ["low", "medium", "high"]},
            }
        },
    )


@pytest.fixture
async def parts(hass: HomeAssistant) -> None:
    """An entity of each kind a role can use, from the recording test platform."""
    no_speeds = FakeFan("no_speeds", speed_count=3)
    no_speeds._attr_supported_features = FanEntityFeature.TURN_ON
    gone_fan = FakeFan("gone_fan", speed_count=3)
    gone_fan._attr_available = False
    await async_add_entities(
        hass,
        FakeSwitch("plug", device_class="outlet"),
        FakeSwitch("relay"),
        FakeSwitch("heater"),
        FakeSensor(
            "plug_power",
            0.4,
            device_class=SensorDeviceClass.POWER,
            native_unit_of_measurement="W",
        ),
        FakeSensor(
            "battery",
            80,
            device_class=SensorDeviceClass.BATTERY,
            native_unit_of_measurement=PERCENTAGE,
        ),
        FakeSensor("time_left", 0, native_unit_of_measurement=UnitOfTime.MINUTES),
        FakeBinarySensor("charging"),
        FakeButton("start"),
        FakeButton("up"),
        FakeButton("down"),
        FakeButton("mode"),
        FakeRemote("ir"),
        FakeSelect("level", ["low", "medium", "high"], "low"),
        FakeSelect("mode", [*MODES, "off"], "kneading"),
        FakeSelect("heat", ["off", "warm", "hot"], "off"),
        FakeSelect("timer", ["15min", "30min", "1h", "cancel"], "cancel"),
        FakeSelect("only_off", ["off"], "off"),
        FakeSelect("empty", [], None),
        FakeNumber("level", minimum=1, maximum=5, step=1, value=1),
        FakeNumber("temp", minimum=30, maximum=50, step=1, value=30, unit="°C"),
        FakeNumber("timer", minimum=0, maximum=120, step=1, value=0, unit="min"),
        FakeNumber("upside_down", minimum=10, maximum=1, step=1, value=1),
        FakeFan("speeds", speed_count=3),
        no_speeds,
        gone_fan,
    )


async def _step(
    hass: HomeAssistant, result: Any, user_input: dict[str, Any] | None = None
) -> Any:
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


async def _entities_form(hass: HomeAssistant) -> Any:
    """Open the first step of the entities path, from the menu."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    result = await _step(hass, result, {"next_step_id": "entities"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "entities"
    return result


async def _means_form(
    hass: HomeAssistant,
    *,
    kind: str = "foot_leg",
    devices: list[str] | None = None,
    profile: str = "none",
) -> Any:
    """Go to the means step, through the profile step when there are devices."""
    result = await _entities_form(hass)
    result = await _step(
        hass, result, {"kind": kind} | ({"devices": devices} if devices else {})
    )
    if devices:
        assert result["step_id"] == "entities_profile"
        result = await _step(hass, result, {"profile": profile})
    assert result["step_id"] == "entities_means"
    assert result["errors"] == {}
    return result


async def _roles_form(
    hass: HomeAssistant, name: str = "Plug Massager", **means: str
) -> Any:
    """Go to the roles step of a massager without a source device."""
    result = await _means_form(hass)
    result = await _step(hass, result, NO_MEANS | {"name": name} | means)
    assert result["step_id"] == "entities_roles"
    assert result["errors"] == {}
    return result


def _markers(schema: vol.Schema) -> dict[str, vol.Marker]:
    return {str(marker): marker for marker in schema.schema}


def _shown(result: Any) -> dict[str, Any]:
    """Return what a form shows filled in, with its section's values nested."""

    def values(schema: vol.Schema) -> dict[str, Any]:
        shown: dict[str, Any] = {}
        for marker, value in schema.schema.items():
            if isinstance(value, section):
                shown[str(marker)] = values(value.schema)
            elif marker.description and "suggested_value" in marker.description:
                shown[str(marker)] = marker.description["suggested_value"]
            elif marker.default is not vol.UNDEFINED:
                shown[str(marker)] = marker.default()
        return shown

    return values(result["data_schema"])


def _advanced(result: Any) -> section:
    advanced = result["data_schema"].schema[_markers(result["data_schema"])["advanced"]]
    assert isinstance(advanced, section)
    return advanced


# The menu and a whole massager


async def test_menu_offers_an_address_or_entities(hass: HomeAssistant) -> None:
    """The first step asks how; the entities path asks for kind and devices."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["local_api", "entities"]
    result = await _entities_form(hass)
    assert list(_markers(result["data_schema"])) == ["kind", "devices"]
    assert _shown(result) == {"kind": "foot_leg"}


@pytest.mark.usefixtures("helpers")
async def test_a_massager_from_input_helpers_is_created_and_driven(
    hass: HomeAssistant,
) -> None:
    """The demo's third massager: a plug, its power reading, programme, intensity."""
    result = await _means_form(hass)
    assert _shown(result) == {"name": "Foot and Leg Massager"} | NO_MEANS
    result = await _step(
        hass,
        result,
        NO_MEANS | {"name": " Plug Massager ", "level": "select", "mode": "select"},
    )
    assert result["step_id"] == "entities_roles"
    assert result["description_placeholders"] == {"name": "Plug Massager"}
    assert list(_markers(result["data_schema"])) == [
        "power_entity",
        "power_sensor",
        "level_entity",
        "mode_entity",
        "timer_options",
        "advanced",
    ]
    # Nothing differs from the defaults, so the timings stay folded away.
    assert _advanced(result).options == {"collapsed": True}
    assert _shown(result) == {
        "timer_options": ["10", "15", "20", "30"],
        "advanced": {"power_delay": 1.0, "threshold": 5.0, "settle": 10.0},
    }

    result = await _step(
        hass,
        result,
        {
            "power_entity": PLUG,
            "power_sensor": POWER,
            "level_entity": LEVEL,
            "mode_entity": MODE,
            "timer_options": ["30", "10", 15],
            "advanced": {"power_delay": 0, "threshold": 5, "settle": 10},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Plug Massager"
    assert result["data"] == {
        "backend": "entities",
        "kind": "foot_leg",
        "step_delay": 0.5,
        "timer_options": [10, 15, 30],
        "roles": {
            "power": {
                "means": "toggle",
                "entity_id": PLUG,
                "sensor": POWER,
                "delay": 0.0,
                "threshold": 5.0,
                "settle": 10.0,
            },
            "level": {"means": "select", "entity_id": LEVEL},
            "mode": {"means": "select", "entity_id": MODE},
        },
    }
    entry = result["result"]
    assert entry.unique_id.startswith("entities_")
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    fan = "fan.plug_massager"
    assert hass.states.get(fan).attributes["preset_modes"] == MODES
    assert hass.states.get("select.plug_massager_auto_off_timer_minutes").attributes[
        "options"
    ] == ["10", "15", "30"]
    await hass.services.async_call(
        "fan",
        "turn_on",
        {"entity_id": fan, "percentage": 100, "preset_mode": "rolling"},
        blocking=True,
    )
    assert hass.states.get(PLUG).state == "on"
    assert hass.states.get(MODE).state == "rolling"
    assert hass.states.get(LEVEL).state == "high"
    assert hass.states.get(fan).state == "on"
    await hass.services.async_call("fan", "turn_off", {"entity_id": fan}, blocking=True)
    assert hass.states.get(PLUG).state == "off"


async def _set_power(hass: HomeAssistant, watts: float) -> None:
    await hass.services.async_call(
        "input_number", "set_value", {"entity_id": POWER, "value": watts}, blocking=True
    )


async def test_the_demo_massager_follows_its_helpers(
    hass: HomeAssistant, frozen_time: FrozenDateTimeFactory, helpers: None
) -> None:
    """What the README tells a person to try on the demo's third massager."""
    freezer = frozen_time
    result = await _roles_form(hass, level="select", mode="select")
    result = await _step(
        hass,
        result,
        {
            "power_entity": PLUG,
            "power_sensor": POWER,
            "level_entity": LEVEL,
            "mode_entity": MODE,
        }
        | NO_DELAY,
    )
    await hass.async_block_till_done()
    fan = "fan.plug_massager"
    await hass.services.async_call("fan", "turn_on", {"entity_id": fan}, blocking=True)
    # A reading within 10 s of Home Assistant's own command is the motor starting.
    await advance(hass, freezer, timedelta(seconds=5))
    await _set_power(hass, 0)
    await advance(hass, freezer, timedelta(seconds=30))
    assert hass.states.get(fan).state == "on"
    await _set_power(hass, 35)
    assert hass.states.get(fan).state == "on"
    # Then 0 W for 10 s: the motor stopped by itself. The plug stays on.
    await _set_power(hass, 0)
    await advance(hass, freezer, timedelta(seconds=9))
    assert hass.states.get(fan).state == "on"
    await advance(hass, freezer, timedelta(seconds=2))
    assert hass.states.get(fan).state == "off"
    assert hass.states.get(PLUG).state == "on"
    # Above 5 W it runs again, as when started by its own button: shown once the
    # quarter-second cool-down after the last change shown has passed.
    await _set_power(hass, 35)
    await advance(hass, freezer, timedelta(seconds=1))
    assert hass.states.get(fan).state == "on"
    # The plug switched off by hand switches it off.
    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": PLUG}, blocking=True
    )
    await advance(hass, freezer, timedelta(seconds=1))
    assert hass.states.get(fan).state == "off"
    # The programme and intensity set on the helpers are the massager's.
    await hass.services.async_call(
        "input_select",
        "select_option",
        {"entity_id": MODE, "option": "combined"},
        blocking=True,
    )
    await advance(hass, freezer, timedelta(seconds=1))
    assert hass.states.get(fan).attributes["preset_mode"] == "combined"
    # Left running, Home Assistant's own timer stops it (15 minutes by default).
    await hass.services.async_call("fan", "turn_on", {"entity_id": fan}, blocking=True)
    await _set_power(hass, 35)
    await advance(hass, freezer, timedelta(minutes=14, seconds=59))
    assert hass.states.get(PLUG).state == "on"
    await advance(hass, freezer, timedelta(seconds=2))
    assert hass.states.get(PLUG).state == "off"
    assert hass.states.get(fan).state == "off"


# Profiles


def _xiaomi_foot_bath(hass: HomeAssistant) -> tuple[list[Source], dict[str, Any]]:
    bath = source(hass, "xiaomi_miot", "Foot Bath", "hith.foot_bath.m1z1")
    shown = {
        "power_entity": bath.add(
            "switch", "m1z1_foot_bath", translation_key="foot_bath"
        ),
        "start_entity": bath.add(
            "switch", "m1z1_foot_massage", translation_key="foot_bath-foot_massage"
        ),
        "heat_switch": bath.add(
            "switch",
            "m1z1_heating",
            translation_key="foot_bath-constant_temperature_heating",
        ),
        "heat_entity": bath.add(
            "select", "m1z1_heat_level", translation_key="foot_bath-heat_level"
        ),
        "timer_entity": bath.add(
            "number", "m1z1_target_time", translation_key="foot_bath-target_time"
        ),
        "timer_remaining": bath.add(
            "sensor", "m1z1_left_time", translation_key="foot_bath-left_time"
        ),
    }
    means = {"start": "hold", "heat": "select", "timer": "number"}
    return [bath], {"means": means, "shown": shown, "delay": 0}


def _xiaomi_massager(hass: HomeAssistant) -> tuple[list[Source], dict[str, Any]]:
    cushion = source(hass, "xiaomi_miot", "Massage Cushion", "rotai.massage.m660p")
    shown = {
        "power_entity": cushion.add(
            "switch", "m660p_massager", translation_key="massager"
        ),
        "mode_entity": cushion.add(
            "select", "m660p_mode", translation_key="massager-mode"
        ),
        "level_entity": cushion.add(
            "number", "m660p_strength", translation_key="massager-massage_strength"
        ),
        "heat_entity": cushion.add(
            "switch", "m660p_heating", translation_key="massager-heating"
        ),
        "timer_entity": cushion.add(
            "number", "m660p_target_time", translation_key="massager-target_time"
        ),
    }
    means = {"mode": "select", "level": "number", "heat": "switch", "timer": "number"}
    return [cushion], {"means": means, "shown": shown, "delay": 0}


def _tuya_amy(hass: HomeAssistant) -> tuple[list[Source], dict[str, Any]]:
    chair = source(hass, "localtuya", "Massage Chair", "amy")
    shown = {
        "power_entity": chair.add("switch", "chair_switch", name="Switch"),
        "heat_entity": chair.add("switch", "chair_heating", name="Heating"),
        "level_entity": chair.add("select", "chair_massage_speed", name="Speed"),
        "mode_entity": chair.add("select", "chair_manual_mode", name="Manual mode"),
        "timer_entity": chair.add("number", "chair_time_set", name="Time settings"),
    }
    means = {"level": "select", "mode": "select", "heat": "switch", "timer": "number"}
    return [chair], {"means": means, "shown": shown, "delay": 0}


def _tuya_liliao(hass: HomeAssistant) -> tuple[list[Source], dict[str, Any]]:
    physio = source(hass, "tuya_local", "Physio", "liliao")
    countdown = physio.add("number", "physio_countdown", name="Countdown")
    shown = {
        "power_entity": physio.add("switch", "physio_switch", name="Switch"),
        "level_entity": physio.add("select", "physio_level", name="Level"),
        "mode_entity": physio.add("select", "physio_mode", name="Working mode"),
        "heat_entity": physio.add(
            "number", "physio_temp_set", name="Target temperature"
        ),
        "heat_values": "38, 42, 45",
        "timer_entity": countdown,
        "timer_remaining": countdown,
    }
    means = {"level": "select", "mode": "select", "heat": "number", "timer": "number"}
    return [physio], {"means": means, "shown": shown, "delay": 0}


def _esphome(hass: HomeAssistant) -> tuple[list[Source], dict[str, Any]]:
    board = source(hass, "esphome", "Foot Massager", "esp32dev")
    shown = {
        "power_entity": board.add("switch", "foot_massager_motor", name="Motor"),
        "heat_entity": board.add("switch", "foot_massager_heater", name="Heater"),
        "mode_entity": board.add("select", "foot_massager_programme", name="Programme"),
    }
    board.add("switch", "foot_massager_pump", name="Pump")
    means = {"mode": "select", "heat": "switch"}
    return [board], {"means": means, "shown": shown, "delay": 0}


def _plug_with_pusher(hass: HomeAssistant) -> tuple[list[Source], dict[str, Any]]:
    plug = source(hass, "shelly", "Massager Plug", "Plug S")
    pusher = source(hass, "switchbot", "Bot", "WoHand")
    shown = {
        "power_entity": plug.add("switch", "massager_plug", device_class="outlet"),
        "power_sensor": plug.add(
            "sensor", "massager_plug_power", name="Power", device_class="power"
        ),
        "start_entity": pusher.add("switch", "bot", translation_key="bot"),
    }
    return [plug, pusher], {"means": {"start": "pulse"}, "shown": shown, "pulse": 0}


@pytest.mark.parametrize(
    ("family", "profile"),
    [
        (_xiaomi_foot_bath, "xiaomi_miot_foot_bath"),
        (_xiaomi_massager, "xiaomi_miot_massager"),
        (_tuya_amy, "tuya_amy"),
        (_tuya_liliao, "tuya_liliao"),
        (_esphome, "esphome_relays"),
        (_plug_with_pusher, "plug_with_pusher"),
    ],
)
async def test_a_profile_fills_in_what_it_finds_and_hides_nothing(
    hass: HomeAssistant,
    family: Callable[[HomeAssistant], tuple[list[Source], dict[str, Any]]],
    profile: str,
) -> None:
    """The best profile is chosen; each entity it found is in a field of its own."""
    sources, expected = family(hass)
    devices = [found.device.id for found in sources]
    result = await _entities_form(hass)
    result = await _step(hass, result, {"kind": "foot_leg", "devices": devices})
    assert result["step_id"] == "entities_profile"
    assert result["description_placeholders"]["device"] == sources[0].device.name
    assert _shown(result) == {"profile": profile}
    options = (
        result["data_schema"]
        .schema[_markers(result["data_schema"])["profile"]]
        .config["options"]
    )
    assert options[0] == profile
    assert sorted(options) == sorted([item.key for item in PROFILES] + ["none"])
    assert options[-1] == "none"

    result = await _step(hass, result, {"profile": profile})
    assert result["step_id"] == "entities_means"
    assert _shown(result) == NO_MEANS | {
        "name": sources[0].device.name,
        **expected["means"],
    }
    result = await _step(hass, result, _shown(result))
    assert result["step_id"] == "entities_roles"
    timings = {"power_delay": expected.get("delay", 1.0), "threshold": 5.0}
    timings |= {"settle": 10.0} | (
        {"pulse": expected["pulse"]} if "pulse" in expected else {}
    )
    shown = _shown(result)
    assert shown.pop("advanced") == timings
    shown.pop("timer_options", None)
    assert shown == expected["shown"]
    # What a profile set differs from the defaults, so the section is open.
    assert _advanced(result).options == {"collapsed": False}


async def test_no_profile_leaves_every_entity_to_the_person(
    hass: HomeAssistant,
) -> None:
    """With *None*, only the device is kept: its name, its link, its unique id."""
    sources, _ = _esphome(hass)
    result = await _means_form(hass, devices=[sources[0].device.id], profile="none")
    assert _shown(result) == NO_MEANS | {"name": "Foot Massager"}


async def test_a_device_whose_entities_fit_no_profile(hass: HomeAssistant) -> None:
    """Nothing fits: *None* is chosen and said so."""
    bare = source(hass, "xiaomi_miot", "Kettle", "kettle")
    bare.add("sensor", "kettle_temperature", name="Temperature")
    result = await _entities_form(hass)
    result = await _step(hass, result, {"kind": "gun", "devices": [bare.device.id]})
    assert result["description_placeholders"] == {"device": "Kettle", "fitting": "0"}
    assert _shown(result) == {"profile": "none"}


# Each role and each of its means

POWER_DEFAULTS = {"delay": 0.0, "threshold": 5.0, "settle": 10.0}
PLUG_POWER = {"means": "toggle", "entity_id": "switch.plug"} | POWER_DEFAULTS


@pytest.mark.usefixtures("parts")
@pytest.mark.parametrize(
    ("means", "user_input", "roles", "extra"),
    [
        pytest.param(
            {},
            {"power_sensor": "sensor.plug_power"},
            {"power": PLUG_POWER | {"sensor": "sensor.plug_power"}},
            {},
            id="power-toggle",
        ),
        pytest.param(
            {"power": "commands"},
            {
                "power_on": "remote.ir",
                "power_on_command": " power ",
                "power_off": "button.start",
                "power_off_command": "ignored for a button",
                "remote_device": "massager",
            },
            {
                "power": {
                    "means": "commands",
                    "on": {
                        "entity_id": "remote.ir",
                        "command": "power",
                        "device": "massager",
                    },
                    "off": {"entity_id": "button.start"},
                }
                | POWER_DEFAULTS
            },
            {"step_delay": 0.5},
            id="power-commands",
        ),
        pytest.param(
            {"start": "press"},
            {"start_press": "remote.ir", "start_press_command": "start"},
            {
                "start": {
                    "means": "press",
                    "press": {"entity_id": "remote.ir", "command": "start"},
                }
            },
            {"step_delay": 0.5},
            id="start-press",
        ),
        pytest.param(
            {"start": "pulse"},
            {"start_entity": "switch.relay", "advanced": {"pulse": 0.25}},
            {"start": {"means": "pulse", "entity_id": "switch.relay", "pulse": 0.25}},
            {},
            id="start-pulse",
        ),
        pytest.param(
            {"start": "hold"},
            {"start_entity": "switch.relay"},
            {"start": {"means": "hold", "entity_id": "switch.relay"}},
            {},
            id="start-hold",
        ),
        pytest.param(
            {"level": "select"},
            {"level_entity": "select.level"},
            {"level": {"means": "select", "entity_id": "select.level"}},
            {},
            id="level-select",
        ),
        pytest.param(
            {"level": "number"},
            {"level_entity": "number.level"},
            {"level": {"means": "number", "entity_id": "number.level"}},
            {},
            id="level-number",
        ),
        pytest.param(
            {"level": "fan"},
            {"level_entity": "fan.speeds"},
            {"level": {"means": "fan", "entity_id": "fan.speeds"}},
            {},
            id="level-fan",
        ),
        pytest.param(
            {"level": "steps"},
            {
                "level_up": "button.up",
                "level_down": "button.down",
                "level_count": 5.0,
                "level_resets_to": "1",
                "advanced": {"step_delay": 0.2},
            },
            {
                "level": {
                    "means": "steps",
                    "up": {"entity_id": "button.up"},
                    "down": {"entity_id": "button.down"},
                    "levels": 5,
                    "resets_to": 1,
                }
            },
            {"step_delay": 0.2},
            id="level-steps",
        ),
        pytest.param(
            {"mode": "select"},
            {"mode_entity": "select.mode"},
            {"mode": {"means": "select", "entity_id": "select.mode"}},
            {},
            id="mode-select",
        ),
        pytest.param(
            {"mode": "cycle"},
            {
                "mode_next": "button.mode",
                "modes": ["kneading", " shiatsu ", "rolling"],
                "mode_resets_to": "kneading",
            },
            {
                "mode": {
                    "means": "cycle",
                    "next": {"entity_id": "button.mode"},
                    "modes": ["kneading", "shiatsu", "rolling"],
                    "resets_to": "kneading",
                }
            },
            {"step_delay": 0.5},
            id="mode-cycle",
        ),
        pytest.param(
            {"heat": "switch"},
            {"heat_entity": "switch.heater"},
            {"heat": {"means": "switch", "entity_id": "switch.heater"}},
            {},
            id="heat-switch",
        ),
        pytest.param(
            {"heat": "select"},
            {"heat_entity": "select.heat", "heat_switch": "switch.heater"},
            {
                "heat": {
                    "means": "select",
                    "entity_id": "select.heat",
                    "switch": "switch.heater",
                }
            },
            {},
            id="heat-select",
        ),
        pytest.param(
            {"heat": "number"},
            {"heat_entity": "number.temp", "heat_values": "38, 42;45"},
            {
                "heat": {
                    "means": "number",
                    "entity_id": "number.temp",
                    "values": [38.0, 42.0, 45.0],
                }
            },
            {},
            id="heat-number",
        ),
        pytest.param(
            {"heat": "number"},
            {"heat_entity": "number.temp", "heat_values": " "},
            {"heat": {"means": "number", "entity_id": "number.temp"}},
            {},
            id="heat-number-spread",
        ),
        pytest.param(
            {"timer": "select"},
            {"timer_entity": "select.timer", "timer_remaining": "sensor.time_left"},
            {
                "timer": {
                    "means": "select",
                    "entity_id": "select.timer",
                    "remaining": "sensor.time_left",
                }
            },
            {},
            id="timer-select",
        ),
        pytest.param(
            {"timer": "number"},
            {"timer_entity": "number.timer"},
            {"timer": {"means": "number", "entity_id": "number.timer"}},
            {},
            id="timer-number",
        ),
        pytest.param(
            {"battery": "sensor"},
            {
                "battery_entity": "sensor.battery",
                "battery_charging": "binary_sensor.charging",
            },
            {
                "battery": {
                    "means": "sensor",
                    "entity_id": "sensor.battery",
                    "charging": "binary_sensor.charging",
                }
            },
            {},
            id="battery-sensor",
        ),
    ],
)
async def test_each_means_of_each_role(
    hass: HomeAssistant,
    means: dict[str, str],
    user_input: dict[str, Any],
    roles: dict[str, Any],
    extra: dict[str, Any],
) -> None:
    """Each means asks for its entities and stores them as the driver reads them."""
    result = await _roles_form(hass, **means)
    power_input = (
        {} if means.get("power") == "commands" else {"power_entity": "switch.plug"}
    )
    advanced = NO_DELAY["advanced"] | user_input.pop("advanced", {})
    result = await _step(
        hass, result, power_input | user_input | {"advanced": advanced}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
    data = result["data"]
    assert data["roles"] == {"power": PLUG_POWER} | roles
    assert data["step_delay"] == extra.get("step_delay", 0.5)
    assert ("timer_options" in data) is False
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


def test_every_field_of_a_means_has_its_own_key() -> None:
    """A form shows each role's fields at once: no key may serve two roles."""
    for role, means in ROLE_FIELDS:
        assert means in ROLE_MEANS[role]
    for role in ROLES:
        keys = [
            form_field.key
            for other in ROLES
            if other != role
            for means in ROLE_MEANS[other]
            for form_field in ROLE_FIELDS[other, means]
            if not form_field.advanced
        ]
        own = {
            form_field.key
            for means in ROLE_MEANS[role]
            for form_field in ROLE_FIELDS[role, means]
            if not form_field.advanced
        }
        assert not own & set(keys), role


# What is wrong, on the field that is wrong


@pytest.fixture
def registered(hass: HomeAssistant, entity_registry: er.EntityRegistry) -> None:
    """Entities the registry knows without a state: disabled, not loaded, ours."""
    entity_registry.async_get_or_create(
        "switch",
        "other",
        "disabled",
        suggested_object_id="disabled_plug",
        disabled_by=er.RegistryEntryDisabler.USER,
    )
    entity_registry.async_get_or_create(
        "switch", "other", "later", suggested_object_id="later_plug"
    )
    entity_registry.async_get_or_create(
        "switch", DOMAIN, "spa-1_heat", suggested_object_id="foot_spa_heat"
    )


@pytest.mark.usefixtures("parts", "registered")
@pytest.mark.parametrize(
    ("means", "user_input", "errors"),
    [
        ({}, {"power_entity": "switch.nowhere"}, {"power_entity": "entity_not_found"}),
        ({}, {"power_entity": 42}, {"power_entity": "entity_not_found"}),
        ({}, {"power_entity": "not an id"}, {"power_entity": "entity_not_found"}),
        ({}, {"power_entity": ""}, {"power_entity": "entity_required"}),
        ({}, {"power_entity": "sensor.plug_power"}, {"power_entity": "wrong_domain"}),
        (
            {},
            {"power_entity": "switch.disabled_plug"},
            {"power_entity": "entity_disabled"},
        ),
        (
            {},
            {"power_entity": "switch.later_plug"},
            {"power_entity": "entity_unavailable"},
        ),
        (
            {},
            {"power_entity": "switch.foot_spa_heat"},
            {"power_entity": "massage_entity"},
        ),
        (
            {},
            {"power_entity": "switch.plug", "power_sensor": "sensor.battery"},
            {"power_sensor": "wrong_device_class"},
        ),
        (
            {"battery": "sensor"},
            {"power_entity": "switch.plug", "battery_entity": "sensor.plug_power"},
            {"battery_entity": "wrong_device_class"},
        ),
        (
            {"power": "commands"},
            {"power_on": "remote.ir", "power_off": "remote.ir"},
            {
                "power_on_command": "command_required",
                "power_off_command": "command_required",
            },
        ),
        (
            {"power": "commands"},
            {"power_on": "switch.plug", "power_off": "button.start"},
            {"power_on": "wrong_domain"},
        ),
        (
            {"level": "select"},
            {"power_entity": "switch.plug", "level_entity": "number.level"},
            {"level_entity": "wrong_domain"},
        ),
        (
            {"level": "select"},
            {"power_entity": "switch.plug", "level_entity": "select.empty"},
            {"level_entity": "no_options"},
        ),
        (
            {"level": "number"},
            {"power_entity": "switch.plug", "level_entity": "number.upside_down"},
            {"level_entity": "no_range"},
        ),
        (
            {"level": "fan"},
            {"power_entity": "switch.plug", "level_entity": "fan.no_speeds"},
            {"level_entity": "no_speeds"},
        ),
        (
            {"level": "fan"},
            {"power_entity": "switch.plug", "level_entity": "fan.gone_fan"},
            {"level_entity": "entity_unavailable"},
        ),
        (
            {"mode": "select"},
            {"power_entity": "switch.plug", "mode_entity": "select.only_off"},
            {"mode_entity": "no_modes"},
        ),
        (
            {"heat": "select"},
            {"power_entity": "switch.plug", "heat_entity": "select.only_off"},
            {"heat_entity": "no_heat_steps"},
        ),
        (
            {"heat": "number"},
            {
                "power_entity": "switch.plug",
                "heat_entity": "number.temp",
                "heat_values": "38, 60",
            },
            {"heat_values": "heat_values"},
        ),
        (
            {"timer": "select"},
            {"power_entity": "switch.plug", "timer_entity": "select.only_off"},
            {"timer_entity": "no_durations"},
        ),
        (
            {"timer": "number"},
            {"power_entity": "switch.plug", "timer_entity": "number.temp"},
            {"timer_entity": "not_time"},
        ),
        (
            {"level": "steps"},
            {
                "power_entity": "switch.plug",
                "level_up": "button.up",
                "level_down": "button.down",
                "level_count": "many",
                "level_resets_to": 0,
            },
            {"level_count": "invalid_number", "level_resets_to": "invalid_number"},
        ),
        (
            {"level": "steps"},
            {
                "power_entity": "switch.plug",
                "level_up": "button.up",
                "level_down": "button.down",
                "level_count": "",
            },
            {"level_count": "invalid_number"},
        ),
        (
            {"level": "steps"},
            {
                "power_entity": "switch.plug",
                "level_up": "button.up",
                "level_down": "button.down",
                "level_count": 3,
                "level_resets_to": 4,
            },
            {"level_resets_to": "invalid_setting"},
        ),
        (
            {"mode": "cycle"},
            {"power_entity": "switch.plug", "mode_next": "button.mode", "modes": "a"},
            {"modes": "invalid_modes"},
        ),
        (
            {"mode": "cycle"},
            {
                "power_entity": "switch.plug",
                "mode_next": "button.mode",
                "modes": ["a", " a"],
            },
            {"modes": "invalid_modes"},
        ),
        (
            {"mode": "cycle"},
            {"power_entity": "switch.plug", "mode_next": "button.mode", "modes": [" "]},
            {"modes": "invalid_modes"},
        ),
        (
            {"mode": "cycle"},
            {
                "power_entity": "switch.plug",
                "mode_next": "button.mode",
                "modes": ["a", "b"],
                "mode_resets_to": "c",
            },
            {"mode_resets_to": "invalid_setting"},
        ),
        (
            {"heat": "number"},
            {
                "power_entity": "switch.plug",
                "heat_entity": "number.temp",
                "heat_values": "warm, hot",
            },
            {"heat_values": "invalid_values"},
        ),
        (
            {"heat": "number"},
            {
                "power_entity": "switch.plug",
                "heat_entity": "number.temp",
                "heat_values": "nan",
            },
            {"heat_values": "invalid_values"},
        ),
        (
            {"heat": "number"},
            {
                "power_entity": "switch.plug",
                "heat_entity": "number.temp",
                "heat_values": "45, 38",
            },
            {"heat_values": "invalid_values"},
        ),
        (
            {},
            {"power_entity": "switch.plug", "timer_options": ["10", "0"]},
            {"timer_options": "invalid_timer_options"},
        ),
        (
            {},
            {"power_entity": "switch.plug", "timer_options": ["10", 10.0]},
            {"timer_options": "invalid_timer_options"},
        ),
        (
            {},
            {"power_entity": "switch.plug", "timer_options": "10"},
            {"timer_options": "invalid_timer_options"},
        ),
        (
            {},
            {
                "power_entity": "switch.plug",
                "timer_options": [str(minutes) for minutes in range(1, 22)],
            },
            {"timer_options": "invalid_timer_options"},
        ),
        (
            {},
            {"power_entity": "switch.plug", "advanced": {"threshold": -1}},
            {"advanced": "invalid_timing"},
        ),
        (
            {},
            {"power_entity": "switch.plug", "advanced": {"settle": "soon"}},
            {"advanced": "invalid_timing"},
        ),
        (
            {},
            {"power_entity": "switch.plug", "advanced": {"power_delay": True}},
            {"advanced": "invalid_timing"},
        ),
        (
            {},
            {"power_entity": "switch.plug", "advanced": {"power_delay": 61}},
            {"advanced": "invalid_timing"},
        ),
    ],
)
async def test_each_problem_shows_on_its_field(
    hass: HomeAssistant,
    means: dict[str, str],
    user_input: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Nothing is created; the form comes back with what was entered."""
    result = await _roles_form(hass, **means)
    user_input = {"advanced": {}} | user_input
    result = await _step(hass, result, user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "entities_roles"
    assert result["errors"] == errors
    # What the person entered stays in the form.
    shown = _shown(result)
    assert {key: shown.get(key) for key in user_input} == user_input
    assert hass.config_entries.async_entries(DOMAIN) == []


@pytest.mark.usefixtures("parts")
async def test_a_corrected_form_creates_the_massager(hass: HomeAssistant) -> None:
    """After an error the same form goes on; timings not shown keep their defaults."""
    result = await _roles_form(hass, level="select")
    result = await _step(
        hass,
        result,
        {"power_entity": "switch.plug", "level_entity": "select.empty", "advanced": {}},
    )
    assert result["errors"] == {"level_entity": "no_options"}
    result = await _step(
        hass,
        result,
        {"power_entity": "switch.plug", "level_entity": "select.level", "advanced": {}},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["roles"]["power"]["delay"] == 1.0


@pytest.mark.usefixtures("parts")
async def test_an_unexpected_driver_error_is_not_lost(hass: HomeAssistant) -> None:
    """A driver that cannot connect for another reason says so on the form."""
    result = await _roles_form(hass)
    with patch(
        "custom_components.massage.config_flow.EntitiesDriver.async_connect",
        side_effect=DeviceUnavailableError("gone"),
    ):
        result = await _step(
            hass, result, {"power_entity": "switch.plug", "advanced": {}}
        )
    assert result["errors"] == {"base": "invalid_mapping"}


@pytest.mark.usefixtures("parts")
async def test_a_schema_error_without_a_field_shows_on_the_form(
    hass: HomeAssistant,
) -> None:
    """Whatever the entry schema finds wrong is shown, even where no field is its."""
    result = await _roles_form(hass)
    with patch(
        "custom_components.massage.config_flow.ENTITIES_SCHEMA",
        side_effect=vol.Invalid("odd", path=["kind"]),
    ):
        result = await _step(
            hass, result, {"power_entity": "switch.plug", "advanced": {}}
        )
    assert result["errors"] == {"base": "invalid_mapping"}


async def test_a_name_is_needed(hass: HomeAssistant) -> None:
    """A name of only spaces or invisible characters is refused."""
    result = await _means_form(hass)
    result = await _step(hass, result, NO_MEANS | {"name": " \u200b\n "})
    assert result["step_id"] == "entities_means"
    assert result["errors"] == {"name": "invalid_name"}
    assert _shown(result)["name"] == " \u200b\n "


# Source devices


async def _plug_and_pusher(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> tuple[FakeSwitch, FakeSwitch, dr.DeviceEntry, dr.DeviceEntry]:
    """A plug with a power reading, and a SwitchBot, each a device of its own."""
    plug = FakeSwitch("massager_plug", device_class="outlet")
    bot = FakeSwitch("bot", translation_key="bot")
    watts = FakeSensor(
        "massager_plug_power",
        0.4,
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement="W",
    )
    await async_add_entities(hass, plug, bot, watts)
    devices = []
    for platform, name, entity_ids in (
        ("shelly", "Massager Plug", [plug.entity_id, watts.entity_id]),
        ("switchbot", "Bot", [bot.entity_id]),
    ):
        entry = MockConfigEntry(domain=platform, title=name)
        entry.add_to_hass(hass)
        device = device_registry.async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={(platform, name)}, name=name
        )
        for entity_id in entity_ids:
            er.async_get(hass).async_update_entity(entity_id, device_id=device.id)
        devices.append(device)
    return plug, bot, devices[0], devices[1]


async def test_a_plug_with_a_pusher_from_their_devices(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    """The profile fills in both devices' entities; the massager is the plug's."""
    plug, bot, plug_device, bot_device = await _plug_and_pusher(hass, device_registry)
    result = await _means_form(
        hass, devices=[plug_device.id, bot_device.id], profile="plug_with_pusher"
    )
    result = await _step(hass, result, _shown(result))
    assert _shown(result) == {
        "power_entity": "switch.massager_plug",
        "power_sensor": "sensor.massager_plug_power",
        "start_entity": "switch.bot",
        "timer_options": ["10", "15", "20", "30"],
        "advanced": {"power_delay": 1.0, "threshold": 5.0, "settle": 10.0, "pulse": 0},
    }
    values = _shown(result)
    values["advanced"]["power_delay"] = 0
    result = await _step(hass, result, values)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Massager Plug"
    assert result["result"].unique_id == f"entities_{plug_device.id}"
    assert result["data"]["source_device"] == plug_device.id
    assert result["data"]["profile"] == "plug_with_pusher"
    assert result["data"]["timer_options"] == [10, 15, 20, 30]
    await hass.async_block_till_done()

    await hass.services.async_call(
        "fan", "turn_on", {"entity_id": "fan.massager_plug"}, blocking=True
    )
    assert (plug.is_on, bot.is_on, bot.calls) == (True, True, 1)
    assert hass.states.get("fan.massager_plug").state == "on"

    # A second massager cannot be built on the same plug.
    result = await _entities_form(hass)
    result = await _step(
        hass, result, {"kind": "foot_leg", "devices": [plug_device.id]}
    )
    assert result["errors"] == {"devices": "device_in_use"}
    # The pusher alone is free.
    result = await _step(hass, result, {"kind": "gun", "devices": [bot_device.id]})
    assert result["step_id"] == "entities_profile"


async def test_a_device_that_does_not_exist_is_refused(hass: HomeAssistant) -> None:
    result = await _entities_form(hass)
    result = await _step(hass, result, {"kind": "gun", "devices": ["no-such-device"]})
    assert result["errors"] == {"devices": "device_not_found"}
    assert _shown(result) == {"kind": "gun", "devices": ["no-such-device"]}


async def test_two_flows_for_one_device_make_one_massager(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    """Whichever finishes second is told the device is taken."""
    plug, _, plug_device, _ = await _plug_and_pusher(hass, device_registry)
    flows = []
    for _ in range(2):
        result = await _means_form(hass, devices=[plug_device.id], profile="none")
        result = await _step(hass, result, _shown(result))
        flows.append(result)
    user_input = {"power_entity": plug.entity_id} | NO_DELAY
    result = await _step(hass, flows[0], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    result = await _step(hass, flows[1], user_input)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(massager_entries(hass)) == 1


# Reconfigure, options and the repair of a lost entity


async def _spa(hass: HomeAssistant) -> MockConfigEntry:
    """A loaded foot spa built from the parts: a plug and a programme select."""
    result = await _roles_form(hass, name="Foot Spa", mode="select")
    result = await _step(
        hass,
        result,
        {"power_entity": "switch.plug", "mode_entity": "select.mode"} | NO_DELAY,
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry: MockConfigEntry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )


def _registered(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Each of the entry's entities by unique id."""
    return {
        item.unique_id: item.entity_id
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    }


@pytest.mark.usefixtures("parts")
async def test_reconfigure_changes_the_mapping_and_keeps_the_device(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    """New roles and entities; the same device, the same entities, the same name."""
    entry = await _spa(hass)
    (device,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    before = _registered(hass, entry)

    result = await _reconfigure(hass, entry)
    assert result["step_id"] == "entities_means"
    assert _shown(result) == NO_MEANS | {"mode": "select"}
    result = await _step(hass, result, NO_MEANS | {"mode": "select", "level": "select"})
    assert result["step_id"] == "entities_roles"
    assert _shown(result) == {
        "power_entity": "switch.plug",
        "mode_entity": "select.mode",
        "timer_options": ["10", "15", "20", "30"],
        "advanced": {"power_delay": 0.0, "threshold": 5.0, "settle": 10.0},
    }
    values = _shown(result) | {"level_entity": "select.empty"}
    result = await _step(hass, result, values)
    assert result["errors"] == {"level_entity": "no_options"}
    result = await _step(hass, result, values | {"level_entity": "select.level"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    assert entry.title == "Foot Spa"
    assert entry.data["roles"]["level"] == {
        "means": "select",
        "entity_id": "select.level",
    }
    assert entry.data["timer_options"] == [10, 15, 20, 30]
    assert entry.state is ConfigEntryState.LOADED
    (after,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert after.id == device.id
    registered = _registered(hass, entry)
    assert before.items() <= registered.items()
    # The level's words name the levels, so the intensity select comes along.
    assert registered.keys() - before.keys() == {f"{entry.unique_id}_intensity"}
    await hass.services.async_call(
        "fan",
        "set_percentage",
        {"entity_id": "fan.foot_spa", "percentage": 100},
        blocking=True,
    )
    assert hass.states.get("select.level").state == "high"


async def test_reconfigure_of_a_source_device_keeps_its_link(
    hass: HomeAssistant, device_registry: dr.DeviceRegistry
) -> None:
    """The profile and the source device stay as they were."""
    plug, _, plug_device, _ = await _plug_and_pusher(hass, device_registry)
    result = await _means_form(
        hass, devices=[plug_device.id], profile="plug_with_pusher"
    )
    result = await _step(hass, result, _shown(result) | {"start": "none"})
    result = await _step(hass, result, {"power_entity": plug.entity_id} | NO_DELAY)
    entry = result["result"]
    await hass.async_block_till_done()
    result = await _reconfigure(hass, entry)
    assert "name" not in _shown(result)
    result = await _step(hass, result, _shown(result))
    result = await _step(hass, result, _shown(result))
    assert result["reason"] == "reconfigure_successful"
    assert entry.unique_id == f"entities_{plug_device.id}"
    assert entry.data["source_device"] == plug_device.id
    assert entry.data["profile"] == "plug_with_pusher"
    await hass.async_block_till_done()


@pytest.mark.usefixtures("parts")
async def test_reconfigure_shows_every_setting_of_a_massager_without_feedback(
    hass: HomeAssistant,
) -> None:
    """An IR remote and buttons: commands, counts, names and timings come back."""
    result = await _roles_form(
        hass, power="commands", level="steps", mode="cycle", heat="number"
    )
    user_input = {
        "power_on": "remote.ir",
        "power_on_command": "power",
        "power_off": "remote.ir",
        "power_off_command": "power",
        "level_up": "remote.ir",
        "level_up_command": "up",
        "level_down": "button.down",
        "level_count": 3,
        "level_resets_to": 1,
        "mode_next": "button.mode",
        "modes": ["kneading", "shiatsu"],
        "mode_resets_to": "shiatsu",
        "heat_entity": "number.temp",
        "heat_values": "38 42 45",
        "remote_device": "massager",
        "timer_options": ["20", "40"],
        "advanced": {"power_delay": 0, "step_delay": 0.3, "threshold": 8},
    }
    result = await _step(hass, result, user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result["errors"]
    entry = result["result"]
    data = dict(entry.data)
    await hass.async_block_till_done()

    result = await _reconfigure(hass, entry)
    result = await _step(hass, result, _shown(result))
    assert _shown(result) == user_input | {
        "advanced": {
            "power_delay": 0.0,
            "step_delay": 0.3,
            "threshold": 8.0,
            "settle": 10.0,
        },
        "level_count": 3,
        "heat_values": "38, 42, 45",
    }
    assert _advanced(result).options == {"collapsed": False}
    result = await _step(hass, result, _shown(result))
    assert result["reason"] == "reconfigure_successful"
    assert dict(entry.data) == data
    assert data["roles"]["power"]["on"] == {
        "entity_id": "remote.ir",
        "command": "power",
        "device": "massager",
    }
    await hass.async_block_till_done()


def _mapped_entry(roles: dict[str, Any], **data: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Foot Spa",
        unique_id="entities_spa",
        data={"backend": "entities", "kind": "foot_leg", "roles": roles} | data,
    )


async def _options_form(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"
    return result


@pytest.mark.usefixtures("parts")
async def test_options_of_a_loaded_massager_built_from_entities(
    hass: HomeAssistant,
) -> None:
    """Heat cap only with a heater; the default timer from the own timer's options."""
    entry = await _spa(hass)
    result = await _options_form(hass, entry)
    assert list(_markers(result["data_schema"])) == [
        "session_cap_minutes",
        "default_timer_minutes",
    ]
    timer = result["data_schema"].schema[
        _markers(result["data_schema"])["default_timer_minutes"]
    ]
    assert timer.config["options"] == ["10", "15", "20", "30"]


@pytest.mark.parametrize(
    ("roles", "data", "fields", "timers"),
    [
        (
            {
                "power": {"means": "toggle", "entity_id": "switch.gone"},
                "heat": {"means": "switch", "entity_id": "switch.heater_gone"},
            },
            {"timer_options": [20, 5]},
            ["session_cap_minutes", "heat_cap_minutes", "default_timer_minutes"],
            ["5", "20"],
        ),
        (
            {"power": {"means": "toggle", "entity_id": "switch.gone"}},
            {},
            ["session_cap_minutes", "default_timer_minutes"],
            ["10", "15", "20", "30"],
        ),
        (
            {
                "power": {"means": "toggle", "entity_id": "switch.gone"},
                "timer": {"means": "number", "entity_id": "number.gone"},
            },
            {},
            ["session_cap_minutes"],
            None,
        ),
    ],
)
async def test_options_of_a_massager_whose_entities_are_gone(
    hass: HomeAssistant,
    roles: dict[str, Any],
    data: dict[str, Any],
    fields: list[str],
    timers: list[str] | None,
) -> None:
    """Not loaded, it offers what its mapping says: heat, and its own timer."""
    entry = _mapped_entry(roles, **data)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    result = await _options_form(hass, entry)
    assert list(_markers(result["data_schema"])) == fields
    if timers is None:
        return
    markers = _markers(result["data_schema"])
    timer = result["data_schema"].schema[markers["default_timer_minutes"]]
    assert timer.config["options"] == timers
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"session_cap_minutes": 30, CONF_DEFAULT_TIMER: timers[-1]}
        | ({"heat_cap_minutes": 15} if "heat_cap_minutes" in fields else {}),
    )
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_DEFAULT_TIMER] == int(timers[-1])


async def _start_fix_flow(hass: HomeAssistant, issue: str) -> Any:
    """Start the fix flow of one of the integration's issues, as the panel does."""
    manager = repairs_flow_manager(hass)
    assert manager is not None
    if (MAJOR_VERSION, MINOR_VERSION) >= (2026, 10):
        return await manager.async_init(DOMAIN, context={"issue_id": issue})
    # Home Assistant 2026.9 takes the issue as the flow's data.
    return await manager.async_init(DOMAIN, data={"issue_id": issue})


async def test_the_repair_of_a_lost_entity_opens_reconfigure(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    """Fix leads to the reconfigure steps; the issue goes once the entity is found."""
    mode = FakeSelect("spa_mode", MODES, "kneading")
    await async_add_entities(
        hass, FakeSwitch("spa_plug"), mode, FakeSelect("spa_program", MODES, "rolling")
    )
    entry = _mapped_entry(
        {
            "power": {"means": "toggle", "entity_id": "switch.spa_plug", "delay": 0},
            "mode": {"means": "select", "entity_id": "select.spa_mode"},
        }
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    er.async_get(hass).async_remove("select.spa_mode")
    await wait_for(
        hass, lambda: hass.states.get("fan.foot_spa").state == STATE_UNAVAILABLE
    )
    lost = issue_id(entry.entry_id, "mode")
    assert issue_registry.async_get_issue(DOMAIN, lost).is_fixable

    assert await async_setup_component(hass, "repairs", {})
    result = await _start_fix_flow(hass, lost)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure"
    flow_type, flow_id = result["next_flow"]
    assert flow_type is FlowType.CONFIG_FLOW
    assert result["result"] is entry
    # Until the entity is back, the issue stays.
    assert issue_registry.async_get_issue(DOMAIN, lost) is not None

    flow = hass.config_entries.flow.async_get(flow_id)
    assert flow["step_id"] == "entities_means"
    assert flow["context"]["source"] == "reconfigure"
    result = await _step(hass, flow, NO_MEANS | {"mode": "select"})
    assert _shown(result)["mode_entity"] == "select.spa_mode"
    result = await _step(hass, result, _shown(result))
    assert result["errors"] == {"mode_entity": "entity_not_found"}
    result = await _step(
        hass, result, _shown(result) | {"mode_entity": "select.spa_program"}
    )
    assert result["reason"] == "reconfigure_successful"
    await wait_for(hass, lambda: hass.states.get("fan.foot_spa").state == "off")
    assert hass.states.get("fan.foot_spa").attributes["preset_mode"] == "rolling"
    assert issue_registry.async_get_issue(DOMAIN, lost) is None


async def test_the_repair_of_a_removed_massager_clears_its_issues(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry
) -> None:
    """An issue left behind by a removed entry has nothing to fix and goes."""
    assert await async_setup_component(hass, "repairs", {})
    assert await async_setup_component(hass, DOMAIN, {})
    for role in ("power", "heat"):
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id("removed", role),
            is_fixable=True,
            data={"entry_id": "removed"},
            severity=ir.IssueSeverity.ERROR,
            translation_key=f"missing_entity_{role}",
        )
    result = await _start_fix_flow(hass, issue_id("removed", "power"))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_removed"
    assert "next_flow" not in result
    assert issue_registry.issues == {}


async def test_another_fixable_issue_is_confirmed(hass: HomeAssistant) -> None:
    """An issue this module does not fix itself is confirmed, as Home Assistant does."""
    assert await async_setup_component(hass, "repairs", {})
    assert await async_setup_component(hass, DOMAIN, {})
    ir.async_create_issue(
        hass,
        DOMAIN,
        "something_else",
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="missing_entity_power",
    )
    result = await _start_fix_flow(hass, "something_else")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"


# Every choice and error of the entities path is translated


def _english() -> dict[str, Any]:
    return json.loads((INTEGRATION_DIR / "translations" / "en.json").read_text())


def _strings(node: ast.AST) -> set[str]:
    return {
        item.value
        for item in ast.walk(node)
        if isinstance(item, ast.Constant) and isinstance(item.value, str)
    }


def _flow_error_keys(node: ast.AST) -> set[str]:
    """Return the error keys one node of the flow's module names."""
    if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]).startswith(
        "errors["
    ):
        return _strings(node.value)
    if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(".fail"):
        return _strings(node.args[1])
    if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "invalid":
        return _strings(node.value) if node.value else set()
    if isinstance(node, ast.keyword) and node.arg == "invalid":
        return _strings(node.value)
    if isinstance(node, ast.FunctionDef) and node.name == "_entity_problem":
        return {
            key
            for item in ast.walk(node)
            if isinstance(item, ast.Return) and item.value is not None
            for key in _strings(item.value)
        }
    return set()


def _error_keys() -> set[str]:
    """Return the error keys the flow and the entities driver can show on a form."""
    keys = {UNAVAILABLE}
    for module in ("config_flow.py", "entities_form.py"):
        for node in ast.walk(ast.parse((INTEGRATION_DIR / module).read_text())):
            keys |= _flow_error_keys(node)
    means = INTEGRATION_DIR / "drivers" / "entities" / "means.py"
    for node in ast.walk(ast.parse(means.read_text())):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "EntityUnfitError":
            keys |= _strings(node.args[1])
        elif isinstance(node, ast.Call) and ast.unparse(node.func) == "_attribute":
            keys |= _strings(node.args[3])
    return keys


def test_every_error_of_the_entities_path_is_translated() -> None:
    config = _english()["config"]
    keys = _error_keys()
    # The scan finds what it looks for.
    assert {"wrong_domain", "no_options", "no_speeds", "invalid_setting"} <= keys
    assert {"invalid_timing", "device_in_use", "heat_values", "not_time"} <= keys
    assert keys - {"base"} <= config["error"].keys()


def test_every_choice_and_field_of_the_entities_path_is_translated() -> None:
    english = _english()
    selectors = english["selector"]
    for role, offered in ROLE_MEANS.items():
        options = selectors[f"{role}_means"]["options"]
        assert set(options) == set(offered) | ({"none"} if role != "power" else set())
    assert set(selectors["profile"]["options"]) == {
        profile.key for profile in PROFILES
    } | {"none"}
    assert set(selectors["kind"]["options"]) == {"gun", "foot_leg"}
    assert set(selectors["modes"]["options"]) == set(MODES)
    roles_step = english["config"]["step"]["entities_roles"]
    advanced = roles_step["sections"]["advanced"]
    for form_field in {item for fields in ROLE_FIELDS.values() for item in fields}:
        step = advanced if form_field.advanced else roles_step
        assert form_field.key in step["data"], form_field.key
        assert form_field.key in step["data_description"], form_field.key
    means_step = english["config"]["step"]["entities_means"]
    assert set(means_step["data"]) == {"name", *ROLES}

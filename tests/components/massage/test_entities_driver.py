"""Tests of the entities driver on real entities: calls, pauses and assumed state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest

from custom_components.massage.api import DeviceState
from custom_components.massage.compat import vol
from custom_components.massage.drivers import (
    CommandRejectedError,
    DeviceIncompatibleError,
    DeviceUnavailableError,
    DriverError,
    StateUpdate,
)
from custom_components.massage.drivers.entities import ENTITIES_SCHEMA, EntitiesDriver

from .entities_backend import (
    CallLog,
    DumbMassager,
    FakeBinarySensor,
    FakeButton,
    FakeFan,
    FakeNumber,
    FakeRemote,
    FakeSelect,
    FakeSensor,
    FakeSwitch,
    advance,
    async_add_entities,
    failing,
    in_virtual_time,
)

MODES = ["kneading", "rolling", "air_compression", "combined"]


def mapping(roles: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Entry data for the entities driver."""
    return {"backend": "entities", "roles": roles, **extra}


async def connected(hass: HomeAssistant, data: dict[str, Any]) -> EntitiesDriver:
    """A driver that found its entities."""
    driver = EntitiesDriver(hass, data, device_id="massager-1", name="Massager")
    await driver.async_connect()
    return driver


@pytest.fixture
async def dumb(
    hass: HomeAssistant,
) -> AsyncGenerator[tuple[DumbMassager, EntitiesDriver, CallLog]]:
    """A dumb massager on a plug, with a start button, mode, up and down buttons."""
    massager = DumbMassager()
    await async_add_entities(
        hass,
        FakeSwitch("plug", on_change=massager.plug),
        FakeButton("start", on_press=massager.start),
        FakeButton("mode", on_press=lambda: massager.command("mode")),
        FakeButton("up", on_press=lambda: massager.command("up")),
        FakeButton("down", on_press=lambda: massager.command("down")),
        FakeSwitch("heater"),
    )
    data = mapping(
        {
            "power": {"means": "toggle", "entity_id": "switch.plug"},
            "start": {"means": "press", "press": {"entity_id": "button.start"}},
            "level": {
                "means": "steps",
                "up": {"entity_id": "button.up"},
                "down": {"entity_id": "button.down"},
                "levels": 3,
                "resets_to": 1,
            },
            "mode": {
                "means": "cycle",
                "next": {"entity_id": "button.mode"},
                "modes": MODES,
                "resets_to": "kneading",
            },
            "heat": {"means": "switch", "entity_id": "switch.heater"},
        }
    )
    driver = await connected(hass, data)
    calls = CallLog(
        hass,
        [
            "switch.plug",
            "button.start",
            "button.mode",
            "button.up",
            "button.down",
            "switch.heater",
        ],
    )
    yield massager, driver, calls
    await driver.async_stop_listening()


async def test_plug_pusher_and_buttons(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    dumb: tuple[DumbMassager, EntitiesDriver, CallLog],
) -> None:
    """Power, a start press, steps, a cycle and a heater switch, with their pauses."""
    massager, driver, calls = dumb
    state = await in_virtual_time(
        hass,
        freezer,
        driver.async_apply(StateUpdate(on=True, level=3, mode="combined", heat=1)),
    )
    # Power, then the boot delay (1 s), then each press 0.5 s after the last:
    # three "mode" presses move from kneading to combined.
    assert calls.brief() == [
        (0.0, "switch.turn_on", "switch.plug"),
        (1.0, "button.press", "button.start"),
        (1.5, "button.press", "button.up"),
        (2.0, "button.press", "button.up"),
        (2.5, "button.press", "button.mode"),
        (3.0, "button.press", "button.mode"),
        (3.5, "button.press", "button.mode"),
        (3.5, "switch.turn_on", "switch.heater"),
    ]
    assert len(set(calls.contexts)) == 1  # one command, one context
    assert (massager.running, massager.level, massager.modes[massager.mode]) == (
        True,
        3,
        "combined",
    )
    assert (state.on, state.level, state.mode, state.heat) == (True, 3, "combined", 1)

    calls.restart()
    await in_virtual_time(hass, freezer, driver.async_apply(StateUpdate(level=2)))
    await in_virtual_time(
        hass, freezer, driver.async_apply(StateUpdate(mode="rolling"))
    )
    assert calls.brief() == [
        (0.0, "button.press", "button.down"),
        (0.0, "button.press", "button.mode"),
        (0.5, "button.press", "button.mode"),
    ]
    assert (massager.level, massager.modes[massager.mode]) == (2, "rolling")

    calls.restart()
    state = await in_virtual_time(
        hass, freezer, driver.async_apply(StateUpdate(on=False))
    )
    # Heat goes off before the power that would take it along.
    assert calls.brief() == [
        (0.0, "switch.turn_off", "switch.heater"),
        (0.0, "switch.turn_off", "switch.plug"),
    ]
    assert (state.on, state.heat) == (False, 0)
    assert not massager.powered


async def test_assumed_state_restarts_from_the_known_start(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    dumb: tuple[DumbMassager, EntitiesDriver, CallLog],
) -> None:
    """After a power cycle the driver counts from the values the device resets to."""
    massager, driver, calls = dumb
    assert driver.assumed_roles == {"power", "level", "mode"}
    assert driver.assumed_state
    await in_virtual_time(
        hass,
        freezer,
        driver.async_apply(StateUpdate(on=True, level=3, mode="combined")),
    )
    await in_virtual_time(hass, freezer, driver.async_apply(StateUpdate(on=False)))
    calls.restart()
    state = await in_virtual_time(
        hass, freezer, driver.async_apply(StateUpdate(on=True, mode="rolling", level=2))
    )
    assert [call.entity_id for call in calls.calls] == [
        "switch.plug",
        "button.start",
        "button.up",
        "button.mode",
    ]
    assert (massager.level, massager.modes[massager.mode]) == (2, "rolling")
    assert (state.level, state.mode) == (2, "rolling")


async def test_setting_what_is_set_sends_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    dumb: tuple[DumbMassager, EntitiesDriver, CallLog],
) -> None:
    """A level, mode or heat already in place needs no press."""
    _massager, driver, calls = dumb
    await in_virtual_time(hass, freezer, driver.async_apply(StateUpdate(on=True)))
    calls.restart()
    state = await in_virtual_time(
        hass,
        freezer,
        driver.async_apply(StateUpdate(on=True, level=1, mode="kneading", heat=0)),
    )
    assert calls.calls == []
    assert state.on


async def test_device_off_refuses_settings_without_on(
    hass: HomeAssistant, dumb: tuple[DumbMassager, EntitiesDriver, CallLog]
) -> None:
    """Level, mode and heat (even heat 0) to a device that is off send nothing."""
    massager, driver, calls = dumb
    for update in (
        StateUpdate(level=2),
        StateUpdate(mode="rolling"),
        StateUpdate(heat=1),
        StateUpdate(heat=0),
    ):
        with pytest.raises(CommandRejectedError) as caught:
            await driver.async_apply(update)
        assert caught.value.reason == "device_off"
    assert calls.calls == []
    assert not massager.powered


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        (StateUpdate(level=4), "invalid_value"),
        (StateUpdate(level=0), "invalid_value"),
        (StateUpdate(mode="shiatsu"), "invalid_value"),
        (StateUpdate(heat=2), "invalid_value"),
        (StateUpdate(timer=7), "invalid_value"),
        (StateUpdate(attachment="ball"), "unsupported"),
    ],
)
async def test_values_outside_the_capabilities_are_refused(
    hass: HomeAssistant,
    dumb: tuple[DumbMassager, EntitiesDriver, CallLog],
    update: StateUpdate,
    reason: str,
) -> None:
    """Checked before anything is sent, in the Local API's words."""
    _massager, driver, calls = dumb
    with pytest.raises(CommandRejectedError) as caught:
        await driver.async_apply(update)
    assert caught.value.reason == reason
    assert calls.calls == []


async def test_a_device_without_modes_or_heat_refuses_them(hass: HomeAssistant) -> None:
    """Only power mapped: one level, no modes, no heater."""
    await async_setup_component(hass, "input_boolean", {"input_boolean": {"plug": {}}})
    driver = await connected(
        hass, mapping({"power": {"means": "toggle", "entity_id": "input_boolean.plug"}})
    )
    caps = driver.info.capabilities
    assert (caps.levels, caps.modes, caps.heat_levels) == (1, (), 0)
    assert caps.timer_options == (10, 15, 20, 30)
    assert not driver.assumed_state
    for update in (StateUpdate(mode="kneading"), StateUpdate(on=True, heat=0)):
        with pytest.raises(CommandRejectedError) as caught:
            await driver.async_apply(update)
        assert caught.value.reason == "unsupported"
    await driver.async_stop_listening()


async def test_ir_remote_for_everything(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """One learned "power" command toggles: it is sent only when the state changes."""
    massager = DumbMassager()
    await async_add_entities(hass, FakeRemote("ir", on_command=massager.command))

    def command(name: str) -> dict[str, str]:
        return {"entity_id": "remote.ir", "command": name, "device": "massager"}

    driver = await connected(
        hass,
        mapping(
            {
                "power": {
                    "means": "commands",
                    "on": command("power"),
                    "off": command("power"),
                    "delay": 0.5,
                },
                "level": {
                    "means": "steps",
                    "up": command("up"),
                    "down": command("down"),
                    "levels": 3,
                    "resets_to": 1,
                },
                "mode": {
                    "means": "cycle",
                    "next": command("mode"),
                    "modes": MODES,
                    "resets_to": "kneading",
                },
            },
            step_delay=0.3,
        ),
    )
    assert driver.assumed_roles == {"power", "level", "mode"}
    calls = CallLog(hass, ["remote.ir"])
    await in_virtual_time(
        hass,
        freezer,
        driver.async_apply(StateUpdate(on=True, level=2, mode="air_compression")),
    )
    assert [(call.at, call.data) for call in calls.calls] == [
        (0.0, {"command": ["power"], "device": "massager"}),
        (0.5, {"command": ["up"], "device": "massager"}),
        (0.8, {"command": ["mode"], "device": "massager"}),
        (1.1, {"command": ["mode"], "device": "massager"}),
    ]
    assert massager.log == ["power", "up", "mode", "mode"]
    assert (massager.level, massager.modes[massager.mode]) == (2, "air_compression")

    await in_virtual_time(hass, freezer, driver.async_apply(StateUpdate(on=False)))
    await in_virtual_time(hass, freezer, driver.async_apply(StateUpdate(on=False)))
    assert massager.log[4:] == ["power"]
    assert not massager.powered
    await driver.async_stop_listening()


async def test_smart_entities_with_options(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Selects, an input select and an input boolean: values straight from options."""
    await async_setup_component(
        hass,
        "input_boolean",
        {"input_boolean": {"chair": {}}},
    )
    await async_setup_component(
        hass,
        "input_select",
        {
            "input_select": {
                "manual_mode": {"options": ["pinch", "beat", "knock", "close"]}
            }
        },
    )
    await async_add_entities(
        hass,
        FakeSelect("massage_speed", [f"level_{n}" for n in range(1, 6)], "level_1"),
        FakeSelect("heat_level", ["off", "low", "high"], "off"),
        FakeSelect("countdown", ["cancel", "30min", "1h", "2h"], "cancel"),
        FakeSensor("left_time", 0, native_unit_of_measurement="min"),
    )
    driver = await connected(
        hass,
        mapping(
            {
                "power": {
                    "means": "toggle",
                    "entity_id": "input_boolean.chair",
                    "delay": 0,
                },
                "level": {"means": "select", "entity_id": "select.massage_speed"},
                "mode": {"means": "select", "entity_id": "input_select.manual_mode"},
                "heat": {"means": "select", "entity_id": "select.heat_level"},
                "timer": {
                    "means": "select",
                    "entity_id": "select.countdown",
                    "remaining": "sensor.left_time",
                },
            }
        ),
    )
    caps = driver.info.capabilities
    assert caps.levels == 5
    assert caps.modes == ("pinch", "beat", "knock")  # "close" is no mode
    assert caps.heat_levels == 2
    assert caps.timer_options == (30, 60, 120)
    assert not driver.assumed_state

    calls = CallLog(
        hass,
        [
            "input_boolean.chair",
            "select.massage_speed",
            "input_select.manual_mode",
            "select.heat_level",
            "select.countdown",
        ],
    )
    state = await in_virtual_time(
        hass,
        freezer,
        driver.async_apply(
            StateUpdate(on=True, level=4, mode="knock", heat=2, timer=60)
        ),
    )
    assert [
        (call.at, call.service, call.entity_id, call.data) for call in calls.calls
    ] == [
        (0.0, "input_boolean.turn_on", "input_boolean.chair", {}),
        (0.0, "select.select_option", "select.massage_speed", {"option": "level_4"}),
        (
            0.0,
            "input_select.select_option",
            "input_select.manual_mode",
            {"option": "knock"},
        ),
        (0.0, "select.select_option", "select.heat_level", {"option": "high"}),
        (0.0, "select.select_option", "select.countdown", {"option": "1h"}),
    ]
    assert (state.on, state.level, state.mode, state.heat, state.timer) == (
        True,
        4,
        "knock",
        2,
        60,
    )
    calls.restart()
    await in_virtual_time(hass, freezer, driver.async_apply(StateUpdate(on=False)))
    assert [(call.service, call.entity_id, call.data) for call in calls.calls] == [
        ("select.select_option", "select.heat_level", {"option": "off"}),
        ("input_boolean.turn_off", "input_boolean.chair", {}),
    ]
    await driver.async_stop_listening()


async def test_fan_and_number_means(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A fan for power and level; a heater switch with temperatures; a countdown."""
    fan = FakeFan("massager", speed_count=4)
    await async_add_entities(
        hass,
        fan,
        FakeNumber("target_temperature", minimum=35, maximum=50, step=1, value=35),
        FakeSwitch("heating"),
        FakeNumber("countdown", minimum=0, maximum=86400, step=1, value=0, unit="s"),
    )
    driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "fan.massager"},
                "level": {"means": "fan", "entity_id": "fan.massager"},
                "heat": {
                    "means": "number",
                    "entity_id": "number.target_temperature",
                    "switch": "switch.heating",
                    "values": [40, 45],
                },
                "timer": {
                    "means": "number",
                    "entity_id": "number.countdown",
                    "remaining": "number.countdown",
                },
            }
        ),
    )
    caps = driver.info.capabilities
    assert (caps.levels, caps.heat_levels) == (4, 2)
    assert caps.timer_options == (5, 10, 15, 20, 25, 30, 45, 60, 90, 120)
    calls = CallLog(
        hass,
        [
            "fan.massager",
            "number.target_temperature",
            "switch.heating",
            "number.countdown",
        ],
    )
    state = await in_virtual_time(
        hass,
        freezer,
        driver.async_apply(StateUpdate(on=True, level=3, heat=2, timer=20)),
    )
    # The default boot delay of 1 s comes between power and the settings.
    assert [
        (call.at, call.service, call.entity_id, call.data) for call in calls.calls
    ] == [
        (0.0, "fan.turn_on", "fan.massager", {}),
        (1.0, "fan.set_percentage", "fan.massager", {"percentage": 75}),
        (1.0, "switch.turn_on", "switch.heating", {}),
        (1.0, "number.set_value", "number.target_temperature", {"value": 45.0}),
        (1.0, "number.set_value", "number.countdown", {"value": 1200.0}),
    ]
    assert (state.on, state.level, state.heat, state.timer) == (True, 3, 2, 20)

    calls.restart()
    await in_virtual_time(hass, freezer, driver.async_apply(StateUpdate(heat=1)))
    state = await in_virtual_time(
        hass, freezer, driver.async_apply(StateUpdate(on=False))
    )
    assert [(call.service, call.entity_id, call.data) for call in calls.calls] == [
        ("number.set_value", "number.target_temperature", {"value": 40.0}),
        ("switch.turn_off", "switch.heating", {}),
        ("fan.turn_off", "fan.massager", {}),
    ]
    # The fan shows no speed while off; the level is kept.
    assert (state.on, state.level, state.heat) == (False, 3, 0)
    await driver.async_stop_listening()


async def test_pulse_start_input_number_and_number_heat(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A relay pulsed across the start button; off is the heat number's minimum."""
    await async_setup_component(
        hass,
        "input_number",
        {"input_number": {"intensity": {"min": 1, "max": 5, "step": 1}}},
    )
    await async_add_entities(
        hass,
        FakeSwitch("relay_power"),
        FakeSwitch("relay_start"),
        FakeNumber("heat_step", minimum=0, maximum=3, step=1, value=0),
        FakeNumber("timer", minimum=5, maximum=60, step=5, value=15, unit="min"),
    )
    driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.relay_power"},
                "start": {
                    "means": "pulse",
                    "entity_id": "switch.relay_start",
                    "pulse": 0.3,
                },
                "level": {"means": "number", "entity_id": "input_number.intensity"},
                "heat": {"means": "number", "entity_id": "number.heat_step"},
                "timer": {"means": "number", "entity_id": "number.timer"},
            }
        ),
    )
    caps = driver.info.capabilities
    assert (caps.levels, caps.heat_levels) == (5, 3)
    assert caps.timer_options == (5, 10, 15, 20, 25, 30, 45, 60)
    calls = CallLog(
        hass,
        [
            "switch.relay_power",
            "switch.relay_start",
            "input_number.intensity",
            "number.heat_step",
        ],
    )
    state = await in_virtual_time(
        hass, freezer, driver.async_apply(StateUpdate(on=True, level=2, heat=3))
    )
    assert [
        (call.at, call.service, call.entity_id, call.data) for call in calls.calls
    ] == [
        (0.0, "switch.turn_on", "switch.relay_power", {}),
        (1.0, "switch.turn_on", "switch.relay_start", {}),
        (1.3, "switch.turn_off", "switch.relay_start", {}),
        (1.3, "input_number.set_value", "input_number.intensity", {"value": 2.0}),
        (1.3, "number.set_value", "number.heat_step", {"value": 3.0}),
    ]
    assert (state.on, state.level, state.heat, state.timer) == (True, 2, 3, 15)
    calls.restart()
    await in_virtual_time(hass, freezer, driver.async_apply(StateUpdate(on=False)))
    assert [(call.service, call.entity_id, call.data) for call in calls.calls] == [
        ("number.set_value", "number.heat_step", {"value": 0.0}),
        ("switch.turn_off", "switch.relay_power", {}),
    ]
    await driver.async_stop_listening()


async def test_held_start_and_a_pusher_that_returns(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A foot bath's roller switch holds the motor; a pusher of pulse 0 only presses."""
    await async_add_entities(
        hass, FakeSwitch("bath"), FakeSwitch("rollers"), FakeSwitch("bot")
    )
    held = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.bath", "delay": 0},
                "start": {"means": "hold", "entity_id": "switch.rollers"},
            }
        ),
    )
    calls = CallLog(hass, ["switch.bath", "switch.rollers", "switch.bot"])
    assert not held.assumed_state  # the roller switch says whether it runs
    await in_virtual_time(hass, freezer, held.async_apply(StateUpdate(on=True)))
    await in_virtual_time(hass, freezer, held.async_apply(StateUpdate(on=False)))
    assert calls.brief() == [
        (0.0, "switch.turn_on", "switch.bath"),
        (0.0, "switch.turn_on", "switch.rollers"),
        (0.0, "switch.turn_off", "switch.rollers"),
        (0.0, "switch.turn_off", "switch.bath"),
    ]
    # Rollers stopped by hand: the massage stopped, though the bath has power.
    await held.async_apply(StateUpdate(on=True))
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.rollers"}, blocking=True
    )
    assert not (await held.async_fetch_state()).on
    await held.async_stop_listening()

    calls.restart()
    pushed = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.bath", "delay": 0},
                "start": {"means": "pulse", "entity_id": "switch.bot", "pulse": 0},
            }
        ),
    )
    assert pushed.assumed_roles == {"power"}
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.bath"}, blocking=True
    )
    calls.restart()
    await in_virtual_time(hass, freezer, pushed.async_apply(StateUpdate(on=True)))
    assert calls.brief() == [
        (0.0, "switch.turn_on", "switch.bath"),
        (0.0, "switch.turn_on", "switch.bot"),
    ]
    await pushed.async_stop_listening()


async def test_capabilities_come_from_the_entities(hass: HomeAssistant) -> None:
    """Options, ranges and speeds make levels, modes, heat steps and timers."""
    await async_add_entities(
        hass,
        FakeSwitch("power"),
        FakeNumber("strength", minimum=0, maximum=100, step=10, value=0),
        FakeSelect("program", ["Off", "Auto", "Knead", "Shiatsu"], "Off"),
        FakeNumber("temperature", minimum=30, maximum=60, step=1, value=30),
        FakeSelect(
            "timer", ["cancel", "15", "0.5h", "1 hour", "90s", "later"], "cancel"
        ),
        FakeSensor("battery", 87.6),
        FakeBinarySensor("charging", is_on=True),
    )
    driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.power"},
                "level": {"means": "number", "entity_id": "number.strength"},
                "mode": {"means": "select", "entity_id": "select.program"},
                "heat": {"means": "number", "entity_id": "number.temperature"},
                "timer": {"means": "select", "entity_id": "select.timer"},
                "battery": {
                    "means": "sensor",
                    "entity_id": "sensor.battery",
                    "charging": "binary_sensor.charging",
                },
            },
            kind="gun",
        ),
    )
    info = driver.info
    assert info.kind == "gun"
    assert info.id == "massager-1"
    assert info.name == "Massager"
    caps = info.capabilities
    assert caps.levels == 11  # 0, 10, ... 100
    assert caps.level_names is None  # a number names no levels
    assert caps.modes == ("Auto", "Knead", "Shiatsu")
    # Off is the minimum; three steps spread up to the maximum.
    assert caps.heat_levels == 3
    assert caps.timer_options == (15, 30, 60)
    assert caps.battery
    state = await driver.async_fetch_state()
    assert (state.battery, state.charging) == (88, True)
    assert state.mode == "Auto"  # "Off" shows no mode: the first is kept
    assert state.heat == 0
    assert driver.configuration_url is None
    await driver.async_stop_listening()


@pytest.mark.parametrize(
    ("roles", "problem"),
    [
        ({}, "power"),
        ({"power": {"means": "toggle", "entity_id": "light.lamp"}}, "entity_id"),
        ({"power": {"means": "teleport", "entity_id": "switch.x"}}, "means"),
        (
            {
                "power": {"means": "toggle", "entity_id": "switch.x"},
                "mode": {
                    "means": "cycle",
                    "next": {"entity_id": "remote.ir"},
                    "modes": ["a"],
                },
            },
            "command",
        ),
        (
            {
                "power": {"means": "toggle", "entity_id": "switch.x"},
                "level": {
                    "means": "steps",
                    "up": {"entity_id": "button.up"},
                    "down": {"entity_id": "button.down"},
                    "levels": 3,
                    "resets_to": 4,
                },
            },
            "resets_to",
        ),
        (
            {
                "power": {"means": "toggle", "entity_id": "switch.x"},
                "mode": {
                    "means": "cycle",
                    "next": {"entity_id": "button.mode"},
                    "modes": ["a", "a"],
                },
            },
            "distinct",
        ),
    ],
)
async def test_a_bad_mapping_is_incompatible(
    hass: HomeAssistant, roles: dict[str, Any], problem: str
) -> None:
    """The schema says what is wrong; the driver reports it as incompatible."""
    with pytest.raises(vol.Invalid, match=problem):
        ENTITIES_SCHEMA(mapping(roles))
    driver = EntitiesDriver(hass, mapping(roles), device_id="x", name="X")
    with pytest.raises(DeviceIncompatibleError, match=problem):
        await driver.async_connect()
    with pytest.raises(DriverError):
        driver.info  # noqa: B018


async def test_entities_that_cannot_serve_their_role_are_incompatible(
    hass: HomeAssistant,
) -> None:
    """A select without modes, a timer without minutes, a heat value out of range."""
    await async_add_entities(
        hass,
        FakeSwitch("power"),
        FakeSelect("only_off", ["off"], "off"),
        FakeSelect("timer", ["cancel", "later"], "cancel"),
        FakeNumber("temperature", minimum=30, maximum=40, step=1, value=30),
        FakeNumber("percent", minimum=0, maximum=100, step=1, value=0, unit="%"),
    )
    power = {"means": "toggle", "entity_id": "switch.power"}
    for role, config in (
        ("mode", {"means": "select", "entity_id": "select.only_off"}),
        ("timer", {"means": "select", "entity_id": "select.timer"}),
        ("timer", {"means": "number", "entity_id": "number.percent"}),
        (
            "heat",
            {"means": "number", "entity_id": "number.temperature", "values": [45]},
        ),
        ("heat", {"means": "select", "entity_id": "select.only_off"}),
    ):
        driver = EntitiesDriver(
            hass, mapping({"power": power, role: config}), device_id="x", name="X"
        )
        with pytest.raises(DeviceIncompatibleError):
            await driver.async_connect()


async def test_errors_of_the_source_entities_become_driver_errors(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A device that fails, refuses or has gone away: only the driver's own errors."""
    plug = FakeSwitch("plug")
    level = FakeNumber("level", minimum=1, maximum=5, step=1, value=1)
    await async_add_entities(hass, plug, level, FakeSelect("mode", ["a", "b"], "a"))
    driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.plug", "delay": 0},
                "level": {"means": "number", "entity_id": "number.level"},
                "mode": {"means": "select", "entity_id": "select.mode"},
            }
        ),
    )
    plug.fail_with = failing()
    with pytest.raises(DeviceUnavailableError, match="did not answer"):
        await driver.async_apply(StateUpdate(on=True))
    plug.fail_with = None
    await driver.async_apply(StateUpdate(on=True))

    level.fail_with = vol.Invalid("level out of range")
    with pytest.raises(CommandRejectedError) as caught:
        await driver.async_apply(StateUpdate(level=5))
    assert caught.value.reason == "invalid_value"
    level.fail_with = ServiceValidationError("not now")
    with pytest.raises(CommandRejectedError) as caught:
        await driver.async_apply(StateUpdate(level=5))
    assert caught.value.reason == "rejected"

    # A device that never answers is gone after a while, in virtual time.
    level.fail_with = None
    level.hangs = True
    with pytest.raises(DeviceUnavailableError, match="did not answer"):
        await in_virtual_time(hass, freezer, driver.async_apply(StateUpdate(level=3)))
    assert hass.states.get("number.level").state == "1"
    level.hangs = False

    # Home Assistant would skip an unavailable entity without a word.
    level.update(available=False)
    calls = level.calls
    with pytest.raises(DeviceUnavailableError, match=r"number\.level is unavailable"):
        await driver.async_apply(StateUpdate(level=2))
    assert level.calls == calls
    # Unavailable power makes the whole device unavailable.
    plug.update(available=False)
    with pytest.raises(DeviceUnavailableError):
        await driver.async_fetch_state()
    await driver.async_stop_listening()


async def test_a_state_without_its_service_is_incompatible(hass: HomeAssistant) -> None:
    """A button whose integration never registered its service cannot be pressed."""
    await async_add_entities(hass, FakeSwitch("plug"))
    hass.states.async_set("button.orphan", "unknown")
    driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.plug", "delay": 0},
                "start": {"means": "press", "press": {"entity_id": "button.orphan"}},
            }
        ),
    )
    with pytest.raises(DeviceIncompatibleError, match=r"button\.press"):
        await driver.async_apply(StateUpdate(on=True))
    await driver.async_stop_listening()


async def test_listen_follows_the_entities_until_stopped(hass: HomeAssistant) -> None:
    """Push without polling: every change arrives; listen returns only when stopped."""
    plug = FakeSwitch("plug")
    await async_add_entities(hass, plug, FakeSelect("mode", ["a", "b"], "a"))
    driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.plug"},
                "mode": {"means": "select", "entity_id": "select.mode"},
            }
        ),
    )
    states: list[DeviceState] = []
    listening = asyncio.create_task(driver.async_listen(states.append))
    await hass.async_block_till_done()
    assert [state.on for state in states] == [False]
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.plug"}, blocking=True
    )
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.mode", "option": "b"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert [(state.on, state.mode) for state in states] == [
        (False, "a"),
        (True, "a"),
        (True, "b"),
    ]
    assert states[1].session_end is not None
    assert not listening.done()
    await driver.async_stop_listening()
    await listening


async def test_listen_ends_when_power_goes_and_waits_for_it_to_return(
    hass: HomeAssistant,
) -> None:
    """Unavailable power ends listening; listening again waits until it is back."""
    plug = FakeSwitch("plug")
    await async_add_entities(hass, plug)
    driver = await connected(
        hass, mapping({"power": {"means": "toggle", "entity_id": "switch.plug"}})
    )
    states: list[DeviceState] = []
    listening = asyncio.create_task(driver.async_listen(states.append))
    await hass.async_block_till_done()
    plug.update(available=False)
    await hass.async_block_till_done()
    with pytest.raises(DeviceUnavailableError):
        await listening

    listening = asyncio.create_task(driver.async_listen(states.append))
    await hass.async_block_till_done()
    assert len(states) == 1
    assert not listening.done()
    plug.update(available=True)
    await hass.async_block_till_done()
    assert len(states) == 2
    await driver.async_stop_listening()
    await listening


async def test_power_sensor_corrects_on_and_off(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """An IR massager switched by hand shows on at once, and off once it stays low."""
    massager = DumbMassager()
    await async_add_entities(
        hass, FakeRemote("ir", on_command=massager.command), massager.watts_sensor()
    )
    press = {"entity_id": "remote.ir", "command": "power"}
    driver = await connected(
        hass,
        mapping(
            {
                "power": {
                    "means": "commands",
                    "on": press,
                    "off": press,
                    "sensor": "sensor.plug_power",
                    "settle": 10,
                },
            }
        ),
    )
    assert not driver.assumed_state
    states: list[DeviceState] = []
    listening = asyncio.create_task(driver.async_listen(states.append))
    await hass.async_block_till_done()
    assert not states[-1].on

    massager.command("power")  # its own button
    await hass.async_block_till_done()
    assert states[-1].on

    # Off by hand: a motor pausing between strokes reads low for a moment too.
    massager.command("power")
    await hass.async_block_till_done()
    assert states[-1].on
    await advance(hass, freezer, timedelta(seconds=9))
    assert states[-1].on
    await advance(hass, freezer, timedelta(seconds=1))
    assert not states[-1].on
    await driver.async_stop_listening()
    await listening


async def test_power_sensor_overrules_a_press_that_missed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A command is trusted while the reading settles; a later low reading wins."""
    massager = DumbMassager()
    meter = massager.watts_sensor()
    # The blaster is out of sight of the massager: nothing happens.
    await async_add_entities(hass, FakeRemote("ir"), meter)
    press = {"entity_id": "remote.ir", "command": "power"}
    driver = await connected(
        hass,
        mapping(
            {
                "power": {
                    "means": "commands",
                    "on": press,
                    "off": press,
                    "sensor": "sensor.plug_power",
                    "settle": 10,
                    "delay": 0,
                },
            }
        ),
    )
    states: list[DeviceState] = []
    listening = asyncio.create_task(driver.async_listen(states.append))
    await hass.async_block_till_done()
    state = await driver.async_apply(StateUpdate(on=True))
    assert state.on
    freezer.tick(timedelta(seconds=5))
    meter.report(0.4)  # the plug's next report, taken too soon to count
    await hass.async_block_till_done()
    assert states[-1].on
    freezer.tick(timedelta(seconds=6))
    meter.report(0.4)  # the same low reading again, now it counts
    await hass.async_block_till_done()
    assert not states[-1].on
    await driver.async_stop_listening()
    await listening


async def test_own_timer_stops_a_device_without_one(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Without a timer role the driver keeps the session end and stops the device."""
    plug = FakeSwitch("plug")
    await async_add_entities(hass, plug)
    driver = await connected(
        hass,
        mapping(
            {"power": {"means": "toggle", "entity_id": "switch.plug"}},
            timer_options=[20, 10],
        ),
    )
    assert driver.info.capabilities.timer_options == (10, 20)
    states: list[DeviceState] = []
    listening = asyncio.create_task(driver.async_listen(states.append))
    await hass.async_block_till_done()
    start = states[-1].timer
    assert start == 10
    state = await in_virtual_time(
        hass, freezer, driver.async_apply(StateUpdate(on=True))
    )
    assert state.session_end is not None
    ends = state.session_end

    # Restarted with a new timer five minutes in.
    freezer.tick(timedelta(minutes=5))
    state = await driver.async_apply(StateUpdate(timer=20))
    assert state.session_end == ends + timedelta(minutes=15)
    await advance(hass, freezer, ends + timedelta(seconds=1) - dt_util.utcnow())
    assert plug.is_on

    # The device cannot take the stop at first: it is tried again.
    plug.fail_with = failing()
    await advance(hass, freezer, state.session_end - dt_util.utcnow())
    assert plug.calls == 2
    assert plug.is_on
    plug.fail_with = None
    await advance(hass, freezer, timedelta(seconds=10))
    assert not plug.is_on
    assert not states[-1].on
    assert states[-1].session_end is None
    await driver.async_stop_listening()
    await listening


async def test_remaining_time_sets_the_session_end(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A device's own countdown says when it ends, without a new end every minute."""
    left = FakeSensor("left_time", 0, native_unit_of_measurement="min")
    await async_add_entities(
        hass,
        FakeSwitch("bath"),
        FakeNumber("target_time", minimum=0, maximum=60, step=1, value=30, unit="min"),
        left,
    )
    driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.bath", "delay": 0},
                "timer": {
                    "means": "number",
                    "entity_id": "number.target_time",
                    "remaining": "sensor.left_time",
                },
            }
        ),
    )
    await driver.async_apply(StateUpdate(on=True))
    left.report(25)
    await hass.async_block_till_done()
    state = await driver.async_fetch_state()
    assert state.timer == 30
    first = state.session_end
    assert first is not None
    freezer.tick(timedelta(minutes=1, seconds=20))
    left.report(24)  # a minute on, the same end within the countdown's precision
    await hass.async_block_till_done()
    assert (await driver.async_fetch_state()).session_end == first
    left.report(5)  # the timer was shortened on the device
    await hass.async_block_till_done()
    later = (await driver.async_fetch_state()).session_end
    assert later is not None
    assert later < first - timedelta(minutes=15)
    await driver.async_stop_listening()


async def test_stopped_by_hand_switches_heat_off(hass: HomeAssistant) -> None:
    """A relay retrofit stopped at its own switch leaves no heater on."""
    heater = FakeSwitch("heater")
    await async_add_entities(hass, FakeSwitch("motor"), heater)
    driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.motor", "delay": 0},
                "heat": {"means": "switch", "entity_id": "switch.heater"},
            }
        ),
    )
    listening = asyncio.create_task(driver.async_listen(lambda _state: None))
    await hass.async_block_till_done()
    await driver.async_apply(StateUpdate(on=True, heat=1))
    assert heater.is_on
    await hass.services.async_call(
        "switch",
        "turn_off",
        {"entity_id": "switch.motor"},
        blocking=True,
        context=Context(),  # not the driver's: stopped by hand
    )
    await hass.async_block_till_done()
    assert not heater.is_on
    await driver.async_stop_listening()
    await listening


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (mapping({"power": "switch.plug"}), "mapping"),
        (
            mapping(
                {"power": {"means": "commands", "on": "button.on", "off": "button.off"}}
            ),
            "mapping",
        ),
        (
            mapping(
                {
                    "power": {"means": "toggle", "entity_id": "switch.x"},
                    "heat": {
                        "means": "number",
                        "entity_id": "number.t",
                        "values": [45, 40],
                    },
                }
            ),
            "ascending",
        ),
        (
            mapping(
                {
                    "power": {"means": "toggle", "entity_id": "switch.x"},
                    "mode": {
                        "means": "cycle",
                        "next": {"entity_id": "button.mode"},
                        "modes": ["a", "b"],
                        "resets_to": "c",
                    },
                }
            ),
            "resets_to",
        ),
    ],
)
def test_schema_says_what_is_wrong(data: dict[str, Any], problem: str) -> None:
    """Roles and presses must be mappings; heat values ascend; resets are known."""
    with pytest.raises(vol.Invalid, match=problem):
        ENTITIES_SCHEMA(data)


async def test_nothing_is_known_before_connecting(hass: HomeAssistant) -> None:
    """Before connecting there is no state and nothing assumed."""
    driver = EntitiesDriver(
        hass,
        mapping({"power": {"means": "toggle", "entity_id": "switch.x"}}),
        device_id="x",
        name="X",
    )
    assert driver.assumed_roles == frozenset()
    assert driver.via_device_id is None
    with pytest.raises(DeviceUnavailableError):
        await driver.async_fetch_state()


async def test_readings_that_say_nothing_keep_what_is_known(
    hass: HomeAssistant,
) -> None:
    """Unknown or foreign values keep the last known; a time left may be a time."""
    meter = FakeSensor("watts", None, native_unit_of_measurement="W")
    ends = FakeSensor("ends", None, device_class="timestamp")
    level = FakeSelect("level", ["1", "2", "3"], "2")
    heat = FakeSelect("heat", ["warm", "hot"], "warm")
    heater = FakeNumber("heater", minimum=30, maximum=45, step=5, value=30)
    await async_add_entities(
        hass,
        FakeSwitch("plug", is_on=True),
        meter,
        ends,
        level,
        heat,
        heater,
        FakeSelect("timer", ["15", "30"], "15"),
    )
    driver = await connected(
        hass,
        mapping(
            {
                "power": {
                    "means": "toggle",
                    "entity_id": "switch.plug",
                    "sensor": "sensor.watts",
                },
                "level": {"means": "select", "entity_id": "select.level"},
                "heat": {"means": "select", "entity_id": "select.heat"},
                "timer": {
                    "means": "select",
                    "entity_id": "select.timer",
                    "remaining": "sensor.ends",
                },
            }
        ),
    )
    # Without an off option or a heater switch, the first option is off.
    assert driver.info.capabilities.heat_levels == 1
    state = await driver.async_fetch_state()
    assert (state.on, state.level, state.heat) == (True, 2, 0)
    level.update(current_option="turbo")
    heat.update(current_option="scorching")
    state = await driver.async_fetch_state()
    assert (state.level, state.heat) == (2, 0)
    end = (dt_util.utcnow() + timedelta(minutes=12)).replace(microsecond=0)
    ends.report(end)
    assert (await driver.async_fetch_state()).session_end == end

    number_driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.plug"},
                "heat": {"means": "number", "entity_id": "number.heater"},
            }
        ),
    )
    # 30 is off; 35, 40 and 45 are the steps.
    assert number_driver.info.capabilities.heat_levels == 3
    heater.update(native_value=None)
    assert (await number_driver.async_fetch_state()).heat == 0
    heater.update(native_value=41)
    assert (await number_driver.async_fetch_state()).heat == 2
    await driver.async_stop_listening()
    await number_driver.async_stop_listening()


async def test_heat_that_will_not_go_off(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Power goes off even when the heater refuses; the heater's error is raised."""
    heater = FakeSwitch("heater")
    plug = FakeSwitch("plug")
    await async_add_entities(hass, plug, heater)
    driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.plug", "delay": 0},
                "heat": {"means": "switch", "entity_id": "switch.heater"},
            }
        ),
    )
    listening = asyncio.create_task(driver.async_listen(lambda _state: None))
    await hass.async_block_till_done()
    await driver.async_apply(StateUpdate(on=True, heat=1))
    heater.fail_with = failing("relay stuck")
    with pytest.raises(DeviceUnavailableError, match="relay stuck"):
        await driver.async_apply(StateUpdate(on=False))
    assert not plug.is_on

    # Stopped by hand with the heater stuck: said, not raised.
    heater.fail_with = None
    await driver.async_apply(StateUpdate(on=True, heat=1))
    heater.fail_with = failing("relay stuck")
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.plug"}, blocking=True
    )
    await hass.async_block_till_done()
    assert "Could not switch off the heat of Massager: " in caplog.text
    await driver.async_stop_listening()
    await listening


@pytest.mark.parametrize(
    ("options", "names"),
    [
        (["Gentle", "Firm", "Deep"], ("Gentle", "Firm", "Deep")),
        (["1", "2", "3", "4", "5"], None),
    ],
)
async def test_a_level_select_names_its_levels_unless_they_are_numbers(
    hass: HomeAssistant, options: list[str], names: tuple[str, ...] | None
) -> None:
    """A select of words names the levels; a select of numbers does not."""
    await async_add_entities(
        hass, FakeSwitch("power"), FakeSelect("strength", options, options[0])
    )
    driver = await connected(
        hass,
        mapping(
            {
                "power": {"means": "toggle", "entity_id": "switch.power"},
                "level": {"means": "select", "entity_id": "select.strength"},
            }
        ),
    )
    assert driver.info.capabilities.levels == len(options)
    assert driver.info.capabilities.level_names == names

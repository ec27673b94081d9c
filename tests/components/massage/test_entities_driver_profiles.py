"""Tests that each profile pre-fills the mapping its device family's entities give.

The registry entries are shaped as each integration registers them: platform,
translation key, original name and device class, on a device of that integration.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.massage.drivers.entities import ENTITIES_SCHEMA
from custom_components.massage.drivers.entities.profiles import (
    PROFILES,
    async_prefill,
    async_suggest_profiles,
)

from .entities_backend import Source, source


def prefilled(hass: HomeAssistant, profile: str, *devices: Source) -> dict[str, Any]:
    """The mapping a profile proposes, checked by the entry schema."""
    data = async_prefill(hass, profile, [device.device.id for device in devices])
    assert data["profile"] == profile
    assert data["source_device"] == devices[0].device.id
    ENTITIES_SCHEMA(data)
    roles: dict[str, Any] = data["roles"]
    return roles


async def test_xiaomi_miot_foot_bath(hass: HomeAssistant) -> None:
    """Xiaomi Miot Auto: the service's main switch, its rollers, heat and times."""
    bath = source(hass, "xiaomi_miot", "Foot Bath", "hith.foot_bath.m1z1")
    power = bath.add("switch", "m1z1_foot_bath", translation_key="foot_bath")
    rollers = bath.add(
        "switch", "m1z1_foot_massage", translation_key="foot_bath-foot_massage"
    )
    heating = bath.add(
        "switch",
        "m1z1_constant_temperature_heating",
        translation_key="foot_bath-constant_temperature_heating",
    )
    heat_level = bath.add(
        "select", "m1z1_heat_level", translation_key="foot_bath-heat_level"
    )
    bath.add("select", "m1z1_motor_control", translation_key="foot_bath-motor_control")
    target_time = bath.add(
        "number", "m1z1_target_time", translation_key="foot_bath-target_time"
    )
    bath.add(
        "number",
        "m1z1_target_temperature",
        translation_key="foot_bath-target_temperature",
    )
    left_time = bath.add(
        "sensor", "m1z1_left_time", translation_key="foot_bath-left_time"
    )
    bath.add("sensor", "m1z1_temperature", translation_key="foot_bath-temperature")

    assert prefilled(hass, "xiaomi_miot_foot_bath", bath) == {
        "power": {"means": "toggle", "entity_id": power, "delay": 0},
        "start": {"means": "hold", "entity_id": rollers},
        "heat": {"means": "select", "entity_id": heat_level, "switch": heating},
        "timer": {"means": "number", "entity_id": target_time, "remaining": left_time},
    }
    assert async_suggest_profiles(hass, [bath.device.id])[0] == "xiaomi_miot_foot_bath"


async def test_xiaomi_miot_massager(hass: HomeAssistant) -> None:
    """A massage cushion: main switch, mode, strength, heating and times."""
    cushion = source(hass, "xiaomi_miot", "Massage Cushion", "rotai.massage.m660p")
    power = cushion.add("switch", "m660p_massager", translation_key="massager")
    mode = cushion.add("select", "m660p_mode", translation_key="massager-mode")
    strength = cushion.add(
        "number", "m660p_strength", translation_key="massager-massage_strength"
    )
    heat = cushion.add("switch", "m660p_heating", translation_key="massager-heating")
    timer = cushion.add(
        "number", "m660p_target_time", translation_key="massager-target_time"
    )
    assert prefilled(hass, "xiaomi_miot_massager", cushion) == {
        "power": {"means": "toggle", "entity_id": power, "delay": 0},
        "mode": {"means": "select", "entity_id": mode},
        "level": {"means": "number", "entity_id": strength},
        "heat": {"means": "switch", "entity_id": heat},
        "timer": {"means": "number", "entity_id": timer},
    }
    assert (
        async_suggest_profiles(hass, [cushion.device.id])[0] == "xiaomi_miot_massager"
    )


async def test_tuya_massage_chair(hass: HomeAssistant) -> None:
    """Tuya's amy data points, named by the person in localtuya."""
    chair = source(hass, "localtuya", "Massage Chair", "amy")
    power = chair.add("switch", "chair_switch", name="Switch")
    heat = chair.add("switch", "chair_heating", name="Heating")
    chair.add("switch", "chair_foot_control", name="Foot control")
    speed = chair.add("select", "chair_massage_speed", name="Massage speed")
    chair.add("select", "chair_aircell_speed", name="Airbag massage level")
    manual = chair.add("select", "chair_manual_mode", name="Manual mode")
    chair.add("select", "chair_auto_mode", name="Automatic mode")
    time_set = chair.add("number", "chair_time_set", name="Time settings")
    assert prefilled(hass, "tuya_amy", chair) == {
        "power": {"means": "toggle", "entity_id": power, "delay": 0},
        "level": {"means": "select", "entity_id": speed},
        "mode": {"means": "select", "entity_id": manual},
        "heat": {"means": "switch", "entity_id": heat},
        "timer": {"means": "number", "entity_id": time_set},
    }
    # Both Tuya profiles know localtuya; the chair's fills more.
    assert async_suggest_profiles(hass, [chair.device.id])[:2] == [
        "tuya_amy",
        "tuya_liliao",
    ]


async def test_tuya_physiotherapy_product(hass: HomeAssistant) -> None:
    """Tuya's liliao data points: the countdown is both the timer and what is left."""
    device = source(hass, "tuya_local", "Physio", "liliao")
    power = device.add("switch", "physio_switch", name="Switch")
    mode = device.add("select", "physio_mode", name="Working mode")
    level = device.add("select", "physio_level", name="Level")
    temp = device.add("number", "physio_temp_set", name="Target temperature")
    countdown = device.add("number", "physio_countdown", name="Countdown")
    device.add("select", "physio_temp_unit_convert", name="Temperature unit conversion")
    assert prefilled(hass, "tuya_liliao", device) == {
        "power": {"means": "toggle", "entity_id": power, "delay": 0},
        "level": {"means": "select", "entity_id": level},
        "mode": {"means": "select", "entity_id": mode},
        "heat": {"means": "number", "entity_id": temp, "values": [38, 42, 45]},
        "timer": {"means": "number", "entity_id": countdown, "remaining": countdown},
    }
    assert async_suggest_profiles(hass, [device.device.id])[0] == "tuya_liliao"


async def test_esphome_relay_retrofit(hass: HomeAssistant) -> None:
    """Relays named by the builder; the pump has no role."""
    board = source(hass, "esphome", "Foot Massager", "esp32dev")
    heater = board.add("switch", "foot_massager_heater", name="Heater")
    motor = board.add("switch", "foot_massager_motor", name="Motor")
    board.add("switch", "foot_massager_pump", name="Pump")
    programme = board.add("select", "foot_massager_programme", name="Programme")
    assert prefilled(hass, "esphome_relays", board) == {
        "power": {"means": "toggle", "entity_id": motor, "delay": 0},
        "mode": {"means": "select", "entity_id": programme},
        "heat": {"means": "switch", "entity_id": heater},
    }


@pytest.mark.parametrize("pusher_kind", ["switchbot", "fingerbot", "button"])
async def test_plug_with_a_button_pusher(hass: HomeAssistant, pusher_kind: str) -> None:
    """A plug's switch and power reading, and a pusher from another device."""
    plug = source(hass, "shelly", "Massager Plug", "Plug S")
    outlet = plug.add("switch", "massager_plug", device_class="outlet")
    watts = plug.add(
        "sensor", "massager_plug_power", name="Power", device_class="power"
    )
    plug.add("sensor", "massager_plug_energy", name="Energy", device_class="energy")
    if pusher_kind == "switchbot":
        pusher = source(hass, "switchbot", "Bot", "WoHand")
        press = pusher.add("switch", "bot", translation_key="bot")
        pusher.add("sensor", "bot_battery", device_class="battery")
        start = {"means": "pulse", "entity_id": press, "pulse": 0}
    elif pusher_kind == "fingerbot":
        pusher = source(hass, "tuya", "Fingerbot Plus", "Fingerbot")
        press = pusher.add("switch", "fingerbot_switch", translation_key="switch")
        start = {"means": "pulse", "entity_id": press, "pulse": 0}
    else:
        pusher = source(hass, "esphome", "Pusher", "esp32dev")
        press = pusher.add("button", "pusher_press", name="Press")
        start = {"means": "press", "press": {"entity_id": press}}
    assert prefilled(hass, "plug_with_pusher", plug, pusher) == {
        "start": start,
        "power": {"means": "toggle", "entity_id": outlet, "sensor": watts},
    }


async def test_a_profile_proposes_what_it_finds(hass: HomeAssistant) -> None:
    """Missing entities leave their role out; power missing fails the schema."""
    bare = source(hass, "xiaomi_miot", "Foot Bath", "hith.foot_bath.m1z1")
    rollers = bare.add(
        "switch", "m1z1_foot_massage", translation_key="foot_bath-foot_massage"
    )
    data = async_prefill(hass, "xiaomi_miot_foot_bath", [bare.device.id])
    assert data["roles"] == {"start": {"means": "hold", "entity_id": rollers}}
    with pytest.raises(Exception, match="power"):
        ENTITIES_SCHEMA(data)
    # Without its power no profile is suggested but the plug's, which takes any switch.
    assert async_suggest_profiles(hass, [bare.device.id]) == ["plug_with_pusher"]
    # Disabled entities are not proposed.
    er.async_get(hass).async_update_entity(
        rollers, disabled_by=er.RegistryEntryDisabler.USER
    )
    assert async_prefill(hass, "xiaomi_miot_foot_bath", [bare.device.id])["roles"] == {}
    assert async_prefill(hass, "esphome_relays", [])["roles"] == {}


def test_profiles_have_distinct_keys_and_power() -> None:
    """Every profile can find power, and keys name one profile each."""
    assert len({profile.key for profile in PROFILES}) == len(PROFILES)
    assert all("power" in profile.roles for profile in PROFILES)

"""Tests of the named intensity levels: a select on devices that name their levels."""

from __future__ import annotations

from dataclasses import replace

from homeassistant.components.select import ATTR_OPTIONS, SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage.api import Capabilities
from custom_components.massage.select import intensity_options
from emulator import DeviceServer, EmulatedDevice, foot_leg_profile

from .conftest import FOOT_LEG_ID, entry_for, serve, setup_entry, wait_for

INTENSITY = "select.foot_and_leg_massager_intensity"


async def _select(hass: HomeAssistant, option: str) -> None:
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: INTENSITY, "option": option},
        blocking=True,
    )


@pytest.mark.usefixtures("foot_leg_entry")
async def test_named_levels_show_and_set_the_intensity(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """Low, Medium and High from the device, instead of 33 %, 67 % and 100 %."""
    device = foot_leg_server.device
    state = hass.states.get(INTENSITY)
    assert state is not None
    assert state.attributes[ATTR_OPTIONS] == ["low", "medium", "high"]
    assert state.state == ["low", "medium", "high"][device.state.level - 1]

    # Choosing a level starts the massager with it, as the protocol asks.
    await _select(hass, "high")
    assert device.state.on
    assert device.state.level == 3
    await _select(hass, "low")
    assert device.state.level == 1
    assert hass.states.get(INTENSITY).state == "low"  # type: ignore[union-attr]

    # A level set on the device shows at once.
    device.write({"level": 2})
    await wait_for(hass, lambda: hass.states.get(INTENSITY).state == "medium")  # type: ignore[union-attr]


async def test_devices_without_level_names_have_no_intensity_select(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, gun_entry: MockConfigEntry
) -> None:
    gun_selects = er.async_entries_for_config_entry(entity_registry, gun_entry.entry_id)
    assert {
        entity.entity_id for entity in gun_selects if entity.domain == "select"
    } == {
        "select.massage_gun_attachment",
        "select.massage_gun_auto_off_timer_minutes",
    }


async def test_a_1_0_device_has_no_named_levels(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    device = EmulatedDevice(foot_leg_profile(device_id=FOOT_LEG_ID))
    async with serve(hass, device) as server:
        server.protocol = "1.0"
        await setup_entry(hass, entry_for(server))
        assert hass.states.get(INTENSITY) is None
        assert hass.states.get("fan.foot_and_leg_massager") is not None


def _caps(*names: str) -> Capabilities:
    profile = foot_leg_profile()
    return Capabilities(
        levels=len(names),
        strokes_per_minute=None,
        modes=profile.modes,
        heat_levels=2,
        heat_cutoff_minutes=None,
        timer_options=(10,),
        battery=False,
        force_sensor=False,
        attachments=(),
        level_names=names,
    )


@pytest.mark.parametrize(
    ("names", "options"),
    [
        (("Low", "Medium", "High"), ["low", "medium", "high"]),
        (("LOW", "High"), ["low", "high"]),
        (("Gentle", "Medium", "Turbo"), ["Gentle", "medium", "Turbo"]),
        (("Low", "low x", "high"), ["low", "low x", "high"]),
        (("Low", "low", "High"), ["Low", "low", "High"]),
    ],
)
def test_known_names_become_translation_keys(
    names: tuple[str, ...], options: list[str]
) -> None:
    assert intensity_options(_caps(*names)) == options


def test_no_names_no_options() -> None:
    assert intensity_options(replace(_caps("a"), level_names=None)) == []

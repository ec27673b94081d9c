"""Snapshot tests of every entity's registry entry, state and attributes."""

from __future__ import annotations

from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion

from emulator import DeviceServer

from .conftest import entry_for, setup_entry

PLATFORMS_BY_KIND = {
    "gun": [
        Platform.BINARY_SENSOR,
        Platform.EVENT,
        Platform.FAN,
        Platform.SELECT,
        Platform.SENSOR,
    ],
    "foot_leg": [
        Platform.BINARY_SENSOR,
        Platform.EVENT,
        Platform.FAN,
        Platform.SELECT,
        Platform.SENSOR,
        Platform.SWITCH,
    ],
}


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("kind", "platform"),
    [
        (kind, platform)
        for kind, platforms in PLATFORMS_BY_KIND.items()
        for platform in platforms
    ],
)
async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    frozen_time: FrozenDateTimeFactory,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    kind: str,
    platform: Platform,
) -> None:
    """Each platform's entities, for a running device of each kind."""
    server = gun_server if kind == "gun" else foot_leg_server
    server.device.write({"on": True, "level": 2})
    if kind == "foot_leg":
        server.device.write({"mode": "rolling", "heat": 1})
    else:
        server.device.set_force(12.5)
    entry = entry_for(server)
    with patch("custom_components.massage.PLATFORMS", [platform]):
        await setup_entry(hass, entry)
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


@pytest.mark.parametrize(
    ("kind", "name", "model", "firmware"),
    [
        ("gun", "Massage Gun", "Percussion Pro", "1.4.2"),
        ("foot_leg", "Foot and Leg Massager", "Shiatsu Comfort FL-3", "2.1.0"),
    ],
)
async def test_device(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    kind: str,
    name: str,
    model: str,
    firmware: str,
) -> None:
    """The device registry entry carries the device's identity and address."""
    server = gun_server if kind == "gun" else foot_leg_server
    entry = entry_for(server)
    await setup_entry(hass, entry)
    (device,) = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert device.identifiers == {("massage", entry.unique_id)}
    assert device.name == name
    assert device.manufacturer == "Massage Open Hardware"
    assert device.model == model
    assert device.sw_version == firmware
    assert device.configuration_url == server.url

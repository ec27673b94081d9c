"""Alexa, through Home Assistant's own smart home handler, over our entities."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.alexa.config import AbstractConfig
from homeassistant.components.alexa.smart_home import async_handle_message
from homeassistant.core import Context, HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from emulator import DeviceServer

from .conftest import wait_for

EXPOSED = {
    "fan.massage_gun",
    "fan.foot_and_leg_massager",
    "switch.foot_and_leg_massager_heat",
}


class AlexaConfig(AbstractConfig):
    """Alexa as a person links it: the main entities and the heat switch exposed."""

    @property
    @override
    def endpoint(self) -> None:
        """No state reports in tests."""
        return None

    @property
    @override
    def locale(self) -> str:
        """The skill's locale."""
        return "en-US"

    @callback
    @override
    def user_identifier(self) -> str:
        """The linked account."""
        return "person"

    @callback
    @override
    def should_expose(self, entity_id: str) -> bool:
        """Expose what a person would."""
        return entity_id in EXPOSED


def _directive(
    namespace: str, name: str, endpoint: str | None = None
) -> dict[str, Any]:
    directive: dict[str, Any] = {
        "header": {
            "namespace": namespace,
            "name": name,
            "payloadVersion": "3",
            "messageId": "message",
            "correlationToken": "token",
        },
        "payload": {"scope": {"type": "BearerToken", "token": "token"}},
    }
    if endpoint is not None:
        directive["endpoint"] = {
            "endpointId": endpoint,
            "scope": {"type": "BearerToken", "token": "token"},
        }
        directive["payload"] = {}
    return {"directive": directive}


@pytest.fixture
async def alexa(
    hass: HomeAssistant, gun_entry: MockConfigEntry, foot_leg_entry: MockConfigEntry
) -> AlexaConfig:
    """Alexa's configuration, with both massagers set up."""
    config = AlexaConfig(hass)
    await config.async_initialize()
    return config


async def test_discovery(hass: HomeAssistant, alexa: AlexaConfig) -> None:
    """Power, range and mode on each main entity; power on the heat switch.

    Mode is there where a device has programmes to choose from.
    """
    response = await async_handle_message(
        hass, alexa, _directive("Alexa.Discovery", "Discover")
    )
    endpoints = {
        endpoint["endpointId"]: {
            capability["interface"] for capability in endpoint["capabilities"]
        }
        for endpoint in response["event"]["payload"]["endpoints"]
    }
    assert set(endpoints) == {
        "fan#massage_gun",
        "fan#foot_and_leg_massager",
        "switch#foot_and_leg_massager_heat",
    }
    assert {
        "Alexa.PowerController",
        "Alexa.RangeController",
        "Alexa.ModeController",
    } <= endpoints["fan#foot_and_leg_massager"]
    assert {"Alexa.PowerController", "Alexa.RangeController"} <= endpoints[
        "fan#massage_gun"
    ]
    # The gun has no programmes to choose from.
    assert "Alexa.ModeController" not in endpoints["fan#massage_gun"]
    assert "Alexa.PowerController" in endpoints["switch#foot_and_leg_massager_heat"]


async def test_alexa_starts_the_gun(
    hass: HomeAssistant,
    alexa: AlexaConfig,
    gun_server: DeviceServer,
    hass_admin_user: MockUser,
) -> None:
    """Alexa's requests carry the linked person's user, so the gun starts."""
    response = await async_handle_message(
        hass,
        alexa,
        _directive("Alexa.PowerController", "TurnOn", "fan#massage_gun"),
        # As Home Assistant's Alexa endpoint and its cloud link pass it on.
        context=Context(user_id=hass_admin_user.id),
    )
    assert response["event"]["header"]["name"] == "Response"
    await wait_for(hass, lambda: gun_server.device.state.on)


async def test_alexa_heat(
    hass: HomeAssistant,
    alexa: AlexaConfig,
    foot_leg_server: DeviceServer,
    hass_admin_user: MockUser,
) -> None:
    """Alexa switching the heat on warms the foot and leg massager up."""
    await async_handle_message(
        hass,
        alexa,
        _directive(
            "Alexa.PowerController", "TurnOn", "switch#foot_and_leg_massager_heat"
        ),
        context=Context(user_id=hass_admin_user.id),
    )
    await wait_for(hass, lambda: foot_leg_server.device.state.heat == 1)

"""Google Assistant, through Home Assistant's own SYNC and EXECUTE handling."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.google_assistant.const import SOURCE_CLOUD
from homeassistant.components.google_assistant.helpers import AbstractConfig
from homeassistant.components.google_assistant.smart_home import (
    async_handle_message,
)
from homeassistant.core import Context, HomeAssistant, State
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from emulator import DeviceServer

from .conftest import wait_for

AGENT_USER = "agent-user"
EXPOSED = {
    "fan.massage_gun",
    "fan.foot_and_leg_massager",
    "switch.foot_and_leg_massager_heat",
}


class GoogleConfig(AbstractConfig):
    """Google as a person links it: the main entities and the heat switch exposed."""

    @property
    @override
    def enabled(self) -> bool:
        return True

    @property
    @override
    def entity_config(self) -> dict[str, Any]:
        return {}

    @property
    @override
    def secure_devices_pin(self) -> None:
        return None

    @property
    @override
    def should_report_state(self) -> bool:
        return False

    @override
    def get_local_user_id(self, webhook_id: str) -> None:
        return None

    @override
    def get_local_webhook_id(self, agent_user_id: str) -> None:
        return None

    @override
    def get_agent_user_id_from_context(self, context: Context) -> str:
        return AGENT_USER

    @override
    def get_agent_user_id_from_webhook(self, webhook_id: str) -> None:
        return None

    @override
    def should_expose(self, entity_id: str) -> bool:
        return entity_id in EXPOSED

    @override
    def should_2fa(self, state: State) -> bool:
        return False

    @override
    async def async_connect_agent_user(self, agent_user_id: str) -> None:
        """Nothing to remember in tests."""

    @override
    async def async_disconnect_agent_user(self, agent_user_id: str) -> None:
        """Nothing to forget in tests."""

    @override
    def async_get_agent_users(self) -> tuple[str, ...]:
        return (AGENT_USER,)

    @override
    async def async_report_state(
        self, message: dict[str, Any], agent_user_id: str, event_id: str | None = None
    ) -> None:
        """No state reports in tests."""


@pytest.fixture
def google(
    hass: HomeAssistant, gun_entry: MockConfigEntry, foot_leg_entry: MockConfigEntry
) -> GoogleConfig:
    """Google's configuration, with both massagers set up."""
    return GoogleConfig(hass)


async def test_sync(
    hass: HomeAssistant, google: GoogleConfig, hass_admin_user: MockUser
) -> None:
    """OnOff, FanSpeed and Modes on each main entity; OnOff on the heat switch.

    Modes is there where a device has programmes to choose from.
    """
    response = await async_handle_message(
        hass,
        google,
        AGENT_USER,
        hass_admin_user.id,
        {"requestId": "sync", "inputs": [{"intent": "action.devices.SYNC"}]},
        SOURCE_CLOUD,
    )
    devices = {
        device["id"]: set(device["traits"]) for device in response["payload"]["devices"]
    }
    assert set(devices) == EXPOSED
    on_off = "action.devices.traits.OnOff"
    fan_speed = "action.devices.traits.FanSpeed"
    modes = "action.devices.traits.Modes"
    assert {on_off, fan_speed, modes} <= devices["fan.foot_and_leg_massager"]
    assert {on_off, fan_speed} <= devices["fan.massage_gun"]
    # The gun has no programmes to choose from.
    assert modes not in devices["fan.massage_gun"]
    assert on_off in devices["switch.foot_and_leg_massager_heat"]


async def test_google_starts_the_gun(
    hass: HomeAssistant,
    google: GoogleConfig,
    gun_server: DeviceServer,
    hass_admin_user: MockUser,
) -> None:
    """Google's requests carry the linked person's user, so the gun starts."""
    response = await async_handle_message(
        hass,
        google,
        AGENT_USER,
        hass_admin_user.id,
        {
            "requestId": "execute",
            "inputs": [
                {
                    "intent": "action.devices.EXECUTE",
                    "payload": {
                        "commands": [
                            {
                                "devices": [{"id": "fan.massage_gun"}],
                                "execution": [
                                    {
                                        "command": "action.devices.commands.OnOff",
                                        "params": {"on": True},
                                    }
                                ],
                            }
                        ]
                    },
                }
            ],
        },
        SOURCE_CLOUD,
    )
    assert response["payload"]["commands"][0]["status"] == "SUCCESS"
    await wait_for(hass, lambda: gun_server.device.state.on)

"""Tests of what the entities do when people and automations use them."""

from __future__ import annotations

from homeassistant.components.fan import (
    ATTR_PERCENTAGE,
    ATTR_PRESET_MODE,
    SERVICE_SET_PERCENTAGE,
    SERVICE_SET_PRESET_MODE,
)
from homeassistant.components.select import SERVICE_SELECT_OPTION
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.massage.const import CONF_DEFAULT_TIMER, DOMAIN
from emulator import DeviceServer

from .conftest import entry_for, setup_entry, wait_for

GUN = "fan.massage_gun"
FOOT = "fan.foot_and_leg_massager"
HEAT = "switch.foot_and_leg_massager_heat"
HEAT_LEVEL = "select.foot_and_leg_massager_heat_level"
FOOT_TIMER = "select.foot_and_leg_massager_auto_off_timer_minutes"
ATTACHMENT = "select.massage_gun_attachment"


async def _call(
    hass: HomeAssistant,
    domain: str,
    service: str,
    entity_id: str,
    context: Context | None = None,
    **data: object,
) -> None:
    await hass.services.async_call(
        domain,
        service,
        {ATTR_ENTITY_ID: entity_id, **data},
        blocking=True,
        context=context,
    )


@pytest.mark.usefixtures("foot_leg_entry")
async def test_fan_controls_foot_massager(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """On, level as percentage, programme as preset mode, and off."""
    device = foot_leg_server.device
    await _call(
        hass, "fan", SERVICE_TURN_ON, FOOT, percentage=100, preset_mode="rolling"
    )
    assert (device.state.on, device.state.level, device.state.mode) == (
        True,
        3,
        "rolling",
    )
    state = hass.states.get(FOOT)
    assert state.state == "on"
    assert state.attributes[ATTR_PERCENTAGE] == 100
    assert state.attributes[ATTR_PRESET_MODE] == "rolling"

    await _call(hass, "fan", SERVICE_SET_PERCENTAGE, FOOT, percentage=34)
    assert device.state.level == 2
    await _call(hass, "fan", SERVICE_SET_PERCENTAGE, FOOT, percentage=0)
    assert not device.state.on
    assert hass.states.get(FOOT).attributes[ATTR_PERCENTAGE] == 0


@pytest.mark.usefixtures("foot_leg_entry")
async def test_settings_while_off_start_a_session(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """A level, programme or heat chosen while off starts the massage with it."""
    device = foot_leg_server.device
    await _call(hass, "fan", SERVICE_SET_PERCENTAGE, FOOT, percentage=30)
    assert (device.state.on, device.state.level) == (True, 1)
    await _call(hass, "fan", SERVICE_TURN_OFF, FOOT)

    await _call(hass, "fan", SERVICE_SET_PRESET_MODE, FOOT, preset_mode="kneading")
    assert (device.state.on, device.state.mode) == (True, "kneading")
    await _call(hass, "fan", SERVICE_TURN_OFF, FOOT)

    await _call(hass, "switch", SERVICE_TURN_ON, HEAT)
    assert (device.state.on, device.state.heat) == (True, 1)
    assert hass.states.get(HEAT).state == "on"
    await _call(hass, "select", SERVICE_SELECT_OPTION, HEAT_LEVEL, option="high")
    assert device.state.heat == 2
    await _call(hass, "switch", SERVICE_TURN_OFF, HEAT)
    assert (device.state.on, device.state.heat) == (True, 0)
    # Switching off what is already off is done, not an error.
    await _call(hass, "switch", SERVICE_TURN_OFF, HEAT)
    await _call(hass, "fan", SERVICE_TURN_OFF, FOOT)

    await _call(hass, "select", SERVICE_SELECT_OPTION, FOOT_TIMER, option="20")
    assert (device.state.on, device.state.timer) == (False, 20)


@pytest.mark.usefixtures("foot_leg_entry")
async def test_device_refusal_is_a_translated_error(hass: HomeAssistant) -> None:
    """What the device refuses reaches the caller as a clear, translated error."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "select", SERVICE_SELECT_OPTION, HEAT_LEVEL, option="off")
    assert err.value.translation_key == "command_device_off"


async def test_gun_needs_a_person_to_start(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    gun_entry: MockConfigEntry,
    hass_admin_user: MockUser,
) -> None:
    """An automation cannot start a handheld gun; a person can, then anyone adjusts."""
    device = gun_server.device
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "fan", SERVICE_TURN_ON, GUN)
    assert err.value.translation_key == "gun_needs_person"
    with pytest.raises(ServiceValidationError):
        await _call(hass, "fan", SERVICE_SET_PERCENTAGE, GUN, percentage=40)
    assert not device.state.on

    person = Context(user_id=hass_admin_user.id)
    await _call(hass, "fan", SERVICE_TURN_ON, GUN, context=person, percentage=40)
    assert (device.state.on, device.state.level) == (True, 2)
    await _call(hass, "fan", SERVICE_SET_PERCENTAGE, GUN, percentage=100)
    assert device.state.level == 5
    assert hass.states.get("sensor.massage_gun_strokes_per_minute").state == "3200"
    await _call(hass, "fan", SERVICE_TURN_OFF, GUN)
    assert not device.state.on
    assert hass.states.get("sensor.massage_gun_strokes_per_minute").state == "0"


@pytest.mark.parametrize(
    ("service", "data"),
    [
        (SERVICE_TURN_ON, {}),
        (SERVICE_TURN_ON, {ATTR_PERCENTAGE: 60}),
        (SERVICE_SET_PERCENTAGE, {ATTR_PERCENTAGE: 100}),
        ("start_session", {"level": 3, "minutes": 10}),
    ],
)
async def test_automation_cannot_start_a_gun_that_stopped_behind_our_back(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    gun_entry: MockConfigEntry,
    hass_admin_user: MockUser,
    service: str,
    data: dict[str, object],
) -> None:
    """A stale "on" never lets an automation start a gun."""
    device = gun_server.device
    await _call(
        hass, "fan", SERVICE_TURN_ON, GUN, context=Context(user_id=hass_admin_user.id)
    )
    # Switched off on the gun itself, and the push of that never arrives.
    gun_server.faults.silent_websocket = True
    device.press_power()
    assert hass.states.get(GUN).state == "on"

    domain = DOMAIN if service == "start_session" else "fan"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, domain, service, GUN, **data)
    assert err.value.translation_key == "gun_needs_person"
    assert not device.state.on


async def test_gun_attachment_and_battery(
    hass: HomeAssistant, gun_server: DeviceServer, gun_entry: MockConfigEntry
) -> None:
    """The attachment can be set while off; battery and charging follow the device."""
    device = gun_server.device
    await _call(hass, "select", SERVICE_SELECT_OPTION, ATTACHMENT, option="fork")
    assert device.state.attachment == "fork"
    assert hass.states.get(ATTACHMENT).state == "fork"

    device.set_docked(True)
    await wait_for(
        hass,
        lambda: hass.states.get("binary_sensor.massage_gun_charging").state == "on",
    )


async def test_start_session_action(
    hass: HomeAssistant, foot_leg_server: DeviceServer, foot_leg_entry: MockConfigEntry
) -> None:
    """Several settings start together; values the device lacks are refused clearly."""
    device = foot_leg_server.device
    await _call(
        hass,
        DOMAIN,
        "start_session",
        FOOT,
        level=2,
        mode="combined",
        heat=1,
        minutes=15,
    )
    state = device.state
    assert (state.on, state.level, state.mode, state.heat, state.timer) == (
        True,
        2,
        "combined",
        1,
        15,
    )
    for bad, key in (
        ({"level": 9}, "invalid_level"),
        ({"heat": 3}, "invalid_heat"),
        ({"minutes": 7}, "invalid_timer"),
        ({"mode": "tickle"}, "invalid_mode"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, DOMAIN, "start_session", FOOT, **bad)
        assert err.value.translation_key == key


async def test_default_timer_applies_on_start(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """The configured default timer is set whenever Home Assistant starts a session."""
    entry = entry_for(foot_leg_server)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={CONF_DEFAULT_TIMER: "30"})
    await setup_entry(hass, entry)
    await _call(hass, "fan", SERVICE_TURN_ON, FOOT)
    assert foot_leg_server.device.state.timer == 30


@pytest.mark.parametrize(
    ("fault", "value", "error", "key"),
    [
        ("refuse_connections", True, HomeAssistantError, "device_unreachable"),
        ("server_error", 503, ServiceValidationError, "command_busy"),
        ("server_error", 500, ServiceValidationError, "command_rejected"),
        ("malformed_json", True, HomeAssistantError, "invalid_response"),
        ("wrong_types", True, HomeAssistantError, "invalid_response"),
    ],
)
async def test_device_faults_become_translated_errors(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    foot_leg_entry: MockConfigEntry,
    fault: str,
    value: object,
    error: type[Exception],
    key: str,
) -> None:
    """A device that fails a command never looks like it succeeded."""
    setattr(foot_leg_server.faults, fault, value)
    with pytest.raises(error) as err:
        await _call(hass, "fan", SERVICE_TURN_ON, FOOT)
    assert isinstance(err.value, HomeAssistantError)
    assert err.value.translation_key == key


async def test_refused_token_on_command_starts_reauth(
    hass: HomeAssistant, foot_leg_server: DeviceServer, foot_leg_entry: MockConfigEntry
) -> None:
    """A command the device refuses for the token asks the user for a new one."""
    foot_leg_server.token = "changed"
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "fan", SERVICE_TURN_ON, FOOT)
    assert err.value.translation_key == "auth_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress()
    assert SOURCE_REAUTH in {flow["context"]["source"] for flow in flows}

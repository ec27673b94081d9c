"""The integration's own actions, registered once in async_setup."""

from __future__ import annotations

from homeassistant.components.fan import DOMAIN as FAN_DOMAIN
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service

from .api import DeviceKind
from .compat import vol
from .const import DOMAIN
from .errors import translated
from .routines import async_confirm_step, routine_player
from .routines.model import ROLES, Routine, parse_steps

SERVICE_START_SESSION = "start_session"
ATTR_LEVEL = "level"
ATTR_MODE = "mode"
ATTR_HEAT = "heat"
ATTR_MINUTES = "minutes"

SERVICE_START_ROUTINE = "start_routine"
SERVICE_PAUSE_ROUTINE = "pause_routine"
SERVICE_RESUME_ROUTINE = "resume_routine"
SERVICE_SKIP_STEP = "skip_step"
SERVICE_STOP_ROUTINE = "stop_routine"
SERVICE_CONFIRM_STEP = "confirm_step"
ATTR_ROUTINE = "routine"
ATTR_STEPS = "steps"
ATTR_ROLE = "role"
# A routine given as steps in the action itself.
INLINE_ROUTINE = "inline"

START_ROUTINE_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_ROUTINE): cv.string,
        # Checked step by step in the handler, so that an error names the field.
        vol.Optional(ATTR_STEPS): cv.match_all,
        **{vol.Optional(role): cv.string for role in ROLES},
    }
)
SKIP_STEP_SCHEMA = vol.Schema({vol.Optional(ATTR_ROLE): vol.In(ROLES)})
# The context id of the notification tap an automation acts on, when the tap did
# not trigger the automation itself (it waited for the tap).
ATTR_TAP_CONTEXT_ID = "tap_context_id"
CONFIRM_STEP_SCHEMA = vol.Schema({vol.Optional(ATTR_TAP_CONTEXT_ID): cv.string})


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions on the massagers' main entities and of the player."""
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_START_SESSION,
        entity_domain=FAN_DOMAIN,
        schema={
            vol.Optional(ATTR_LEVEL): vol.All(vol.Coerce(int), vol.Range(min=1)),
            vol.Optional(ATTR_MODE): cv.string,
            vol.Optional(ATTR_HEAT): vol.All(vol.Coerce(int), vol.Range(min=0)),
            vol.Optional(ATTR_MINUTES): vol.All(vol.Coerce(int), vol.Range(min=1)),
        },
        func="async_start_session",
    )
    _async_setup_routine_services(hass)


@callback
def _async_setup_routine_services(hass: HomeAssistant) -> None:
    """Register the routine player's actions."""

    async def start_routine(call: ServiceCall) -> None:
        """Start a built-in or declared routine, or one given as steps."""
        player = routine_player(call.hass)
        if ATTR_ROUTINE in call.data and ATTR_STEPS in call.data:
            raise translated(
                ServiceValidationError, translation_key="routine_and_steps"
            )
        routine: Routine | str | None = call.data.get(ATTR_ROUTINE)
        if ATTR_STEPS in call.data:
            routine = Routine(INLINE_ROUTINE, parse_steps(call.data[ATTR_STEPS]))
        devices = {
            DeviceKind(role): call.data[role] for role in ROLES if role in call.data
        }
        await player.async_start(routine, devices)

    async def pause_routine(call: ServiceCall) -> None:
        await routine_player(call.hass).async_pause()

    async def resume_routine(call: ServiceCall) -> None:
        await routine_player(call.hass).async_resume()

    async def skip_step(call: ServiceCall) -> None:
        role = call.data.get(ATTR_ROLE)
        await routine_player(call.hass).async_skip(
            None if role is None else DeviceKind(role)
        )

    async def stop_routine(call: ServiceCall) -> None:
        await routine_player(call.hass).async_stop()

    async def confirm_step(call: ServiceCall) -> None:
        # A confirmation only from a person: signed in, or a tap on a notification.
        await async_confirm_step(
            call.hass, call.context, call.data.get(ATTR_TAP_CONTEXT_ID)
        )

    hass.services.async_register(
        DOMAIN, SERVICE_START_ROUTINE, start_routine, schema=START_ROUTINE_SCHEMA
    )
    for name, handler in (
        (SERVICE_PAUSE_ROUTINE, pause_routine),
        (SERVICE_RESUME_ROUTINE, resume_routine),
        (SERVICE_STOP_ROUTINE, stop_routine),
    ):
        hass.services.async_register(DOMAIN, name, handler, schema=vol.Schema({}))
    hass.services.async_register(
        DOMAIN, SERVICE_SKIP_STEP, skip_step, schema=SKIP_STEP_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_CONFIRM_STEP, confirm_step, schema=CONFIRM_STEP_SCHEMA
    )

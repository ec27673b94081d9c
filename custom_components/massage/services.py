"""The integration's own actions, registered once in async_setup."""

from __future__ import annotations

from homeassistant.components.fan.const import DOMAIN as FAN_DOMAIN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, service
import probatio as vol

from .const import DOMAIN

SERVICE_START_SESSION = "start_session"
ATTR_LEVEL = "level"
ATTR_MODE = "mode"
ATTR_HEAT = "heat"
ATTR_MINUTES = "minutes"


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions on the massagers' main entities."""
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

"""The routine player's options: the confirmation timeout and declared routines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    ObjectSelector,
)
from homeassistant.helpers.translation import async_get_translations

from ..compat import vol
from ..const import DOMAIN
from ..errors import translated
from .library import BUILT_IN_ROUTINES
from .model import parse_routine
from .player import (
    CONF_CONFIRM_TIMEOUT,
    CONF_ROUTINES,
    DEFAULT_CONFIRM_TIMEOUT,
    MAX_CONFIRM_TIMEOUT,
)


class RoutinePlayerOptionsFlow(OptionsFlow):
    """Options of the routine player; a running routine goes on when they change."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the player's single step, named apart from a massager's."""
        return await self.async_step_routines(user_input)

    async def async_step_routines(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and save the options, checking each declared routine."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"error": ""}
        if user_input is not None:
            routines = user_input.get(CONF_ROUTINES) or {}
            try:
                _check_routines(routines)
            except ServiceValidationError as err:
                errors[CONF_ROUTINES] = "invalid_routines"
                placeholders["error"] = await _async_message(self.hass, err)
            else:
                return self.async_create_entry(
                    data={
                        CONF_CONFIRM_TIMEOUT: int(user_input[CONF_CONFIRM_TIMEOUT]),
                        CONF_ROUTINES: routines,
                    }
                )
        options = user_input or self.config_entry.options
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_CONFIRM_TIMEOUT,
                    default=options.get(CONF_CONFIRM_TIMEOUT, DEFAULT_CONFIRM_TIMEOUT),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=1,
                        max=MAX_CONFIRM_TIMEOUT,
                        step=1,
                        unit_of_measurement="min",
                    )
                ),
                vol.Optional(
                    CONF_ROUTINES,
                    description={"suggested_value": options.get(CONF_ROUTINES)},
                ): ObjectSelector(),
            }
        )
        return self.async_show_form(
            step_id="routines",
            data_schema=schema,
            errors=errors,
            description_placeholders=placeholders,
        )


def _check_routines(routines: object) -> None:
    """Check declared routines: ids of their own, steps as an action takes them."""
    if not isinstance(routines, Mapping):
        raise translated(
            ServiceValidationError, translation_key="routines_not_a_mapping"
        )
    for routine_id, steps in routines.items():
        if routine_id in BUILT_IN_ROUTINES:
            raise translated(
                ServiceValidationError,
                translation_key="routine_id_taken",
                routine=str(routine_id),
            )
        parse_routine(routine_id, steps)


async def _async_message(hass: HomeAssistant, err: ServiceValidationError) -> str:
    """Return the error's message in Home Assistant's language, for the form."""
    translations = await async_get_translations(
        hass, hass.config.language, "exceptions", {DOMAIN}
    )
    key = f"component.{DOMAIN}.exceptions.{err.translation_key}.message"
    return translations[key].format(**(err.translation_placeholders or {}))

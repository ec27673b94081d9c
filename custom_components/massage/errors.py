"""Home Assistant errors whose messages come from the integration's translations."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN


def translated[E: HomeAssistantError](
    error_class: type[E], *, translation_key: str, **placeholders: str
) -> E:
    """Make an error of `error_class` with the translated message `translation_key`."""
    return error_class(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders=placeholders or None,
    )

"""Say in Activity why a massager started and stopped, in Home Assistant's language."""

from __future__ import annotations

from collections.abc import Callable
import math
from typing import Any, Final

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.components.logbook.models import LazyEventPartialState
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID, ATTR_NAME
from homeassistant.core import HomeAssistant, callback, valid_entity_id
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.translation import async_get_cached_translations

from .api import MAX_TEXT_LENGTH, clean_text
from .const import DOMAIN
from .sessions import EVENT_SESSION_ENDED, EVENT_SESSION_STARTED, EndReason, StartedBy

type Describe = Callable[[LazyEventPartialState], dict[str, Any]]

_PHRASES: Final = f"component.{DOMAIN}.common."
# Caps end every session within an hour; a day is beyond any.
LONGEST_SESSION_MINUTES: Final = 24 * 60


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Describe], None],
) -> None:
    """Describe the start and the end of every massager's sessions."""

    @callback
    def say(key: str, **placeholders: object) -> str:
        """Return a phrase in Home Assistant's language, else in English."""
        for language in (hass.config.language, "en"):
            phrases = async_get_cached_translations(hass, language, "common", DOMAIN)
            if (phrase := phrases.get(f"{_PHRASES}{key}")) is not None:
                return phrase.format(**placeholders)
        return key  # the integration's translations were never loaded

    @callback
    def duration(minutes: object) -> str:
        """Return a session's length in whole minutes, or that it was under one.

        Anyone may fire the event: a length that no session can have is unknown.
        """
        if (
            not isinstance(minutes, int | float)
            or isinstance(minutes, bool)
            or not 0 <= minutes <= LONGEST_SESSION_MINUTES
        ):
            return say("logbook_unknown_duration")
        if minutes < 1:
            return say("logbook_under_a_minute")
        return say("logbook_minutes", minutes=math.floor(minutes + 0.5))

    @callback
    def describe(event: LazyEventPartialState) -> dict[str, Any]:
        data = event.data
        if event.event_type == EVENT_SESSION_STARTED:
            routine = data.get("started_by") == StartedBy.ROUTINE
            message = say("logbook_started_routine" if routine else "logbook_started")
        else:
            reason = data.get("reason")
            known = isinstance(reason, str) and reason in EndReason
            message = say(
                f"logbook_ended_{reason}" if known else "logbook_ended",
                duration=duration(data.get("minutes")),
            )
        # The device's name now, as Activity names its entities; else as it was.
        name = data.get(ATTR_NAME)
        name = clean_text(name, MAX_TEXT_LENGTH) if isinstance(name, str) else ""
        if device := dr.async_get(hass).async_get(str(data.get(ATTR_DEVICE_ID))):
            name = device.name_by_user or device.name or name
        entity_id = data.get(ATTR_ENTITY_ID)
        return {
            LOGBOOK_ENTRY_NAME: name or DOMAIN,
            LOGBOOK_ENTRY_MESSAGE: message,
            LOGBOOK_ENTRY_ENTITY_ID: (
                entity_id
                if isinstance(entity_id, str) and valid_entity_id(entity_id)
                else None
            ),
        }

    async_describe_event(DOMAIN, EVENT_SESSION_STARTED, describe)
    async_describe_event(DOMAIN, EVENT_SESSION_ENDED, describe)

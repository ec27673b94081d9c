"""Helpers for the voice tests: a satellite, and speaking to Assist through it."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry


@dataclass(frozen=True, slots=True)
class Satellite:
    """A voice satellite in the registries, as Assist's pipeline names it."""

    device_id: str
    entity_id: str


def add_satellite(hass: HomeAssistant) -> Satellite:
    """Add a satellite device and its entity; the requests it sends carry no user."""
    entry = MockConfigEntry(domain="test")
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={("test", "satellite")}
    )
    entity = er.async_get(hass).async_get_or_create(
        "assist_satellite", "test", "satellite", device_id=device.id
    )
    return Satellite(device.id, entity.entity_id)


async def say(
    hass: HomeAssistant, text: str, language: str, satellite: Satellite
) -> conversation.ConversationResult:
    """Speak to Assist through a satellite: a fresh context, no user."""
    return await conversation.async_converse(
        hass,
        text,
        None,
        Context(),
        language=language,
        device_id=satellite.device_id,
        satellite_id=satellite.entity_id,
    )


def speech(result: conversation.ConversationResult) -> str:
    """What Assist says."""
    return str(result.response.speech["plain"]["speech"])

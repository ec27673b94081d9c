"""Helpers for the voice tests: a satellite, speaking to Assist, the LLM tools."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, llm
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


def massage_tools(api: llm.APIInstance) -> dict[str, llm.Tool]:
    """Return the integration's tools of an API instance, by name."""
    return {tool.name: tool for tool in api.tools if tool.name.startswith("massage__")}


def tool_answer(result: Any) -> dict[str, Any]:
    """Return what a tool answered."""
    result_type = getattr(llm, "ToolResult", None)
    if result_type is None:  # Home Assistant 2026.9 returns the answer itself
        return dict(result)
    assert isinstance(result, result_type)
    return dict(result.data)

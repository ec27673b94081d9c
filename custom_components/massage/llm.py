"""LLM tools: the voice intents, for conversation agents that use the Assist API."""

from __future__ import annotations

from homeassistant.components.homeassistant.exposed_entities import (
    async_should_expose,
)
from homeassistant.components.llm import LLMTools
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import intent, llm
from homeassistant.helpers.llm import LLM_API_ASSIST, IntentTool, LLMContext, Tool

from .const import DOMAIN
from .intents import MassageIntentHandler, main_entities
from .routines import loaded_routine_player

# Tools have a title, an integration and annotations since Home Assistant 2026.10;
# 2026.9 knows a tool by its name and description only.
DESCRIBED_TOOLS = hasattr(llm, "ToolAnnotations")

PROMPT = (
    "Massagers (massage guns, foot and leg massagers) are fans in Home Assistant; "
    "use the massage__ tools to start, set, stop or ask about them, never "
    "HassTurnOn. A massage gun starts only when the person asks for it. Guided "
    "routines run with the massage__MassageRoutine tools; a routine's gun step "
    "waits until the person says they are ready."
)
ROUTINES_PROMPT = "Massage routines on offer: {routines}."


@callback
def async_get_tools(
    hass: HomeAssistant, llm_context: LLMContext, api_id: str
) -> LLMTools | None:
    """Return the voice intents as tools when a massager is exposed to the agent."""
    if api_id != LLM_API_ASSIST:
        return None
    if not any(
        async_should_expose(hass, llm_context.assistant, entry.entity_id)
        for _, entry in main_entities(hass)
    ):
        return None
    tools: list[Tool] = [
        _intent_tool(handler)
        for handler in intent.async_get(hass)
        if isinstance(handler, MassageIntentHandler)
    ]
    prompt = PROMPT
    if (player := loaded_routine_player(hass)) is not None:
        prompt += " " + ROUTINES_PROMPT.format(routines=", ".join(player.routines))
    return LLMTools(tools=tools, prompt=prompt)


def _intent_tool(handler: MassageIntentHandler) -> Tool:
    """Return one voice intent as a tool, described as far as the release allows."""
    name = f"{DOMAIN}__{handler.intent_type}"
    if not DESCRIBED_TOOLS:  # pragma: no cover - Home Assistant 2026.9 only
        return IntentTool(name, handler)
    return IntentTool(
        name,
        handler,
        title=handler.voice.title,
        integration=DOMAIN,
        # Every tool acts on the person's own massagers and reaches nothing outside.
        annotations=llm.ToolAnnotations(
            read_only=handler.voice.read_only, open_world=False
        ),
    )

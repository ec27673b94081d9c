"""The voice intents as an LLM agent calls them: tools of the Assist API."""

from __future__ import annotations

from typing import Any

from homeassistant.components.homeassistant.exposed_entities import (
    async_expose_entity,
)
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
from homeassistant.setup import async_setup_component
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.massage.intents import INTENTS
from custom_components.massage.llm import async_get_tools
from emulator import DeviceServer

from .conftest import wait_for
from .voice_helpers import massage_tools, tool_answer

VOICE_DEVICE = "voice-device"


@pytest.fixture
async def llm_ready(
    hass: HomeAssistant, gun_entry: MockConfigEntry, foot_leg_entry: MockConfigEntry
) -> None:
    """The LLM integration and exposure settings, with both massagers set up."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "llm", {})
    await hass.async_block_till_done()


async def _api(
    hass: HomeAssistant,
    *,
    device_id: str | None = VOICE_DEVICE,
    language: str = "en",
) -> llm.APIInstance:
    """The Assist API as an agent answering a voice device without a user sees it."""
    return await llm.async_get_api(
        hass,
        llm.LLM_API_ASSIST,
        llm.LLMContext(
            platform="test_agent",
            context=Context(),
            language=language,
            assistant="conversation",
            device_id=device_id,
        ),
    )


async def _call(api: llm.APIInstance, tool: str, **args: Any) -> dict[str, Any]:
    result = await api.async_call_tool(
        llm.ToolInput(tool_name=f"massage__{tool}", tool_args=args)
    )
    return tool_answer(result)


def _speech(data: dict[str, Any]) -> str:
    return str(data["speech"]["plain"]["speech"])


@pytest.mark.usefixtures("llm_ready")
async def test_tools_describe_themselves(hass: HomeAssistant) -> None:
    """Every intent is a tool with a description and OpenAPI parameters."""
    api = await _api(hass)
    tools = massage_tools(api)
    assert set(tools) == {f"massage__{voice.intent_type}" for voice in INTENTS}
    for voice in INTENTS:
        tool = tools[f"massage__{voice.intent_type}"]
        assert tool.description == voice.description
        schema = probatio.to_openapi(
            tool.parameters, custom_serializer=api.custom_serializer
        )
        if voice.names_massager:
            assert "name" in schema["properties"]
        assert "preferred_area_id" not in schema.get("properties", {})

    def properties(tool: str) -> set[str]:
        schema = probatio.to_openapi(
            tools[f"massage__{tool}"].parameters,
            custom_serializer=api.custom_serializer,
        )
        return set(schema.get("properties", {}))

    assert properties("MassageStart") == {"name", "level", "mode", "heat", "minutes"}
    assert properties("MassageRoutineStart") == {"routine", "name", "other_name"}
    for tool in (
        "MassageRoutinePause",
        "MassageRoutineResume",
        "MassageRoutineSkip",
        "MassageRoutineStop",
        "MassageRoutineConfirm",
        "MassageRoutineStatus",
    ):
        assert properties(tool) == set(), tool
    assert "massage__" in api.api_prompt


@pytest.mark.skipif(
    (MAJOR_VERSION, MINOR_VERSION) < (2026, 10),
    reason="Home Assistant 2026.9 tools have no title, integration or annotations",
)
@pytest.mark.usefixtures("llm_ready")
async def test_tools_carry_titles_and_annotations(hass: HomeAssistant) -> None:
    """Each tool has its intent's title, names the integration, and stays at home."""
    tools = massage_tools(await _api(hass))
    for voice in INTENTS:
        tool = tools[f"massage__{voice.intent_type}"]
        assert tool.title == voice.title
        assert tool.integration == "massage"
        assert tool.annotations.read_only is voice.read_only
        assert not tool.annotations.open_world


@pytest.mark.usefixtures("llm_ready")
async def test_agent_starts_sets_asks_and_stops(
    hass: HomeAssistant, gun_server: DeviceServer, foot_leg_server: DeviceServer
) -> None:
    """Tool calls act as the sentences do, and answer in words."""
    gun, foot = gun_server.device, foot_leg_server.device
    api = await _api(hass)

    data = await _call(
        api,
        "MassageStart",
        name="Foot and Leg Massager",
        mode="rolling",
        heat="on",
        minutes=15,
    )
    assert data["response_type"] == "action_done"
    assert data["data"]["success"] == [
        {
            "name": "Foot and Leg Massager",
            "type": "entity",
            "id": "fan.foot_and_leg_massager",
        }
    ]
    assert _speech(data) == (
        "Started Foot and Leg Massager: level 1, rolling, heat low, 15-minute timer."
    )
    assert foot.state.on
    assert foot.state.heat == 1
    assert foot.state.timer == 15

    # A gun starts, at a level, for a voice device without a user.
    data = await _call(api, "MassageStart", name="gun", level=2)
    assert _speech(data) == "Started Massage Gun: level 2, 5-minute timer."
    assert gun.state.on

    data = await _call(api, "MassageSetHeat", name="foot massager", heat="high")
    assert _speech(data) == "Heat of Foot and Leg Massager: high."
    assert foot.state.heat == 2

    data = await _call(api, "MassageSetLevel", name="Massage Gun", level=4)
    assert _speech(data) == "Massage Gun is at level 4 of 5."
    await wait_for(hass, lambda: gun.state.level == 4)

    data = await _call(api, "MassageBattery", name="Massage Gun")
    assert data["response_type"] == "query_answer"
    assert _speech(data) == "Massage Gun battery is at 100 %."

    data = await _call(api, "MassageTimeLeft")
    assert _speech(data) == (
        "Massage Gun stops in 5 minutes. Foot and Leg Massager stops in 15 minutes."
    )

    data = await _call(api, "MassageStopAll")
    assert _speech(data) == "Stopped Massage Gun and Foot and Leg Massager."
    assert not gun.state.on
    assert not foot.state.on


@pytest.mark.usefixtures("llm_ready")
@pytest.mark.parametrize(
    ("language", "args", "answer"),
    [
        (
            "en",
            {"name": "Foot and Leg Massager", "mode": "sauna"},
            (
                "Foot and Leg Massager has no programme called sauna. It has kneading, "
                "rolling, air compression and combined."
            ),
        ),
        (
            "es",
            {"name": "Foot and Leg Massager", "mode": "sauna"},
            (
                "Foot and Leg Massager no tiene el programa sauna. Tiene amasado, "
                "rodillos, compresión de aire y combinado."
            ),
        ),
        (
            "en",
            {"name": "Massage Gun", "mode": "rolling"},
            "Massage Gun has no programmes.",
        ),
        (
            "en",
            {"name": "toaster", "mode": "rolling"},
            ("I don't know a massager called toaster."),
        ),
    ],
)
async def test_agent_refusals_in_words(
    hass: HomeAssistant,
    foot_leg_server: DeviceServer,
    language: str,
    args: dict[str, Any],
    answer: str,
) -> None:
    """An unknown programme or massager is refused in the person's language."""
    api = await _api(hass, language=language)
    data = await _call(api, "MassageSetMode", **args)
    assert data["response_type"] == "error"
    assert data["data"]["code"] == "failed_to_handle"
    assert _speech(data) == answer
    assert not foot_leg_server.device.state.on


@pytest.mark.usefixtures("llm_ready")
async def test_agent_for_an_automation_cannot_start_the_gun(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """An agent run by an automation (no user, no voice device) is refused in words."""
    api = await _api(hass, device_id=None)
    data = await _call(api, "MassageStart", name="Massage Gun")
    assert data["response_type"] == "error"
    assert _speech(data).startswith("Massage Gun only starts when you ask for it")
    assert not gun_server.device.state.on


@pytest.mark.usefixtures("llm_ready")
async def test_no_tools_without_an_exposed_massager(hass: HomeAssistant) -> None:
    """Massagers hidden from the assistant bring no tools."""
    for entity_id in ("fan.massage_gun", "fan.foot_and_leg_massager"):
        async_expose_entity(hass, "conversation", entity_id, should_expose=False)
    api = await _api(hass)
    assert not massage_tools(api)
    assert (await _api(hass)).api.id == llm.LLM_API_ASSIST


@pytest.mark.usefixtures("llm_ready")
@pytest.mark.parametrize(
    ("tool", "args", "answer"),
    [
        (
            "MassageStart",
            {"name": "Massage Gun", "mode": "kneading"},
            "Massage Gun has no programmes.",
        ),
        (
            "MassageSetHeat",
            {"name": "foot_leg", "heat": "medium"},
            "Foot and Leg Massager has no heat medium. It has off, low and high.",
        ),
        (
            "MassageSetHeat",
            {"name": "foot_leg", "heat": 3},
            "Foot and Leg Massager has no heat 3. It has off, low and high.",
        ),
    ],
)
async def test_agent_setting_refusals(
    hass: HomeAssistant,
    gun_server: DeviceServer,
    foot_leg_server: DeviceServer,
    tool: str,
    args: dict[str, Any],
    answer: str,
) -> None:
    """Settings a device does not have are refused in words; nothing starts."""
    data = await _call(await _api(hass), tool, **args)
    assert _speech(data) == answer
    assert not gun_server.device.state.on
    assert not foot_leg_server.device.state.on


@pytest.mark.usefixtures("llm_ready")
async def test_agent_heat_step_by_number(
    hass: HomeAssistant, foot_leg_server: DeviceServer
) -> None:
    """A heat step given as a number is that step."""
    data = await _call(await _api(hass), "MassageSetHeat", heat=2)
    assert _speech(data) == "Heat of Foot and Leg Massager: high."
    assert foot_leg_server.device.state.heat == 2


@pytest.mark.usefixtures("llm_ready")
async def test_hidden_massager_is_not_found(
    hass: HomeAssistant, gun_server: DeviceServer
) -> None:
    """A massager not exposed to the assistant is not one it knows."""
    async_expose_entity(hass, "conversation", "fan.massage_gun", should_expose=False)
    data = await _call(await _api(hass), "MassageStart", name="Massage Gun")
    assert _speech(data) == "I don't know a massager called Massage Gun."
    assert not gun_server.device.state.on


@pytest.mark.usefixtures("llm_ready")
async def test_tools_only_for_assist(hass: HomeAssistant) -> None:
    """Another LLM API gets no massage tools."""
    context = llm.LLMContext(
        platform="test_agent",
        context=Context(),
        language="en",
        assistant="conversation",
        device_id=None,
    )
    assert async_get_tools(hass, context, "another_api") is None

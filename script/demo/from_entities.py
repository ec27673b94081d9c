"""
The demo's third massager: built from entities, as a real one on a smart plug is.

Home Assistant's own input helpers stand in for the plug and the massager: an
input boolean for the plug's switch, an input number for its power reading, and
input selects for the programme and the intensity. The demo creates them through
Home Assistant's WebSocket API, as the helpers page does, and then adds the
massager through the config flow's "build a massager from existing entities"
path, as a person does. Change a helper, and the massager follows:

- the plug on or off switches the massager;
- a power reading above 5 W says that the motor runs, so a massager started by
  hand shows on; at 0 W it shows off 10 s later, as when it stopped by itself;
- the programme and intensity selects are what the massager's buttons would set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .api import DemoError, HomeAssistantApi

DOMAIN = "massage"
NAME = "Plug Massager"
FAN = "fan.plug_massager"
# The key of its entry in the demo's state file, beside the emulated devices' kinds.
STATE_KEY = "from_entities"
MODES = ["kneading", "rolling", "air_compression", "combined"]
LEVELS = ["low", "medium", "high"]


@dataclass(frozen=True, slots=True)
class Helper:
    """An input helper the demo creates, and what it is created with."""

    domain: str
    object_id: str
    settings: dict[str, Any]

    @property
    def entity_id(self) -> str:
        """The entity id Home Assistant gives it: its name, as an id."""
        return f"{self.domain}.{self.object_id}"


PLUG = Helper(
    "input_boolean",
    "massager_plug",
    {"name": "Massager plug", "icon": "mdi:power-socket-eu"},
)
POWER = Helper(
    "input_number",
    "massager_plug_power",
    {
        "name": "Massager plug power",
        "min": 0,
        "max": 60,
        "step": 0.5,
        "unit_of_measurement": "W",
        "mode": "slider",
        "icon": "mdi:flash",
    },
)
PROGRAMME = Helper(
    "input_select",
    "massager_programme",
    {"name": "Massager programme", "options": MODES, "icon": "mdi:playlist-play"},
)
INTENSITY = Helper(
    "input_select",
    "massager_intensity",
    {"name": "Massager intensity", "options": LEVELS, "icon": "mdi:speedometer"},
)
HELPERS = (PLUG, POWER, PROGRAMME, INTENSITY)

# The config flow's answers: the first menu, kind, means of each role, entities.
FLOW_ANSWERS: tuple[dict[str, Any], ...] = (
    {"next_step_id": "entities"},
    {"kind": "foot_leg"},
    {
        "name": NAME,
        "power": "toggle",
        "start": "none",
        "level": "select",
        "mode": "select",
        "heat": "none",
        "timer": "none",
        "battery": "none",
    },
    {
        "power_entity": PLUG.entity_id,
        "power_sensor": POWER.entity_id,
        "level_entity": INTENSITY.entity_id,
        "mode_entity": PROGRAMME.entity_id,
        "timer_options": ["10", "15", "20", "30"],
        "advanced": {"power_delay": 1, "threshold": 5, "settle": 10},
    },
)


async def create_helpers(
    api: HomeAssistantApi, helpers: tuple[Helper, ...] = HELPERS
) -> list[str]:
    """Create the helpers that are missing; return the entity ids created."""
    created = []
    for helper in helpers:
        existing = await api.websocket_command({"type": f"{helper.domain}/list"})
        if any(item["id"] == helper.object_id for item in existing):
            continue
        item = await api.websocket_command(
            {"type": f"{helper.domain}/create", **helper.settings}
        )
        if item["id"] != helper.object_id:
            raise DemoError(
                f"Home Assistant named the helper {helper.domain}.{item['id']}, "
                f"not {helper.entity_id}: another helper has that id"
            )
        created.append(helper.entity_id)
    return created


async def add(api: HomeAssistantApi, known: dict[str, str]) -> tuple[str, bool]:
    """
    Add the massager through the config flow, unless it is there already.

    `known` maps the demo's devices to their entries, and gets this one's too.
    Returns its entry id, and whether it was added now.
    """
    entries = await api.entries(DOMAIN)
    entry_id = known.get(STATE_KEY)
    if entry_id not in entries:
        # The demo may have lost its state file: adopt an entry of that name.
        taken = set(known.values())
        entry_id = next(
            (
                found
                for found, entry in entries.items()
                if entry["title"] == NAME and found not in taken
            ),
            None,
        )
    added = entry_id is None
    if entry_id is None:
        result = await api.run_flow(DOMAIN, *FLOW_ANSWERS)
        if result["type"] != "create_entry":
            raise DemoError(f"Could not build {NAME} from entities: {result}")
        entry_id = str(result["result"]["entry_id"])
    known[STATE_KEY] = entry_id
    return entry_id, added

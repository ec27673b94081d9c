"""Diagnostics for a massage device, with its token redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant

from .data import MassageConfigEntry
from .routines import is_routine_player
from .routines.diagnostics import routine_player_diagnostics

TO_REDACT = {CONF_TOKEN}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MassageConfigEntry
) -> dict[str, Any]:
    """Return what support needs to see of one device."""
    if is_routine_player(entry):  # the routine player's, apart from the massagers'
        return routine_player_diagnostics(entry.runtime_data)
    coordinator = entry.runtime_data.coordinator
    safety = entry.runtime_data.safety
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "info": asdict(coordinator.info),
        "state": asdict(coordinator.data),
        "push_connected": coordinator.push_connected,
        "last_update_success": coordinator.last_update_success,
        "safety": {
            "session_cap_minutes": safety.caps.session.total_seconds() / 60,
            "heat_cap_minutes": safety.caps.heat.total_seconds() / 60,
            "session_deadline": safety.session_deadline,
            "heat_deadline": safety.heat_deadline,
            "cap_overdue": safety.cap_overdue,
        },
        "accepts_commands": coordinator.accepts_commands,
        "impostor": coordinator.impostor,
    }

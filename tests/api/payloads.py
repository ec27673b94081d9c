"""Sample payloads, as the protocol page shows them."""

from __future__ import annotations

import copy
from typing import Any

GUN_INFO: dict[str, Any] = {
    "id": "gun-4f2a91",
    "kind": "gun",
    "name": "Massage Gun",
    "manufacturer": "Massage Open Hardware",
    "model": "Percussion Pro",
    "firmware": "1.4.2",
    "api_version": 1,
    "capabilities": {
        "levels": 5,
        "strokes_per_minute": [1750, 2100, 2450, 2800, 3200],
        "modes": [],
        "heat_levels": 0,
        "heat_cutoff_minutes": None,
        "timer_options": [5, 10, 15],
        "battery": True,
        "force_sensor": True,
        "attachments": ["ball", "flat", "bullet", "fork"],
    },
}

GUN_STATE: dict[str, Any] = {
    "on": True,
    "level": 3,
    "mode": None,
    "heat": 0,
    "timer": 10,
    "session_end": "2026-11-24T07:40:00+00:00",
    "heat_end": None,
    "battery": 84,
    "charging": False,
    "force": 12.5,
    "attachment": "ball",
}

FOOT_INFO: dict[str, Any] = {
    "id": "foot-1a2b3c",
    "kind": "foot_leg",
    "name": "Foot Spa",
    "manufacturer": "Massage Open Hardware",
    "model": "Shiatsu Deluxe",
    "firmware": "2.0.0",
    "api_version": 1,
    "capabilities": {
        "levels": 3,
        "strokes_per_minute": None,
        "modes": ["kneading", "rolling", "air_compression", "combined"],
        "heat_levels": 2,
        "heat_cutoff_minutes": 30,
        "timer_options": [15, 30],
        "battery": False,
        "force_sensor": False,
        "attachments": [],
    },
}

FOOT_STATE: dict[str, Any] = {
    "on": True,
    "level": 2,
    "mode": "rolling",
    "heat": 2,
    "timer": 15,
    "session_end": "2026-11-24T07:45:00+00:00",
    "heat_end": "2026-11-24T08:00:00Z",
    "battery": None,
    "charging": None,
    "force": None,
    "attachment": None,
}


def fresh(payload: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy a test may change."""
    return copy.deepcopy(payload)

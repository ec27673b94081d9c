"""Diagnostics of the routine player: its options and the routine that runs."""

from __future__ import annotations

from typing import Any

from .player import RoutinePlayer


def routine_player_diagnostics(player: RoutinePlayer) -> dict[str, Any]:
    """Return what support needs to see of the player."""
    run = player.run
    diagnostics: dict[str, Any] = {
        "options": dict(player.entry.options),
        "routines": list(player.routines),
        "selected": player.selected,
        "chosen_devices": {
            role.value: device_id for role, device_id in player.chosen.items()
        },
        "run": None,
    }
    if run is not None:
        diagnostics["run"] = {
            "routine": run.routine.id,
            "status": run.status.value,
            "started": run.started.isoformat(),
            "devices": {
                role.value: device.device_id for role, device in run.devices.items()
            },
            "tracks": [
                {
                    "role": track.role.value,
                    "step": track.index + 1,
                    "status": track.status.value,
                    "ends": None if track.ends is None else track.ends.isoformat(),
                }
                for track in run.tracks
            ],
        }
    return diagnostics

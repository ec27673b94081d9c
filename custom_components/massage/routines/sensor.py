"""The routine player's sensors: the current step and when the routine ends."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)

from .engine import RunStatus
from .entity import RoutinePlayerEntity
from .model import PROMPTS
from .player import RoutinePlayer

IDLE: Final = "idle"

ROUTINE_STEP: Final = SensorEntityDescription(
    key="routine_step",
    translation_key="routine_step",
    device_class=SensorDeviceClass.ENUM,
    options=[IDLE, *PROMPTS],
)
ROUTINE_END: Final = SensorEntityDescription(
    key="routine_end",
    translation_key="routine_end",
    device_class=SensorDeviceClass.TIMESTAMP,
)


def routine_player_sensors(player: RoutinePlayer) -> list[SensorEntity]:
    """Make the player's sensors."""
    return [
        RoutineStepSensor(player, ROUTINE_STEP),
        RoutineEndSensor(player, ROUTINE_END),
    ]


class RoutineStepSensor(RoutinePlayerEntity, SensorEntity):
    """The step the person follows: its prompt as the state, the rest as attributes.

    The state and the prompt and body area attributes are keys that the
    frontend shows translated; the event entity carries the prompt's text.
    """

    @property
    @override
    def native_value(self) -> str:
        """The current step's prompt, or idle."""
        if (current := self.player.step) is None:
            return IDLE
        return current[1].prompt

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Where the step works, what it says, and where the routine is."""
        run = self.player.run
        current = self.player.step
        if run is None or current is None:
            return dict.fromkeys(
                ("routine", "step", "steps", "role", "body_area", "prompt", "status")
            )
        index, step = current
        if run.status is not RunStatus.RUNNING:
            status = run.status.value
        elif run.waiting and step.needs_confirmation:
            status = "waiting_for_confirmation"
        else:
            status = "running"
        return {
            "routine": run.routine.id,
            "step": index + 1,
            "steps": len(run.routine.steps),
            "role": step.role.value,
            "body_area": step.body_area,
            "prompt": step.prompt,
            "status": status,
        }


class RoutineEndSensor(RoutinePlayerEntity, SensorEntity):
    """When the running routine ends, as far as can be known."""

    @property
    @override
    def native_value(self) -> datetime | None:
        """The expected end; unknown while nothing runs or while paused."""
        return self.player.ends_at

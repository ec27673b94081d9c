"""The routine player's buttons: start, pause, resume, skip, stop and confirm."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import Context

from .entity import RoutinePlayerEntity
from .player import RoutinePlayer


@dataclass(frozen=True, kw_only=True)
class RoutineButtonEntityDescription(ButtonEntityDescription):
    """What pressing the button asks of the player."""

    # Given the press's context: a confirmation counts only when a person pressed.
    press_fn: Callable[[RoutinePlayer, Context | None], Coroutine[Any, Any, None]]


BUTTONS: Final[tuple[RoutineButtonEntityDescription, ...]] = (
    RoutineButtonEntityDescription(
        key="start_routine",
        translation_key="start_routine",
        press_fn=lambda player, _context: player.async_start(),
    ),
    RoutineButtonEntityDescription(
        key="pause_routine",
        translation_key="pause_routine",
        press_fn=lambda player, _context: player.async_pause(),
    ),
    RoutineButtonEntityDescription(
        key="resume_routine",
        translation_key="resume_routine",
        press_fn=lambda player, _context: player.async_resume(),
    ),
    RoutineButtonEntityDescription(
        key="skip_step",
        translation_key="skip_step",
        press_fn=lambda player, _context: player.async_skip(),
    ),
    RoutineButtonEntityDescription(
        key="stop_routine",
        translation_key="stop_routine",
        press_fn=lambda player, _context: player.async_stop(),
    ),
    RoutineButtonEntityDescription(
        key="confirm_step",
        translation_key="confirm_step",
        press_fn=lambda player, context: player.async_confirm(context),
    ),
)


def routine_player_buttons(player: RoutinePlayer) -> list[ButtonEntity]:
    """Make the player's buttons."""
    return [RoutineButton(player, description) for description in BUTTONS]


class RoutineButton(RoutinePlayerEntity, ButtonEntity):
    """One control of the routine player."""

    entity_description: RoutineButtonEntityDescription
    _follows_player = False

    @override
    async def async_press(self) -> None:
        """Ask the player; a press that does not apply now is a translated error."""
        await self.entity_description.press_fn(self.player, self._context)

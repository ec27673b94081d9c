"""The routine player's select: which routine the start button starts."""

from __future__ import annotations

from typing import Final, override

from homeassistant.components.select import SelectEntity, SelectEntityDescription

from .entity import RoutinePlayerEntity
from .player import RoutinePlayer

ROUTINE_SELECT: Final = SelectEntityDescription(
    key="routine", translation_key="routine"
)


def routine_player_selects(player: RoutinePlayer) -> list[SelectEntity]:
    """Make the player's selects."""
    return [RoutineSelect(player, ROUTINE_SELECT)]


class RoutineSelect(RoutinePlayerEntity, SelectEntity):
    """The built-in and declared routines; the choice is what start starts."""

    @property
    @override
    def options(self) -> list[str]:
        """Every routine on offer."""
        return list(self.player.routines)

    @property
    @override
    def current_option(self) -> str:
        """The chosen routine."""
        return self.player.selected

    @override
    async def async_select_option(self, option: str) -> None:
        """Choose a routine."""
        self.player.select(option)

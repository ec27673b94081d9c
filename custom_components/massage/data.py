"""What a loaded entry holds at run time, and the entry type that carries it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .coordinator import MassageCoordinator
    from .safety import SafetyGuard


@dataclass(slots=True)
class MassageRuntimeData:
    """A loaded entry's device coordinator and its safety guard."""

    coordinator: MassageCoordinator
    safety: SafetyGuard


type MassageConfigEntry = ConfigEntry[MassageRuntimeData]

"""What a loaded entry holds at run time, and the entry type that carries it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .coordinator import MassageCoordinator
    from .safety import SafetyGuard
    from .sessions import SessionTracker


@dataclass(slots=True)
class MassageRuntimeData:
    """A loaded entry's device coordinator, its safety guard and its sessions."""

    coordinator: MassageCoordinator
    safety: SafetyGuard
    sessions: SessionTracker


type MassageConfigEntry = ConfigEntry[MassageRuntimeData]

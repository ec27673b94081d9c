"""Errors of the entities driver that name the entities at fault, for a form.

`reason` is a stable word that a form translates: why an entity cannot serve
its role (``no_options``, ``no_range``, ...), or ``entity_unavailable``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..base import DeviceIncompatibleError, DeviceUnavailableError

UNAVAILABLE = "entity_unavailable"


class EntityUnfitError(DeviceIncompatibleError):
    """An entity that cannot serve its role."""

    def __init__(self, entity_id: str, reason: str, message: str) -> None:
        """Keep the entity and the reason beside the message."""
        super().__init__(message)
        self.entity_ids = (entity_id,)
        self.reason = reason


class EntityUnavailableError(DeviceUnavailableError):
    """Entities that are gone, or do not say (yet) what their role needs.

    Setting up is tried again later. Where the entity is available but lacks
    what its role needs, `reason` says what a form shows, as for an unfit one.
    """

    def __init__(
        self, entity_ids: Sequence[str], message: str, reason: str = UNAVAILABLE
    ) -> None:
        """Keep the entities and the reason beside the message."""
        super().__init__(message)
        self.entity_ids = tuple(entity_ids)
        self.reason = reason

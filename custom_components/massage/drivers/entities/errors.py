"""Errors of the entities driver that name the entity at fault, for a form."""

from __future__ import annotations

from collections.abc import Sequence

from ..base import DeviceIncompatibleError, DeviceUnavailableError


class EntityUnfitError(DeviceIncompatibleError):
    """An entity that cannot serve its role.

    `reason` is a stable word, such as ``no_options``, that a form translates.
    """

    def __init__(self, entity_id: str, reason: str, message: str) -> None:
        """Keep the entity and the reason beside the message."""
        super().__init__(message)
        self.entity_id = entity_id
        self.reason = reason


class EntityUnavailableError(DeviceUnavailableError):
    """Entities that are gone, or do not say (yet) what their role needs."""

    def __init__(self, entity_ids: Sequence[str], message: str) -> None:
        """Keep the entities beside the message."""
        super().__init__(message)
        self.entity_ids = tuple(entity_ids)

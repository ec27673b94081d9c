"""Drivers: the seam between Home Assistant and each kind of massager backend."""

from .base import (
    CommandRejectedError,
    DeviceAuthError,
    DeviceIncompatibleError,
    DeviceUnavailableError,
    DriverError,
    MassageDriver,
    StateUpdate,
)

__all__ = [
    "CommandRejectedError",
    "DeviceAuthError",
    "DeviceIncompatibleError",
    "DeviceUnavailableError",
    "DriverError",
    "MassageDriver",
    "StateUpdate",
]

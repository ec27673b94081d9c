"""Async client for the Massage Local API, free of Home Assistant."""

from .client import API_VERSION, MassageClient
from .errors import (
    MassageAuthenticationError,
    MassageConnectionClosedError,
    MassageConnectionError,
    MassageError,
    MassageInvalidResponseError,
    MassageRequestError,
    MassageTimeoutError,
    MassageUnsupportedError,
)
from .models import Capabilities, DeviceInfo, DeviceKind, DeviceState

__all__ = [
    "API_VERSION",
    "Capabilities",
    "DeviceInfo",
    "DeviceKind",
    "DeviceState",
    "MassageAuthenticationError",
    "MassageClient",
    "MassageConnectionClosedError",
    "MassageConnectionError",
    "MassageError",
    "MassageInvalidResponseError",
    "MassageRequestError",
    "MassageTimeoutError",
    "MassageUnsupportedError",
]

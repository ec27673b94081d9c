"""Async client for the Massage Local API, free of Home Assistant."""

from .client import (
    API_MINOR,
    API_VERSION,
    MAX_BODY_BYTES,
    MAX_MESSAGE_BYTES,
    MassageClient,
)
from .errors import (
    MassageAuthenticationError,
    MassageConnectionClosedError,
    MassageConnectionError,
    MassageDowngradeError,
    MassageError,
    MassageHostNotFoundError,
    MassageInvalidResponseError,
    MassageNotADeviceError,
    MassageRequestError,
    MassageResponseTooLargeError,
    MassageTimeoutError,
    MassageUnsupportedError,
)
from .models import (
    DEVICE_ID_PATTERN,
    MAX_OPTION_LENGTH,
    MAX_TEXT_LENGTH,
    Capabilities,
    DeviceInfo,
    DeviceKind,
    DeviceState,
    clean_text,
    is_device_id,
)

__version__ = "1.1.0"
"""The client library's own version; its minor follows the protocol it speaks."""

__all__ = [
    "API_MINOR",
    "API_VERSION",
    "DEVICE_ID_PATTERN",
    "MAX_BODY_BYTES",
    "MAX_MESSAGE_BYTES",
    "MAX_OPTION_LENGTH",
    "MAX_TEXT_LENGTH",
    "Capabilities",
    "DeviceInfo",
    "DeviceKind",
    "DeviceState",
    "MassageAuthenticationError",
    "MassageClient",
    "MassageConnectionClosedError",
    "MassageConnectionError",
    "MassageDowngradeError",
    "MassageError",
    "MassageHostNotFoundError",
    "MassageInvalidResponseError",
    "MassageNotADeviceError",
    "MassageRequestError",
    "MassageResponseTooLargeError",
    "MassageTimeoutError",
    "MassageUnsupportedError",
    "__version__",
    "clean_text",
    "is_device_id",
]

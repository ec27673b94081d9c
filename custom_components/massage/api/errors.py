"""Exceptions raised by the Massage Local API client."""

from __future__ import annotations


class MassageError(Exception):
    """Base class of every error the Massage client raises."""


class MassageConnectionError(MassageError):
    """The device cannot be reached, or the transport failed."""


class MassageTimeoutError(MassageConnectionError):
    """A request, or the opening of a connection, timed out."""


class MassageConnectionClosedError(MassageConnectionError):
    """The push WebSocket closed, failed, or missed its heartbeat."""


class MassageHostNotFoundError(MassageConnectionError):
    """The device's host name does not resolve to an address."""


class MassageAuthenticationError(MassageError):
    """Authentication failed.

    The device refused the token (401), or it answered without proving that it
    knows the token when it should have.
    """


class MassageDowngradeError(MassageAuthenticationError):
    """The device asked for the token in the clear after Digest was required.

    A device that once proved it speaks version 1.1 does not fall back to a
    bearer token; something else may be answering at its address.
    """


class MassageInvalidResponseError(MassageError):
    """The device answered something the protocol does not allow.

    Malformed JSON, fields of the wrong type, or values outside the ranges the
    capabilities state.
    """


class MassageNotADeviceError(MassageInvalidResponseError):
    """What answered does not speak the Massage Local API at all.

    An answer that is not HTTP, a body that is not JSON, or a status without the
    protocol's error body.
    """


class MassageResponseTooLargeError(MassageInvalidResponseError):
    """An HTTP body or a pushed message is larger than the protocol allows."""


class MassageUnsupportedError(MassageError):
    """The device lacks a capability a write used, or speaks an unknown API version."""


class MassageRequestError(MassageError):
    """The device rejected a request with the protocol's error body."""

    code: str
    status: int
    message: str

    def __init__(self, code: str, status: int, message: str) -> None:
        """Keep the device's error code, HTTP status and message."""
        super().__init__(f"{code} ({status}): {message}")
        self.code = code
        self.status = status
        self.message = message

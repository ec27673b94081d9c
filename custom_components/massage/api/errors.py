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


class MassageAuthenticationError(MassageError):
    """The device answered 401: its token is missing or wrong."""


class MassageInvalidResponseError(MassageError):
    """The device answered something the protocol does not allow.

    Malformed JSON, fields of the wrong type, values outside the ranges the
    capabilities state, or an unexpected status without the protocol's error body.
    """


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

"""Error answers of the Massage Local API: status, code and message."""

from __future__ import annotations

from enum import StrEnum
from http import HTTPStatus
from typing import Any


class ErrorCode(StrEnum):
    """The `error.code` values a device answers with."""

    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    # Not in the protocol's table: the path exists but not with this method.
    METHOD_NOT_ALLOWED = "method_not_allowed"
    DEVICE_OFF = "device_off"
    INVALID_VALUE = "invalid_value"
    UNKNOWN_FIELD = "unknown_field"
    UNSUPPORTED = "unsupported"
    BUSY = "busy"
    INTERNAL = "internal"


STATUS_OF_CODE: dict[ErrorCode, HTTPStatus] = {
    ErrorCode.BAD_REQUEST: HTTPStatus.BAD_REQUEST,
    ErrorCode.UNAUTHORIZED: HTTPStatus.UNAUTHORIZED,
    ErrorCode.NOT_FOUND: HTTPStatus.NOT_FOUND,
    ErrorCode.METHOD_NOT_ALLOWED: HTTPStatus.METHOD_NOT_ALLOWED,
    ErrorCode.DEVICE_OFF: HTTPStatus.CONFLICT,
    ErrorCode.INVALID_VALUE: HTTPStatus.UNPROCESSABLE_CONTENT,
    ErrorCode.UNKNOWN_FIELD: HTTPStatus.UNPROCESSABLE_CONTENT,
    ErrorCode.UNSUPPORTED: HTTPStatus.UNPROCESSABLE_CONTENT,
    ErrorCode.BUSY: HTTPStatus.SERVICE_UNAVAILABLE,
    ErrorCode.INTERNAL: HTTPStatus.INTERNAL_SERVER_ERROR,
}


class ApiError(Exception):
    """A request the device refuses, answered with the protocol's error body."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        status: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Describe the error; `status` defaults to the protocol's one for `code`."""
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = int(STATUS_OF_CODE[code]) if status is None else status
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """Return the JSON body every error answer carries."""
        return {"error": {"code": str(self.code), "message": self.message}}

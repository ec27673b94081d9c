"""The driver for devices that speak the Massage Local API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import override

from yarl import URL

from ..api import (
    DeviceInfo as MassageDeviceInfo,
    DeviceState,
    MassageAuthenticationError,
    MassageClient,
    MassageConnectionError,
    MassageError,
    MassageRequestError,
    MassageUnsupportedError,
)
from ..const import PUSH_HEARTBEAT
from .base import (
    CommandRejectedError,
    DeviceAuthError,
    DeviceIncompatibleError,
    DeviceUnavailableError,
    DriverError,
    MassageDriver,
    StateUpdate,
)


async def _translate_errors[T](call: Callable[[], Awaitable[T]]) -> T:
    """Run a client call and turn its errors into the driver's own."""
    try:
        return await call()
    except MassageAuthenticationError as err:
        raise DeviceAuthError(str(err)) from err
    except MassageConnectionError as err:
        raise DeviceUnavailableError(str(err)) from err
    except MassageUnsupportedError as err:
        raise CommandRejectedError("unsupported", str(err)) from err
    except MassageRequestError as err:
        raise CommandRejectedError(err.code, err.message) from err
    except MassageError as err:
        # Garbled or of the wrong types: this answer is unusable, the next may not be.
        raise DriverError(str(err)) from err


class LocalApiDriver(MassageDriver):
    """Drives one device over HTTP commands and WebSocket push."""

    def __init__(self, client: MassageClient) -> None:
        """Wrap a client that is already pointed at the device."""
        self._client = client
        self._info: MassageDeviceInfo | None = None

    @property
    @override
    def info(self) -> MassageDeviceInfo:
        """Identity and capabilities, known once connected."""
        if self._info is None:
            msg = "async_connect has not succeeded yet"
            raise DriverError(msg)
        return self._info

    @property
    @override
    def configuration_url(self) -> str:
        """The device's own address."""
        # yarl puts an IPv6 address in brackets, as a URL needs it.
        return str(
            URL.build(scheme="http", host=self._client.host, port=self._client.port)
        )

    @override
    async def async_connect(self) -> MassageDeviceInfo:
        """Read the device's identity and capabilities."""
        try:
            self._info = await _translate_errors(self._client.info)
        except CommandRejectedError as err:
            if err.reason != "unsupported":
                raise  # busy or failing, which may pass
            # Asked for nothing but its identity, "unsupported" can only mean an
            # API version we do not speak: no retry will help.
            raise DeviceIncompatibleError(str(err)) from err
        return self._info

    @override
    async def async_fetch_state(self) -> DeviceState:
        """Read the whole state once."""
        return await _translate_errors(self._client.state)

    @override
    async def async_apply(self, update: StateUpdate) -> DeviceState:
        """Send a partial update; the device answers with its new state."""
        changes = update.changes()
        return await _translate_errors(lambda: self._client.update(**changes))

    @override
    async def async_listen(self, on_state: Callable[[DeviceState], None]) -> None:
        """Follow the device's WebSocket until stopped or lost."""
        await _translate_errors(
            lambda: self._client.listen(on_state, heartbeat=PUSH_HEARTBEAT)
        )

    @override
    async def async_stop_listening(self) -> None:
        """Close the WebSocket, which makes `async_listen` return."""
        await self._client.disconnect()

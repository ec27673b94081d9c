"""The driver interface every massager backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ..api import DeviceInfo as MassageDeviceInfo, DeviceState


class DriverError(Exception):
    """A driver could not do what was asked.

    Raised as itself, it means the device answered with something unusable this
    time (garbled, or of the wrong types): asking again may work. The subclasses
    below name the failures that are handled differently.
    """


class DeviceUnavailableError(DriverError):
    """The device cannot be reached."""


class DeviceAuthError(DriverError):
    """The device refused our credentials."""


class DeviceIncompatibleError(DriverError):
    """The device can never work with this integration (an unsupported API version).

    The only driver error that fails an entry for good; a garbled answer is a
    plain DriverError.
    """


class CommandRejectedError(DriverError):
    """The device understood a command and refused it.

    `reason` is a stable, machine-readable word (such as ``device_off``) that
    Home Assistant turns into a translated message.
    """

    def __init__(self, reason: str, message: str) -> None:
        """Keep the reason beside the device's own message."""
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class StateUpdate:
    """A partial change of state; fields left as None stay as they are."""

    on: bool | None = None
    level: int | None = None
    mode: str | None = None
    heat: int | None = None
    timer: int | None = None
    attachment: str | None = None

    def changes(self) -> dict[str, Any]:
        """Return only the fields this update sets."""
        return {key: value for key, value in asdict(self).items() if value is not None}


class MassageDriver(ABC):
    """One backend that drives one massager.

    Entities, the safety guard and the routine engine only ever talk to this
    interface, so a new kind of backend needs no change above it.
    """

    @property
    @abstractmethod
    def info(self) -> MassageDeviceInfo:
        """Identity and capabilities, known once connected."""

    @property
    @abstractmethod
    def configuration_url(self) -> str | None:
        """Where a person can look at the device, if anywhere."""

    @property
    def assumed_state(self) -> bool:
        """Whether some of the state is what was last commanded, not read back."""
        return False

    @property
    def via_device_id(self) -> str | None:
        """The registry id of a device this massager is reached through, if any."""
        return None

    @abstractmethod
    async def async_connect(self) -> MassageDeviceInfo:
        """Reach the device and learn what it is.

        Called again before every (re)connection of the push channel and every
        poll, to check who answers: it must be cheap and repeatable.
        """

    @abstractmethod
    async def async_fetch_state(self) -> DeviceState:
        """Read the whole state once."""

    @abstractmethod
    async def async_apply(self, update: StateUpdate) -> DeviceState:
        """Apply a partial update and return the state that results.

        An empty update changes nothing and returns the device's current state.
        """

    @abstractmethod
    async def async_listen(self, on_state: Callable[[DeviceState], None]) -> None:
        """Call back with every state the device pushes.

        Returns only after `async_stop_listening`; raises DeviceUnavailableError
        when the push channel is lost and DeviceAuthError when it is refused.
        """

    @abstractmethod
    async def async_stop_listening(self) -> None:
        """End a running `async_listen`."""

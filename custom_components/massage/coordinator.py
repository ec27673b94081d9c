"""The per-device coordinator: fed by push, polling only while push is down."""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING, override

from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    DOMAIN,
    LOGGER,
    POLL_INTERVAL,
    PROBE_TIMEOUT,
    RECONNECT_MAX_DELAY,
    RECONNECT_MIN_DELAY,
)
from .data import MassageConfigEntry
from .drivers import (
    CommandRejectedError,
    DeviceAuthError,
    DeviceIncompatibleError,
    DeviceUnavailableError,
    DriverError,
    MassageDriver,
    StateUpdate,
)
from .errors import translated

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .api import DeviceInfo as MassageDeviceInfo, DeviceState


# Device refusals that get their own translated message; others share a generic one.
REJECTION_REASONS = frozenset({"device_off", "invalid_value", "unsupported", "busy"})


def reconnect_delay(attempt: int) -> float:
    """Return how long to wait before reconnect attempt number `attempt` (from 0).

    Exponential from the minimum to the cap, with "full jitter" in the upper half
    so that the delay never collapses to zero.
    """
    ceiling = min(RECONNECT_MAX_DELAY, RECONNECT_MIN_DELAY * 2**attempt)
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not secrets


class MassageCoordinator(DataUpdateCoordinator["DeviceState"]):
    """Keeps one device's state, from its push channel or, while that is down, polls."""

    config_entry: MassageConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: MassageConfigEntry, driver: MassageDriver
    ) -> None:
        """Set up the coordinator; nothing is fetched until the first refresh."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=POLL_INTERVAL,
            always_update=False,
        )
        self.driver = driver
        self.push_connected = False
        self._push_task: asyncio.Task[None] | None = None

    @property
    def info(self) -> MassageDeviceInfo:
        """The device's identity and capabilities."""
        return self.driver.info

    @override
    async def _async_setup(self) -> None:
        """Learn what the device is before the first state is read."""
        try:
            await self.driver.async_connect()
        except DeviceAuthError as err:
            raise translated(
                ConfigEntryAuthFailed, translation_key="auth_failed"
            ) from err
        except DeviceIncompatibleError as err:
            raise translated(
                ConfigEntryError, translation_key="incompatible_device", error=str(err)
            ) from err
        except DriverError as err:
            raise translated(
                UpdateFailed, translation_key="cannot_connect", error=str(err)
            ) from err
        if self.driver.info.id != self.config_entry.unique_id:
            raise translated(
                ConfigEntryError,
                translation_key="wrong_device",
                expected=str(self.config_entry.unique_id),
                found=self.driver.info.id,
            )

    @override
    async def _async_update_data(self) -> DeviceState:
        """Poll the device: used at start and while push is down."""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                return await self.driver.async_fetch_state()
        except DeviceAuthError as err:
            raise translated(
                ConfigEntryAuthFailed, translation_key="auth_failed"
            ) from err
        except DeviceIncompatibleError as err:
            raise translated(
                UpdateFailed,
                translation_key="invalid_response",
                name=self.name,
                error=str(err),
            ) from err
        except (DriverError, TimeoutError) as err:
            raise translated(
                UpdateFailed,
                translation_key="cannot_connect",
                error=str(err) or "timeout",
            ) from err

    def start_push(self) -> None:
        """Start following the device's push channel, for the life of the entry."""
        self._push_task = self.config_entry.async_create_background_task(
            self.hass, self._async_follow_push(), f"{DOMAIN} push {self.info.id}"
        )

    async def _async_follow_push(self) -> None:
        """Keep the push channel up, reconnecting with capped, jittered backoff."""
        attempt = 0
        while True:
            try:
                await self.driver.async_listen(self._async_handle_push)
            except DeviceAuthError:
                self._push_lost()
                self.config_entry.async_start_reauth(self.hass)
                return
            except DriverError as err:
                LOGGER.debug("Push channel of %s lost: %s", self.info.id, err)
            else:
                return  # stopped on purpose
            if self.push_connected:
                attempt = 0
                self._push_lost()
                # Find out at once whether the device itself is gone.
                await self.async_refresh()
            await asyncio.sleep(reconnect_delay(attempt))
            attempt += 1

    def _async_handle_push(self, state: DeviceState) -> None:
        """Take a state the device pushed."""
        if self.push_connected and self.last_update_success and state == self.data:
            return  # the echo of our own write, whose answer is already shown
        if not self.push_connected:
            self.push_connected = True
            self.update_interval = None  # push makes polling pointless
            if not self.last_update_success:
                LOGGER.info("%s is reachable again", self.name)
        self.async_set_updated_data(state)

    def _push_lost(self) -> None:
        """Fall back to polling."""
        self.push_connected = False
        self.update_interval = POLL_INTERVAL
        self.async_update_listeners()

    async def async_apply(self, update: StateUpdate) -> None:
        """Send a change to the device and show its answer at once.

        Raises the driver's errors; for callers inside Home Assistant's machinery.
        """
        state = await self.driver.async_apply(update)
        self.async_set_updated_data(state)

    async def async_command(self, update: StateUpdate) -> None:
        """Send a change a person or an automation asked for.

        Failures become translated Home Assistant errors, never a silent no-op.
        """
        try:
            await self.async_apply(update)
        except DeviceAuthError as err:
            self.config_entry.async_start_reauth(self.hass)
            raise translated(HomeAssistantError, translation_key="auth_failed") from err
        except DeviceUnavailableError as err:
            raise translated(
                HomeAssistantError, translation_key="device_unreachable", name=self.name
            ) from err
        except CommandRejectedError as err:
            key = err.reason if err.reason in REJECTION_REASONS else "rejected"
            raise translated(
                ServiceValidationError,
                translation_key=f"command_{key}",
                name=self.name,
                message=str(err),
            ) from err
        except DriverError as err:
            raise translated(
                HomeAssistantError,
                translation_key="invalid_response",
                name=self.name,
                error=str(err),
            ) from err

    @override
    async def async_shutdown(self) -> None:
        """Stop push and polling; nothing is left running."""
        await super().async_shutdown()
        self.push_connected = False
        await self.driver.async_stop_listening()
        if self._push_task is not None:
            self._push_task.cancel()
            await asyncio.gather(self._push_task, return_exceptions=True)
            self._push_task = None

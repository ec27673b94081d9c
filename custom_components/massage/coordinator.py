"""The per-device coordinator: fed by push, polling only while push is down."""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING, override

from homeassistant.core import callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    DOMAIN,
    LOGGER,
    POLL_INTERVAL,
    PROBE_TIMEOUT,
    PUSH_COALESCE,
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
from .issues import Issue, async_clear_issue, async_raise_issue

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
    """Keeps one device's state, from its push channel or, while that is down, polls.

    It is the one place where the driver's errors become Home Assistant's, and
    it checks who answers at the address each time it connects or polls.
    """

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
        self.accepts_commands = True
        """False once the last stop is sent: nothing may start the device then."""
        self.impostor: str | None = None
        """The id of another device found at the address, while it is there."""
        self.incompatible = False
        """Whether the device answers in an API version we do not speak."""
        self._info: MassageDeviceInfo | None = None
        self._push_task: asyncio.Task[None] | None = None
        # One command at a time, in order, so that the last stop has the last word.
        self._commands = asyncio.Lock()
        # The latest pushed state not shown yet, and the cool-down that coalesces
        # a flood of them into one state write per interval.
        self._pushed: DeviceState | None = None
        self._push_writes = Debouncer(
            hass,
            LOGGER,
            cooldown=PUSH_COALESCE.total_seconds(),
            immediate=True,
            function=self._async_show_pushed,
        )

    @property
    def info(self) -> MassageDeviceInfo:
        """The identity and capabilities of our device, as checked at set-up."""
        return self._info if self._info is not None else self.driver.info

    @override
    async def _async_setup(self) -> None:
        """Learn what the device is, and that it is ours, before its state is read."""
        try:
            self._info = await self._async_identify()
        except DeviceAuthError as err:
            raise translated(
                ConfigEntryAuthFailed, translation_key="auth_failed"
            ) from err
        except DeviceIncompatibleError as err:
            raise translated(
                ConfigEntryError, translation_key="incompatible_device", error=str(err)
            ) from err
        except DriverError as err:
            raise self._update_failed(err) from err
        # Whatever an earlier set-up found, this device is ours and works.
        async_clear_issue(self.hass, self.config_entry, Issue.WRONG_DEVICE)
        async_clear_issue(self.hass, self.config_entry, Issue.INCOMPATIBLE_DEVICE)

    async def _async_identify(self) -> MassageDeviceInfo:
        """Ask who answers at the address; raise UpdateFailed if not our device.

        A device that no longer speaks our API version (its firmware went back,
        say) gets a repair issue, at set-up or later, until it speaks it again.
        """
        try:
            info = await self.driver.async_connect()
        except DeviceIncompatibleError as err:
            if not self.incompatible:
                self.incompatible = True
                async_raise_issue(
                    self.hass,
                    self.config_entry,
                    Issue.INCOMPATIBLE_DEVICE,
                    name=self.name,
                    error=str(err),
                )
            raise
        if self.incompatible:
            self.incompatible = False
            async_clear_issue(self.hass, self.config_entry, Issue.INCOMPATIBLE_DEVICE)
        expected = str(self.config_entry.unique_id)
        if info.id != expected:
            if self.impostor != info.id:
                self.impostor = info.id
                async_raise_issue(
                    self.hass,
                    self.config_entry,
                    Issue.WRONG_DEVICE,
                    name=self.name,
                    expected=expected,
                    found=info.id,
                )
            raise translated(
                UpdateFailed,
                translation_key="wrong_device",
                expected=expected,
                found=info.id,
            )
        if self.impostor is not None:
            self.impostor = None
            async_clear_issue(self.hass, self.config_entry, Issue.WRONG_DEVICE)
        return info

    def _update_failed(self, err: DriverError | TimeoutError) -> UpdateFailed:
        """Return the error that marks the device unavailable for now."""
        if isinstance(err, DeviceIncompatibleError):
            return translated(
                UpdateFailed, translation_key="incompatible_device", error=str(err)
            )
        if isinstance(
            err, DeviceUnavailableError | CommandRejectedError | TimeoutError
        ):
            return translated(
                UpdateFailed,
                translation_key="cannot_connect",
                error=str(err) or "timeout",
            )
        return translated(
            UpdateFailed,
            translation_key="invalid_response",
            name=self.name,
            error=str(err),
        )

    @override
    async def _async_update_data(self) -> DeviceState:
        """Poll the device, once it said who it is: at start and while push is down."""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await self._async_identify()
                return await self.driver.async_fetch_state()
        except DeviceAuthError as err:
            raise translated(
                ConfigEntryAuthFailed, translation_key="auth_failed"
            ) from err
        except (DriverError, TimeoutError) as err:
            raise self._update_failed(err) from err

    def start_push(self) -> None:
        """Start following the device's push channel, for the life of the entry."""
        self._push_task = self.config_entry.async_create_background_task(
            self.hass, self._async_follow_push(), f"{DOMAIN} push {self.info.id}"
        )

    async def _async_follow_push(self) -> None:
        """Keep the push channel up, reconnecting with capped, jittered backoff.

        Each connection starts by asking who answers, so that a device that took
        our device's address is never followed.
        """
        attempt = 0
        while True:
            try:
                await self._async_identify()
                await self.driver.async_listen(self._async_handle_push)
            except DeviceAuthError:
                self._push_lost()
                self.config_entry.async_start_reauth(self.hass)
                return
            except UpdateFailed as err:
                self._push_lost()
                self.async_set_update_error(err)
            except DriverError as err:
                LOGGER.debug("Push channel of %s lost: %s", self.info.id, err)
                if self.push_connected:
                    attempt = 0
                    self._push_lost()
                    # Find out at once whether the device itself is gone.
                    await self.async_refresh()
            else:
                return  # stopped on purpose
            await asyncio.sleep(reconnect_delay(attempt))
            attempt += 1

    @callback
    def _async_handle_push(self, state: DeviceState) -> None:
        """Take a state the device pushed; show it now or at the cool-down's end."""
        if not self.push_connected:
            self.push_connected = True
            self.update_interval = None  # push makes polling pointless
            if not self.last_update_success:
                LOGGER.info("%s is reachable again", self.name)
            # Shown at once, with the news of the connection and no poll pending.
            self._pushed = None
            self.async_set_updated_data(state)
            return
        self._pushed = state
        self._push_writes.async_schedule_call()

    @callback
    def _async_show_pushed(self) -> None:
        """Show the latest pushed state, unless it is what is shown already."""
        state, self._pushed = self._pushed, None
        if state is None or (self.last_update_success and state == self.data):
            return  # such as the echo of our own write, whose answer is shown
        self.async_set_updated_data(state)

    def _push_lost(self) -> None:
        """Fall back to polling."""
        if not self.push_connected:
            return
        self.push_connected = False
        self.update_interval = POLL_INTERVAL
        self.async_update_listeners()

    async def async_apply(self, update: StateUpdate) -> DeviceState:
        """Send a change after any still on its way, and show the device's answer.

        Raises the driver's errors; for callers inside the integration's machinery,
        such as the safety guard.
        """
        async with self._commands:
            return await self._async_send(update)

    async def _async_send(self, update: StateUpdate) -> DeviceState:
        """Send a change while holding the command lock."""
        if self.impostor is not None:
            msg = f"device {self.impostor} answers at the address of {self.name}"
            raise DeviceUnavailableError(msg)
        state = await self.driver.async_apply(update)
        self._pushed = None  # pushed before this answer, so older than it
        self.async_set_updated_data(state)
        return state

    async def async_drain(self) -> None:
        """Wait until the commands on their way have been answered."""
        async with self._commands:
            pass

    async def async_last_stop(self) -> DeviceState:
        """Switch the device off as the last command Home Assistant sends it.

        Commands on their way are answered first and later ones are refused, so
        nothing can start the device after this. The stop is always sent: the
        state last heard may be out of date.
        """
        self.accepts_commands = False
        return await self.async_apply(StateUpdate(on=False))

    async def async_command(
        self, update: StateUpdate, *, may_start: bool = True
    ) -> DeviceState:
        """Send a change a person or an automation asked for; return the answer.

        Failures become translated Home Assistant errors, never a silent no-op.
        With `may_start` False (an automation's command to a handheld gun, which
        never carries "on"), a device that refuses it because it is off is
        reported as needing a person to start it.
        """
        try:
            async with self._commands:
                if not self.accepts_commands:
                    raise translated(
                        HomeAssistantError,
                        translation_key="not_guarded",
                        name=self.name,
                    )
                return await self._async_send(update)
        except DeviceAuthError as err:
            self.config_entry.async_start_reauth(self.hass)
            raise translated(HomeAssistantError, translation_key="auth_failed") from err
        except DeviceUnavailableError as err:
            raise translated(
                HomeAssistantError, translation_key="device_unreachable", name=self.name
            ) from err
        except CommandRejectedError as err:
            if not may_start and err.reason == "device_off":
                raise translated(
                    ServiceValidationError,
                    translation_key="gun_needs_person",
                    name=self.name,
                ) from err
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
        self._push_writes.async_shutdown()
        self.push_connected = False
        self.update_interval = None
        await self.driver.async_stop_listening()
        if self._push_task is not None:
            self._push_task.cancel()
            await asyncio.gather(self._push_task, return_exceptions=True)
            self._push_task = None

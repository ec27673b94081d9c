"""The safety guard: session and heat caps enforced by the integration itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .const import LOGGER, SAFETY_RETRY_INTERVAL
from .drivers import CommandRejectedError, DriverError, StateUpdate

if TYPE_CHECKING:
    from .api import DeviceState
    from .coordinator import MassageCoordinator


@dataclass(frozen=True, slots=True)
class SafetyCaps:
    """How long a session, and heat within it, may run at most."""

    session: timedelta
    heat: timedelta


@dataclass(slots=True)
class _Cap:
    """One cap being watched: how long it allows, what ends it, and its timer."""

    name: str
    limit: timedelta
    stop: StateUpdate
    started: datetime | None = None
    cancel: CALLBACK_TYPE | None = None

    @property
    def deadline(self) -> datetime | None:
        """When the cap ends what it watches, if that runs."""
        return None if self.started is None else self.started + self.limit

    def clear(self) -> None:
        """Forget the start and cancel the timer."""
        if self.cancel is not None:
            self.cancel()
        self.cancel = None
        self.started = None


class SafetyGuard:
    """Ends sessions and heat at their caps, even when the firmware would not.

    The firmware's own timer and heat cut-off are welcome, but never relied on.
    """

    def __init__(
        self, hass: HomeAssistant, coordinator: MassageCoordinator, caps: SafetyCaps
    ) -> None:
        """Watch one device's coordinator."""
        self._hass = hass
        self._coordinator = coordinator
        self.caps = caps
        self._session = _Cap("Session", caps.session, StateUpdate(on=False))
        self._heat = _Cap("Heat", caps.heat, StateUpdate(heat=0))
        self._unsub_coordinator: CALLBACK_TYPE | None = None

    @callback
    def start(self) -> None:
        """Begin watching; a device already running starts being timed now."""
        self._unsub_coordinator = self._coordinator.async_add_listener(self._evaluate)
        self._evaluate()

    @property
    def session_deadline(self) -> datetime | None:
        """When the integration will stop the running session, if one runs."""
        return self._session.deadline

    @property
    def heat_deadline(self) -> datetime | None:
        """When the integration will switch heat off, if heat is on."""
        return self._heat.deadline

    @callback
    def _evaluate(self) -> None:
        """Start, keep or drop each cap's timer to match the latest state."""
        state = self._coordinator.data
        now = dt_util.utcnow()
        if state.on:
            self._watch(self._session, _session_start(state, now))
        else:
            self._session.clear()
        if state.on and state.heat > 0:
            cutoff = self._coordinator.info.capabilities.heat_cutoff_minutes
            self._watch(self._heat, _heat_start(state, cutoff, now))
        else:
            self._heat.clear()

    def _watch(self, cap: _Cap, started: datetime) -> None:
        """Time a cap from `started`, unless it is timed already."""
        if cap.started is not None:
            return
        cap.started = started
        cap.cancel = async_track_point_in_utc_time(
            self._hass, partial(self._async_enforce, cap), started + cap.limit
        )

    async def _async_enforce(self, cap: _Cap, _now: datetime) -> None:
        """End what the cap watches; try again later if the device cannot now."""
        cap.cancel = None
        LOGGER.info("%s cap reached on %s", cap.name, self._coordinator.name)
        try:
            await self._coordinator.async_apply(cap.stop)
        except DriverError as err:
            if isinstance(err, CommandRejectedError) and err.reason == "device_off":
                # It stopped by itself meanwhile; heat never runs without a session.
                return
            LOGGER.warning(
                "Could not enforce a safety cap on %s (%s); retrying in %s",
                self._coordinator.name,
                err,
                SAFETY_RETRY_INTERVAL,
            )
            cap.cancel = async_call_later(
                self._hass, SAFETY_RETRY_INTERVAL, partial(self._async_enforce, cap)
            )

    async def async_shutdown(self) -> None:
        """Stop watching, and leave the device stopped: nobody guards it after this."""
        if self._unsub_coordinator is not None:
            self._unsub_coordinator()
            self._unsub_coordinator = None
        self._session.clear()
        self._heat.clear()
        if not self._coordinator.data.on:
            return
        try:
            await self._coordinator.driver.async_apply(StateUpdate(on=False))
        except DriverError as err:
            LOGGER.warning(
                "Could not stop %s while unloading: %s", self._coordinator.name, err
            )


def _session_start(state: DeviceState, now: datetime) -> datetime:
    """When the running session began: from the device's timer if it says, else now."""
    if state.session_end is None:
        return now
    return min(now, state.session_end - timedelta(minutes=state.timer))


def _heat_start(state: DeviceState, cutoff: int | None, now: datetime) -> datetime:
    """When heat came on: from the firmware's cut-off if it has one, else now."""
    if state.heat_end is None or cutoff is None:
        return now
    return min(now, state.heat_end - timedelta(minutes=cutoff))

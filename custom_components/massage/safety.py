"""The safety guard: session and heat caps enforced by the integration itself."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

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
class _Deadline:
    """One cap being watched: when it started counting and its pending timer."""

    started: datetime | None = None
    cancel: CALLBACK_TYPE | None = None

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
        self._session = _Deadline()
        self._heat = _Deadline()
        self._unsub_coordinator: CALLBACK_TYPE | None = None

    @callback
    def start(self) -> None:
        """Begin watching; a device already running starts being timed now."""
        self._unsub_coordinator = self._coordinator.async_add_listener(self._evaluate)
        self._evaluate()

    @property
    def session_deadline(self) -> datetime | None:
        """When the integration will stop the running session, if one runs."""
        if self._session.started is None:
            return None
        return self._session.started + self.caps.session

    @property
    def heat_deadline(self) -> datetime | None:
        """When the integration will switch heat off, if heat is on."""
        if self._heat.started is None:
            return None
        return self._heat.started + self.caps.heat

    @callback
    def _evaluate(self) -> None:
        """Start, keep or drop each cap's timer to match the latest state."""
        state = self._coordinator.data
        now = dt_util.utcnow()
        if state.on:
            self._watch(self._session, _session_start(state, now), self.caps.session)
        else:
            self._session.clear()
        if state.on and state.heat > 0:
            cutoff = self._coordinator.info.capabilities.heat_cutoff_minutes
            self._watch(self._heat, _heat_start(state, cutoff, now), self.caps.heat)
        else:
            self._heat.clear()

    def _watch(self, deadline: _Deadline, started: datetime, cap: timedelta) -> None:
        if deadline.started is not None:
            return
        deadline.started = started
        if deadline is self._session:
            action = self._async_end_session
        else:
            action = self._async_end_heat
        deadline.cancel = async_track_point_in_utc_time(
            self._hass, action, started + cap
        )

    async def _async_end_session(self, _now: datetime) -> None:
        self._session.cancel = None
        LOGGER.info("Session cap reached on %s; stopping it", self._coordinator.name)
        await self._async_enforce(StateUpdate(on=False), self._async_end_session)

    async def _async_end_heat(self, _now: datetime) -> None:
        self._heat.cancel = None
        LOGGER.info(
            "Heat cap reached on %s; switching heat off", self._coordinator.name
        )
        await self._async_enforce(StateUpdate(heat=0), self._async_end_heat)

    async def _async_enforce(self, update: StateUpdate, retry: _RetryAction) -> None:
        try:
            await self._coordinator.async_apply(update)
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
            target = self._session if update.on is False else self._heat
            target.cancel = async_call_later(self._hass, SAFETY_RETRY_INTERVAL, retry)

    async def async_shutdown(self) -> None:
        """Stop watching, and leave the device stopped: nobody guards it after this."""
        if self._unsub_coordinator is not None:
            self._unsub_coordinator()
            self._unsub_coordinator = None
        self._session.clear()
        self._heat.clear()
        state = self._coordinator.data
        if state is None or not state.on:
            return
        try:
            await self._coordinator.driver.async_apply(StateUpdate(on=False))
        except DriverError as err:
            LOGGER.warning(
                "Could not stop %s while unloading: %s", self._coordinator.name, err
            )


type _RetryAction = Callable[[datetime], Coroutine[Any, Any, None]]


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

"""The safety guard: session and heat caps enforced by the integration itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_point_in_utc_time
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, HANDOVER_GRACE, LOGGER, SAFETY_RETRY_INTERVAL
from .drivers import CommandRejectedError, DriverError, StateUpdate
from .issues import Issue, async_clear_issue, async_raise_issue

if TYPE_CHECKING:
    from .coordinator import MassageCoordinator

# Sessions parked by an entry that unloaded, by device id, for its next set-up.
PARKED_SESSIONS: HassKey[dict[str, SafetyGuard]] = HassKey(f"{DOMAIN}_parked")


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
    """When what the cap watches began, on Home Assistant's clock."""
    device_end: datetime | None = None
    """When the device says it ends it by itself, where that time is usable."""
    timer: CALLBACK_TYPE | None = None
    """The deadline, or after a failed stop, the retry."""
    enforcing: bool = False
    overdue: bool = False
    """Due, and the device has not taken the stop."""
    generation: int = 0
    """Counts the runs the cap has watched, so a late answer knows its own run."""

    @property
    def deadline(self) -> datetime | None:
        """When the cap ends what it watches, if that runs."""
        return None if self.started is None else self.started + self.limit

    @property
    def end(self) -> datetime | None:
        """When what the cap watches ends: by the device or at the cap, if sooner."""
        if (deadline := self.deadline) is None:
            return None
        return deadline if self.device_end is None else min(deadline, self.device_end)

    def release(self) -> None:
        """Forget the run, now that it ended, and cancel its timer."""
        if self.timer is not None:
            self.timer()
        self.timer = None
        self.started = self.device_end = None
        self.overdue = False
        self.generation += 1


def usable_device_end(
    end: datetime | None, duration: timedelta | None, now: datetime
) -> datetime | None:
    """Return the device's end of something that lasts `duration`, if usable.

    A device's clock may be wrong, up to the edge of the calendar. The guard uses
    its time only when it can be read in UTC and puts the start between
    `duration` ago and now; any other time is no device time at all.
    """
    if end is None or duration is None:
        return None
    try:
        end = end.astimezone(UTC)
        started = end - duration
    except OverflowError:
        return None
    return end if started <= now <= end else None


class SafetyGuard:
    """Ends sessions and heat at their caps, even when the firmware would not.

    The firmware's own timer and heat cut-off are welcome, but never relied on.
    A guard lives until the device is stopped or another guard adopts its
    session: an entry that reloads parks its guard, timers armed, and the next
    set-up of the same device takes it over.
    """

    def __init__(
        self, hass: HomeAssistant, coordinator: MassageCoordinator, caps: SafetyCaps
    ) -> None:
        """Watch one device's coordinator."""
        self._hass = hass
        self._coordinator = coordinator
        self.caps = caps
        self._session = _Cap("session", caps.session, StateUpdate(on=False))
        self._heat = _Cap("heat", caps.heat, StateUpdate(heat=0))
        self._closed = False
        self._overdue_shown = False
        self._unsubscribe: list[CALLBACK_TYPE] = []

    @property
    def _caps(self) -> tuple[_Cap, _Cap]:
        return (self._session, self._heat)

    @property
    def _device_id(self) -> str:
        return self._coordinator.info.id

    @callback
    def start(self, parked: SafetyGuard | None = None) -> None:
        """Begin watching, taking over a parked guard's session if there is one.

        A session already running is timed from when it began: the parked
        guard's start, else the device's own times, else now.
        """
        if parked is not None:
            for cap, (started, overdue) in zip(
                self._caps, parked.async_hand_over(), strict=True
            ):
                cap.started = started
                cap.overdue = overdue
            # The parked guard told the person already.
            self._overdue_shown = self.cap_overdue
        self._unsubscribe = [
            self._coordinator.async_add_listener(self._evaluate),
            self._hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._async_on_stop),
        ]
        self._evaluate()

    @property
    def session_deadline(self) -> datetime | None:
        """When the integration will stop the running session, if one runs."""
        return self._session.deadline

    @property
    def heat_deadline(self) -> datetime | None:
        """When the integration will switch heat off, if heat is on."""
        return self._heat.deadline

    @property
    def session_end(self) -> datetime | None:
        """When the running session ends, by the device's timer or at the cap."""
        return self._session.end

    @property
    def heat_end(self) -> datetime | None:
        """When heat goes off, by the firmware's cut-off or at the cap."""
        return self._heat.end

    @property
    def cap_overdue(self) -> bool:
        """Whether a cap is due that the device has not taken."""
        return any(cap.overdue for cap in self._caps)

    @callback
    def _evaluate(self) -> None:
        """Start, keep or drop each cap's timer to match the latest state."""
        if self._closed:
            return
        state = self._coordinator.data
        now = dt_util.utcnow()
        cutoff = self._coordinator.info.capabilities.heat_cutoff_minutes
        self._follow(
            self._session,
            running=state.on,
            device_end=state.session_end,
            device_limit=timedelta(minutes=state.timer),
            now=now,
        )
        self._follow(
            self._heat,
            running=state.on and state.heat > 0,
            device_end=state.heat_end,
            device_limit=None if cutoff is None else timedelta(minutes=cutoff),
            now=now,
        )
        # Entities hear of a change here from the same update.
        self._show_overdue(update_entities=False)

    def _follow(
        self,
        cap: _Cap,
        *,
        running: bool,
        device_end: datetime | None,
        device_limit: timedelta | None,
        now: datetime,
    ) -> None:
        """Time what a cap watches while it runs; forget it once it stops.

        `device_end` is when the device says it ends the run by itself, after
        `device_limit`; from them a run that began before we saw it is timed.
        """
        if not running:
            cap.release()
            return
        cap.device_end = usable_device_end(device_end, device_limit, now)
        if cap.started is None:
            cap.started = (
                now
                if cap.device_end is None or device_limit is None
                else cap.device_end - device_limit
            )
        self._arm(cap)

    def _arm(self, cap: _Cap) -> None:
        """Set the cap's deadline timer, unless a timer or a stop is under way."""
        if cap.started is None or cap.timer is not None or cap.enforcing:
            return
        cap.timer = async_track_point_in_utc_time(
            self._hass, partial(self._async_cap_reached, cap), cap.started + cap.limit
        )

    async def _async_cap_reached(self, cap: _Cap, _now: datetime) -> None:
        """End what the cap watches, now that its deadline came."""
        LOGGER.info("%s cap reached on %s", cap.name, self._coordinator.name)
        await self._async_enforce(cap)

    async def _async_enforce(self, cap: _Cap, _now: datetime | None = None) -> None:
        """End what the cap watches; until the device reports it ended, try again."""
        cap.timer = None
        if self._closed or cap.started is None or cap.enforcing:
            return
        generation = cap.generation
        cap.enforcing = True
        try:
            error = await self._async_send_stop(cap)
        finally:
            cap.enforcing = False
        self._after_stop(cap, generation, error)

    def _after_stop(
        self, cap: _Cap, generation: int, error: DriverError | None
    ) -> None:
        """Retry a stop that did not end what the cap watches; else rest."""
        if self._closed:
            return
        if cap.generation != generation:
            # It ended (the device says so), and perhaps a new run began.
            self._arm(cap)
            return
        # Refused, failed, or acknowledged and ignored: the device still runs.
        LOGGER.debug(
            "%s cap on %s not taken (%s); retrying in %s",
            cap.name,
            self._coordinator.name,
            error or "acknowledged, yet still running",
            SAFETY_RETRY_INTERVAL,
        )
        cap.timer = async_call_later(
            self._hass, SAFETY_RETRY_INTERVAL, partial(self._async_enforce, cap)
        )
        cap.overdue = True
        self._show_overdue(update_entities=True, error=error)

    async def _async_send_stop(self, cap: _Cap) -> DriverError | None:
        """Send a cap's stop; return why it failed, if it did."""
        try:
            await self._coordinator.async_apply(cap.stop)
        except CommandRejectedError as err:
            if err.reason != "device_off":
                return err
            # Off already (heat never runs without a session): ask for the state
            # that says so, instead of trusting the one last heard.
            try:
                await self._coordinator.async_apply(StateUpdate())
            except DriverError as state_err:
                return state_err
        except DriverError as err:
            return err
        return None

    def _show_overdue(
        self, *, update_entities: bool, error: DriverError | None = None
    ) -> None:
        """Tell the person once when a cap is overdue, and once when it landed."""
        overdue = self.cap_overdue
        if overdue == self._overdue_shown:
            return
        self._overdue_shown = overdue
        entry = self._coordinator.config_entry
        name = self._coordinator.name
        if overdue:
            LOGGER.warning(
                "%s runs past its safety cap and does not take the stop (%s); "
                "Home Assistant tries again every %s. Switch it off at the wall",
                name,
                error or "acknowledged, yet still running",
                SAFETY_RETRY_INTERVAL,
            )
            async_raise_issue(self._hass, entry, Issue.CAP_OVERDUE, name=name)
        else:
            LOGGER.info("The safety cap on %s has landed", name)
            async_clear_issue(self._hass, entry, Issue.CAP_OVERDUE)
        if update_entities:
            self._coordinator.async_update_listeners()

    async def async_park(self) -> None:
        """Keep guarding, timers armed, until the next set-up adopts the session.

        Waits for commands on their way first, so the session parked is the
        device's. Without an adoption within the grace, the device is stopped;
        so it is when Home Assistant stops first, or the entry is removed. The
        guard stays parked until one of these, or an adoption, closes it.
        """
        await self._coordinator.async_drain()
        if self._closed:
            return
        parked = self._hass.data.setdefault(PARKED_SESSIONS, {})
        if (older := parked.get(self._device_id)) is not None:
            await older.async_shutdown()
        parked[self._device_id] = self
        self._unsubscribe.append(
            async_call_later(self._hass, HANDOVER_GRACE, self._async_grace_over)
        )

    @staticmethod
    @callback
    def async_take_parked(hass: HomeAssistant, device_id: str) -> SafetyGuard | None:
        """Return the guard parked for this device, if any, for its adoption."""
        return hass.data.get(PARKED_SESSIONS, {}).get(device_id)

    @callback
    def async_hand_over(self) -> list[tuple[datetime | None, bool]]:
        """Stop guarding a parked session; return each cap's start and overdue."""
        self.async_close()
        return [(cap.started, cap.overdue) for cap in self._caps]

    async def _async_grace_over(self, _now: datetime) -> None:
        """No set-up took the parked session over in time: stop the device.

        It is stopped as a cap would stop it, again and again until the device
        reports off; and whether or not a session was heard of, since no push
        reaches a parked guard.
        """
        LOGGER.info("No set-up took %s over; stopping it", self._coordinator.name)
        cap = self._session
        if cap.timer is not None:
            cap.timer()
            cap.timer = None
        if cap.started is None:
            cap.started = dt_util.utcnow() - cap.limit
        await self._async_enforce(cap)

    async def _async_on_stop(self, _event: Event) -> None:
        """Leave no device running once Home Assistant stops guarding it."""
        await self.async_shutdown()

    @callback
    def async_close(self) -> None:
        """Stop watching and cancel every timer, leaving the device as it is."""
        self._closed = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        for cap in self._caps:
            if cap.timer is not None:
                cap.timer()
                cap.timer = None
        parked = self._hass.data.get(PARKED_SESSIONS, {})
        if parked.get(self._device_id) is self:
            del parked[self._device_id]

    async def async_shutdown(self) -> None:
        """Stop watching, and leave the device stopped: nobody guards it after this.

        The stop is sent whatever was last heard, after any command on its way.
        """
        if self._closed:
            return
        self.async_close()
        try:
            state = await self._coordinator.async_last_stop()
        except DriverError as err:
            LOGGER.warning(
                "Could not stop %s as Home Assistant stops guarding it: %s",
                self._coordinator.name,
                err,
            )
            return
        if not state.on:
            for cap in self._caps:
                cap.release()
            self._show_overdue(update_entities=False)

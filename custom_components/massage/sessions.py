"""Sessions: when each massager ran, who started it, and why it stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Final

from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID, ATTR_NAME, Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util

from .const import DOMAIN, SESSION_TIMER_TOLERANCE

if TYPE_CHECKING:
    from .api import DeviceState
    from .coordinator import MassageCoordinator

# Fired on the bus as well as by the session event entity: they reach Activity
# and automations also when the entity is gone (the entry disabled or removed).
EVENT_SESSION_STARTED: Final = f"{DOMAIN}_session_started"
EVENT_SESSION_ENDED: Final = f"{DOMAIN}_session_ended"


class SessionEventType(StrEnum):
    """What the session event entity fires."""

    STARTED = "session_started"
    ENDED = "session_ended"


class StartedBy(StrEnum):
    """Who started a session, where Home Assistant knows."""

    HOME_ASSISTANT = "home_assistant"
    """A command through Home Assistant: a dashboard, voice, an action."""
    ROUTINE = "routine"
    DEVICE = "device"
    """Outside Home Assistant: the device's own button, or another app."""
    UNKNOWN = "unknown"
    """It ran when Home Assistant first saw it, at start or back from unavailable."""


class EndReason(StrEnum):
    """Why a session ended, as known where it was ended."""

    TIMER = "timer"
    SESSION_CAP = "session_cap"
    USER = "user"
    ROUTINE = "routine"
    UNAVAILABLE = "unavailable"
    SHUTDOWN = "shutdown"


@dataclass(frozen=True, slots=True)
class Session:
    """A session that runs: when it began, who began it, and its settings then."""

    started: datetime
    started_by: StartedBy
    level: int
    mode: str | None
    heat: int


@dataclass(frozen=True, slots=True)
class SessionStarted:
    """A session began."""

    type: ClassVar[SessionEventType] = SessionEventType.STARTED
    session: Session

    @property
    def data(self) -> dict[str, Any]:
        """The event's data, as the event entity and the bus carry it."""
        session = self.session
        return {
            "started_by": session.started_by.value,
            "level": session.level,
            "mode": session.mode,
            "heat": session.heat,
            "started": session.started.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """A session ended."""

    type: ClassVar[SessionEventType] = SessionEventType.ENDED
    session: Session
    ended: datetime
    reason: EndReason

    @property
    def minutes(self) -> float:
        """How long the session ran, in minutes, to one decimal place."""
        seconds = (self.ended - self.session.started).total_seconds()
        return round(max(0.0, seconds) / 60, 1)

    @property
    def data(self) -> dict[str, Any]:
        """The event's data, as the event entity and the bus carry it."""
        return {
            "reason": self.reason.value,
            "minutes": self.minutes,
            "started": self.session.started.isoformat(),
        }


type SessionEvent = SessionStarted | SessionEnded


@dataclass(frozen=True, slots=True)
class Handover:
    """A running session that a reloaded entry takes over, with the device's end."""

    session: Session
    device_end: datetime | None


type SessionListener = Callable[[SessionEvent], None]


class SessionTracker:
    """Follows one device's sessions, and learns why each ends from whoever ends it.

    Whoever stops a device for a reason of its own says so while its stop is
    on the way (`stopping`): the guard for a cap, the routine engine for a step.
    An off that nobody claimed is the device's timer when it comes at the end
    the timer set, and otherwise a person (or an automation, or the device's own
    button). Losing the device, and Home Assistant no longer guarding it, end a
    session at once, whatever the device does next.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: MassageCoordinator,
        handover: Handover | None = None,
    ) -> None:
        """Track one coordinator's device, going on with a handed-over session."""
        self._hass = hass
        self._coordinator = coordinator
        self._session = None if handover is None else handover.session
        self._device_end = None if handover is None else handover.device_end
        # Whether the device was last seen off: a start after it is the device's.
        self._seen_off = False
        self._stop_claims: list[EndReason] = []
        self._start_claims: list[StartedBy] = []
        self._listeners: list[SessionListener] = []
        self._unsubscribe: CALLBACK_TYPE | None = None

    @property
    def session(self) -> Session | None:
        """The session that runs, if one does."""
        return self._session

    @callback
    def start(self) -> None:
        """Follow the device from its current state on."""
        self._unsubscribe = self._coordinator.async_add_listener(self._follow)
        self._follow()

    @callback
    def async_add_listener(self, listener: SessionListener) -> CALLBACK_TYPE:
        """Call back with each session that begins or ends."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @contextmanager
    def stopping(self, reason: EndReason | None) -> Iterator[None]:
        """Claim the off the device reports while this stop is on its way.

        `None` claims nothing (a stop that ends no session, such as heat off).
        """
        if reason is None:
            yield
            return
        self._stop_claims.append(reason)
        try:
            yield
        finally:
            self._stop_claims.remove(reason)

    @contextmanager
    def starting(self, started_by: StartedBy) -> Iterator[None]:
        """Claim the start the device reports while this command is on its way."""
        self._start_claims.append(started_by)
        try:
            yield
        finally:
            self._start_claims.remove(started_by)

    @callback
    def async_end(self, reason: EndReason) -> None:
        """End the running session now: Home Assistant no longer follows it."""
        if (session := self._session) is not None:
            self._end(session, reason, dt_util.utcnow())

    @callback
    def async_hand_over(self) -> Handover | None:
        """Stop following; return the running session for the next set-up."""
        self.async_close()
        if (session := self._session) is None:
            return None
        self._session = None  # the next set-up's now, and ended by it alone
        return Handover(session, self._device_end)

    @callback
    def async_close(self) -> None:
        """Stop following the device."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @callback
    def _follow(self) -> None:
        """Begin or end a session to match what the coordinator knows."""
        now = dt_util.utcnow()
        session = self._session
        if not self._coordinator.last_update_success:
            # The session is over for us; a device that is back running starts anew.
            self._seen_off = False
            if session is not None:
                self._end(session, EndReason.UNAVAILABLE, now)
            return
        state = self._coordinator.data
        if not state.on:
            if session is not None:
                self._end_stopped(session, now)
            self._seen_off = True
            return
        if session is None:
            self._begin(state, now)
        # The end the device's timer sets; one already past when heard (a wrong
        # clock, or a time at the calendar's edge) is no end at all.
        end = state.session_end
        if end is None or end >= now - SESSION_TIMER_TOLERANCE:
            self._device_end = end

    def _end_stopped(self, session: Session, now: datetime) -> None:
        """End a session the device reports off: for whoever claimed it, or why."""
        if self._stop_claims:
            self._end(session, self._stop_claims[-1], now)
        elif (end := self._device_end) is not None and (
            now + SESSION_TIMER_TOLERANCE >= end
        ):
            # Heard late (a reload in between, say), it ended when its timer did.
            self._end(session, EndReason.TIMER, min(now, end))
        else:
            self._end(session, EndReason.USER, now)

    def _begin(self, state: DeviceState, now: datetime) -> None:
        if self._start_claims:
            started_by = self._start_claims[-1]
        else:
            started_by = StartedBy.DEVICE if self._seen_off else StartedBy.UNKNOWN
        self._session = Session(now, started_by, state.level, state.mode, state.heat)
        self._tell(SessionStarted(self._session))

    def _end(self, session: Session, reason: EndReason, ended: datetime) -> None:
        self._session = self._device_end = None
        self._tell(SessionEnded(session, ended, reason))

    def _tell(self, event: SessionEvent) -> None:
        """Tell the listeners, then the bus, with what Activity needs to name it."""
        for listener in list(self._listeners):
            listener(event)
        info = self._coordinator.info
        data: dict[str, Any] = {ATTR_NAME: self._coordinator.name}
        if device := dr.async_get(self._hass).async_get_device_by_identifier(
            (DOMAIN, info.id), self._coordinator.config_entry.entry_id
        ):
            data[ATTR_DEVICE_ID] = device.id
            # The main entity, so that its own history says why it went off.
            for entity in er.async_entries_for_device(
                er.async_get(self._hass), device.id
            ):
                if entity.domain == Platform.FAN and entity.platform == DOMAIN:
                    data[ATTR_ENTITY_ID] = entity.entity_id
        event_type = (
            EVENT_SESSION_ENDED
            if isinstance(event, SessionEnded)
            else EVENT_SESSION_STARTED
        )
        self._hass.bus.async_fire(event_type, data | event.data)

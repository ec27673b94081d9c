"""The routine engine: runs a routine's steps on the scheduler, through coordinators.

It knows time and steps and nothing else: it reaches devices only through their
coordinators and reads the caps from their safety guards, so it works the same
for every driver. Nothing sleeps; every wait is a scheduled callback, and no run
state outlives Home Assistant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
import itertools
import math
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_call_later, async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from ..api import DeviceKind
from ..const import LOGGER
from ..drivers import StateUpdate
from ..errors import translated
from ..sessions import EndReason, StartedBy
from .model import Routine, Step

if TYPE_CHECKING:
    from ..api import Capabilities, DeviceState
    from ..data import MassageConfigEntry

# A step that a cap cuts ends this long before the cap, so the engine stops the
# device itself and the guard never has to; the firmware timer is set at least
# this much past the step's end, so the firmware never ends a step early.
CAP_MARGIN: Final = timedelta(seconds=5)
TIMER_MARGIN: Final = timedelta(seconds=30)


class RunStatus(StrEnum):
    """Where a run as a whole is."""

    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"


class TrackStatus(StrEnum):
    """Where one role's track is."""

    WAITING = "waiting_for_confirmation"
    RUNNING = "running"
    PAUSED = "paused"
    CHANGING = "changing"  # the engine is between two steps of the track
    DONE = "done"


class EventType(StrEnum):
    """What a run tells the world; the player's event entity fires these."""

    ROUTINE_STARTED = "routine_started"
    STEP_STARTED = "step_started"
    STEP_WAITING_FOR_CONFIRMATION = "step_waiting_for_confirmation"
    ROUTINE_PAUSED = "routine_paused"
    ROUTINE_RESUMED = "routine_resumed"
    ROUTINE_FINISHED = "routine_finished"
    ROUTINE_ABORTED = "routine_aborted"


class AbortReason(StrEnum):
    """Why a run ended before its last step."""

    STOPPED = "stopped"
    CONFIRMATION_TIMEOUT = "confirmation_timeout"
    DEVICE_UNAVAILABLE = "device_unavailable"
    DEVICE_STOPPED = "device_stopped"
    DEVICE_ERROR = "device_error"
    DEVICE_UNLOADED = "device_unloaded"
    PLAYER_UNLOADED = "player_unloaded"
    SHUTDOWN = "shutdown"


class Shortening(StrEnum):
    """What made a step shorter than asked, or its heat end early."""

    SESSION_CAP = "session_cap"
    HEAT_CAP = "heat_cap"
    DEVICE_TIMER = "device_timer"


class RoutineDevice:
    """One massager playing a role, reached only through its coordinator and guard.

    Both are held from the start: a run that ends because the entry unloads
    still switches the device off through them.
    """

    def __init__(self, entry: MassageConfigEntry, device_id: str) -> None:
        """Wrap a loaded device entry; `device_id` is its device registry id."""
        self.entry = entry
        self.device_id = device_id
        self.coordinator = entry.runtime_data.coordinator
        self.guard = entry.runtime_data.safety
        self.sessions = entry.runtime_data.sessions

    @property
    def name(self) -> str:
        """The device's name."""
        return self.coordinator.name

    @property
    def kind(self) -> DeviceKind:
        """Gun or foot and leg massager."""
        return self.coordinator.info.kind

    @property
    def capabilities(self) -> Capabilities:
        """What the device can do."""
        return self.coordinator.info.capabilities

    @property
    def state(self) -> DeviceState:
        """The latest state the coordinator has."""
        return self.coordinator.data

    @property
    def available(self) -> bool:
        """Whether the coordinator reaches the device."""
        return self.coordinator.last_update_success

    async def async_command(
        self, update: StateUpdate, ends: EndReason = EndReason.ROUTINE
    ) -> None:
        """Send a change; failures are translated Home Assistant errors.

        A session it starts is the routine's; one it stops ended for `ends`.
        """
        with self.sessions.starting(StartedBy.ROUTINE), self.sessions.stopping(ends):
            await self.coordinator.async_command(update)

    @callback
    def async_listen(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call back on every state the coordinator takes."""
        return self.coordinator.async_add_listener(listener)


@dataclass(frozen=True, slots=True)
class StepPlan:
    """How a step runs on its device: the caps and the timer applied."""

    level: int
    duration: timedelta
    heat_duration: timedelta
    timer: int | None
    shortened_by: tuple[Shortening, ...]

    @property
    def ends_track(self) -> bool:
        """Whether the session cap ends the step, so its device runs no more."""
        return Shortening.SESSION_CAP in self.shortened_by


def plan_step(
    step: Step,
    device: RoutineDevice,
    remaining: timedelta,
    now: datetime,
    heat_used: timedelta = timedelta(0),
) -> StepPlan:
    """Fit a step into what the device's guard allows from `now`.

    A step never asks more than a cap allows: it ends before the session cap,
    its heat goes off before the heat cap, and the firmware timer outlasts it.
    Heat counts over the whole routine (`heat_used` so far), so a routine never
    heats a device for longer in all than its heat cap.
    """
    capabilities = device.capabilities
    level = step.level.for_device(capabilities.levels)
    if level == 0:
        return StepPlan(0, remaining, timedelta(0), None, ())
    guard = device.guard
    state = device.state
    duration = remaining
    shortened: list[Shortening] = []

    session_end = now + guard.caps.session
    if state.on and guard.session_deadline is not None:
        session_end = guard.session_deadline
    if now + duration > session_end - CAP_MARGIN:
        duration = max(timedelta(0), session_end - CAP_MARGIN - now)
        shortened.append(Shortening.SESSION_CAP)

    longest_timer = timedelta(minutes=max(capabilities.timer_options))
    if duration + TIMER_MARGIN > longest_timer:
        duration = longest_timer - TIMER_MARGIN
        shortened.append(Shortening.DEVICE_TIMER)
    timer = min(
        minutes
        for minutes in capabilities.timer_options
        if timedelta(minutes=minutes) >= duration + TIMER_MARGIN
    )

    heat_duration = timedelta(0)
    if step.heat:
        heat_end = now + guard.caps.heat
        if state.on and state.heat and guard.heat_deadline is not None:
            heat_end = guard.heat_deadline
        heat_end = min(heat_end, now + guard.caps.heat - heat_used)
        heat_duration = min(duration, max(timedelta(0), heat_end - CAP_MARGIN - now))
        if heat_duration < duration:
            shortened.append(Shortening.HEAT_CAP)
    return StepPlan(level, duration, heat_duration, timer, tuple(shortened))


def check_step_fits(step: Step, number: int, device: RoutineDevice) -> None:
    """Refuse, with a translated error, a step its device cannot do."""
    capabilities = device.capabilities
    if not step.level.percent and step.level.value > capabilities.levels:
        raise translated(
            ServiceValidationError,
            translation_key="step_level_too_high",
            step=str(number),
            level=str(step.level),
            name=device.name,
            levels=str(capabilities.levels),
        )
    if step.mode is not None and step.mode not in capabilities.modes:
        raise translated(
            ServiceValidationError,
            translation_key="step_mode_unknown",
            step=str(number),
            mode=step.mode,
            name=device.name,
            modes=", ".join(capabilities.modes) or "-",
        )
    if step.heat > capabilities.heat_levels:
        raise translated(
            ServiceValidationError,
            translation_key="step_heat_too_high",
            step=str(number),
            heat=str(step.heat),
            name=device.name,
            heat_levels=str(capabilities.heat_levels),
        )


@dataclass(slots=True, eq=False)
class Track:
    """The steps one role plays, one after another."""

    role: DeviceKind
    device: RoutineDevice
    steps: tuple[int, ...]
    position: int = 0
    status: TrackStatus = TrackStatus.CHANGING
    # Of the current step: when it ends while running, what is left otherwise.
    ends: datetime | None = None
    remaining: timedelta = timedelta(0)
    plan: StepPlan | None = None
    # When the current step began, to tell which track the person follows.
    sequence: int = 0
    # Heat given so far in the run, and the current step's heat.
    heat_used: timedelta = timedelta(0)
    heat_since: datetime | None = None
    heat_until: datetime | None = None
    timers: list[CALLBACK_TYPE] = field(default_factory=list)

    @property
    def index(self) -> int:
        """The current step's index in the routine."""
        return self.steps[self.position]

    def cancel_timers(self) -> None:
        """Cancel the step's end, heat-off and confirmation timers."""
        while self.timers:
            self.timers.pop()()

    def account_heat(self, now: datetime) -> None:
        """Add the current step's heat, until now, to the heat given."""
        if self.heat_since is not None and self.heat_until is not None:
            self.heat_used += max(
                timedelta(0), min(now, self.heat_until) - self.heat_since
            )
        self.heat_since = self.heat_until = None


type Announce = Callable[[EventType, dict[str, Any]], None]


class RoutineRun:
    """One run of a routine on the devices that play its roles."""

    def __init__(
        self,
        hass: HomeAssistant,
        routine: Routine,
        devices: Mapping[DeviceKind, RoutineDevice],
        *,
        confirm_timeout: timedelta,
        announce: Announce,
        changed: Callable[[], None],
    ) -> None:
        """Prepare a run; nothing moves until `async_start`."""
        self.hass = hass
        self.routine = routine
        self.devices = dict(devices)
        self.confirm_timeout = confirm_timeout
        self.status = RunStatus.RUNNING
        self.started = dt_util.utcnow()
        self.tracks = [
            Track(role, self.devices[role], routine.track(role))
            for role in routine.roles
        ]
        self._announce = announce
        self._changed = changed
        self._lock = asyncio.Lock()
        self._sequence = itertools.count(1)
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._finished = False
        self._ending: asyncio.Task[None] | None = None

    # What a person or an action asks for

    async def async_start(self) -> None:
        """Announce the routine and begin each role's first step."""
        for track in self.tracks:
            self._unsubscribe.append(
                track.device.async_listen(partial(self._device_changed, track))
            )
            self._unsubscribe.append(
                track.device.entry.async_on_state_change(
                    partial(self._entry_changed, track)
                )
            )
        self._emit(
            EventType.ROUTINE_STARTED,
            {"steps": len(self.routine.steps), "duration": _seconds(self.planned)},
        )
        await self._async_transition(self._async_begin_all, raise_errors=True)

    async def async_confirm(self) -> None:
        """Start the waiting gun step: a person confirmed it."""
        if (track := self.waiting_track) is None:
            raise translated(
                ServiceValidationError, translation_key="nothing_to_confirm"
            )

        async def begin() -> None:
            if track.status is TrackStatus.WAITING:
                await self._async_run(track)

        await self._async_transition(begin, raise_errors=True)

    async def async_pause(self) -> None:
        """Stop the devices and hold every step where it is."""
        self._require_running()
        await self._async_transition(self._async_pause, raise_errors=True)

    async def async_resume(self) -> None:
        """Go on where the run was paused; a gun step waits for confirmation again."""
        if self.status is not RunStatus.PAUSED:
            raise translated(
                ServiceValidationError, translation_key="routine_not_paused"
            )
        await self._async_transition(self._async_resume, raise_errors=True)

    async def async_skip(self, role: DeviceKind | None = None) -> None:
        """End the current step (of `role`, or the one the person follows) now."""
        self._require_running()
        track = self.current_track if role is None else self._track_of(role)
        if track is None or track.status not in (
            TrackStatus.WAITING,
            TrackStatus.RUNNING,
        ):
            raise translated(ServiceValidationError, translation_key="nothing_to_skip")

        async def skip() -> None:
            if track.status in (TrackStatus.WAITING, TrackStatus.RUNNING):
                await self._async_next(track)

        await self._async_transition(skip, raise_errors=True)

    async def async_abort(self, reason: AbortReason) -> None:
        """End the run now and leave every device of it off, heat included."""
        await self._async_end(EventType.ROUTINE_ABORTED, reason)

    # What the player shows

    @property
    def ended(self) -> bool:
        """Whether the run is over."""
        return self.status is RunStatus.ENDED

    @property
    def current_track(self) -> Track | None:
        """The track the person follows: the one whose step began last."""
        active = [
            track for track in self.tracks if track.status is not TrackStatus.DONE
        ]
        return max(active, key=lambda track: track.sequence, default=None)

    @property
    def current_step(self) -> tuple[int, Step] | None:
        """The index and step the person follows, if any."""
        if self.ended or (track := self.current_track) is None:
            return None
        return track.index, self.routine.steps[track.index]

    @property
    def waiting(self) -> bool:
        """Whether a gun step waits for a person's confirmation."""
        return self.waiting_track is not None

    @property
    def waiting_track(self) -> Track | None:
        """The track whose gun step waits for a person's confirmation, if any."""
        return next(
            (track for track in self.tracks if track.status is TrackStatus.WAITING),
            None,
        )

    @property
    def planned(self) -> timedelta:
        """How long the whole routine takes as written."""
        return max(
            sum(
                (self.routine.steps[i].duration for i in track.steps),
                start=timedelta(0),
            )
            for track in self.tracks
        )

    @property
    def ends_at(self) -> datetime | None:
        """When the routine will end if each waiting step were confirmed now.

        Unknown while paused or after the end.
        """
        if self.status is not RunStatus.RUNNING:
            return None
        now = dt_util.utcnow()
        return now + self._time_left(now)

    @property
    def time_left(self) -> timedelta | None:
        """How long the routine still takes if each waiting step were confirmed now.

        While paused, what is left once it resumes; None after the end.
        """
        return None if self.ended else self._time_left(dt_util.utcnow())

    # The steps

    def _time_left(self, now: datetime) -> timedelta:
        return max(self._left(track, now) for track in self.tracks)

    def _left(self, track: Track, now: datetime) -> timedelta:
        """How long a track still runs, if nothing waits any longer."""
        if track.status is TrackStatus.DONE:
            return timedelta(0)
        if track.status is TrackStatus.RUNNING and track.ends is not None:
            current = max(timedelta(0), track.ends - now)
        else:
            current = track.remaining
        later = track.steps[track.position + 1 :]
        return sum(
            (self.routine.steps[i].duration for i in later),
            start=current,
        )

    async def _async_begin_all(self) -> None:
        for track in self.tracks:
            if not self.ended:
                await self._async_begin(track, 0)

    async def _async_begin(self, track: Track, position: int) -> None:
        """Make `position` the track's current step; a gun step waits first."""
        track.position = position
        track.sequence = next(self._sequence)
        step = self.routine.steps[track.index]
        track.remaining = step.duration
        if step.needs_confirmation:
            self._wait_for_confirmation(track)
        else:
            await self._async_run(track)

    def _wait_for_confirmation(self, track: Track) -> None:
        track.status = TrackStatus.WAITING
        track.timers.append(
            async_call_later(self.hass, self.confirm_timeout, self._confirm_timed_out)
        )
        self._emit_step(
            EventType.STEP_WAITING_FOR_CONFIRMATION,
            track,
            confirm_timeout=_seconds(self.confirm_timeout),
        )

    async def _confirm_timed_out(self, _now: datetime) -> None:
        await self.async_abort(AbortReason.CONFIRMATION_TIMEOUT)

    async def _async_run(self, track: Track) -> None:
        """Set the track's device as its step asks, and time the step's end."""
        track.cancel_timers()
        track.status = TrackStatus.CHANGING
        step = self.routine.steps[track.index]
        now = dt_util.utcnow()
        plan = plan_step(step, track.device, track.remaining, now, track.heat_used)
        resting_already = plan.level == 0 and not track.device.state.on
        if not resting_already and not await self._async_send(
            track.device, self._update_for(step, plan, track.device)
        ):
            return
        track.plan = plan
        track.ends = now + plan.duration
        if plan.level and plan.heat_duration:
            track.heat_since, track.heat_until = now, now + plan.heat_duration
        track.status = TrackStatus.RUNNING
        track.timers.append(
            async_track_point_in_utc_time(self.hass, self._steps_ended, track.ends)
        )
        if plan.level and timedelta(0) < plan.heat_duration < plan.duration:
            track.timers.append(
                async_track_point_in_utc_time(
                    self.hass,
                    partial(self._heat_ended, track),
                    now + plan.heat_duration,
                )
            )
        self._emit_step(EventType.STEP_STARTED, track)

    @staticmethod
    def _update_for(step: Step, plan: StepPlan, device: RoutineDevice) -> StateUpdate:
        """Make the command that puts the device into the step's state."""
        if plan.level == 0:
            return StateUpdate(on=False)
        heat: int | None = None
        if device.capabilities.heat_levels:
            heat = step.heat if plan.heat_duration > timedelta(0) else 0
        return StateUpdate(
            on=True, level=plan.level, mode=step.mode, heat=heat, timer=plan.timer
        )

    async def _steps_ended(self, _point: datetime) -> None:
        async def next_steps() -> None:
            # Every step that is over moves on, in the routine's order of roles,
            # whichever timer fired first, so that steps ending at one moment
            # announce themselves in one order.
            now = dt_util.utcnow()
            for track in self.tracks:
                if (
                    not self.ended
                    and track.status is TrackStatus.RUNNING
                    and track.ends is not None
                    and track.ends <= now
                ):
                    await self._async_next(track)

        await self._async_transition(next_steps)

    async def _heat_ended(self, track: Track, _now: datetime) -> None:
        async def heat_off() -> None:
            state = track.device.state
            if track.status is TrackStatus.RUNNING and state.on and state.heat:
                await track.device.async_command(StateUpdate(heat=0))

        await self._async_transition(heat_off)

    async def _async_next(self, track: Track) -> None:
        """Go on to the track's next step, or end the track."""
        track.cancel_timers()
        track.account_heat(dt_util.utcnow())
        track.status = TrackStatus.CHANGING
        step = self.routine.steps[track.index]
        position = track.position + 1
        last = position >= len(track.steps) or (
            track.plan is not None and track.plan.ends_track
        )
        track.plan = None
        # A gun is put down between steps; every gun step starts afresh.
        stop = (last or step.role is DeviceKind.GUN) and track.device.state.on
        if stop and not await self._async_send(track.device, StateUpdate(on=False)):
            return
        if last:
            track.status = TrackStatus.DONE
            self._finished = all(t.status is TrackStatus.DONE for t in self.tracks)
            return
        await self._async_begin(track, position)

    async def _async_pause(self) -> None:
        now = dt_util.utcnow()
        self.status = RunStatus.PAUSED
        for track in self.tracks:
            if track.status in (TrackStatus.WAITING, TrackStatus.RUNNING):
                track.cancel_timers()
                track.account_heat(now)
                if track.status is TrackStatus.RUNNING and track.ends is not None:
                    track.remaining = max(timedelta(0), track.ends - now)
                track.status = TrackStatus.PAUSED
                track.plan = None
        self._emit(EventType.ROUTINE_PAUSED, {})
        for track in self.tracks:
            if track.device.state.on and not await self._async_send(
                track.device, StateUpdate(on=False)
            ):
                return

    async def _async_resume(self) -> None:
        self.status = RunStatus.RUNNING
        self._emit(EventType.ROUTINE_RESUMED, {})
        for track in self.tracks:
            if track.status is not TrackStatus.PAUSED or self.ended:
                continue
            if self.routine.steps[track.index].needs_confirmation:
                self._wait_for_confirmation(track)
            else:
                await self._async_run(track)

    # Keeping watch

    @callback
    def _device_changed(self, track: Track) -> None:
        """Abort when a device of the run is gone or was stopped by someone else."""
        if not track.device.available:
            self._abort_soon(AbortReason.DEVICE_UNAVAILABLE)
        elif (
            track.status is TrackStatus.RUNNING
            and track.plan is not None
            and track.plan.level
            and not track.device.state.on
        ):
            self._abort_soon(AbortReason.DEVICE_STOPPED)

    @callback
    def _entry_changed(self, track: Track) -> None:
        """Abort when a device's entry unloads, before it stops guarding it."""
        if track.device.entry.state is not ConfigEntryState.LOADED:
            self._abort_soon(AbortReason.DEVICE_UNLOADED)

    @callback
    def _abort_soon(self, reason: AbortReason) -> None:
        self.hass.async_create_task(self.async_abort(reason), eager_start=True)

    # Moving from state to state, one at a time

    async def _async_transition(
        self,
        action: Callable[[], Coroutine[Any, Any, None]],
        *,
        raise_errors: bool = False,
    ) -> None:
        """Run one change of the run's state, one at a time; end the run if due.

        A device that fails a command aborts the run; a person who asked gets the
        error too.
        """
        try:
            async with self._lock:
                if self.ended:
                    return
                await action()
        except HomeAssistantError as err:
            LOGGER.warning("Routine %s aborted: %s", self.routine.id, err)
            await self.async_abort(AbortReason.DEVICE_ERROR)
            if raise_errors:
                raise
            return
        self._changed()
        if self._finished:
            await self._async_end(EventType.ROUTINE_FINISHED)

    async def _async_end(
        self, event_type: EventType, reason: AbortReason | None = None
    ) -> None:
        if self._ending is None:
            self._ending = self.hass.async_create_task(
                self._async_wind_up(event_type, reason), eager_start=True
            )
        await asyncio.shield(self._ending)

    async def _async_wind_up(
        self, event_type: EventType, reason: AbortReason | None
    ) -> None:
        """Say how the run ended, then leave every device of it off."""
        self.status = RunStatus.ENDED
        for track in self.tracks:
            track.cancel_timers()
        while self._unsubscribe:
            self._unsubscribe.pop()()
        elapsed = _seconds(dt_util.utcnow() - self.started)
        data: dict[str, Any] = {"steps": len(self.routine.steps), "duration": elapsed}
        if reason is not None:
            data["reason"] = reason.value
        self._emit(event_type, data)
        self._changed()
        # A command in flight lands first, so that the stop is the last word.
        ends = (
            EndReason.SHUTDOWN if reason is AbortReason.SHUTDOWN else EndReason.ROUTINE
        )
        async with self._lock:
            await _async_stop_all((track.device for track in self.tracks), ends)

    # Helpers

    async def _async_send(self, device: RoutineDevice, update: StateUpdate) -> bool:
        """Send a command; return whether the run still goes on after it.

        The run can end while a command is in flight (a device vanished, Home
        Assistant stops); then nothing more is started.
        """
        await device.async_command(update)
        return not self.ended

    def _require_running(self) -> None:
        if self.status is RunStatus.PAUSED:
            raise translated(ServiceValidationError, translation_key="routine_paused")
        if self.status is not RunStatus.RUNNING:
            raise translated(
                ServiceValidationError, translation_key="routine_not_running"
            )

    def _track_of(self, role: DeviceKind) -> Track | None:
        return next((track for track in self.tracks if track.role is role), None)

    def _emit(self, event_type: EventType, data: dict[str, Any]) -> None:
        """Announce a routine event: for all the run's devices, or a step's one."""
        roles = [DeviceKind(data["role"])] if "role" in data else list(self.devices)
        devices = {role.value: self.devices[role].device_id for role in roles}
        self._announce(
            event_type, {"routine": self.routine.id, **data, "devices": devices}
        )

    def _emit_step(self, event_type: EventType, track: Track, **extra: Any) -> None:
        """Announce the track's current step, as it will run."""
        step = self.routine.steps[track.index]
        data: dict[str, Any] = {
            "step": track.index + 1,
            "steps": len(self.routine.steps),
            "role": track.role.value,
            "body_area": step.body_area,
            "prompt_key": step.prompt,
            "duration": _seconds(
                track.plan.duration if track.plan else track.remaining
            ),
        }
        if (plan := track.plan) is not None:
            if plan.shortened_by:
                data["requested_duration"] = _seconds(track.remaining)
                data["shortened_by"] = [reason.value for reason in plan.shortened_by]
            if step.heat and plan.level:
                data["heat_duration"] = _seconds(plan.heat_duration)
        self._emit(event_type, data | extra)


async def _async_stop_all(devices: Iterable[RoutineDevice], ends: EndReason) -> None:
    """Switch each running device off; one that cannot be reached is logged."""
    for device in devices:
        if not device.state.on:
            continue
        try:
            await device.async_command(StateUpdate(on=False), ends)
        except HomeAssistantError as err:
            LOGGER.warning("Could not stop %s after a routine: %s", device.name, err)


def _seconds(duration: timedelta) -> int:
    """Whole seconds, rounded up so that a step never reads shorter than it is."""
    return math.ceil(duration.total_seconds())

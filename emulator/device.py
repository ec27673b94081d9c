"""The emulated device: a state machine that keeps the Local API's rules and timers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import logging
import math
from typing import Any

from .errors import ApiError, ErrorCode
from .profiles import DeviceProfile

_LOGGER = logging.getLogger(__name__)

WRITABLE_FIELDS = ("on", "level", "mode", "heat", "timer", "attachment")
# Fields that only a running device takes (see PATCH /api/v1/state).
RUNNING_ONLY_FIELDS = ("level", "mode", "heat")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceState:
    """A snapshot of everything `GET /api/v1/state` reports."""

    on: bool
    level: int
    mode: str | None
    heat: int
    timer: int
    session_end: datetime | None
    heat_end: datetime | None
    battery: int | None
    charging: bool | None
    force: float | None
    attachment: str | None

    def as_json(self) -> dict[str, Any]:
        """Return the body of `GET /api/v1/state`, times as ISO 8601 strings."""
        return {
            "on": self.on,
            "level": self.level,
            "mode": self.mode,
            "heat": self.heat,
            "timer": self.timer,
            "session_end": _iso(self.session_end),
            "heat_end": _iso(self.heat_end),
            "battery": self.battery,
            "charging": self.charging,
            "force": self.force,
            "attachment": self.attachment,
        }


type StateListener = Callable[[DeviceState], None]


@dataclass(slots=True, kw_only=True)
class _Write:
    """A validated PATCH body; `None` means the field is not written."""

    on: bool | None = None
    level: int | None = None
    mode: str | None = None
    heat: int | None = None
    timer: int | None = None
    attachment: str | None = None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _as_int(value: object) -> int | None:
    """Return `value` if it is an integer, else None."""
    # JSON booleans arrive as Python bools, which are ints; the protocol says 1 is
    # not a boolean, and equally true is not an integer.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _invalid(message: str) -> ApiError:
    return ApiError(ErrorCode.INVALID_VALUE, message)


def _unsupported(message: str) -> ApiError:
    return ApiError(ErrorCode.UNSUPPORTED, message)


class EmulatedDevice:
    """
    One massage device: its capabilities, its state and the timers it keeps.

    Writes, timers and the physical controls all go through this object, and every
    change of state is passed to the listeners, whatever caused it. Timers are real
    asyncio timers on the running loop; `minute_seconds` sets how many real seconds
    one protocol minute lasts, so tests can run a 10-minute session in half a second.
    Call `close()` when done, to cancel the timers.
    """

    def __init__(
        self,
        profile: DeviceProfile,
        *,
        minute_seconds: float = 60.0,
        battery: int = 100,
        battery_drain_per_minute: int = 1,
        battery_charge_per_minute: int = 2,
    ) -> None:
        """Create a device that is off, with its first mode, timer and attachment."""
        if not (math.isfinite(minute_seconds) and minute_seconds > 0):
            raise ValueError("minute_seconds must be a positive number")
        if not 0 <= battery <= 100:  # noqa: PLR2004
            raise ValueError("battery must be between 0 and 100")
        if battery_drain_per_minute < 0 or battery_charge_per_minute < 0:
            raise ValueError("battery rates must not be negative")
        self._profile = profile
        self._minute_seconds = minute_seconds
        self._drain_per_minute = battery_drain_per_minute
        self._charge_per_minute = battery_charge_per_minute
        self._on = False
        self._level = 1
        self._mode = profile.modes[0] if profile.modes else None
        self._heat = 0
        self._timer = profile.timer_options[0]
        self._session_end: datetime | None = None
        self._heat_end: datetime | None = None
        self._battery = battery if profile.battery else None
        self._charging = False if profile.battery else None
        # The pressure on the head; the sensor reports it only while running.
        self._force = 0.0
        self._attachment = profile.attachments[0] if profile.attachments else None
        self._times_started = 0
        self._listeners: list[StateListener] = []
        self._session_timer: asyncio.TimerHandle | None = None
        self._heat_timer: asyncio.TimerHandle | None = None
        self._battery_timer: asyncio.TimerHandle | None = None

    @property
    def profile(self) -> DeviceProfile:
        """The device's identity and capabilities."""
        return self._profile

    @property
    def minute_seconds(self) -> float:
        """How many real seconds one protocol minute lasts."""
        return self._minute_seconds

    @property
    def state(self) -> DeviceState:
        """The current state."""
        return DeviceState(
            on=self._on,
            level=self._level,
            mode=self._mode,
            heat=self._heat,
            timer=self._timer,
            session_end=self._session_end,
            heat_end=self._heat_end,
            battery=self._battery,
            charging=self._charging,
            force=self._force if self._profile.force_sensor and self._on else None,
            attachment=self._attachment,
        )

    @property
    def times_started(self) -> int:
        """How often the device went from off to on, whatever started it.

        A test or a demo reads it to tell that a device was never started, or that
        a session went on without a stop and a new start in between.
        """
        return self._times_started

    def info(self) -> dict[str, Any]:
        """Return the body of `GET /api/v1/info`."""
        return self._profile.info()

    def add_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call `listener` with the new state after every change; return an undo."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def close(self) -> None:
        """Cancel the device's timers; the state stays as it is."""
        for handle in (self._session_timer, self._heat_timer, self._battery_timer):
            if handle is not None:
                handle.cancel()
        self._session_timer = self._heat_timer = self._battery_timer = None

    # Writes over the API

    def write(self, changes: Mapping[str, object]) -> DeviceState:
        """
        Apply a `PATCH /api/v1/state` body as a whole and return the new state.

        Raises `ApiError` and changes nothing when any part of the write is refused.
        """
        write = self._validate(changes)
        before = self.state
        turning_on = write.on is True and not self._on
        if write.level is not None:
            self._level = write.level
        if write.mode is not None:
            self._mode = write.mode
        if write.attachment is not None:
            self._attachment = write.attachment
        if write.timer is not None:
            self._timer = write.timer
        if turning_on or (write.timer is not None and self._on):
            self._start_session()
        if write.heat is not None:
            self._set_heat(write.heat)
        if write.on is False and self._on:
            self._stop()
        self._after_change(before)
        return self.state

    def _validate(self, changes: Mapping[str, object]) -> _Write:
        unknown = [name for name in changes if name not in WRITABLE_FIELDS]
        if unknown:
            raise ApiError(
                ErrorCode.UNKNOWN_FIELD,
                f"not a writable field: {', '.join(sorted(unknown))}",
            )
        write = _Write()
        if "on" in changes:
            write.on = self._check_on(changes["on"])
        if "level" in changes:
            write.level = self._check_level(changes["level"])
        if "mode" in changes:
            write.mode = self._check_mode(changes["mode"])
        if "heat" in changes:
            write.heat = self._check_heat(changes["heat"])
        if "timer" in changes:
            write.timer = self._check_timer(changes["timer"])
        if "attachment" in changes:
            write.attachment = self._check_attachment(changes["attachment"])
        will_start = write.on is True and not self._on
        running_only = [name for name in RUNNING_ONLY_FIELDS if name in changes]
        if running_only and not self._on and not will_start:
            raise ApiError(
                ErrorCode.DEVICE_OFF,
                f"{', '.join(running_only)} needs the device running; "
                'send "on": true in the same write',
            )
        if will_start and self._battery_empty():
            # The protocol has no code for an empty battery; busy says "not now".
            raise ApiError(
                ErrorCode.BUSY,
                "the battery is empty; put the device on its charger",
                retry_after=max(1, math.ceil(self._minute_seconds)),
            )
        return write

    @staticmethod
    def _check_on(value: object) -> bool:
        if not isinstance(value, bool):
            raise _invalid("on must be true or false")
        return value

    def _check_level(self, value: object) -> int:
        levels = self._profile.levels
        level = _as_int(value)
        if level is None or not 1 <= level <= levels:
            raise _invalid(f"level must be an integer between 1 and {levels}")
        return level

    def _check_mode(self, value: object) -> str | None:
        modes = self._profile.modes
        if not modes:
            if value is None:
                return None
            raise _unsupported("this device has no modes; mode can only be null")
        if not isinstance(value, str) or value not in modes:
            raise _invalid(f"mode must be one of {', '.join(modes)}")
        return value

    def _check_heat(self, value: object) -> int:
        heat_levels = self._profile.heat_levels
        if heat_levels == 0:
            raise _unsupported("this device has no heater")
        heat = _as_int(value)
        if heat is None or not 0 <= heat <= heat_levels:
            raise _invalid(f"heat must be an integer between 0 and {heat_levels}")
        return heat

    def _check_timer(self, value: object) -> int:
        options = self._profile.timer_options
        timer = _as_int(value)
        if timer is None or timer not in options:
            listed = ", ".join(str(option) for option in options)
            raise _invalid(f"timer must be one of {listed} minutes")
        return timer

    def _check_attachment(self, value: object) -> str:
        attachments = self._profile.attachments
        if not attachments:
            raise _unsupported("this device takes no attachments")
        if not isinstance(value, str) or value not in attachments:
            raise _invalid(f"attachment must be one of {', '.join(attachments)}")
        return value

    # What a person does with the device in their hands

    def press_power(self) -> bool:
        """Press the device's own power button; return whether it now runs."""
        before = self.state
        if self._on:
            self._stop()
        elif not self._battery_empty():
            self._start_session()
        self._after_change(before)
        return self._on

    def set_docked(self, docked: bool) -> None:
        """Put the device on its charger, or take it off."""
        if self._battery is None:
            raise ValueError("this device has no battery")
        before = self.state
        self._charging = docked
        self._after_change(before)

    def set_force(self, newtons: float) -> None:
        """Press the head with `newtons` of force; reported while running."""
        if not self._profile.force_sensor:
            raise ValueError("this device has no force sensor")
        if not (math.isfinite(newtons) and newtons >= 0):
            raise ValueError("force must be a finite number >= 0")
        before = self.state
        self._force = float(newtons)
        self._after_change(before)

    def set_battery(self, percent: int) -> None:
        """Set the charge, as if time had passed; an empty battery stops the device."""
        if self._battery is None:
            raise ValueError("this device has no battery")
        if not 0 <= percent <= 100:  # noqa: PLR2004
            raise ValueError("battery must be between 0 and 100")
        before = self.state
        self._battery = percent
        if self._on and self._battery_empty():
            self._stop()
        self._after_change(before)

    # Sessions, heat and battery

    def _battery_empty(self) -> bool:
        return self._battery == 0 and not self._charging

    def _minutes_from_now(self, minutes: int) -> tuple[datetime, float]:
        delay = minutes * self._minute_seconds
        return datetime.now(UTC) + timedelta(seconds=delay), delay

    def _start_session(self) -> None:
        """Start (or restart) a session that ends `timer` minutes from now."""
        self._on = True
        self._session_end, delay = self._minutes_from_now(self._timer)
        if self._session_timer is not None:
            self._session_timer.cancel()
        self._session_timer = asyncio.get_running_loop().call_later(
            delay, self._session_ended
        )

    def _stop(self) -> None:
        """End the session; heat goes off with it."""
        self._on = False
        self._session_end = None
        if self._session_timer is not None:
            self._session_timer.cancel()
            self._session_timer = None
        self._set_heat(0)

    def _set_heat(self, heat: int) -> None:
        cutoff = self._profile.heat_cutoff_minutes
        was_off = self._heat == 0
        self._heat = heat
        if heat == 0:
            self._heat_end = None
            if self._heat_timer is not None:
                self._heat_timer.cancel()
                self._heat_timer = None
        elif was_off and cutoff is not None:
            # The cut-off counts from when heat came on; changing the heat level
            # does not extend it.
            self._heat_end, delay = self._minutes_from_now(cutoff)
            self._heat_timer = asyncio.get_running_loop().call_later(
                delay, self._heat_cut_off
            )

    def _session_ended(self) -> None:
        self._session_timer = None
        before = self.state
        self._stop()
        self._after_change(before)

    def _heat_cut_off(self) -> None:
        self._heat_timer = None
        before = self.state
        self._set_heat(0)
        self._after_change(before)

    def _battery_minute(self) -> None:
        """Drain or charge the battery by one protocol minute's worth."""
        self._battery_timer = None
        assert self._battery is not None  # noqa: S101 - only scheduled with a battery
        before = self.state
        if self._charging:
            self._battery = min(100, self._battery + self._charge_per_minute)
        else:
            # The clock only runs while charging or running (_after_change).
            self._battery = max(0, self._battery - self._drain_per_minute)
            if self._battery == 0:
                self._stop()
        self._after_change(before)

    def _battery_needs_timer(self) -> bool:
        if self._battery is None:
            return False
        if self._charging:
            return self._battery < 100  # noqa: PLR2004
        return self._on and self._battery > 0

    def _after_change(self, before: DeviceState) -> None:
        """Keep the battery clock right and tell listeners if anything changed."""
        if self._battery_needs_timer():
            if self._battery_timer is None:
                self._battery_timer = asyncio.get_running_loop().call_later(
                    self._minute_seconds, self._battery_minute
                )
        elif self._battery_timer is not None:
            self._battery_timer.cancel()
            self._battery_timer = None
        after = self.state
        if after == before:
            return
        if after.on and not before.on:
            self._times_started += 1
        for listener in list(self._listeners):
            try:
                listener(after)
            except Exception:
                _LOGGER.exception("State listener %r failed", listener)

"""How each role reads and commands the entities it maps: one class per means.

A means learns what it can from its entities' attributes (`learn`), reads its value
from their states (`read`: None when it has no feedback or the value is unknown)
and writes a value through Home Assistant's services (`async_write`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math
import re
from typing import Any, ClassVar, override

from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import Context, HomeAssistant, State, callback
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceNotFound,
    ServiceValidationError,
)
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util
from homeassistant.util.percentage import (
    percentage_to_ranged_value,
    ranged_value_to_percentage,
)

from ...compat import vol
from ..base import CommandRejectedError, DeviceIncompatibleError, DeviceUnavailableError
from .config import (
    CONF_CHARGING,
    CONF_COMMAND,
    CONF_DELAY,
    CONF_DEVICE,
    CONF_DOWN,
    CONF_LEVELS,
    CONF_MEANS,
    CONF_MODES,
    CONF_NEXT,
    CONF_OFF,
    CONF_ON,
    CONF_PRESS,
    CONF_PULSE,
    CONF_REMAINING,
    CONF_RESETS_TO,
    CONF_SENSOR,
    CONF_SETTLE,
    CONF_SWITCH,
    CONF_THRESHOLD,
    CONF_UP,
    CONF_VALUES,
    REMOTE_DOMAIN,
)
from .errors import UNAVAILABLE, EntityUnavailableError, EntityUnfitError

# Options that mean "nothing", such as Tuya's "close" mode or "cancel" timer.
_OFF_OPTIONS = frozenset({"off", "close", "closed", "none", "cancel", "stop", "0"})
# Auto-off durations offered from a number entity's range, in minutes.
_TIMER_CANDIDATES = (5, 10, 15, 20, 25, 30, 45, 60, 90, 120)
# A number (a target temperature) with more values than this offers three steps.
_MAX_HEAT_VALUES = 5
_HEAT_STEPS = 3
_PERCENT = 100
# The longest a source entity's service may take before its device counts as gone.
CALL_TIMEOUT = 10.0
# Minutes per unit of a duration.
_MINUTES_PER: dict[str, float] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1 / 60),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 1.0),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 60.0),
    UnitOfTime.DAYS: 24 * 60.0,
}
_DURATION = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_WATTS_PER: dict[str, float] = {
    UnitOfPower.WATT: 1.0,
    UnitOfPower.KILO_WATT: 1000.0,
    UnitOfPower.MILLIWATT: 0.001,
}


def is_off_option(option: str) -> bool:
    """Tell whether a select option means "nothing" rather than a value."""
    return option.strip().lower() in _OFF_OPTIONS


def domain_of(entity_id: str) -> str:
    """Return the domain part of an entity id."""
    return entity_id.split(".", 1)[0]


def usable(state: State | None) -> State | None:
    """Return the state if the entity exists and is available."""
    if state is None or state.state == STATE_UNAVAILABLE:
        return None
    return state


def number(value: object) -> float | None:
    """Return a finite number from a state or an attribute, or None."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        result = float(value)
    except ValueError:
        return None
    return result if math.isfinite(result) else None


def duration_minutes(text: str) -> float | None:
    """Return the minutes in a duration such as "30", "30 min", "1h" or "90s"."""
    if not (match := _DURATION.match(text)):
        return None
    factor = _MINUTES_PER.get(match.group(2).lower() or "min")
    if factor is None:
        return None
    return float(match.group(1).replace(",", ".")) * factor


def _on_off(hass: HomeAssistant, entity_id: str) -> bool | None:
    """Return whether a switch-like entity is on; None while unknown or unavailable."""
    state = usable(hass.states.get(entity_id))
    if state is None or state.state == STATE_UNKNOWN:
        return None
    return state.state == STATE_ON


def _attribute(hass: HomeAssistant, entity_id: str, name: str, lacking: str) -> object:
    """Return an attribute a means learns from; the device is unavailable without it.

    It is tried again later, as an entity may say more once it is set up.
    `lacking` is the reason a form shows for an available entity without it.
    """
    state = hass.states.get(entity_id)
    if state is None or (value := state.attributes.get(name)) is None:
        msg = f"{entity_id} does not say its {name}"
        reason = UNAVAILABLE if usable(state) is None else lacking
        raise EntityUnavailableError([entity_id], msg, reason)
    return value


def _options(hass: HomeAssistant, entity_id: str) -> list[str]:
    """Return a select's options, in order."""
    options = _attribute(hass, entity_id, "options", "no_options")
    if not isinstance(options, list) or not options:
        msg = f"{entity_id} has no options"
        raise EntityUnfitError(entity_id, "no_options", msg)
    return [str(option) for option in options]


class Runner:
    """Runs one command's service calls in order, with one context and its pauses.

    Pauses run on Home Assistant's scheduler, so they follow its clock. Errors
    come out as the driver's own.
    """

    def __init__(self, hass: HomeAssistant, step_delay: float) -> None:
        """Start a command: all of its calls share one context."""
        self.hass = hass
        self.context = Context()
        self._step_delay = step_delay
        self._pressed = False

    async def async_sleep(self, seconds: float) -> None:
        """Wait on the scheduler; a pause also separates the presses around it."""
        if seconds <= 0:
            return
        self._pressed = False
        done: asyncio.Future[None] = self.hass.loop.create_future()

        @callback
        def _wake(_now: datetime) -> None:
            if not done.done():
                done.set_result(None)

        cancel = async_call_later(self.hass, seconds, _wake)
        try:
            await done
        finally:
            cancel()

    async def async_call(self, service: str, entity_id: str, **data: Any) -> None:
        """Call a service of the entity's own domain on it, and wait for it."""
        if usable(self.hass.states.get(entity_id)) is None:
            # Home Assistant skips unavailable entities silently; we must not.
            msg = f"{entity_id} is unavailable"
            raise DeviceUnavailableError(msg)
        domain = domain_of(entity_id)
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                await self.hass.services.async_call(
                    domain,
                    service,
                    {ATTR_ENTITY_ID: entity_id, **data},
                    blocking=True,
                    context=self.context,
                )
        except TimeoutError as err:
            msg = f"{entity_id} did not answer {domain}.{service} in time"
            raise DeviceUnavailableError(msg) from err
        except ServiceNotFound as err:
            msg = f"{domain}.{service} is not available for {entity_id}"
            raise DeviceIncompatibleError(msg) from err
        except vol.Invalid as err:
            raise CommandRejectedError("invalid_value", f"{entity_id}: {err}") from err
        except ServiceValidationError as err:
            raise CommandRejectedError("rejected", f"{entity_id}: {err}") from err
        except HomeAssistantError as err:
            raise DeviceUnavailableError(f"{entity_id}: {err}") from err

    async def async_switch(self, entity_id: str, *, on: bool) -> None:
        """Switch a switch-like entity."""
        await self.async_call("turn_on" if on else "turn_off", entity_id)

    async def async_press(self, press: Press) -> None:
        """Press once, after a pause when something was pressed before."""
        if self._pressed:
            await self.async_sleep(self._step_delay)
        self._pressed = True
        if domain_of(press.entity_id) != REMOTE_DOMAIN:
            await self.async_call("press", press.entity_id)
            return
        data: dict[str, Any] = {"command": [press.command]}
        if press.device:
            data["device"] = press.device
        await self.async_call("send_command", press.entity_id, **data)


@dataclass(frozen=True, slots=True)
class Press:
    """One press: a button, or a learned command sent through a remote."""

    entity_id: str
    command: str | None = None
    device: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Press:
        """Read a validated press."""
        return cls(
            config[ATTR_ENTITY_ID], config.get(CONF_COMMAND), config.get(CONF_DEVICE)
        )


def _unique(*entity_ids: str | None) -> tuple[str, ...]:
    """Return the entity ids given, without repeats or blanks."""
    return tuple(dict.fromkeys(entity_id for entity_id in entity_ids if entity_id))


@dataclass(frozen=True, slots=True)
class Range:
    """A number entity's range."""

    minimum: float
    maximum: float
    step: float

    @classmethod
    def learn(cls, hass: HomeAssistant, entity_id: str) -> Range:
        """Read it from the entity's attributes."""
        minimum, maximum, step = (
            number(_attribute(hass, entity_id, name, "no_range"))
            for name in ("min", "max", "step")
        )
        if minimum is None or maximum is None or step is None:
            msg = f"{entity_id} has no numeric range"
            raise EntityUnfitError(entity_id, "no_range", msg)
        if step <= 0 or maximum < minimum:
            msg = f"{entity_id} has an empty range"
            raise EntityUnfitError(entity_id, "no_range", msg)
        return cls(minimum, maximum, step)

    @property
    def count(self) -> int:
        """How many values the range holds."""
        return round((self.maximum - self.minimum) / self.step) + 1

    def value(self, index: int) -> float:
        """Return the value at a position, from 0."""
        return self.minimum + index * self.step

    def index(self, value: float) -> int:
        """Return the position of the value nearest to `value`."""
        return min(self.count - 1, max(0, round((value - self.minimum) / self.step)))

    def holds(self, value: float) -> bool:
        """Tell whether the range holds exactly this value."""
        return (
            self.minimum <= value <= self.maximum
            and abs(self.value(self.index(value)) - value) < self.step / 1000
        )

    def spread(self, count: int, *, skip_first: bool) -> list[float]:
        """Return up to `count` values spread evenly up to the top of the range."""
        first = 1 if skip_first else 0
        available = self.count - first
        if available <= count:
            return [self.value(index) for index in range(first, self.count)]
        return [
            self.value(first + round((available - 1) * (part + 1) / count))
            for part in range(count)
        ]


# Power --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PowerSensor:
    """A plug's power reading that tells whether the motor runs."""

    entity_id: str
    threshold: float
    settle: timedelta

    def running(
        self, hass: HomeAssistant, now: datetime, commanded: datetime | None
    ) -> tuple[bool | None, datetime | None]:
        """Return whether the reading says the motor runs, and when to look again.

        A reading counts only when it was taken `settle` after our last power
        command, and a low one only once it has stayed low for `settle`, so that a
        motor pausing between strokes is not taken for off.
        """
        state = usable(hass.states.get(self.entity_id))
        watts = None if state is None else number(state.state)
        if state is None or watts is None:
            return None, None
        unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        watts *= _WATTS_PER.get(str(unit), 1.0)
        if commanded is not None and state.last_reported < commanded + self.settle:
            return None, None
        if watts > self.threshold:
            return True, None
        if now < (low_enough := state.last_changed + self.settle):
            return None, low_enough
        return False, None


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerMeans(ABC):
    """How the device is switched on and off."""

    sensor: PowerSensor | None
    delay: float

    @property
    @abstractmethod
    def controls(self) -> tuple[str, ...]:
        """The entities that switch the device: without them it cannot be used."""

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Every entity of the role."""
        sensor = None if self.sensor is None else self.sensor.entity_id
        return _unique(*self.controls, sensor)

    @abstractmethod
    def read(self, hass: HomeAssistant) -> bool | None:
        """Return whether the device has power; None when it cannot say."""

    @abstractmethod
    async def async_write(self, runner: Runner, *, on: bool) -> None:
        """Switch the device on or off."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TogglePower(PowerMeans):
    """A switch, fan or input boolean."""

    entity_id: str

    @property
    @override
    def controls(self) -> tuple[str, ...]:
        """The switch."""
        return (self.entity_id,)

    @override
    def read(self, hass: HomeAssistant) -> bool | None:
        """Return whether the switch is on."""
        return _on_off(hass, self.entity_id)

    @override
    async def async_write(self, runner: Runner, *, on: bool) -> None:
        """Switch it."""
        await runner.async_switch(self.entity_id, on=on)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandPower(PowerMeans):
    """A press for on and one for off, such as learned IR commands."""

    on: Press
    off: Press

    @property
    @override
    def controls(self) -> tuple[str, ...]:
        """The entities that send the presses."""
        return _unique(self.on.entity_id, self.off.entity_id)

    @override
    def read(self, hass: HomeAssistant) -> bool | None:
        """Say nothing: a press has no feedback."""
        return None

    @override
    async def async_write(self, runner: Runner, *, on: bool) -> None:
        """Press on or off."""
        await runner.async_press(self.on if on else self.off)


def power_from_config(config: Mapping[str, Any]) -> PowerMeans:
    """Read a validated power role."""
    sensor = None
    if CONF_SENSOR in config:
        sensor = PowerSensor(
            config[CONF_SENSOR],
            config[CONF_THRESHOLD],
            timedelta(seconds=config[CONF_SETTLE]),
        )
    if config[CONF_MEANS] == "toggle":
        return TogglePower(
            entity_id=config[ATTR_ENTITY_ID], sensor=sensor, delay=config[CONF_DELAY]
        )
    return CommandPower(
        on=Press.from_config(config[CONF_ON]),
        off=Press.from_config(config[CONF_OFF]),
        sensor=sensor,
        delay=config[CONF_DELAY],
    )


# Start --------------------------------------------------------------------------


class StartMeans(ABC):
    """What starts the motor once the device has power."""

    holds: ClassVar[bool] = False  # whether its state says that the motor runs

    @property
    @abstractmethod
    def entity_ids(self) -> tuple[str, ...]:
        """Every entity of the role."""

    def read(self, hass: HomeAssistant) -> bool | None:
        """Return whether the motor runs; None when the means cannot say."""
        return None

    @abstractmethod
    async def async_start(self, runner: Runner) -> None:
        """Start the motor."""

    async def async_stop(self, runner: Runner) -> None:
        """Stop what the means runs; power off does the rest."""
        return  # a press or a pulse leaves nothing switched on


@dataclass(frozen=True, slots=True)
class PressStart(StartMeans):
    """A start button, pressed by a button entity or a remote."""

    press: Press

    @property
    @override
    def entity_ids(self) -> tuple[str, ...]:
        """The entity that presses."""
        return (self.press.entity_id,)

    @override
    async def async_start(self, runner: Runner) -> None:
        """Press it."""
        await runner.async_press(self.press)


@dataclass(frozen=True, slots=True)
class PulseStart(StartMeans):
    """A switch switched on for a moment (a relay across the start button)."""

    entity_id: str
    pulse: float

    @property
    @override
    def entity_ids(self) -> tuple[str, ...]:
        """The switch."""
        return (self.entity_id,)

    @override
    async def async_start(self, runner: Runner) -> None:
        """Switch on, and off again after the pulse; a pusher of 0 returns by itself."""
        await runner.async_switch(self.entity_id, on=True)
        if self.pulse:
            await runner.async_sleep(self.pulse)
            await runner.async_switch(self.entity_id, on=False)


@dataclass(frozen=True, slots=True)
class HoldStart(StartMeans):
    """A switch that stays on while the motor runs, such as a foot bath's rollers."""

    entity_id: str
    holds: ClassVar[bool] = True

    @property
    @override
    def entity_ids(self) -> tuple[str, ...]:
        """The switch."""
        return (self.entity_id,)

    @override
    def read(self, hass: HomeAssistant) -> bool | None:
        """Return whether the switch is on."""
        return _on_off(hass, self.entity_id)

    @override
    async def async_start(self, runner: Runner) -> None:
        """Switch on."""
        await runner.async_switch(self.entity_id, on=True)

    @override
    async def async_stop(self, runner: Runner) -> None:
        """Switch off."""
        await runner.async_switch(self.entity_id, on=False)


def start_from_config(config: Mapping[str, Any]) -> StartMeans:
    """Read a validated start role."""
    match config[CONF_MEANS]:
        case "press":
            return PressStart(Press.from_config(config[CONF_PRESS]))
        case "pulse":
            return PulseStart(config[ATTR_ENTITY_ID], config[CONF_PULSE])
        case _:
            return HoldStart(config[ATTR_ENTITY_ID])


# Level --------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class LevelMeans(ABC):
    """Speed or intensity, from 1 to `levels`."""

    levels: int = 1
    resets_to: int | None = None  # what a device without feedback shows at power-on
    assumed: ClassVar[bool] = False

    @property
    @abstractmethod
    def entity_ids(self) -> tuple[str, ...]:
        """Every entity of the role."""

    def learn(self, hass: HomeAssistant) -> None:
        """Learn the levels from the entity."""
        return  # presses: the mapping gives the levels

    def read(self, hass: HomeAssistant) -> int | None:
        """Return the level the entity shows, or None."""
        return None

    @property
    def names(self) -> tuple[str, ...] | None:
        """Names of the levels, lowest first, where the entity gives them."""
        return None

    @abstractmethod
    async def async_write(self, runner: Runner, current: int, target: int) -> None:
        """Go from the `current` level to `target`."""


@dataclass(slots=True, kw_only=True)
class SelectLevel(LevelMeans):
    """A select whose options, in order, are the levels."""

    entity_id: str
    options: list[str] = field(default_factory=list)

    @property
    @override
    def entity_ids(self) -> tuple[str, ...]:
        """The select."""
        return (self.entity_id,)

    @override
    def learn(self, hass: HomeAssistant) -> None:
        """Take the options."""
        self.options = _options(hass, self.entity_id)
        self.levels = len(self.options)

    @override
    def read(self, hass: HomeAssistant) -> int | None:
        """Return the position of the current option."""
        state = usable(hass.states.get(self.entity_id))
        if state is None or state.state not in self.options:
            return None
        return self.options.index(state.state) + 1

    @property
    @override
    def names(self) -> tuple[str, ...] | None:
        """The options, unless they are bare numbers, which name nothing."""
        if all(option.strip().isdigit() for option in self.options):
            return None
        return tuple(self.options)

    @override
    async def async_write(self, runner: Runner, current: int, target: int) -> None:
        """Select the option."""
        option = self.options[target - 1]
        await runner.async_call("select_option", self.entity_id, option=option)


@dataclass(slots=True, kw_only=True)
class NumberLevel(LevelMeans):
    """A number whose steps from min to max are the levels."""

    entity_id: str
    range: Range = field(default_factory=lambda: Range(1, 1, 1))

    @property
    @override
    def entity_ids(self) -> tuple[str, ...]:
        """The number."""
        return (self.entity_id,)

    @override
    def learn(self, hass: HomeAssistant) -> None:
        """Take the range."""
        self.range = Range.learn(hass, self.entity_id)
        self.levels = self.range.count

    @override
    def read(self, hass: HomeAssistant) -> int | None:
        """Return the step of the value."""
        state = usable(hass.states.get(self.entity_id))
        value = None if state is None else number(state.state)
        return None if value is None else self.range.index(value) + 1

    @override
    async def async_write(self, runner: Runner, current: int, target: int) -> None:
        """Set the value."""
        value = self.range.value(target - 1)
        await runner.async_call("set_value", self.entity_id, value=value)


@dataclass(slots=True, kw_only=True)
class FanLevel(LevelMeans):
    """A fan whose speeds are the levels."""

    entity_id: str

    @property
    @override
    def entity_ids(self) -> tuple[str, ...]:
        """The fan."""
        return (self.entity_id,)

    @override
    def learn(self, hass: HomeAssistant) -> None:
        """Take the number of speeds."""
        step = number(_attribute(hass, self.entity_id, "percentage_step", "no_speeds"))
        if step is None or not 0 < step <= _PERCENT:
            msg = f"{self.entity_id} has no speeds"
            raise EntityUnfitError(self.entity_id, "no_speeds", msg)
        self.levels = round(_PERCENT / step)

    @override
    def read(self, hass: HomeAssistant) -> int | None:
        """Return the speed; a fan that is off shows none."""
        state = usable(hass.states.get(self.entity_id))
        percentage = (
            None if state is None else number(state.attributes.get("percentage"))
        )
        if not percentage:
            return None
        return math.ceil(percentage_to_ranged_value((1, self.levels), percentage))

    @override
    async def async_write(self, runner: Runner, current: int, target: int) -> None:
        """Set the speed."""
        percentage = ranged_value_to_percentage((1, self.levels), target)
        await runner.async_call("set_percentage", self.entity_id, percentage=percentage)


@dataclass(slots=True, kw_only=True)
class StepLevel(LevelMeans):
    """Up and down presses with a known number of levels; the level is assumed."""

    up: Press
    down: Press
    assumed: ClassVar[bool] = True

    @property
    @override
    def entity_ids(self) -> tuple[str, ...]:
        """The entities that press."""
        return _unique(self.up.entity_id, self.down.entity_id)

    @override
    async def async_write(self, runner: Runner, current: int, target: int) -> None:
        """Press up or down as often as it takes."""
        press = self.up if target > current else self.down
        for _ in range(abs(target - current)):
            await runner.async_press(press)


def level_from_config(config: Mapping[str, Any]) -> LevelMeans:
    """Read a validated level role."""
    match config[CONF_MEANS]:
        case "select":
            return SelectLevel(entity_id=config[ATTR_ENTITY_ID])
        case "number":
            return NumberLevel(entity_id=config[ATTR_ENTITY_ID])
        case "fan":
            return FanLevel(entity_id=config[ATTR_ENTITY_ID])
        case _:
            return StepLevel(
                levels=config[CONF_LEVELS],
                resets_to=config.get(CONF_RESETS_TO),
                up=Press.from_config(config[CONF_UP]),
                down=Press.from_config(config[CONF_DOWN]),
            )


# Mode ---------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class ModeMeans(ABC):
    """The massage programme."""

    modes: tuple[str, ...] = ()
    resets_to: str | None = None
    assumed: ClassVar[bool] = False

    @property
    @abstractmethod
    def entity_ids(self) -> tuple[str, ...]:
        """Every entity of the role."""

    def learn(self, hass: HomeAssistant) -> None:
        """Learn the modes from the entity."""
        return  # presses: the mapping gives the modes

    def read(self, hass: HomeAssistant) -> str | None:
        """Return the mode the entity shows, or None."""
        return None

    @abstractmethod
    async def async_write(self, runner: Runner, current: str, target: str) -> None:
        """Go from the `current` mode to `target`."""


@dataclass(slots=True, kw_only=True)
class SelectMode(ModeMeans):
    """A select whose options are the modes, leaving out "off"-like ones."""

    entity_id: str

    @property
    @override
    def entity_ids(self) -> tuple[str, ...]:
        """The select."""
        return (self.entity_id,)

    @override
    def learn(self, hass: HomeAssistant) -> None:
        """Take the options."""
        options = _options(hass, self.entity_id)
        self.modes = tuple(option for option in options if not is_off_option(option))
        if not self.modes:
            msg = f"{self.entity_id} offers no modes"
            raise EntityUnfitError(self.entity_id, "no_modes", msg)

    @override
    def read(self, hass: HomeAssistant) -> str | None:
        """Return the current option, if it is a mode."""
        state = usable(hass.states.get(self.entity_id))
        return state.state if state is not None and state.state in self.modes else None

    @override
    async def async_write(self, runner: Runner, current: str, target: str) -> None:
        """Select the mode."""
        await runner.async_call("select_option", self.entity_id, option=target)


@dataclass(slots=True, kw_only=True)
class CycleMode(ModeMeans):
    """One press moves to the next mode, in a known order; the mode is assumed."""

    next: Press
    assumed: ClassVar[bool] = True

    @property
    @override
    def entity_ids(self) -> tuple[str, ...]:
        """The entity that presses."""
        return (self.next.entity_id,)

    @override
    async def async_write(self, runner: Runner, current: str, target: str) -> None:
        """Press as often as it takes to come round to the mode."""
        steps = (self.modes.index(target) - self.modes.index(current)) % len(self.modes)
        for _ in range(steps):
            await runner.async_press(self.next)


def mode_from_config(config: Mapping[str, Any]) -> ModeMeans:
    """Read a validated mode role."""
    if config[CONF_MEANS] == "cycle":
        return CycleMode(
            modes=tuple(config[CONF_MODES]),
            resets_to=config.get(CONF_RESETS_TO),
            next=Press.from_config(config[CONF_NEXT]),
        )
    return SelectMode(entity_id=config[ATTR_ENTITY_ID])


# Heat ---------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class HeatMeans(ABC):
    """The heater: off (0) or a step from 1 to `levels`."""

    entity_id: str
    switch: str | None = None  # a heater switch beside a select or number of steps
    levels: int = 1

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Every entity of the role."""
        return _unique(self.entity_id, self.switch)

    def learn(self, hass: HomeAssistant) -> None:
        """Learn the heat steps."""
        return  # a switch has one

    def read(self, hass: HomeAssistant) -> int | None:
        """Return the heat step the entities show, or None."""
        if self.switch is not None and _on_off(hass, self.switch) is False:
            return 0
        state = usable(hass.states.get(self.entity_id))
        if state is None or state.state == STATE_UNKNOWN:
            return None
        return self._step(state)

    @abstractmethod
    def _step(self, state: State) -> int | None:
        """Return the step the main entity's state shows."""

    @abstractmethod
    async def async_write(self, runner: Runner, heat: int) -> None:
        """Set a heat step, or 0 for off."""


@dataclass(slots=True, kw_only=True)
class SwitchHeat(HeatMeans):
    """A heater that is on or off."""

    @override
    def _step(self, state: State) -> int | None:
        return 1 if state.state == STATE_ON else 0

    @override
    async def async_write(self, runner: Runner, heat: int) -> None:
        """Switch it."""
        await runner.async_switch(self.entity_id, on=heat > 0)


@dataclass(slots=True, kw_only=True)
class _SteppedHeat(HeatMeans):
    """Steps set on a select or a number, beside an optional heater switch."""

    @abstractmethod
    async def _async_set(self, runner: Runner, heat: int) -> None:
        """Set the main entity to a step, or to off."""

    @abstractmethod
    def _has_off(self) -> bool:
        """Tell whether the main entity itself can be set to off."""

    @override
    async def async_write(self, runner: Runner, heat: int) -> None:
        """Set the step, switching the heater switch as it goes."""
        if heat == 0:
            if self._has_off():
                await self._async_set(runner, 0)
            if self.switch is not None:
                await runner.async_switch(self.switch, on=False)
            return
        if self.switch is not None and _on_off(runner.hass, self.switch) is not True:
            await runner.async_switch(self.switch, on=True)
        await self._async_set(runner, heat)


@dataclass(slots=True, kw_only=True)
class SelectHeat(_SteppedHeat):
    """A select of heat steps."""

    off: str | None = None
    options: list[str] = field(default_factory=list)

    @override
    def learn(self, hass: HomeAssistant) -> None:
        """Take the steps; an "off"-like option, or else the first, may be off."""
        options = _options(hass, self.entity_id)
        off = [option for option in options if is_off_option(option)]
        if off:
            self.off = off[0]
        elif self.switch is None:
            self.off = options[0]  # nothing else could switch it off
        self.options = [option for option in options if option != self.off]
        self.levels = len(self.options)
        if not self.options:
            msg = f"{self.entity_id} offers no heat step"
            raise EntityUnfitError(self.entity_id, "no_heat_steps", msg)

    @override
    def _step(self, state: State) -> int | None:
        if state.state == self.off:
            return 0
        if state.state in self.options:
            return self.options.index(state.state) + 1
        return None

    @override
    def _has_off(self) -> bool:
        return self.off is not None

    @override
    async def _async_set(self, runner: Runner, heat: int) -> None:
        option = self.off if heat == 0 else self.options[heat - 1]
        await runner.async_call("select_option", self.entity_id, option=option)


@dataclass(slots=True, kw_only=True)
class NumberHeat(_SteppedHeat):
    """A target temperature per heat step; off is the heater switch or the minimum."""

    values: list[float] = field(default_factory=list)
    range: Range = field(default_factory=lambda: Range(0, 0, 1))

    @override
    def learn(self, hass: HomeAssistant) -> None:
        """Take the range, and the values of the steps if the mapping gives none."""
        self.range = Range.learn(hass, self.entity_id)
        if not self.values:
            count = self.range.count
            self.values = self.range.spread(
                count if count <= _MAX_HEAT_VALUES else _HEAT_STEPS,
                skip_first=self.switch is None,
            )
        if not self.values or not all(map(self.range.holds, self.values)):
            msg = f"{self.entity_id} cannot be set to each of {self.values}"
            raise EntityUnfitError(self.entity_id, "heat_values", msg)
        self.levels = len(self.values)

    @override
    def _step(self, state: State) -> int | None:
        value = number(state.state)
        if value is None:
            return None
        if self._has_off() and value <= self.range.minimum:
            return 0
        nearest = min(self.values, key=lambda step: abs(step - value))
        return self.values.index(nearest) + 1

    @override
    def _has_off(self) -> bool:
        return self.switch is None

    @override
    async def _async_set(self, runner: Runner, heat: int) -> None:
        value = self.range.minimum if heat == 0 else self.values[heat - 1]
        await runner.async_call("set_value", self.entity_id, value=value)


def heat_from_config(config: Mapping[str, Any]) -> HeatMeans:
    """Read a validated heat role."""
    entity_id, switch = config[ATTR_ENTITY_ID], config.get(CONF_SWITCH)
    match config[CONF_MEANS]:
        case "switch":
            return SwitchHeat(entity_id=entity_id)
        case "select":
            return SelectHeat(entity_id=entity_id, switch=switch)
        case _:
            return NumberHeat(
                entity_id=entity_id,
                switch=switch,
                values=list(config.get(CONF_VALUES, [])),
            )


# Timer --------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class TimerMeans(ABC):
    """The device's own auto-off timer, and what it says is left."""

    entity_id: str
    remaining: str | None = None
    choices: dict[int, str | float] = field(default_factory=dict)  # minutes: value

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Every entity of the role."""
        return _unique(self.entity_id, self.remaining)

    @property
    def options(self) -> tuple[int, ...]:
        """The durations offered, in minutes."""
        return tuple(sorted(self.choices))

    @abstractmethod
    def learn(self, hass: HomeAssistant) -> None:
        """Learn the durations offered, in whole minutes."""

    @abstractmethod
    def _minutes(self, state: State) -> float | None:
        """Return the minutes the entity's state shows."""

    def read(self, hass: HomeAssistant) -> int | None:
        """Return the timer in minutes, if the entity shows one of the options."""
        state = usable(hass.states.get(self.entity_id))
        minutes = None if state is None else self._minutes(state)
        if (
            minutes is None
            or not minutes.is_integer()
            or int(minutes) not in self.choices
        ):
            return None
        return int(minutes)

    def ends(self, hass: HomeAssistant) -> datetime | None:
        """Return when the device says its session ends, from the time left."""
        if self.remaining is None:
            return None
        state = usable(hass.states.get(self.remaining))
        if state is None:
            return None
        if state.attributes.get("device_class") == "timestamp":
            return dt_util.parse_datetime(state.state)
        left = number(state.state)
        unit = str(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) or "min").lower()
        per_unit = _MINUTES_PER.get(unit)
        if left is None or left <= 0 or per_unit is None:
            return None
        return state.last_updated + timedelta(minutes=left * per_unit)

    async def async_write(self, runner: Runner, minutes: int) -> None:
        """Set the timer."""
        value = self.choices[minutes]
        if isinstance(value, str):
            await runner.async_call("select_option", self.entity_id, option=value)
        else:
            await runner.async_call("set_value", self.entity_id, value=value)

    def _check_offered(self) -> None:
        if not self.choices:
            msg = f"{self.entity_id} offers no duration in whole minutes"
            raise EntityUnfitError(self.entity_id, "no_durations", msg)


@dataclass(slots=True, kw_only=True)
class SelectTimer(TimerMeans):
    """A select of durations, such as Tuya's "1h" or "cancel"."""

    @override
    def learn(self, hass: HomeAssistant) -> None:
        """Take the options that are whole minutes."""
        for option in _options(hass, self.entity_id):
            minutes = duration_minutes(option)
            if minutes is not None and minutes >= 1 and minutes.is_integer():
                self.choices.setdefault(int(minutes), option)
        self._check_offered()

    @override
    def _minutes(self, state: State) -> float | None:
        return duration_minutes(state.state)


@dataclass(slots=True, kw_only=True)
class NumberTimer(TimerMeans):
    """A number of minutes, seconds or hours; offers the usual durations it holds."""

    units_per_minute: float = 1.0

    @override
    def learn(self, hass: HomeAssistant) -> None:
        """Take the usual durations that the range holds."""
        state = hass.states.get(self.entity_id)
        unit = (
            "min" if state is None else state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        )
        minutes_per_unit = _MINUTES_PER.get(str(unit or "min").lower())
        if minutes_per_unit is None:
            msg = f"{self.entity_id} counts in {unit}, not in time"
            raise EntityUnfitError(self.entity_id, "not_time", msg)
        self.units_per_minute = 1 / minutes_per_unit
        timer_range = Range.learn(hass, self.entity_id)
        for minutes in _TIMER_CANDIDATES:
            if timer_range.holds(value := minutes * self.units_per_minute):
                self.choices[minutes] = value
        self._check_offered()

    @override
    def _minutes(self, state: State) -> float | None:
        value = number(state.state)
        return None if value is None else round(value / self.units_per_minute, 6)


def timer_from_config(config: Mapping[str, Any]) -> TimerMeans:
    """Read a validated timer role."""
    kind: Callable[..., TimerMeans] = (
        SelectTimer if config[CONF_MEANS] == "select" else NumberTimer
    )
    return kind(entity_id=config[ATTR_ENTITY_ID], remaining=config.get(CONF_REMAINING))


# Battery ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Battery:
    """A battery level sensor, and whether it charges."""

    entity_id: str
    charging: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Battery:
        """Read a validated battery role."""
        return cls(config[ATTR_ENTITY_ID], config.get(CONF_CHARGING))

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Every entity of the role."""
        return _unique(self.entity_id, self.charging)

    def read(self, hass: HomeAssistant) -> tuple[int | None, bool | None]:
        """Return the charge in percent, and whether it charges."""
        state = usable(hass.states.get(self.entity_id))
        value = None if state is None else number(state.state)
        charge = None if value is None else min(_PERCENT, max(0, round(value)))
        charging = None if self.charging is None else _on_off(hass, self.charging)
        return charge, charging

"""What a routine is: steps for device roles, and the schema that checks them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
import math
import re
from typing import Any, Final

from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util.percentage import percentage_to_ranged_value

from ..api import DeviceKind
from ..compat import vol
from ..errors import translated

ROLES: Final = tuple(kind.value for kind in DeviceKind)

# Where a step works. Each has a translated name (the step sensor's body_area).
BODY_AREAS: Final = (
    "calves",
    "hamstrings",
    "quads",
    "legs",
    "feet_and_calves",
    "lower_back",
    "neck",
    "shoulders",
)

# What a step tells the person. Each key has a short title (the step sensor's
# state) and the text itself (its prompt attribute), in every language.
PROMPTS: Final = (
    "legs_warm_kneading",
    "legs_calves",
    "legs_hamstrings",
    "legs_quads",
    "back_find_sacrum",
    "back_sacrum_circles",
    "back_breathe",
    "neck_relax",
    "neck_around_tender_spot",
    "neck_shoulders",
    "neck_stretch",
    "cramp_bend_knee",
    "cramp_calf_gentle",
    "cramp_calf",
    "circulation_warm_feet",
    "circulation_warm_calves",
    "circulation_rolling",
)

# The longest step there is; no cap allows more than an hour either.
MAX_STEP_DURATION: Final = timedelta(minutes=60)
MIN_STEP_DURATION: Final = timedelta(seconds=5)
# More levels than any massager has; the device's own count is checked at start.
MAX_LEVEL: Final = 20
MAX_HEAT: Final = 10

_PERCENT = re.compile(r"^\s*(\d{1,3})\s*%\s*$")


@dataclass(frozen=True, slots=True)
class Level:
    """A step's level: a device level from 1, or a percentage; 0 rests the device."""

    value: int
    percent: bool = False

    @property
    def rests(self) -> bool:
        """Whether the device is off during the step."""
        return self.value == 0

    def for_device(self, levels: int) -> int:
        """Return the level this means on a device with `levels` levels (0 = off)."""
        if not self.percent or self.value == 0:
            return self.value
        # As the fan entity maps a percentage: never rounding a start down to off.
        return math.ceil(percentage_to_ranged_value((1, levels), self.value))

    def __str__(self) -> str:
        """Write the level as a person does."""
        return f"{self.value}%" if self.percent else str(self.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One thing a routine does with one device for a while."""

    role: DeviceKind
    body_area: str
    level: Level
    duration: timedelta
    prompt: str
    mode: str | None = None
    heat: int = 0

    @property
    def rests(self) -> bool:
        """Whether the device is off during the step, as for a pause to breathe."""
        return self.level.rests

    @property
    def needs_confirmation(self) -> bool:
        """Whether the step waits for a person: it starts a handheld gun."""
        return self.role is DeviceKind.GUN and not self.rests


@dataclass(frozen=True, slots=True)
class Routine:
    """An ordered list of steps.

    Steps of one role follow each other; the roles run side by side, so the gun
    can work the calves while the foot and leg massager kneads with heat.
    """

    id: str
    steps: tuple[Step, ...]

    @property
    def roles(self) -> tuple[DeviceKind, ...]:
        """The roles the routine needs a device for, in the order they first act."""
        return tuple(dict.fromkeys(step.role for step in self.steps))

    def track(self, role: DeviceKind) -> tuple[int, ...]:
        """Return the indices of the steps one role plays, in order."""
        return tuple(i for i, step in enumerate(self.steps) if step.role is role)


def _level(value: Any) -> Level:
    """Take a level as 3, "3" or "40%"."""
    if isinstance(value, bool):
        raise vol.Invalid("not a level")
    if isinstance(value, str) and (match := _PERCENT.match(value)):
        percent = int(match.group(1))
        if percent > 100:  # noqa: PLR2004
            raise vol.Invalid("a percentage is at most 100")
        return Level(percent, percent=True)
    try:
        level = int(value)
    except (TypeError, ValueError) as err:
        raise vol.Invalid("not a level") from err
    if level != value and str(level) != str(value).strip():
        raise vol.Invalid("not a whole level")
    if not 0 <= level <= MAX_LEVEL:
        raise vol.Invalid("level out of range")
    return Level(level)


def _duration(value: Any) -> timedelta:
    """Take a duration as seconds, "MM:SS", "HH:MM:SS" or {minutes: 2}."""
    duration = cv.positive_time_period(value)
    if not MIN_STEP_DURATION <= duration <= MAX_STEP_DURATION:
        raise vol.Invalid("duration out of range")
    return duration


STEP_SCHEMA: Final = vol.Schema(
    {
        vol.Required("role"): vol.In(ROLES),
        vol.Required("body_area"): vol.In(BODY_AREAS),
        vol.Required("level"): _level,
        vol.Required("duration"): _duration,
        vol.Required("prompt"): vol.In(PROMPTS),
        vol.Optional("mode"): vol.All(cv.string, vol.Length(min=1, max=64)),
        vol.Optional("heat", default=0): vol.All(
            vol.Coerce(int), vol.Range(min=0, max=MAX_HEAT)
        ),
    }
)

# What a field accepts, shown in the error that names it (numbers and names
# only, so it reads the same in every language).
ALLOWED: Final[Mapping[str, str]] = {
    "role": ", ".join(ROLES),
    "body_area": ", ".join(BODY_AREAS),
    "level": f"0-{MAX_LEVEL}, 0%-100%",
    "duration": (
        f"{int(MIN_STEP_DURATION.total_seconds())} s - "
        f"{int(MAX_STEP_DURATION.total_seconds() // 60)} min"
    ),
    "prompt": ", ".join(PROMPTS),
    "mode": "1-64",
    "heat": f"0-{MAX_HEAT}",
}

ROUTINE_ID = re.compile(r"^[a-z0-9_]{1,48}$")


def parse_step(data: Any, number: int) -> Step:
    """Check one step; a bad one is a translated error that names its field.

    `number` counts from 1, as the person reads the list.
    """
    if not isinstance(data, Mapping):
        raise translated(
            ServiceValidationError,
            translation_key="step_not_a_mapping",
            step=str(number),
        )
    try:
        valid = STEP_SCHEMA(dict(data))
    except vol.MultipleInvalid as err:
        raise _field_error(err.errors[0], data, number) from err
    return Step(
        role=DeviceKind(valid["role"]),
        body_area=valid["body_area"],
        level=valid["level"],
        duration=valid["duration"],
        prompt=valid["prompt"],
        mode=valid.get("mode"),
        heat=valid["heat"],
    )


def parse_steps(data: Any) -> tuple[Step, ...]:
    """Check a list of steps."""
    if (
        isinstance(data, str | bytes | Mapping)
        or not isinstance(data, Sequence)
        or not data
    ):
        raise translated(ServiceValidationError, translation_key="steps_not_a_list")
    return tuple(parse_step(step, number) for number, step in enumerate(data, 1))


def parse_routine(routine_id: Any, steps: Any) -> Routine:
    """Check a routine a person declared: a short id and its steps."""
    if not isinstance(routine_id, str) or not ROUTINE_ID.match(routine_id):
        raise translated(
            ServiceValidationError,
            translation_key="invalid_routine_id",
            routine=str(routine_id)[:48],
        )
    return Routine(routine_id, parse_steps(steps))


def _field_error(
    error: vol.Invalid, data: Mapping[str, Any], number: int
) -> ServiceValidationError:
    """Turn the schema's first complaint into a message that names the field."""
    field = str(error.path[0]) if error.path else "?"
    if isinstance(error, vol.RequiredFieldInvalid):
        return translated(
            ServiceValidationError,
            translation_key="step_field_missing",
            step=str(number),
            field=field,
        )
    if field not in ALLOWED:
        return translated(
            ServiceValidationError,
            translation_key="step_field_unknown",
            step=str(number),
            field=field[:64],
            fields=", ".join(ALLOWED),
        )
    return translated(
        ServiceValidationError,
        translation_key="step_field_invalid",
        step=str(number),
        field=field,
        value=repr(data.get(field))[:64],
        allowed=ALLOWED[field],
    )

"""The form that builds a massager from existing entities: its fields, drawn and read.

Four steps: kind and source devices; a profile that pre-fills the mapping from
the devices' entities; the means of each role; then the entities and settings of
each role, with the timings in a collapsed section. Forms are flat, since a
section shows no error of its own fields: a field's key names its role.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
import math
import re
from typing import Any, Final

from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_ENTITY_ID,
)
from homeassistant.core import HomeAssistant, split_entity_id, valid_entity_id
from homeassistant.data_entry_flow import section
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    EntitySelectorConfig,
    EntityWithDeviceFilterSelectorConfig,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .api import (
    DeviceKind,
)
from .compat import vol
from .const import (
    DOMAIN,
)
from .drivers.entities import (
    BACKEND as ENTITIES_BACKEND,
    ROLES,
)
from .drivers.entities.config import (
    BINARY_SENSOR_DOMAIN,
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
    CONF_ROLES,
    CONF_SENSOR,
    CONF_SETTLE,
    CONF_STEP_DELAY,
    CONF_SWITCH,
    CONF_THRESHOLD,
    CONF_TIMER_OPTIONS,
    CONF_UP,
    CONF_VALUES,
    DEFAULT_POWER_DELAY,
    DEFAULT_PULSE,
    DEFAULT_SETTLE,
    DEFAULT_STEP_DELAY,
    DEFAULT_THRESHOLD,
    FAN_DOMAIN,
    NUMBER_DOMAINS,
    PRESS_DOMAINS,
    REMOTE_DOMAIN,
    ROLE_BATTERY,
    ROLE_HEAT,
    ROLE_LEVEL,
    ROLE_MODE,
    ROLE_POWER,
    ROLE_START,
    ROLE_TIMER,
    SELECT_DOMAINS,
    SENSOR_DOMAIN,
    SWITCH_DOMAINS,
    TOGGLE_DOMAINS,
    own_timer_options,
)
from .form_values import (
    UncheckedEntitySelector,
    UncheckedNumberSelector,
    UncheckedSelectSelector,
    UncheckedTextSelector,
    whole,
)

CONF_DEVICES: Final = "devices"
CONF_REMOTE_DEVICE: Final = "remote_device"
SECTION_ADVANCED: Final = "advanced"
# The choice of no means for an optional role, and of no profile.
NONE: Final = "none"
# Default names of a massager built without a source device.
DEFAULT_NAMES: Final = {
    DeviceKind.GUN.value: "Massage Gun",
    DeviceKind.FOOT_LEG.value: "Foot and Leg Massager",
}
# The means each role offers, the default first; only power cannot be left out.
ROLE_MEANS: Final[dict[str, tuple[str, ...]]] = {
    ROLE_POWER: ("toggle", "commands"),
    ROLE_START: ("press", "pulse", "hold"),
    ROLE_LEVEL: ("select", "number", "fan", "steps"),
    ROLE_MODE: ("select", "cycle"),
    ROLE_HEAT: ("switch", "select", "number"),
    ROLE_TIMER: ("select", "number"),
    ROLE_BATTERY: ("sensor",),
}
# Modes offered for a cycling button; any other name can be typed in.
_KNOWN_MODES: Final = ("kneading", "rolling", "air_compression", "combined")
_TIMER_CHOICES: Final = (5, 10, 15, 20, 30, 45, 60, 90, 120)
_MAX_LEVELS: Final = 100
_MAX_TIMER: Final = 240
_MAX_TIMER_OPTIONS: Final = 20
_MAX_WATTS: Final = 10000.0
_MAX_SECONDS: Final = 60.0
_MAX_SETTLE: Final = 600.0
_LIST_SEPARATORS: Final = re.compile(r"[,;\s]+")


@dataclass(frozen=True, slots=True)
class _Fits:
    """Entities that can fill a field: a domain, and a device class where it matters."""

    domains: tuple[str, ...]
    device_class: str | None = None

    def selector_filter(self) -> EntityWithDeviceFilterSelectorConfig:
        """Return the entity picker's filter for them."""
        fits = EntityWithDeviceFilterSelectorConfig(domain=list(self.domains))
        if self.device_class is not None:
            fits["device_class"] = self.device_class
        return fits


_TOGGLES: Final = (_Fits(TOGGLE_DOMAINS),)
_SWITCHES: Final = (_Fits(SWITCH_DOMAINS),)
_SELECTS: Final = (_Fits(SELECT_DOMAINS),)
_NUMBERS: Final = (_Fits(NUMBER_DOMAINS),)
_PRESSES: Final = (_Fits((*PRESS_DOMAINS, REMOTE_DOMAIN)),)
# An input number stands in for a plug's reading in demos.
_POWER_READINGS: Final = (_Fits((SENSOR_DOMAIN,), "power"), _Fits(("input_number",)))
_TIME_LEFT: Final = (_Fits((SENSOR_DOMAIN, *NUMBER_DOMAINS)),)


def _entity_problem(
    hass: HomeAssistant, entity_id: str, fits: tuple[_Fits, ...]
) -> str | None:
    """Return the error key of an entity that cannot fill a field, or None."""
    domain = split_entity_id(entity_id)[0]
    fitting = [fit for fit in fits if domain in fit.domains]
    if not fitting:
        return "wrong_domain"
    registered = er.async_get(hass).async_get(entity_id)
    if registered is not None and registered.platform == DOMAIN:
        # Massagers built on each other's entities would drive each other in a loop.
        return "massage_entity"
    state = hass.states.get(entity_id)
    if state is None:
        if registered is None:
            return "entity_not_found"
        return "entity_disabled" if registered.disabled else "entity_unavailable"
    classes = {fit.device_class for fit in fitting}
    if None not in classes and state.attributes.get(ATTR_DEVICE_CLASS) not in classes:
        return "wrong_device_class"
    return None


def _text(value: object) -> str | None:
    """Return a text field's value without surrounding spaces, None when empty."""
    if not isinstance(value, str) or not (text := value.strip()):
        return None
    return text


@dataclass(slots=True)
class Reading:
    """A roles form being read: what was entered and what is wrong with it."""

    hass: HomeAssistant
    user_input: Mapping[str, Any]
    advanced: Mapping[str, Any]
    remote_device: str | None
    errors: dict[str, str] = field(default_factory=dict)
    # Which field named each entity first, to point an error of the driver at it.
    entity_fields: dict[str, str] = field(default_factory=dict)

    def fail(self, key: str, error: str) -> None:
        """Note an error on a field; the first one it gets is shown."""
        self.errors.setdefault(key, error)

    def entity(
        self, key: str, fits: tuple[_Fits, ...], *, required: bool
    ) -> str | None:
        """Return the entity a field names, or None when it is empty or wrong."""
        value = self.user_input.get(key)
        if value is None or value == "":
            if required:
                self.fail(key, "entity_required")
            return None
        if not isinstance(value, str) or not valid_entity_id(value):
            self.fail(key, "entity_not_found")
            return None
        if problem := _entity_problem(self.hass, value, fits):
            self.fail(key, problem)
            return None
        self.entity_fields.setdefault(value, key)
        return value


@dataclass(frozen=True, slots=True, kw_only=True)
class _Field(ABC):
    """One field of the roles form, and the key of the role's config it fills."""

    key: str
    path: str
    required: bool = False
    advanced: bool = False
    # The error shown on it when the mapping as a whole finds its value wrong.
    invalid: str = "invalid_setting"

    def _marker(self) -> vol.Marker:
        return vol.Required(self.key) if self.required else vol.Optional(self.key)

    @abstractmethod
    def form(self) -> dict[vol.Marker, Any]:
        """Return its part of the form."""

    def values(self, role: Mapping[str, Any]) -> dict[str, Any]:
        """Return what it shows of a role's config."""
        return {self.key: role[self.path]} if self.path in role else {}

    @abstractmethod
    def read(self, reading: Reading) -> Any:
        """Return its value for the role's config, or None when it has none."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _EntityField(_Field):
    """An entity of the role."""

    fits: tuple[_Fits, ...]

    def form(self) -> dict[vol.Marker, Any]:
        """Return an entity picker that offers only the entities that fit."""
        config = EntitySelectorConfig(
            filter=[fit.selector_filter() for fit in self.fits]
        )
        return {self._marker(): UncheckedEntitySelector(config)}

    def read(self, reading: Reading) -> str | None:
        """Return the entity, if it exists and fits."""
        return reading.entity(self.key, self.fits, required=self.required)


@dataclass(frozen=True, slots=True, kw_only=True)
class _PressField(_Field):
    """A press: a button, or a learned command that a remote sends."""

    required: bool = True

    @property
    def command_key(self) -> str:
        """The field of the remote's command."""
        return f"{self.key}_command"

    def form(self) -> dict[vol.Marker, Any]:
        """Return an entity picker for buttons and remotes, and the command."""
        config = EntitySelectorConfig(
            filter=[fit.selector_filter() for fit in _PRESSES]
        )
        return {
            self._marker(): UncheckedEntitySelector(config),
            vol.Optional(self.command_key): UncheckedTextSelector(),
        }

    def values(self, role: Mapping[str, Any]) -> dict[str, Any]:
        """Show the press's entity and command."""
        press = role.get(self.path, {})
        shown = {
            self.key: press.get(ATTR_ENTITY_ID),
            self.command_key: press.get(CONF_COMMAND),
        }
        return {key: value for key, value in shown.items() if value is not None}

    def read(self, reading: Reading) -> dict[str, Any] | None:
        """Return the press; a remote needs the command it sends."""
        entity_id = reading.entity(self.key, _PRESSES, required=True)
        if entity_id is None:
            return None
        if split_entity_id(entity_id)[0] != REMOTE_DOMAIN:
            return {ATTR_ENTITY_ID: entity_id}
        command = _text(reading.user_input.get(self.command_key))
        if command is None:
            reading.fail(self.command_key, "command_required")
            return None
        press = {ATTR_ENTITY_ID: entity_id, CONF_COMMAND: command}
        if reading.remote_device is not None:
            press[CONF_DEVICE] = reading.remote_device
        return press


@dataclass(frozen=True, slots=True, kw_only=True)
class _CountField(_Field):
    """A whole number from 1, such as the number of levels."""

    def form(self) -> dict[vol.Marker, Any]:
        """Return a number box."""
        config = NumberSelectorConfig(
            min=1, max=_MAX_LEVELS, step=1, mode=NumberSelectorMode.BOX
        )
        return {self._marker(): UncheckedNumberSelector(config)}

    def read(self, reading: Reading) -> int | None:
        """Return the number."""
        value = reading.user_input.get(self.key)
        if value is None or value == "":
            if self.required:
                reading.fail(self.key, "invalid_number")
            return None
        if (count := whole(value, 1, _MAX_LEVELS)) is None:
            reading.fail(self.key, "invalid_number")
        return count


@dataclass(frozen=True, slots=True, kw_only=True)
class _ModesField(_Field):
    """The modes in the order one press moves through them."""

    required: bool = True
    invalid: str = "invalid_modes"

    def form(self) -> dict[vol.Marker, Any]:
        """Return a list of names: the usual ones offered, any other typed in."""
        config = SelectSelectorConfig(
            options=list(_KNOWN_MODES),
            multiple=True,
            custom_value=True,
            translation_key="modes",
            mode=SelectSelectorMode.DROPDOWN,
        )
        return {self._marker(): UncheckedSelectSelector(config)}

    def read(self, reading: Reading) -> list[str] | None:
        """Return the names, each once."""
        value = reading.user_input.get(self.key)
        names = [_text(name) for name in value] if isinstance(value, list) else []
        if not names or None in names or len(set(names)) != len(names):
            reading.fail(self.key, "invalid_modes")
            return None
        return [name for name in names if name is not None]


@dataclass(frozen=True, slots=True, kw_only=True)
class _WordField(_Field):
    """A name, such as the mode a device starts in."""

    def form(self) -> dict[vol.Marker, Any]:
        """Return a text field."""
        return {self._marker(): UncheckedTextSelector()}

    def read(self, reading: Reading) -> str | None:
        """Return the text."""
        return _text(reading.user_input.get(self.key))


@dataclass(frozen=True, slots=True, kw_only=True)
class _ValuesField(_Field):
    """Numbers, lowest first, such as a target temperature per heat step."""

    invalid: str = "invalid_values"

    def form(self) -> dict[vol.Marker, Any]:
        """Return a text field of numbers."""
        return {self._marker(): UncheckedTextSelector()}

    def values(self, role: Mapping[str, Any]) -> dict[str, Any]:
        """Show the numbers, separated by commas."""
        numbers = role.get(self.path)
        if not numbers:
            return {}
        return {self.key: ", ".join(f"{number:g}" for number in numbers)}

    def read(self, reading: Reading) -> list[float] | None:
        """Return the numbers."""
        text = _text(reading.user_input.get(self.key))
        if text is None:
            return None
        try:
            numbers = [float(part) for part in _LIST_SEPARATORS.split(text) if part]
        except ValueError:
            numbers = []
        if not numbers or not all(map(math.isfinite, numbers)):
            reading.fail(self.key, "invalid_values")
            return None
        return numbers


@dataclass(frozen=True, slots=True, kw_only=True)
class _TimingField(_Field):
    """A timing or threshold, in the collapsed section, with its default."""

    default: float
    maximum: float
    unit: str
    advanced: bool = True

    def form(self) -> dict[vol.Marker, Any]:
        """Return a number box in its unit."""
        config = NumberSelectorConfig(
            min=0,
            max=self.maximum,
            step="any",
            unit_of_measurement=self.unit,
            mode=NumberSelectorMode.BOX,
        )
        return {self._marker(): UncheckedNumberSelector(config)}

    def values(self, role: Mapping[str, Any]) -> dict[str, Any]:
        """Show its value, or its default."""
        return {self.key: role.get(self.path, self.default)}

    def read(self, reading: Reading) -> float | None:
        """Return the number; its section shows the error."""
        value = reading.advanced.get(self.key)
        if value is None or value == "":
            return None
        number = value if isinstance(value, int | float) else None
        if (
            number is None
            or isinstance(number, bool)
            or not 0 <= number <= self.maximum
        ):
            reading.fail(SECTION_ADVANCED, "invalid_timing")
            return None
        return float(number)


_POWER_FIELDS: Final[tuple[_Field, ...]] = (
    _EntityField(key="power_sensor", path=CONF_SENSOR, fits=_POWER_READINGS),
    _TimingField(
        key="power_delay",
        path=CONF_DELAY,
        default=DEFAULT_POWER_DELAY,
        maximum=_MAX_SECONDS,
        unit="s",
    ),
    _TimingField(
        key="threshold",
        path=CONF_THRESHOLD,
        default=DEFAULT_THRESHOLD,
        maximum=_MAX_WATTS,
        unit="W",
    ),
    _TimingField(
        key="settle",
        path=CONF_SETTLE,
        default=DEFAULT_SETTLE,
        maximum=_MAX_SETTLE,
        unit="s",
    ),
)
_START_SWITCH: Final = _EntityField(
    key="start_entity", path=ATTR_ENTITY_ID, fits=_SWITCHES, required=True
)
_HEAT_SWITCH: Final = _EntityField(key="heat_switch", path=CONF_SWITCH, fits=_SWITCHES)
_REMAINING: Final = _EntityField(
    key="timer_remaining", path=CONF_REMAINING, fits=_TIME_LEFT
)


def _main(role: str, fits: tuple[_Fits, ...]) -> _EntityField:
    """Return the field of a role's main entity."""
    return _EntityField(
        key=f"{role}_entity", path=ATTR_ENTITY_ID, fits=fits, required=True
    )


# The fields of each role and means, in the order the form shows them.
ROLE_FIELDS: Final[dict[tuple[str, str], tuple[_Field, ...]]] = {
    (ROLE_POWER, "toggle"): (_main(ROLE_POWER, _TOGGLES), *_POWER_FIELDS),
    (ROLE_POWER, "commands"): (
        _PressField(key="power_on", path=CONF_ON),
        _PressField(key="power_off", path=CONF_OFF),
        *_POWER_FIELDS,
    ),
    (ROLE_START, "press"): (_PressField(key="start_press", path=CONF_PRESS),),
    (ROLE_START, "pulse"): (
        _START_SWITCH,
        _TimingField(
            key="pulse",
            path=CONF_PULSE,
            default=DEFAULT_PULSE,
            maximum=_MAX_SECONDS,
            unit="s",
        ),
    ),
    (ROLE_START, "hold"): (_START_SWITCH,),
    (ROLE_LEVEL, "select"): (_main(ROLE_LEVEL, _SELECTS),),
    (ROLE_LEVEL, "number"): (_main(ROLE_LEVEL, _NUMBERS),),
    (ROLE_LEVEL, "fan"): (_main(ROLE_LEVEL, (_Fits((FAN_DOMAIN,)),)),),
    (ROLE_LEVEL, "steps"): (
        _PressField(key="level_up", path=CONF_UP),
        _PressField(key="level_down", path=CONF_DOWN),
        _CountField(key="level_count", path=CONF_LEVELS, required=True),
        _CountField(key="level_resets_to", path=CONF_RESETS_TO),
    ),
    (ROLE_MODE, "select"): (_main(ROLE_MODE, _SELECTS),),
    (ROLE_MODE, "cycle"): (
        _PressField(key="mode_next", path=CONF_NEXT),
        _ModesField(key="modes", path=CONF_MODES),
        _WordField(key="mode_resets_to", path=CONF_RESETS_TO),
    ),
    (ROLE_HEAT, "switch"): (_main(ROLE_HEAT, _SWITCHES),),
    (ROLE_HEAT, "select"): (_main(ROLE_HEAT, _SELECTS), _HEAT_SWITCH),
    (ROLE_HEAT, "number"): (
        _main(ROLE_HEAT, _NUMBERS),
        _HEAT_SWITCH,
        _ValuesField(key="heat_values", path=CONF_VALUES),
    ),
    (ROLE_TIMER, "select"): (_main(ROLE_TIMER, _SELECTS), _REMAINING),
    (ROLE_TIMER, "number"): (_main(ROLE_TIMER, _NUMBERS), _REMAINING),
    (ROLE_BATTERY, "sensor"): (
        _main(ROLE_BATTERY, (_Fits((SENSOR_DOMAIN,), "battery"),)),
        _EntityField(
            key="battery_charging",
            path=CONF_CHARGING,
            fits=(_Fits((BINARY_SENSOR_DOMAIN,)),),
        ),
    ),
}
_STEP_DELAY: Final = _TimingField(
    key=CONF_STEP_DELAY,
    path=CONF_STEP_DELAY,
    default=DEFAULT_STEP_DELAY,
    maximum=_MAX_SECONDS,
    unit="s",
)


def _fields(roles: Mapping[str, Any]) -> list[tuple[str, _Field]]:
    """Return each role's fields for the means it has, in the order of the roles."""
    return [
        (role, form_field)
        for role in ROLES
        if role in roles
        for form_field in ROLE_FIELDS[role, roles[role][CONF_MEANS]]
    ]


def _has_presses(roles: Mapping[str, Any]) -> bool:
    return any(isinstance(form_field, _PressField) for _, form_field in _fields(roles))


def _remote_device(roles: Mapping[str, Any]) -> str | None:
    """Return the remote's device name the mapping's first learned command has."""
    return next(
        (
            press[CONF_DEVICE]
            for role, form_field in _fields(roles)
            if isinstance(form_field, _PressField)
            and CONF_DEVICE in (press := roles[role].get(form_field.path, {}))
        ),
        None,
    )


def roles_form(mapping: Mapping[str, Any]) -> tuple[vol.Schema, dict[str, Any]]:
    """Return the roles form for a mapping's means, and the values it shows.

    The section of timings opens by itself when a value differs from its default,
    so that nothing a profile filled in is hidden.
    """
    roles: Mapping[str, Any] = mapping[CONF_ROLES]
    fields: dict[vol.Marker, Any] = {}
    timings: dict[vol.Marker, Any] = {}
    values: dict[str, Any] = {}
    timing_values: dict[str, Any] = {}
    changed = False
    for role, form_field in _fields(roles):
        if isinstance(form_field, _TimingField):
            timings.update(form_field.form())
            timing_values.update(form_field.values(roles[role]))
            changed |= roles[role].get(form_field.path, form_field.default) != (
                form_field.default
            )
        else:
            fields.update(form_field.form())
            values.update(form_field.values(roles[role]))
    if _has_presses(roles):
        fields[vol.Optional(CONF_REMOTE_DEVICE)] = UncheckedTextSelector()
        if (device := _remote_device(roles)) is not None:
            values[CONF_REMOTE_DEVICE] = device
        timings.update(_STEP_DELAY.form())
        timing_values.update(_STEP_DELAY.values(mapping))
        changed |= mapping.get(CONF_STEP_DELAY, DEFAULT_STEP_DELAY) != (
            DEFAULT_STEP_DELAY
        )
    if ROLE_TIMER not in roles:
        # Without a timer of the device's own, the integration's timer offers these.
        fields[vol.Optional(CONF_TIMER_OPTIONS)] = UncheckedSelectSelector(
            SelectSelectorConfig(
                options=[str(minutes) for minutes in _TIMER_CHOICES],
                multiple=True,
                custom_value=True,
                mode=SelectSelectorMode.DROPDOWN,
            )
        )
        values[CONF_TIMER_OPTIONS] = [
            str(minutes) for minutes in own_timer_options(mapping)
        ]
    fields[vol.Required(SECTION_ADVANCED)] = section(
        vol.Schema(timings), {"collapsed": not changed}
    )
    values[SECTION_ADVANCED] = timing_values
    return vol.Schema(fields), values


def _timer_options(value: object, reading: Reading) -> list[int] | None:
    """Return the own timer's minutes from the form, None for the default ones."""
    if value is None or value == []:
        return None
    minutes = (
        [whole(item, 1, _MAX_TIMER) for item in value]
        if isinstance(value, list)
        else [None]
    )
    if (
        None in minutes
        or len(minutes) > _MAX_TIMER_OPTIONS
        or len(set(minutes)) != len(minutes)
    ):
        reading.fail(CONF_TIMER_OPTIONS, "invalid_timer_options")
        return None
    return sorted(minute for minute in minutes if minute is not None)


def read_roles(
    hass: HomeAssistant, mapping: Mapping[str, Any], user_input: Mapping[str, Any]
) -> tuple[dict[str, Any], Reading]:
    """Return the entry data a roles form gives, and what reading it found."""
    reading = Reading(
        hass,
        user_input,
        # The form's schema makes the section a mapping.
        user_input[SECTION_ADVANCED],
        _text(user_input.get(CONF_REMOTE_DEVICE)),
    )
    roles: dict[str, dict[str, Any]] = {
        role: {CONF_MEANS: config[CONF_MEANS]}
        for role, config in mapping[CONF_ROLES].items()
    }
    for role, form_field in _fields(roles):
        if (value := form_field.read(reading)) is not None:
            roles[role][form_field.path] = value
    data = {**mapping, CONF_ROLES: roles}
    if _has_presses(roles) and (delay := _STEP_DELAY.read(reading)) is not None:
        data[CONF_STEP_DELAY] = delay
    if ROLE_TIMER not in roles:
        options = _timer_options(user_input.get(CONF_TIMER_OPTIONS), reading)
        data.pop(CONF_TIMER_OPTIONS, None)
        if options is not None:
            data[CONF_TIMER_OPTIONS] = options
    return data, reading


def schema_errors(
    roles: Mapping[str, Any], error: vol.Invalid, reading: Reading
) -> None:
    """Point what the entry schema finds wrong at the fields it comes from."""
    by_path = {
        (CONF_ROLES, role, form_field.path): (form_field.key, form_field.invalid)
        for role, form_field in _fields(roles)
    }
    errors = error.errors if isinstance(error, vol.MultipleInvalid) else [error]
    for invalid in errors:
        key, message = by_path.get(tuple(invalid.path[:3]), ("base", "invalid_mapping"))
        reading.fail(key, message)


def source_unique_id(device_id: str) -> str:
    """Return the unique id of a massager built from a source device's entities."""
    return f"{ENTITIES_BACKEND}_{device_id}"

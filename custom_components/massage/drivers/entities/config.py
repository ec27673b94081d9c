"""The entities driver's entry data: its keys, its defaults and its schema."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.helpers import config_validation as cv

from ...api import DeviceKind
from ...compat import vol

BACKEND: Final = "entities"

CONF_BACKEND: Final = "backend"
CONF_KIND: Final = "kind"
CONF_PROFILE: Final = "profile"
CONF_SOURCE_DEVICE: Final = "source_device"
CONF_STEP_DELAY: Final = "step_delay"
CONF_TIMER_OPTIONS: Final = "timer_options"
CONF_ROLES: Final = "roles"

CONF_MEANS: Final = "means"
CONF_COMMAND: Final = "command"
CONF_DEVICE: Final = "device"
CONF_ON: Final = "on"
CONF_OFF: Final = "off"
CONF_SENSOR: Final = "sensor"
CONF_THRESHOLD: Final = "threshold"
CONF_SETTLE: Final = "settle"
CONF_DELAY: Final = "delay"
CONF_PRESS: Final = "press"
CONF_PULSE: Final = "pulse"
CONF_UP: Final = "up"
CONF_DOWN: Final = "down"
CONF_LEVELS: Final = "levels"
CONF_NEXT: Final = "next"
CONF_MODES: Final = "modes"
CONF_RESETS_TO: Final = "resets_to"
CONF_SWITCH: Final = "switch"
CONF_VALUES: Final = "values"
CONF_REMAINING: Final = "remaining"
CONF_CHARGING: Final = "charging"

# The roles an entity can play, in the order a session is set up.
ROLE_POWER: Final = "power"
ROLE_START: Final = "start"
ROLE_LEVEL: Final = "level"
ROLE_MODE: Final = "mode"
ROLE_HEAT: Final = "heat"
ROLE_TIMER: Final = "timer"
ROLE_BATTERY: Final = "battery"
ROLES: Final = (
    ROLE_POWER,
    ROLE_START,
    ROLE_LEVEL,
    ROLE_MODE,
    ROLE_HEAT,
    ROLE_TIMER,
    ROLE_BATTERY,
)

# Defaults that suit a "dumb" massager on a plug; profiles of smart devices lower them.
DEFAULT_POWER_DELAY: Final = 1.0  # seconds a device needs after power-on
DEFAULT_STEP_DELAY: Final = 0.5  # seconds between two presses (IR, button pushers)
DEFAULT_PULSE: Final = 0.5  # seconds a pulsed switch stays on
DEFAULT_THRESHOLD: Final = 5.0  # watts above which the motor runs
DEFAULT_SETTLE: Final = 10.0  # seconds a power reading must hold before it counts
# The integration's own auto-off timer, for devices without one.
DEFAULT_TIMER_OPTIONS: Final = (10, 15, 20, 30)
DEFAULT_TIMER: Final = 15

# Domains each means accepts.
TOGGLE_DOMAINS: Final = ("switch", "fan", "input_boolean")
PRESS_DOMAINS: Final = ("button", "input_button")
REMOTE_DOMAIN: Final = "remote"
SWITCH_DOMAINS: Final = ("switch", "input_boolean")
SELECT_DOMAINS: Final = ("select", "input_select")
NUMBER_DOMAINS: Final = ("number", "input_number")
FAN_DOMAIN: Final = "fan"
SENSOR_DOMAIN: Final = "sensor"
BINARY_SENSOR_DOMAIN: Final = "binary_sensor"

_SECONDS = vol.All(vol.Coerce(float), vol.Range(min=0, max=60))


def _command(value: Any) -> dict[str, Any]:
    """Check one press: a button, or a learned command of a remote."""
    if not isinstance(value, Mapping):
        raise vol.Invalid("expected a mapping")
    entity_id = cv.entity_id(value.get(ATTR_ENTITY_ID))
    if entity_id.startswith(f"{REMOTE_DOMAIN}."):
        schema = vol.Schema(
            {
                vol.Required(ATTR_ENTITY_ID): cv.entity_id,
                vol.Required(CONF_COMMAND): cv.string,
                vol.Optional(CONF_DEVICE): cv.string,
            }
        )
    else:
        schema = vol.Schema(
            {vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(PRESS_DOMAINS))}
        )
    validated: dict[str, Any] = schema(dict(value))
    return validated


def _one_of_means(
    schemas: Mapping[str, Mapping[vol.Marker, Any]],
) -> Callable[[Any], dict[str, Any]]:
    """Check a role against the schema of the means it names."""
    compiled = {
        means: vol.Schema({vol.Required(CONF_MEANS): means, **fields})
        for means, fields in schemas.items()
    }

    def validate(value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise vol.Invalid("expected a mapping")
        means = value.get(CONF_MEANS)
        if means not in compiled:
            raise vol.Invalid(
                f"means must be one of: {', '.join(compiled)}", path=[CONF_MEANS]
            )
        validated: dict[str, Any] = compiled[means](dict(value))
        return validated

    return validate


def _distinct[T](values: list[T]) -> list[T]:
    if len(set(values)) != len(values):
        raise vol.Invalid("values must be distinct")
    return values


def _ascending(values: list[float]) -> list[float]:
    if sorted(values) != values:
        raise vol.Invalid("values must be in ascending order")
    return values


_POWER_SENSOR: dict[vol.Marker, Any] = {
    # An input number stands in for a plug's reading in demos.
    vol.Optional(CONF_SENSOR): cv.entity_domain([SENSOR_DOMAIN, "input_number"]),
    vol.Optional(CONF_THRESHOLD, default=DEFAULT_THRESHOLD): vol.All(
        vol.Coerce(float), vol.Range(min=0)
    ),
    vol.Optional(CONF_SETTLE, default=DEFAULT_SETTLE): vol.All(
        vol.Coerce(float), vol.Range(min=0, max=600)
    ),
    vol.Optional(CONF_DELAY, default=DEFAULT_POWER_DELAY): _SECONDS,
}
_NAMES = vol.All(cv.ensure_list, [cv.string], vol.Length(min=1), _distinct)

POWER_SCHEMA = _one_of_means(
    {
        "toggle": {
            vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(TOGGLE_DOMAINS)),
            **_POWER_SENSOR,
        },
        "commands": {
            vol.Required(CONF_ON): _command,
            vol.Required(CONF_OFF): _command,
            **_POWER_SENSOR,
        },
    }
)
START_SCHEMA = _one_of_means(
    {
        "press": {vol.Required(CONF_PRESS): _command},
        "pulse": {
            vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(SWITCH_DOMAINS)),
            vol.Optional(CONF_PULSE, default=DEFAULT_PULSE): _SECONDS,
        },
        "hold": {
            vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(SWITCH_DOMAINS)),
        },
    }
)


def _resets_within(role: dict[str, Any]) -> dict[str, Any]:
    """Check that the value a device resets to is one it has."""
    resets_to = role.get(CONF_RESETS_TO)
    if resets_to is None:
        return role
    if CONF_LEVELS in role and resets_to > role[CONF_LEVELS]:
        raise vol.Invalid("resets_to is above the levels", path=[CONF_RESETS_TO])
    if CONF_MODES in role and resets_to not in role[CONF_MODES]:
        raise vol.Invalid("resets_to is not one of the modes", path=[CONF_RESETS_TO])
    return role


LEVEL_SCHEMA = vol.All(
    _one_of_means(
        {
            "select": {
                vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(SELECT_DOMAINS))
            },
            "number": {
                vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(NUMBER_DOMAINS))
            },
            "fan": {vol.Required(ATTR_ENTITY_ID): cv.entity_domain(FAN_DOMAIN)},
            "steps": {
                vol.Required(CONF_UP): _command,
                vol.Required(CONF_DOWN): _command,
                vol.Required(CONF_LEVELS): vol.All(
                    vol.Coerce(int), vol.Range(min=1, max=100)
                ),
                vol.Optional(CONF_RESETS_TO): vol.All(
                    vol.Coerce(int), vol.Range(min=1)
                ),
            },
        }
    ),
    _resets_within,
)
MODE_SCHEMA = vol.All(
    _one_of_means(
        {
            "select": {
                vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(SELECT_DOMAINS))
            },
            "cycle": {
                vol.Required(CONF_NEXT): _command,
                vol.Required(CONF_MODES): _NAMES,
                vol.Optional(CONF_RESETS_TO): cv.string,
            },
        }
    ),
    _resets_within,
)
HEAT_SCHEMA = _one_of_means(
    {
        "switch": {
            vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(SWITCH_DOMAINS))
        },
        "select": {
            vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(SELECT_DOMAINS)),
            vol.Optional(CONF_SWITCH): cv.entity_domain(list(SWITCH_DOMAINS)),
        },
        "number": {
            vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(NUMBER_DOMAINS)),
            vol.Optional(CONF_SWITCH): cv.entity_domain(list(SWITCH_DOMAINS)),
            vol.Optional(CONF_VALUES): vol.All(
                cv.ensure_list,
                [vol.Coerce(float)],
                vol.Length(min=1, max=10),
                _distinct,
                _ascending,
            ),
        },
    }
)
_REMAINING = vol.Optional(CONF_REMAINING)
TIMER_SCHEMA = _one_of_means(
    {
        "select": {
            vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(SELECT_DOMAINS)),
            _REMAINING: cv.entity_domain([SENSOR_DOMAIN, *NUMBER_DOMAINS]),
        },
        "number": {
            vol.Required(ATTR_ENTITY_ID): cv.entity_domain(list(NUMBER_DOMAINS)),
            _REMAINING: cv.entity_domain([SENSOR_DOMAIN, *NUMBER_DOMAINS]),
        },
    }
)
BATTERY_SCHEMA = _one_of_means(
    {
        "sensor": {
            vol.Required(ATTR_ENTITY_ID): cv.entity_domain(SENSOR_DOMAIN),
            vol.Optional(CONF_CHARGING): cv.entity_domain(BINARY_SENSOR_DOMAIN),
        }
    }
)

ROLES_SCHEMA = vol.Schema(
    {
        vol.Required(ROLE_POWER): POWER_SCHEMA,
        vol.Optional(ROLE_START): START_SCHEMA,
        vol.Optional(ROLE_LEVEL): LEVEL_SCHEMA,
        vol.Optional(ROLE_MODE): MODE_SCHEMA,
        vol.Optional(ROLE_HEAT): HEAT_SCHEMA,
        vol.Optional(ROLE_TIMER): TIMER_SCHEMA,
        vol.Optional(ROLE_BATTERY): BATTERY_SCHEMA,
    }
)

ENTITIES_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_BACKEND): BACKEND,
        vol.Optional(CONF_KIND, default=DeviceKind.FOOT_LEG.value): vol.In(
            [kind.value for kind in DeviceKind]
        ),
        vol.Optional(CONF_PROFILE): cv.string,
        vol.Optional(CONF_SOURCE_DEVICE): cv.string,
        vol.Optional(CONF_STEP_DELAY, default=DEFAULT_STEP_DELAY): _SECONDS,
        vol.Optional(CONF_TIMER_OPTIONS): vol.All(
            cv.ensure_list,
            [vol.All(vol.Coerce(int), vol.Range(min=1, max=240))],
            vol.Length(min=1, max=20),
            _distinct,
        ),
        vol.Required(CONF_ROLES): ROLES_SCHEMA,
    }
)
"""Checks an entities entry's data and fills in the defaults.

Raises ``vol.Invalid`` (a ``vol.MultipleInvalid``) naming the path of what is wrong.
"""


def own_timer_options(data: Mapping[str, Any]) -> tuple[int, ...]:
    """Return the minutes the integration's own timer offers, shortest first.

    The own timer runs a device whose mapping has no timer role.
    """
    return tuple(sorted(data.get(CONF_TIMER_OPTIONS, DEFAULT_TIMER_OPTIONS)))

"""Typed, validated models of what a Massage device reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import math
from typing import Any

from .errors import MassageInvalidResponseError

_MAX_BATTERY = 100


class DeviceKind(StrEnum):
    """The two kinds of device the protocol knows."""

    GUN = "gun"
    FOOT_LEG = "foot_leg"


def _object(data: object, what: str) -> dict[str, Any]:
    """Return data as a JSON object, or raise when it is not one."""
    if not isinstance(data, dict):
        raise MassageInvalidResponseError(f"{what} is not a JSON object")
    return data


def _field(data: dict[str, Any], key: str, what: str) -> object:
    """Return a field that must be present."""
    try:
        return data[key]
    except KeyError:
        raise MassageInvalidResponseError(f"{what} lacks {key!r}") from None


def _int(
    value: object, name: str, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Check an integer (never a boolean) and its range."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise MassageInvalidResponseError(f"{name} is not an integer: {value!r}")
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        raise MassageInvalidResponseError(f"{name} is out of range: {value}")
    return value


def _bool(value: object, name: str) -> bool:
    """Check a boolean."""
    if not isinstance(value, bool):
        raise MassageInvalidResponseError(f"{name} is not a boolean: {value!r}")
    return value


def _str(value: object, name: str, *, non_empty: bool = False) -> str:
    """Check a string, and optionally that it is not empty."""
    if not isinstance(value, str):
        raise MassageInvalidResponseError(f"{name} is not a string: {value!r}")
    if non_empty and not value:
        raise MassageInvalidResponseError(f"{name} is empty")
    return value


def _list(value: object, name: str) -> list[Any]:
    """Check a list."""
    if not isinstance(value, list):
        raise MassageInvalidResponseError(f"{name} is not a list: {value!r}")
    return value


def _names(value: object, name: str) -> tuple[str, ...]:
    """Check a list of distinct, non-empty strings."""
    items = tuple(_str(item, name, non_empty=True) for item in _list(value, name))
    if len(set(items)) != len(items):
        raise MassageInvalidResponseError(f"{name} has duplicates")
    return items


def _choice(value: object, options: tuple[str, ...], name: str) -> str | None:
    """Check one of options, or null exactly when there are no options."""
    if not options:
        if value is not None:
            raise MassageInvalidResponseError(f"{name} must be null: {value!r}")
        return None
    if value not in options:
        raise MassageInvalidResponseError(f"{name} is not one of {options}: {value!r}")
    return _str(value, name)


def _time(value: object, name: str) -> datetime | None:
    """Check null or an ISO 8601 time that carries an offset."""
    if value is None:
        return None
    text = _str(value, name)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MassageInvalidResponseError(f"{name} is not a time: {text!r}") from None
    if moment.utcoffset() is None:
        raise MassageInvalidResponseError(f"{name} has no offset: {text!r}")
    return moment


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a device can do; it does not change while the device runs."""

    levels: int
    strokes_per_minute: tuple[int, ...] | None
    modes: tuple[str, ...]
    heat_levels: int
    heat_cutoff_minutes: int | None
    timer_options: tuple[int, ...]
    battery: bool
    force_sensor: bool
    attachments: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: object) -> Capabilities:
        """Parse and validate the `capabilities` object of `GET /api/v1/info`.

        Raises MassageInvalidResponseError for anything the protocol does not allow.
        """
        caps = _object(data, "capabilities")
        levels = _int(_field(caps, "levels", "capabilities"), "levels", 1)

        raw_spm = _field(caps, "strokes_per_minute", "capabilities")
        spm: tuple[int, ...] | None = None
        if raw_spm is not None:
            spm = tuple(
                _int(item, "strokes_per_minute", 0)
                for item in _list(raw_spm, "strokes_per_minute")
            )
            if len(spm) != levels:
                raise MassageInvalidResponseError(
                    f"strokes_per_minute has {len(spm)} entries for {levels} levels"
                )

        raw_cutoff = _field(caps, "heat_cutoff_minutes", "capabilities")
        cutoff = (
            None if raw_cutoff is None else _int(raw_cutoff, "heat_cutoff_minutes", 1)
        )

        timers = tuple(
            _int(item, "timer_options", 1)
            for item in _list(
                _field(caps, "timer_options", "capabilities"), "timer_options"
            )
        )
        if not timers:
            raise MassageInvalidResponseError("timer_options is empty")
        if len(set(timers)) != len(timers):
            raise MassageInvalidResponseError("timer_options has duplicates")

        return cls(
            levels=levels,
            strokes_per_minute=spm,
            modes=_names(_field(caps, "modes", "capabilities"), "modes"),
            heat_levels=_int(
                _field(caps, "heat_levels", "capabilities"), "heat_levels", 0
            ),
            heat_cutoff_minutes=cutoff,
            timer_options=timers,
            battery=_bool(_field(caps, "battery", "capabilities"), "battery"),
            force_sensor=_bool(
                _field(caps, "force_sensor", "capabilities"), "force_sensor"
            ),
            attachments=_names(
                _field(caps, "attachments", "capabilities"), "attachments"
            ),
        )


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Identity and capabilities of a device, from `GET /api/v1/info`."""

    id: str
    kind: DeviceKind
    name: str
    manufacturer: str
    model: str
    firmware: str
    api_version: int
    capabilities: Capabilities

    @classmethod
    def from_dict(cls, data: object) -> DeviceInfo:
        """Parse and validate the body of `GET /api/v1/info`.

        Any integer api_version is accepted here; the client decides which it speaks.
        Raises MassageInvalidResponseError for anything the protocol does not allow.
        """
        info = _object(data, "info")
        kind = _str(_field(info, "kind", "info"), "kind")
        if kind not in DeviceKind:
            raise MassageInvalidResponseError(f"unknown kind: {kind!r}")
        return cls(
            id=_str(_field(info, "id", "info"), "id", non_empty=True),
            kind=DeviceKind(kind),
            name=_str(_field(info, "name", "info"), "name"),
            manufacturer=_str(_field(info, "manufacturer", "info"), "manufacturer"),
            model=_str(_field(info, "model", "info"), "model"),
            firmware=_str(_field(info, "firmware", "info"), "firmware"),
            api_version=_int(_field(info, "api_version", "info"), "api_version"),
            capabilities=Capabilities.from_dict(_field(info, "capabilities", "info")),
        )


@dataclass(frozen=True, slots=True)
class DeviceState:
    """The full state of a device, from `GET /api/v1/state` or a push."""

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

    @classmethod
    def from_dict(cls, data: object, capabilities: Capabilities) -> DeviceState:
        """Parse and validate a state object against the device's capabilities.

        Times must carry an offset. Raises MassageInvalidResponseError for anything
        the protocol or the capabilities do not allow.
        """
        state = _object(data, "state")

        def field(key: str) -> object:
            return _field(state, key, "state")

        timer = _int(field("timer"), "timer")
        if timer not in capabilities.timer_options:
            raise MassageInvalidResponseError(f"timer is not an option: {timer}")

        battery: int | None = None
        charging: bool | None = None
        if capabilities.battery:
            battery = _int(field("battery"), "battery", 0, _MAX_BATTERY)
            charging = _bool(field("charging"), "charging")
        elif field("battery") is not None or field("charging") is not None:
            raise MassageInvalidResponseError("battery reported without a battery")

        raw_force = field("force")
        force: float | None = None
        if raw_force is not None:
            if not capabilities.force_sensor:
                raise MassageInvalidResponseError("force reported without a sensor")
            if not isinstance(raw_force, int | float) or isinstance(raw_force, bool):
                raise MassageInvalidResponseError(
                    f"force is not a number: {raw_force!r}"
                )
            try:
                force = float(raw_force)
            except OverflowError:
                force = math.inf
            if not math.isfinite(force) or force < 0:
                raise MassageInvalidResponseError(f"force is out of range: {raw_force}")

        return cls(
            on=_bool(field("on"), "on"),
            level=_int(field("level"), "level", 1, capabilities.levels),
            mode=_choice(field("mode"), capabilities.modes, "mode"),
            heat=_int(field("heat"), "heat", 0, capabilities.heat_levels),
            timer=timer,
            session_end=_time(field("session_end"), "session_end"),
            heat_end=_time(field("heat_end"), "heat_end"),
            battery=battery,
            charging=charging,
            force=force,
            attachment=_choice(
                field("attachment"), capabilities.attachments, "attachment"
            ),
        )

"""Typed, validated models of what a Massage device reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
import math
import re
from typing import Any, Final
import unicodedata

from .errors import MassageInvalidResponseError

_MAX_BATTERY = 100

MAX_TEXT_LENGTH: Final = 64
"""Characters kept of a name, manufacturer, model or firmware a device reports."""
MAX_OPTION_LENGTH: Final = 32
"""Characters kept of a mode, attachment or level name a device reports."""
DEVICE_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,32}")
"""A usable device id: 1 to 32 ASCII letters, digits, hyphens or underscores."""


def is_device_id(value: object) -> bool:
    """Whether value is a usable device id (see DEVICE_ID_PATTERN)."""
    return isinstance(value, str) and DEVICE_ID_PATTERN.fullmatch(value) is not None


def clean_text(value: str, limit: int) -> str:
    """Return text from a device made safe to show and to name things after.

    Control characters become spaces and other invisible ones (format, private
    use, unassigned) are dropped; runs of white space become one space; the
    result is cut to `limit` characters.
    """
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif not category.startswith("C"):
            kept.append(char)
    return " ".join("".join(kept).split())[:limit].rstrip()


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
        raise MassageInvalidResponseError(f"{name} is not an integer: {value!r:.80}")
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        raise MassageInvalidResponseError(f"{name} is out of range: {value}")
    return value


def _bool(value: object, name: str) -> bool:
    """Check a boolean."""
    if not isinstance(value, bool):
        raise MassageInvalidResponseError(f"{name} is not a boolean: {value!r:.80}")
    return value


def _str(value: object, name: str) -> str:
    """Check a string."""
    if not isinstance(value, str):
        raise MassageInvalidResponseError(f"{name} is not a string: {value!r:.80}")
    return value


def _list(value: object, name: str) -> list[Any]:
    """Check a list."""
    if not isinstance(value, list):
        raise MassageInvalidResponseError(f"{name} is not a list: {value!r:.80}")
    return value


def _text(value: object, name: str) -> str:
    """Check a string to show people, and clean it."""
    return clean_text(_str(value, name), MAX_TEXT_LENGTH)


def _option(value: object, name: str) -> str:
    """Check an option name, and clean it; it must not clean away to nothing."""
    option = clean_text(_str(value, name), MAX_OPTION_LENGTH)
    if not option:
        raise MassageInvalidResponseError(f"{name} has an empty entry: {value!r:.80}")
    return option


def _names(
    value: object, name: str, wire_names: dict[str, dict[str, str]] | None = None
) -> tuple[str, ...]:
    """Check a list of option names that stay distinct once cleaned.

    Where cleaning changed a name, wire_names[name] maps it back to the device's
    own spelling.
    """
    raw = tuple(_str(item, name) for item in _list(value, name))
    items = tuple(_option(item, name) for item in raw)
    if len(set(items)) != len(items):
        raise MassageInvalidResponseError(f"{name} has duplicates")
    if wire_names is not None and (
        changed := {
            item: original
            for item, original in zip(items, raw, strict=True)
            if item != original
        }
    ):
        wire_names[name] = changed
    return items


def _choice(value: object, options: tuple[str, ...], name: str) -> str | None:
    """Check one of options (cleaned as they were), or null when there are none."""
    if not options:
        if value is not None:
            raise MassageInvalidResponseError(f"{name} must be null: {value!r:.80}")
        return None
    choice = clean_text(_str(value, name), MAX_OPTION_LENGTH)
    if choice not in options:
        raise MassageInvalidResponseError(
            f"{name} is not one of {options}: {value!r:.80}"
        )
    return choice


def _time(value: object, name: str) -> datetime | None:
    """Check null or an ISO 8601 time that carries an offset."""
    if value is None:
        return None
    text = _str(value, name)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MassageInvalidResponseError(
            f"{name} is not a time: {text!r:.80}"
        ) from None
    if moment.utcoffset() is None:
        raise MassageInvalidResponseError(f"{name} has no offset: {text!r:.80}")
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
    level_names: tuple[str, ...] | None = None
    """Names of the levels, lowest first (protocol 1.1), or None."""
    wire_names: Mapping[str, Mapping[str, str]] = field(
        default_factory=dict[str, Mapping[str, str]], compare=False, repr=False
    )
    """Mode and attachment names as the device spells them where cleaning changed
    them, by "modes" or "attachments" and the cleaned name; writes use those."""

    def wire_name(self, names: str, option: str) -> str:
        """Return an option of `modes` or `attachments` as the device spells it."""
        return self.wire_names.get(names, {}).get(option, option)

    @classmethod
    def from_dict(cls, data: object) -> Capabilities:
        """Parse and validate the `capabilities` object of `GET /api/v1/info`.

        Names are cleaned (see clean_text). Raises MassageInvalidResponseError
        for anything the protocol does not allow.
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

        level_names: tuple[str, ...] | None = None
        if (raw_level_names := caps.get("level_names")) is not None:
            level_names = _names(raw_level_names, "level_names")
            if len(level_names) != levels:
                raise MassageInvalidResponseError(
                    f"level_names has {len(level_names)} entries for {levels} levels"
                )

        wire_names: dict[str, dict[str, str]] = {}
        return cls(
            levels=levels,
            strokes_per_minute=spm,
            modes=_names(_field(caps, "modes", "capabilities"), "modes", wire_names),
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
                _field(caps, "attachments", "capabilities"), "attachments", wire_names
            ),
            level_names=level_names,
            wire_names=wire_names,
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
    api_minor: int = 0
    """The minor protocol version: 1 for 1.1, 0 for a device that does not say."""

    @classmethod
    def from_dict(cls, data: object) -> DeviceInfo:
        """Parse and validate the body of `GET /api/v1/info`.

        Any integer api_version is accepted here; the client decides which it speaks.
        The id must be usable (see DEVICE_ID_PATTERN); texts are cleaned (see
        clean_text). Raises MassageInvalidResponseError for anything the protocol
        does not allow.
        """
        info = _object(data, "info")
        kind = _str(_field(info, "kind", "info"), "kind")
        if kind not in DeviceKind:
            raise MassageInvalidResponseError(f"unknown kind: {kind!r:.80}")
        device_id = _field(info, "id", "info")
        if not is_device_id(device_id):
            raise MassageInvalidResponseError(f"id is not usable: {device_id!r:.80}")
        raw_minor = info.get("api_minor")
        return cls(
            id=_str(device_id, "id"),
            kind=DeviceKind(kind),
            name=_text(_field(info, "name", "info"), "name"),
            manufacturer=_text(_field(info, "manufacturer", "info"), "manufacturer"),
            model=_text(_field(info, "model", "info"), "model"),
            firmware=_text(_field(info, "firmware", "info"), "firmware"),
            api_version=_int(_field(info, "api_version", "info"), "api_version"),
            capabilities=Capabilities.from_dict(_field(info, "capabilities", "info")),
            api_minor=0 if raw_minor is None else _int(raw_minor, "api_minor", 0),
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
                    f"force is not a number: {raw_force!r:.80}"
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

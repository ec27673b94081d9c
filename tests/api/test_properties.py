"""Property-based tests: parsers accept what is valid and reject the rest cleanly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.massage.api import (
    MAX_OPTION_LENGTH,
    MAX_TEXT_LENGTH,
    Capabilities,
    DeviceInfo,
    DeviceKind,
    DeviceState,
    MassageInvalidResponseError,
    clean_text,
)

from .payloads import FOOT_INFO, FOOT_STATE, GUN_INFO, GUN_STATE

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

GUN_CAPS = Capabilities.from_dict(GUN_INFO["capabilities"])
FOOT_CAPS = Capabilities.from_dict(FOOT_INFO["capabilities"])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["gun", "foot_leg", "ball", "rolling", "2026-11-24T07:40:00Z"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=15,
)

# Names as a device reports them once cleaned: cleaning leaves them as they are.
option_names = st.text(min_size=1, max_size=10).map(
    lambda text: clean_text(text, MAX_OPTION_LENGTH)
)
names = st.lists(option_names.filter(bool), max_size=5, unique=True).map(tuple)
texts = st.text(max_size=20).map(lambda text: clean_text(text, MAX_TEXT_LENGTH))
device_ids = st.from_regex(r"[A-Za-z0-9_-]{1,32}", fullmatch=True)
offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware_times = st.datetimes(
    min_value=datetime(2000, 1, 2),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=offsets,
)


@st.composite
def capabilities(draw: st.DrawFn) -> Capabilities:
    """Draw valid capabilities."""
    levels = draw(st.integers(min_value=1, max_value=10))
    level_names = draw(
        st.none()
        | st.lists(
            option_names.filter(bool), min_size=levels, max_size=levels, unique=True
        ).map(tuple)
    )
    spm = draw(
        st.none()
        | st.lists(
            st.integers(min_value=0, max_value=5000), min_size=levels, max_size=levels
        ).map(tuple)
    )
    return Capabilities(
        levels=levels,
        strokes_per_minute=spm,
        modes=draw(names),
        heat_levels=draw(st.integers(min_value=0, max_value=5)),
        heat_cutoff_minutes=draw(st.none() | st.integers(min_value=1, max_value=240)),
        timer_options=tuple(
            draw(
                st.lists(
                    st.integers(min_value=1, max_value=240),
                    min_size=1,
                    max_size=6,
                    unique=True,
                )
            )
        ),
        battery=draw(st.booleans()),
        force_sensor=draw(st.booleans()),
        attachments=draw(names),
        level_names=level_names,
    )


@st.composite
def infos(draw: st.DrawFn) -> DeviceInfo:
    """Draw a valid device info."""
    return DeviceInfo(
        id=draw(device_ids),
        kind=draw(st.sampled_from(DeviceKind)),
        name=draw(texts),
        manufacturer=draw(texts),
        model=draw(texts),
        firmware=draw(texts),
        api_version=draw(st.integers(min_value=1, max_value=3)),
        capabilities=draw(capabilities()),
        api_minor=draw(st.integers(min_value=0, max_value=3)),
    )


@st.composite
def states(draw: st.DrawFn, caps: Capabilities) -> DeviceState:
    """Draw a state valid for caps."""
    has_battery = caps.battery
    return DeviceState(
        on=draw(st.booleans()),
        level=draw(st.integers(min_value=1, max_value=caps.levels)),
        mode=draw(st.sampled_from(caps.modes)) if caps.modes else None,
        heat=draw(st.integers(min_value=0, max_value=caps.heat_levels)),
        timer=draw(st.sampled_from(caps.timer_options)),
        session_end=draw(st.none() | aware_times),
        heat_end=draw(st.none() | aware_times),
        battery=draw(st.integers(min_value=0, max_value=100)) if has_battery else None,
        charging=draw(st.booleans()) if has_battery else None,
        force=(
            draw(st.none() | st.floats(min_value=0, max_value=1e6))
            if caps.force_sensor
            else None
        ),
        attachment=draw(st.sampled_from(caps.attachments))
        if caps.attachments
        else None,
    )


def caps_payload(caps: Capabilities) -> dict[str, Any]:
    """Serialise capabilities the way a device does."""
    payload: dict[str, Any] = {
        "levels": caps.levels,
        "strokes_per_minute": (
            None if caps.strokes_per_minute is None else list(caps.strokes_per_minute)
        ),
        "modes": list(caps.modes),
        "heat_levels": caps.heat_levels,
        "heat_cutoff_minutes": caps.heat_cutoff_minutes,
        "timer_options": list(caps.timer_options),
        "battery": caps.battery,
        "force_sensor": caps.force_sensor,
        "attachments": list(caps.attachments),
    }
    if caps.level_names is not None:
        payload["level_names"] = list(caps.level_names)
    return payload


def info_payload(info: DeviceInfo) -> dict[str, Any]:
    """Serialise a device info the way a device does."""
    return {
        "id": info.id,
        "kind": info.kind.value,
        "name": info.name,
        "manufacturer": info.manufacturer,
        "model": info.model,
        "firmware": info.firmware,
        "api_version": info.api_version,
        "api_minor": info.api_minor,
        "capabilities": caps_payload(info.capabilities),
    }


def state_payload(state: DeviceState) -> dict[str, Any]:
    """Serialise a state the way a device does."""
    return {
        "on": state.on,
        "level": state.level,
        "mode": state.mode,
        "heat": state.heat,
        "timer": state.timer,
        "session_end": state.session_end and state.session_end.isoformat(),
        "heat_end": state.heat_end and state.heat_end.isoformat(),
        "battery": state.battery,
        "charging": state.charging,
        "force": state.force,
        "attachment": state.attachment,
    }


def parse_or_reject[T](parse: Callable[..., T], *args: object) -> T | None:
    """Run a parser; only MassageInvalidResponseError may escape it."""
    try:
        return parse(*args)
    except MassageInvalidResponseError:
        return None


@SETTINGS
@given(json_values)
def test_arbitrary_json_is_rejected_cleanly(payload: object) -> None:
    parse_or_reject(Capabilities.from_dict, payload)
    parse_or_reject(DeviceInfo.from_dict, payload)
    parse_or_reject(DeviceState.from_dict, payload, GUN_CAPS)
    parse_or_reject(DeviceState.from_dict, payload, FOOT_CAPS)


@SETTINGS
@given(infos())
def test_valid_info_round_trips(info: DeviceInfo) -> None:
    assert DeviceInfo.from_dict(info_payload(info)) == info


@SETTINGS
@given(st.data())
def test_valid_state_round_trips(data: st.DataObject) -> None:
    caps = data.draw(capabilities())
    state = data.draw(states(caps))
    assert Capabilities.from_dict(caps_payload(caps)) == caps
    parsed = DeviceState.from_dict(state_payload(state), caps)
    assert parsed == state
    for moment in (parsed.session_end, parsed.heat_end):
        assert moment is None or moment.tzinfo is not None


def _mutate(data: st.DataObject, payload: dict[str, Any]) -> dict[str, Any]:
    """Replace, drop or add one field of a payload."""
    key = data.draw(st.sampled_from(sorted(payload)))
    action = data.draw(st.sampled_from(["replace", "drop", "add"]))
    mutated = dict(payload)
    if action == "drop":
        del mutated[key]
    elif action == "replace":
        mutated[key] = data.draw(json_values)
    else:
        mutated[data.draw(st.text(max_size=8))] = data.draw(json_values)
    return mutated


def _check_state(state: DeviceState, caps: Capabilities) -> None:
    """Assert the invariants every parsed state keeps."""
    assert 1 <= state.level <= caps.levels
    assert 0 <= state.heat <= caps.heat_levels
    assert state.timer in caps.timer_options
    assert state.mode is None if not caps.modes else state.mode in caps.modes
    assert (state.battery is None) is not caps.battery
    assert state.force is None or (caps.force_sensor and state.force >= 0)


@SETTINGS
@given(st.data())
def test_mutated_info_is_valid_or_rejected(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from([GUN_INFO, FOOT_INFO]))
    payload = _mutate(data, base)
    if data.draw(st.booleans()):
        payload["capabilities"] = _mutate(data, base["capabilities"])
    info = parse_or_reject(DeviceInfo.from_dict, payload)
    if info is not None:
        assert info.capabilities.levels >= 1
        assert info.capabilities.timer_options
        assert info.id


@SETTINGS
@given(st.data())
def test_mutated_state_is_valid_or_rejected(data: st.DataObject) -> None:
    payload, caps = data.draw(
        st.sampled_from([(GUN_STATE, GUN_CAPS), (FOOT_STATE, FOOT_CAPS)])
    )
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        payload = _mutate(data, payload)
    state = parse_or_reject(DeviceState.from_dict, payload, caps)
    if state is not None:
        _check_state(state, caps)


@SETTINGS
@given(st.data())
def test_state_against_other_capabilities(data: st.DataObject) -> None:
    caps = data.draw(capabilities())
    other = data.draw(capabilities())
    state = data.draw(states(caps))
    parsed = parse_or_reject(DeviceState.from_dict, state_payload(state), other)
    if parsed is not None:
        _check_state(parsed, other)


def test_z_suffix_is_utc() -> None:
    state = dict(GUN_STATE, session_end="2026-11-24T07:40:00Z")
    parsed = DeviceState.from_dict(state, GUN_CAPS)
    assert parsed.session_end == datetime(2026, 11, 24, 7, 40, tzinfo=UTC)


@SETTINGS
@given(st.text(max_size=300), st.integers(min_value=1, max_value=100))
def test_cleaned_text_is_bounded_visible_and_stable(text: str, limit: int) -> None:
    cleaned = clean_text(text, limit)
    assert len(cleaned) <= limit
    assert cleaned == cleaned.strip()
    assert all(char.isprintable() for char in cleaned)
    assert "  " not in cleaned
    assert clean_text(cleaned, limit) == cleaned


@SETTINGS
@given(st.data())
def test_names_from_a_device_are_cleaned_and_writable(data: st.DataObject) -> None:
    """Whatever names a device reports, the parsed ones are safe and map back."""
    raw = data.draw(st.lists(st.text(min_size=1, max_size=80), max_size=5))
    payload = dict(FOOT_INFO["capabilities"], modes=raw, attachments=raw)
    caps = parse_or_reject(Capabilities.from_dict, payload)
    if caps is None:
        return
    for names in ("modes", "attachments"):
        options = getattr(caps, names)
        assert len(options) == len(raw)
        for option, original in zip(options, raw, strict=True):
            assert 0 < len(option) <= MAX_OPTION_LENGTH
            assert option.isprintable()
            assert caps.wire_name(names, option) == original

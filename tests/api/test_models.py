"""Unit tests of the model parsers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.massage.api import (
    Capabilities,
    DeviceInfo,
    DeviceKind,
    DeviceState,
    MassageInvalidResponseError,
)

from .payloads import FOOT_INFO, FOOT_STATE, GUN_INFO, GUN_STATE, fresh

GUN_CAPS = Capabilities.from_dict(GUN_INFO["capabilities"])
FOOT_CAPS = Capabilities.from_dict(FOOT_INFO["capabilities"])


def test_gun_info() -> None:
    info = DeviceInfo.from_dict(GUN_INFO)
    assert info == DeviceInfo(
        id="gun-4f2a91",
        kind=DeviceKind.GUN,
        name="Massage Gun",
        manufacturer="Massage Open Hardware",
        model="Percussion Pro",
        firmware="1.4.2",
        api_version=1,
        capabilities=Capabilities(
            levels=5,
            strokes_per_minute=(1750, 2100, 2450, 2800, 3200),
            modes=(),
            heat_levels=0,
            heat_cutoff_minutes=None,
            timer_options=(5, 10, 15),
            battery=True,
            force_sensor=True,
            attachments=("ball", "flat", "bullet", "fork"),
        ),
    )


def test_foot_leg_info() -> None:
    info = DeviceInfo.from_dict(FOOT_INFO)
    assert info.kind is DeviceKind.FOOT_LEG
    assert info.capabilities.strokes_per_minute is None
    assert info.capabilities.modes == (
        "kneading",
        "rolling",
        "air_compression",
        "combined",
    )
    assert info.capabilities.heat_cutoff_minutes == 30
    assert info.capabilities.attachments == ()


def test_gun_state() -> None:
    state = DeviceState.from_dict(GUN_STATE, GUN_CAPS)
    assert state == DeviceState(
        on=True,
        level=3,
        mode=None,
        heat=0,
        timer=10,
        session_end=datetime(2026, 11, 24, 7, 40, tzinfo=UTC),
        heat_end=None,
        battery=84,
        charging=False,
        force=12.5,
        attachment="ball",
    )


def test_foot_leg_state() -> None:
    state = DeviceState.from_dict(FOOT_STATE, FOOT_CAPS)
    assert state.mode == "rolling"
    assert state.heat == 2
    assert state.heat_end == datetime(2026, 11, 24, 8, tzinfo=UTC)
    assert state.battery is None
    assert state.charging is None
    assert state.force is None
    assert state.attachment is None


def test_models_are_frozen() -> None:
    state = DeviceState.from_dict(GUN_STATE, GUN_CAPS)
    with pytest.raises(AttributeError):
        state.level = 1  # type: ignore[misc]
    assert not hasattr(state, "__dict__")


def test_unknown_fields_are_ignored() -> None:
    info = fresh(GUN_INFO)
    info["colour"] = "red"
    info["capabilities"]["lasers"] = 3
    state = fresh(GUN_STATE)
    state["temperature"] = 41.5
    assert DeviceInfo.from_dict(info) == DeviceInfo.from_dict(GUN_INFO)
    assert DeviceState.from_dict(state, GUN_CAPS) == DeviceState.from_dict(
        GUN_STATE, GUN_CAPS
    )


def test_later_api_version_parses() -> None:
    info = fresh(GUN_INFO)
    info["api_version"] = 2
    assert DeviceInfo.from_dict(info).api_version == 2


def test_int_force_and_offsets() -> None:
    state = fresh(GUN_STATE)
    state["force"] = 0
    state["session_end"] = "2026-11-24T08:40:00+01:00"
    parsed = DeviceState.from_dict(state, GUN_CAPS)
    assert parsed.force == 0.0
    assert isinstance(parsed.force, float)
    assert parsed.session_end == datetime(2026, 11, 24, 7, 40, tzinfo=UTC)


def test_force_null_while_sensor() -> None:
    state = fresh(GUN_STATE)
    state["force"] = None
    assert DeviceState.from_dict(state, GUN_CAPS).force is None


@pytest.mark.parametrize("payload", [None, [], "info", 1, True])
def test_not_an_object(payload: object) -> None:
    with pytest.raises(MassageInvalidResponseError):
        DeviceInfo.from_dict(payload)
    with pytest.raises(MassageInvalidResponseError):
        Capabilities.from_dict(payload)
    with pytest.raises(MassageInvalidResponseError):
        DeviceState.from_dict(payload, GUN_CAPS)


@pytest.mark.parametrize("key", sorted(GUN_INFO))
def test_info_missing_field(key: str) -> None:
    info = fresh(GUN_INFO)
    del info[key]
    with pytest.raises(MassageInvalidResponseError, match=key):
        DeviceInfo.from_dict(info)


@pytest.mark.parametrize("key", sorted(GUN_INFO["capabilities"]))
def test_capabilities_missing_field(key: str) -> None:
    caps = fresh(GUN_INFO["capabilities"])
    del caps[key]
    with pytest.raises(MassageInvalidResponseError, match=key):
        Capabilities.from_dict(caps)


@pytest.mark.parametrize(
    ("payload", "key"),
    [(GUN_STATE, key) for key in sorted(GUN_STATE)]
    + [(FOOT_STATE, key) for key in sorted(FOOT_STATE)],
)
def test_state_missing_field(payload: dict[str, Any], key: str) -> None:
    caps = GUN_CAPS if payload is GUN_STATE else FOOT_CAPS
    state = fresh(payload)
    del state[key]
    with pytest.raises(MassageInvalidResponseError, match=key):
        DeviceState.from_dict(state, caps)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("id", ""),
        ("id", 7),
        ("kind", "chair"),
        ("kind", None),
        ("name", None),
        ("manufacturer", 1),
        ("model", ["x"]),
        ("firmware", 1.4),
        ("api_version", "1"),
        ("api_version", True),
        ("api_version", 1.0),
        ("capabilities", []),
    ],
)
def test_info_bad_field(key: str, value: object) -> None:
    info = fresh(GUN_INFO)
    info[key] = value
    with pytest.raises(MassageInvalidResponseError):
        DeviceInfo.from_dict(info)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("levels", 0),
        ("levels", True),
        ("levels", 5.0),
        ("levels", "5"),
        ("strokes_per_minute", [1, 2, 3]),
        ("strokes_per_minute", [1, 2, 3, 4, 5, 6]),
        ("strokes_per_minute", [1, 2, 3, 4, -5]),
        ("strokes_per_minute", [1, 2, 3, 4, True]),
        ("strokes_per_minute", {"1": 1}),
        ("modes", None),
        ("modes", [1]),
        ("modes", [""]),
        ("modes", ["a", "a"]),
        ("heat_levels", -1),
        ("heat_levels", False),
        ("heat_levels", None),
        ("heat_cutoff_minutes", 0),
        ("heat_cutoff_minutes", "30"),
        ("timer_options", []),
        ("timer_options", [0]),
        ("timer_options", [5, 5]),
        ("timer_options", [5.0]),
        ("timer_options", None),
        ("battery", 1),
        ("battery", None),
        ("force_sensor", "yes"),
        ("attachments", "ball"),
        ("attachments", [None]),
        ("attachments", ["ball", "ball"]),
    ],
)
def test_capabilities_bad_field(key: str, value: object) -> None:
    caps = fresh(GUN_INFO["capabilities"])
    caps[key] = value
    with pytest.raises(MassageInvalidResponseError, match=key):
        Capabilities.from_dict(caps)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("on", 1),
        ("on", None),
        ("level", 0),
        ("level", 6),
        ("level", True),
        ("level", 3.0),
        ("mode", "kneading"),
        ("heat", 1),
        ("heat", -1),
        ("heat", None),
        ("timer", 7),
        ("timer", "10"),
        ("timer", False),
        ("session_end", "tomorrow"),
        ("session_end", "2026-11-24T07:40:00"),
        ("session_end", 1700000000),
        ("session_end", "2026-11-24T07:40:00+99:00"),
        ("heat_end", ""),
        ("battery", 101),
        ("battery", -1),
        ("battery", None),
        ("battery", 84.0),
        ("charging", None),
        ("charging", 0),
        ("force", -0.5),
        ("force", True),
        ("force", "12.5"),
        ("force", float("nan")),
        ("force", float("inf")),
        ("force", 10**400),
        ("attachment", "hammer"),
        ("attachment", None),
        ("attachment", 1),
    ],
)
def test_gun_state_bad_field(key: str, value: object) -> None:
    state = fresh(GUN_STATE)
    state[key] = value
    with pytest.raises(MassageInvalidResponseError, match=key):
        DeviceState.from_dict(state, GUN_CAPS)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("mode", None),
        ("mode", "shaking"),
        ("heat", 3),
        ("battery", 50),
        ("charging", False),
        ("force", 1.0),
        ("attachment", "ball"),
    ],
)
def test_foot_leg_state_bad_field(key: str, value: object) -> None:
    state = fresh(FOOT_STATE)
    state[key] = value
    with pytest.raises(MassageInvalidResponseError):
        DeviceState.from_dict(state, FOOT_CAPS)


def test_kind_values() -> None:
    assert DeviceKind("gun") is DeviceKind.GUN
    assert str(DeviceKind.FOOT_LEG) == "foot_leg"

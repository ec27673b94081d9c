"""Tests of the built-in device profiles."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from emulator import DeviceProfile, foot_leg_profile, gun_profile


def test_gun_profile_reports_the_capabilities_of_a_percussion_gun() -> None:
    profile = gun_profile(device_id="gun-4f2a91")

    assert profile.info() == {
        "id": "gun-4f2a91",
        "kind": "gun",
        "name": "Massage Gun",
        "manufacturer": "Massage Open Hardware",
        "model": "Percussion Pro",
        "firmware": "1.4.2",
        "api_version": 1,
        "api_minor": 1,
        "capabilities": {
            "levels": 5,
            "strokes_per_minute": [1750, 2100, 2450, 2800, 3200],
            "modes": [],
            "heat_levels": 0,
            "heat_cutoff_minutes": None,
            "timer_options": [5, 10, 15],
            "battery": True,
            "force_sensor": True,
            "attachments": ["ball", "flat", "bullet", "fork"],
        },
    }


def test_foot_leg_profile_reports_the_capabilities_of_a_shiatsu_massager() -> None:
    info = foot_leg_profile(name="Sofa").info()

    assert info["kind"] == "foot_leg"
    assert info["name"] == "Sofa"
    assert info["manufacturer"] == "Massage Open Hardware"
    assert info["capabilities"] == {
        "levels": 3,
        "strokes_per_minute": None,
        "modes": ["kneading", "rolling", "air_compression", "combined"],
        "heat_levels": 2,
        "heat_cutoff_minutes": 15,
        "timer_options": [10, 15, 20, 30],
        "battery": False,
        "force_sensor": False,
        "attachments": [],
        "level_names": ["Low", "Medium", "High"],
    }


def test_foot_leg_profile_can_lack_a_heat_cutoff() -> None:
    assert foot_leg_profile(heat_cutoff_minutes=None).heat_cutoff_minutes is None


def test_profiles_get_fresh_distinct_ids() -> None:
    guns = {gun_profile().device_id for _ in range(20)}
    foot_legs = {foot_leg_profile().device_id for _ in range(20)}

    assert len(guns) == 20
    assert len(foot_legs) == 20
    assert all(re.fullmatch(r"gun-[0-9a-f]{6}", device_id) for device_id in guns)
    assert all(
        re.fullmatch(r"footleg-[0-9a-f]{6}", device_id) for device_id in foot_legs
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"device_id": ""}, "device_id"),
        ({"kind": "chair"}, "kind"),
        ({"levels": 0, "strokes_per_minute": None}, "levels"),
        ({"strokes_per_minute": (1, 2)}, "strokes_per_minute"),
        ({"heat_levels": -1}, "heat_levels"),
        ({"heat_cutoff_minutes": 10}, "heat_cutoff_minutes"),
        ({"timer_options": ()}, "timer_options"),
        ({"timer_options": (0, 5)}, "timer_options"),
    ],
)
def test_profile_rejects_capabilities_the_protocol_forbids(
    changes: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        dataclasses.replace(gun_profile(), **changes)


def test_foot_leg_heat_cutoff_must_be_at_least_a_minute() -> None:
    with pytest.raises(ValueError, match="heat_cutoff_minutes"):
        foot_leg_profile(heat_cutoff_minutes=0)


def test_profile_is_immutable() -> None:
    profile: DeviceProfile = gun_profile()
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.levels = 3  # type: ignore[misc]

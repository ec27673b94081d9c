"""Tests of the emulated device's state machine, rules and timers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from emulator import (
    ApiError,
    DeviceState,
    EmulatedDevice,
    ErrorCode,
    foot_leg_profile,
    gun_profile,
)

from .common import FAST_MINUTE, wait_for
from .conftest import MakeDevice


def recorder(device: EmulatedDevice) -> list[DeviceState]:
    """Collect every state the device reports."""
    states: list[DeviceState] = []
    device.add_listener(states.append)
    return states


async def test_a_new_gun_is_off_with_its_first_options(make_device: MakeDevice) -> None:
    device = make_device(gun_profile())

    assert device.state == DeviceState(
        on=False,
        level=1,
        mode=None,
        heat=0,
        timer=5,
        session_end=None,
        heat_end=None,
        battery=100,
        charging=False,
        force=None,
        attachment="ball",
    )


async def test_a_new_foot_leg_massager_has_no_battery_or_attachment(
    make_device: MakeDevice,
) -> None:
    device = make_device(foot_leg_profile())

    assert device.state.as_json() == {
        "on": False,
        "level": 1,
        "mode": "kneading",
        "heat": 0,
        "timer": 10,
        "session_end": None,
        "heat_end": None,
        "battery": None,
        "charging": None,
        "force": None,
        "attachment": None,
    }
    assert device.info() == device.profile.info()


async def test_turning_on_starts_a_session_of_timer_minutes(
    make_device: MakeDevice, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-24T07:30:00+00:00")
    device = make_device(gun_profile(), minute_seconds=6.0)

    state = device.write({"on": True, "timer": 10})

    assert state.on is True
    assert state.timer == 10
    # Ten protocol minutes of six real seconds each.
    assert state.session_end == datetime(2026, 11, 24, 7, 31, tzinfo=UTC)
    assert state.as_json()["session_end"] == "2026-11-24T07:31:00+00:00"
    assert state.force == 0.0


async def test_write_returns_and_keeps_the_new_state(make_device: MakeDevice) -> None:
    device = make_device(gun_profile())

    state = device.write({"on": True, "level": 4, "attachment": "fork"})

    assert (state.on, state.level, state.attachment) == (True, 4, "fork")
    assert device.state == state
    assert device.write({"level": 2}).level == 2


async def test_timer_and_attachment_can_be_written_while_off(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile())

    state = device.write({"timer": 15, "attachment": "flat"})

    assert (state.on, state.timer, state.attachment) == (False, 15, "flat")
    assert state.session_end is None


async def test_writing_the_timer_while_running_restarts_the_session(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile())
    first_end = device.write({"on": True, "timer": 15}).session_end
    assert first_end is not None

    second_end = device.write({"timer": 5}).session_end

    assert second_end is not None
    assert second_end < first_end
    assert second_end - datetime.now(UTC) <= timedelta(minutes=5)


async def test_on_while_already_on_does_not_restart_the_session(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile())
    session_end = device.write({"on": True}).session_end

    assert device.write({"on": True}).session_end == session_end


async def test_turning_off_ends_the_session_and_heat(make_device: MakeDevice) -> None:
    device = make_device(foot_leg_profile())
    device.write({"on": True, "heat": 2, "mode": "rolling", "level": 3})

    state = device.write({"on": False})

    assert state.on is False
    assert state.session_end is None
    assert state.heat == 0
    assert state.heat_end is None
    # Level and mode are kept while off.
    assert (state.level, state.mode) == (3, "rolling")


async def test_heat_with_turning_off_in_one_write_ends_with_heat_off(
    make_device: MakeDevice,
) -> None:
    device = make_device(foot_leg_profile())
    device.write({"on": True})

    state = device.write({"on": False, "heat": 2})

    assert (state.on, state.heat) == (False, 0)


async def test_heat_cutoff_counts_from_when_heat_came_on(
    make_device: MakeDevice,
) -> None:
    device = make_device(foot_leg_profile())
    state = device.write({"on": True, "heat": 1})
    assert state.heat_end is not None
    assert state.heat_end - datetime.now(UTC) <= timedelta(minutes=15)

    assert device.write({"heat": 2}).heat_end == state.heat_end
    assert device.write({"heat": 0}).heat_end is None


async def test_no_heat_end_without_a_cutoff(make_device: MakeDevice) -> None:
    device = make_device(foot_leg_profile(heat_cutoff_minutes=None))

    state = device.write({"on": True, "heat": 2})

    assert (state.heat, state.heat_end) == (2, None)


async def test_null_mode_on_a_device_without_modes_changes_nothing(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile())
    before = device.write({"on": True})

    assert device.write({"mode": None}) == before


async def test_an_empty_write_changes_nothing_and_tells_nobody(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile())
    states = recorder(device)

    assert device.write({}) == device.state
    assert device.write({"timer": 5, "attachment": "ball"}) == device.state
    assert states == []


@pytest.mark.parametrize(
    ("kind", "changes", "code", "message"),
    [
        # 409: level, mode and heat need the device running.
        ("gun", {"level": 3}, ErrorCode.DEVICE_OFF, "level needs the device"),
        ("gun", {"mode": None}, ErrorCode.DEVICE_OFF, "mode needs the device"),
        ("foot_leg", {"mode": "rolling"}, ErrorCode.DEVICE_OFF, "mode needs"),
        ("foot_leg", {"heat": 1}, ErrorCode.DEVICE_OFF, "heat needs"),
        ("foot_leg", {"heat": 0, "level": 2}, ErrorCode.DEVICE_OFF, "level, heat"),
        ("foot_leg", {"on": False, "level": 2}, ErrorCode.DEVICE_OFF, "level"),
        # 422 unsupported: capabilities the device lacks.
        ("gun", {"heat": 1}, ErrorCode.UNSUPPORTED, "no heater"),
        ("gun", {"heat": 0}, ErrorCode.UNSUPPORTED, "no heater"),
        ("gun", {"mode": "rolling"}, ErrorCode.UNSUPPORTED, "no modes"),
        ("foot_leg", {"attachment": "ball"}, ErrorCode.UNSUPPORTED, "attachments"),
        ("foot_leg", {"attachment": None}, ErrorCode.UNSUPPORTED, "attachments"),
        # 422 invalid_value: wrong type or out of range; booleans are not ints.
        ("gun", {"on": 1}, ErrorCode.INVALID_VALUE, "on must be true or false"),
        ("gun", {"on": "true"}, ErrorCode.INVALID_VALUE, "on must be"),
        ("gun", {"on": None}, ErrorCode.INVALID_VALUE, "on must be"),
        ("gun", {"on": True, "level": 0}, ErrorCode.INVALID_VALUE, "between 1 and 5"),
        ("gun", {"on": True, "level": 6}, ErrorCode.INVALID_VALUE, "level"),
        ("gun", {"on": True, "level": "3"}, ErrorCode.INVALID_VALUE, "level"),
        ("gun", {"on": True, "level": 3.0}, ErrorCode.INVALID_VALUE, "level"),
        ("gun", {"on": True, "level": True}, ErrorCode.INVALID_VALUE, "level"),
        ("gun", {"timer": 7}, ErrorCode.INVALID_VALUE, "one of 5, 10, 15"),
        ("gun", {"timer": "5"}, ErrorCode.INVALID_VALUE, "timer"),
        ("gun", {"timer": True}, ErrorCode.INVALID_VALUE, "timer"),
        ("gun", {"attachment": "spoon"}, ErrorCode.INVALID_VALUE, "ball, flat"),
        ("gun", {"attachment": None}, ErrorCode.INVALID_VALUE, "attachment"),
        ("foot_leg", {"on": True, "mode": "tapping"}, ErrorCode.INVALID_VALUE, "mode"),
        ("foot_leg", {"on": True, "mode": None}, ErrorCode.INVALID_VALUE, "mode"),
        ("foot_leg", {"on": True, "heat": 3}, ErrorCode.INVALID_VALUE, "0 and 2"),
        ("foot_leg", {"on": True, "heat": -1}, ErrorCode.INVALID_VALUE, "heat"),
        ("foot_leg", {"on": True, "heat": False}, ErrorCode.INVALID_VALUE, "heat"),
        # 422 unknown_field: read-only or unknown names, reported first.
        ("gun", {"battery": 50}, ErrorCode.UNKNOWN_FIELD, "battery"),
        ("gun", {"session_end": None}, ErrorCode.UNKNOWN_FIELD, "session_end"),
        ("gun", {"on": 1, "zz": 1, "aa": 2}, ErrorCode.UNKNOWN_FIELD, "aa, zz"),
    ],
)
async def test_refused_writes_change_nothing(
    make_device: MakeDevice,
    kind: str,
    changes: dict[str, Any],
    code: ErrorCode,
    message: str,
) -> None:
    profile = gun_profile() if kind == "gun" else foot_leg_profile()
    device = make_device(profile)
    states = recorder(device)
    before = device.state

    with pytest.raises(ApiError, match=message) as caught:
        device.write(changes)

    assert caught.value.code is code
    assert caught.value.status == {"device_off": 409}.get(code, 422)
    assert caught.value.body() == {
        "error": {"code": code, "message": str(caught.value)}
    }
    assert device.state == before
    assert states == []


async def test_one_bad_field_rejects_a_write_to_a_running_device(
    make_device: MakeDevice,
) -> None:
    device = make_device(foot_leg_profile())
    before = device.write({"on": True, "level": 1, "heat": 1})

    with pytest.raises(ApiError):
        device.write({"level": 3, "mode": "combined", "timer": 30, "heat": 9})

    assert device.state == before


async def test_an_empty_battery_refuses_to_start(make_device: MakeDevice) -> None:
    device = make_device(gun_profile(), battery=0, minute_seconds=0.2)

    with pytest.raises(ApiError) as caught:
        device.write({"on": True, "level": 2})

    assert caught.value.code is ErrorCode.BUSY
    assert caught.value.status == 503
    assert caught.value.retry_after == 1
    assert device.state.on is False
    assert device.state.level == 1
    assert device.press_power() is False


async def test_retry_after_for_an_empty_battery_is_one_protocol_minute(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile(), battery=0)

    with pytest.raises(ApiError) as caught:
        device.write({"on": True})

    assert caught.value.retry_after == 60


async def test_a_docked_device_runs_on_an_empty_battery(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile(), battery=0)
    device.set_docked(True)

    assert device.write({"on": True}).on is True


async def test_the_session_ends_by_itself(make_device: MakeDevice) -> None:
    device = make_device(foot_leg_profile(), minute_seconds=FAST_MINUTE)
    states = recorder(device)
    device.write({"on": True, "heat": 2})

    await wait_for(lambda: not device.state.on)

    assert states[-1].on is False
    assert states[-1].session_end is None
    assert states[-1].heat == 0
    assert [state.on for state in states] == [True, False]


async def test_the_heat_cutoff_switches_heat_off_but_not_the_massage(
    make_device: MakeDevice,
) -> None:
    device = make_device(
        foot_leg_profile(heat_cutoff_minutes=1), minute_seconds=FAST_MINUTE
    )
    states = recorder(device)
    device.write({"on": True, "heat": 2})

    await wait_for(lambda: device.state.heat == 0)

    assert device.state.on is True
    assert device.state.heat_end is None
    assert [(state.on, state.heat) for state in states] == [(True, 2), (True, 0)]


async def test_without_a_cutoff_heat_lasts_until_the_session_ends(
    make_device: MakeDevice,
) -> None:
    device = make_device(
        foot_leg_profile(heat_cutoff_minutes=None), minute_seconds=FAST_MINUTE
    )
    states = recorder(device)
    device.write({"on": True, "heat": 2})

    await wait_for(lambda: not device.state.on)

    assert [(state.on, state.heat) for state in states] == [(True, 2), (False, 0)]


async def test_the_battery_drains_while_running_and_stops_the_device_at_zero(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile(), battery=3, minute_seconds=FAST_MINUTE)
    device.write({"timer": 15})
    states = recorder(device)
    device.write({"on": True})

    await wait_for(lambda: not device.state.on)

    assert [state.battery for state in states] == [3, 2, 1, 0]
    assert states[-1].on is False
    assert states[-1].force is None
    assert device._battery_timer is None


async def test_the_battery_keeps_its_charge_while_off(make_device: MakeDevice) -> None:
    device = make_device(gun_profile(), battery=50, minute_seconds=FAST_MINUTE)
    device.write({"on": True})
    device.write({"on": False})

    await asyncio.sleep(FAST_MINUTE * 3)

    assert device.state.battery == 50
    assert device._battery_timer is None


async def test_the_battery_charges_while_docked_up_to_full(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile(), battery=95, minute_seconds=FAST_MINUTE)
    states = recorder(device)

    device.set_docked(True)
    await wait_for(lambda: device.state.battery == 100)

    assert [state.battery for state in states] == [95, 97, 99, 100]
    assert all(state.charging for state in states)
    assert device._battery_timer is None
    device.set_docked(False)
    assert device.state.charging is False


async def test_a_running_docked_device_charges(make_device: MakeDevice) -> None:
    device = make_device(
        gun_profile(),
        battery=40,
        minute_seconds=FAST_MINUTE,
        battery_charge_per_minute=5,
    )
    device.write({"on": True, "timer": 15})
    device.set_docked(True)

    await wait_for(lambda: (device.state.battery or 0) >= 50)

    assert device.state.on is True


async def test_set_battery_to_zero_stops_a_running_device(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile())
    device.write({"on": True})

    device.set_battery(0)

    assert (device.state.on, device.state.battery) == (False, 0)
    device.set_battery(80)
    assert device.state.battery == 80


async def test_the_power_button_toggles_a_session(make_device: MakeDevice) -> None:
    device = make_device(gun_profile())
    states = recorder(device)

    assert device.press_power() is True
    assert device.state.session_end is not None
    assert device.press_power() is False
    assert [state.on for state in states] == [True, False]


async def test_times_started_counts_each_start_however_it_came(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile(), minute_seconds=FAST_MINUTE)
    assert device.times_started == 0

    device.write({"timer": 10, "attachment": "flat"})
    device.write({"on": False})
    assert device.times_started == 0

    device.write({"on": True, "level": 2})
    # Changes to a running device are not starts: level, timer (which restarts
    # the countdown) and on again.
    device.write({"level": 3})
    device.write({"timer": 15})
    device.write({"on": True})
    assert device.times_started == 1

    device.write({"on": False})
    device.press_power()
    assert device.times_started == 2
    device.press_power()
    device.write({"on": True, "timer": 5})
    assert device.times_started == 3

    # Its own timer ends the session; that is no start either.
    await wait_for(lambda: not device.state.on)
    assert device.times_started == 3


async def test_force_is_reported_only_while_running(make_device: MakeDevice) -> None:
    device = make_device(gun_profile())
    states = recorder(device)

    device.set_force(7.5)
    assert device.state.force is None
    assert states == []

    device.write({"on": True})
    device.set_force(12)

    running = device.state
    assert running.force == 12.0
    assert [state.force for state in states] == [7.5, 12.0]


@pytest.mark.parametrize("newtons", [-0.1, float("nan"), float("inf")])
async def test_force_must_be_a_finite_positive_number(
    make_device: MakeDevice, newtons: float
) -> None:
    with pytest.raises(ValueError, match="force"):
        make_device(gun_profile()).set_force(newtons)


async def test_physical_controls_a_device_lacks_raise(make_device: MakeDevice) -> None:
    device = make_device(foot_leg_profile())

    with pytest.raises(ValueError, match="no force sensor"):
        device.set_force(1.0)
    with pytest.raises(ValueError, match="no battery"):
        device.set_docked(True)
    with pytest.raises(ValueError, match="no battery"):
        device.set_battery(50)


@pytest.mark.parametrize("percent", [-1, 101])
async def test_set_battery_checks_the_range(
    make_device: MakeDevice, percent: int
) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        make_device(gun_profile()).set_battery(percent)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"minute_seconds": 0}, "minute_seconds"),
        ({"minute_seconds": float("nan")}, "minute_seconds"),
        ({"battery": 101}, "battery"),
        ({"battery_drain_per_minute": -1}, "rates"),
        ({"battery_charge_per_minute": -1}, "rates"),
    ],
)
def test_device_rejects_bad_settings(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EmulatedDevice(gun_profile(), **kwargs)


async def test_listeners_hear_every_change_until_removed(
    make_device: MakeDevice,
) -> None:
    device = make_device(gun_profile())
    states: list[DeviceState] = []
    remove = device.add_listener(states.append)

    device.write({"on": True})
    remove()
    remove()
    device.write({"on": False})

    assert [state.on for state in states] == [True]


async def test_a_failing_listener_does_not_stop_the_others(
    make_device: MakeDevice, caplog: pytest.LogCaptureFixture
) -> None:
    device = make_device(gun_profile())

    def broken(state: DeviceState) -> None:
        raise RuntimeError("listener bug")

    device.add_listener(broken)
    states = recorder(device)
    with caplog.at_level(logging.ERROR, logger="emulator.device"):
        device.write({"on": True})

    assert [state.on for state in states] == [True]
    assert "listener" in caplog.text


async def test_close_cancels_every_timer(make_device: MakeDevice) -> None:
    device = make_device(
        foot_leg_profile(heat_cutoff_minutes=1), minute_seconds=FAST_MINUTE / 2
    )
    states = recorder(device)
    device.write({"on": True, "heat": 1})

    device.close()
    # Past the end of the 10-minute session.
    await asyncio.sleep(FAST_MINUTE * 6)

    assert device.state.on is True
    assert len(states) == 1

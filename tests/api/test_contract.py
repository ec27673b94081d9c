"""Contract tests: the real client against the real emulator over 127.0.0.1."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from custom_components.massage.api import (
    DeviceKind,
    MassageAuthenticationError,
    MassageClient,
    MassageConnectionClosedError,
    MassageConnectionError,
    MassageInvalidResponseError,
    MassageRequestError,
    MassageTimeoutError,
    MassageUnsupportedError,
)
from emulator import foot_leg_profile, gun_profile

from .conftest import Emulate, Emulated, Listener


async def test_gun_info_and_state(gun: Emulated, client: MassageClient) -> None:
    info = await client.info()
    profile = gun.device.profile
    assert info.id == profile.device_id
    assert info.kind is DeviceKind.GUN
    assert info.name == profile.name
    assert info.model == profile.model
    assert info.firmware == profile.firmware
    assert info.api_version == 1
    caps = info.capabilities
    assert caps.levels == profile.levels
    assert caps.strokes_per_minute == profile.strokes_per_minute
    assert caps.attachments == profile.attachments
    assert caps.timer_options == profile.timer_options
    assert (caps.battery, caps.force_sensor, caps.heat_levels) == (True, True, 0)

    state = await client.state()
    assert not state.on
    assert state.level == 1
    assert state.mode is None
    assert state.timer == profile.timer_options[0]
    assert state.session_end is None
    assert state.battery == 100
    assert state.charging is False
    assert state.force is None
    assert state.attachment == profile.attachments[0]


async def test_foot_leg_info_and_state(emulate: Emulate) -> None:
    emulated = await emulate(foot_leg_profile())
    async with emulated.client() as client:
        state = await client.state()  # fetches the info first
        caps = client.capabilities
        assert caps is not None
        assert caps.modes == ("kneading", "rolling", "air_compression", "combined")
        assert caps.strokes_per_minute is None
        assert caps.heat_cutoff_minutes == 15
        assert state.mode == "kneading"
        assert (state.battery, state.charging, state.force, state.attachment) == (
            None,
            None,
            None,
            None,
        )


async def test_turn_on_with_level(gun: Emulated, client: MassageClient) -> None:
    before = datetime.now(UTC)
    state = await client.update(on=True, level=4, timer=10, attachment="flat")
    assert state.on
    assert state.level == 4
    assert state.timer == 10
    assert state.attachment == "flat"
    assert state.force == 0.0
    assert state.session_end is not None
    assert state.session_end.utcoffset() == timedelta(0)
    # Ten protocol minutes of 60 s each.
    assert before + timedelta(minutes=9) < state.session_end
    assert state.session_end < before + timedelta(minutes=11)
    assert await client.state() == state
    off = await client.update(on=False)
    assert not off.on
    assert off.session_end is None
    assert off.level == 4


async def test_write_needs_running_device(client: MassageClient) -> None:
    before = await client.state()
    with pytest.raises(MassageRequestError) as caught:
        await client.update(level=3)
    assert (caught.value.code, caught.value.status) == ("device_off", 409)
    assert caught.value.message
    assert await client.state() == before


async def test_invalid_value_is_atomic(client: MassageClient) -> None:
    before = await client.state()
    with pytest.raises(MassageRequestError) as caught:
        await client.update(on=True, level=9)
    assert (caught.value.code, caught.value.status) == ("invalid_value", 422)
    assert await client.state() == before
    with pytest.raises(MassageRequestError, match="invalid_value"):
        await client.update(timer=7)


async def test_unsupported_capabilities(emulate: Emulate) -> None:
    gun = await emulate()
    foot = await emulate(foot_leg_profile())
    async with gun.client() as gun_client, foot.client() as foot_client:
        with pytest.raises(MassageUnsupportedError, match="heater"):
            await gun_client.update(on=True, heat=1)
        with pytest.raises(MassageUnsupportedError, match="attachments"):
            await foot_client.update(attachment="ball")
        with pytest.raises(MassageRequestError, match="invalid_value"):
            await foot_client.update(on=True, mode="tapping")
        state = await foot_client.update(on=True, mode="rolling", heat=2)
        assert (state.mode, state.heat) == ("rolling", 2)
        assert state.heat_end is not None
        assert state.session_end is not None


async def test_push_channel(gun: Emulated, client: MassageClient) -> None:
    listener = Listener(client)
    first = await listener.next()
    assert not first.on
    assert client.connected
    assert gun.server.push_connections == 1

    gun.device.press_power()
    assert (await listener.next()).on
    gun.device.set_force(12.0)
    assert (await listener.next()).force == 12.0
    gun.device.set_docked(True)
    assert (await listener.next()).charging is True
    await client.update(level=5)
    assert (await listener.next()).level == 5
    await client.update(on=False)
    pushed = await listener.next()
    assert not pushed.on
    assert pushed.force is None

    await listener.stop()
    assert not client.connected


async def test_timer_ends_session_and_pushes(emulate: Emulate) -> None:
    emulated = await emulate(minute_seconds=0.01)
    async with emulated.client() as client:
        listener = Listener(client)
        await listener.next()
        state = await client.update(on=True, timer=5)
        assert state.on
        ended = await listener.next(lambda pushed: not pushed.on)
        assert ended.session_end is None
        await listener.stop()


async def test_heat_cut_off_pushes(emulate: Emulate) -> None:
    emulated = await emulate(
        foot_leg_profile(heat_cutoff_minutes=1), minute_seconds=0.05
    )
    async with emulated.client() as client:
        listener = Listener(client)
        await listener.next()
        await client.update(on=True, heat=1, timer=30)
        cut = await listener.next(lambda pushed: pushed.on and pushed.heat == 0)
        assert cut.heat_end is None
        await listener.stop()


async def test_many_clients_at_once(gun: Emulated) -> None:
    clients = [gun.client() for _ in range(5)]
    try:
        states = await asyncio.gather(*(client.state() for client in clients))
        assert len({state.level for state in states}) == 1
    finally:
        await asyncio.gather(*(client.close() for client in clients))


# Faults


async def test_latency_times_out(gun: Emulated) -> None:
    gun.server.faults.latency = 0.3
    async with gun.client(request_timeout=0.05) as client:
        with pytest.raises(MassageTimeoutError):
            await client.info()
    async with gun.client(request_timeout=2.0) as client:
        assert (await client.info()).kind is DeviceKind.GUN


async def test_latency_times_out_push_connect(gun: Emulated) -> None:
    async with gun.client(request_timeout=0.1) as client:
        await client.info()
        gun.server.faults.latency = 0.3
        with pytest.raises(MassageTimeoutError):
            await client.listen(lambda _: None)
        assert not client.connected


async def test_refused_connections(gun: Emulated, client: MassageClient) -> None:
    await client.info()
    gun.server.faults.refuse_connections = True
    with pytest.raises(MassageConnectionError) as caught:
        await client.state()
    assert not isinstance(caught.value, MassageTimeoutError)
    with pytest.raises(MassageConnectionError):
        await client.listen(lambda _: None)
    gun.server.faults.refuse_connections = False
    assert not (await client.state()).on


async def test_malformed_json(gun: Emulated, client: MassageClient) -> None:
    gun.server.faults.malformed_json = True
    with pytest.raises(MassageInvalidResponseError):
        await client.info()
    gun.server.faults.malformed_json = False
    await client.info()
    gun.server.faults.malformed_json = True
    with pytest.raises(MassageInvalidResponseError):
        await client.state()
    with pytest.raises(MassageInvalidResponseError):
        await client.update(on=True)
    # The write took effect; only the answer was broken.
    gun.server.faults.malformed_json = False
    assert (await client.state()).on


async def test_malformed_push(gun: Emulated, client: MassageClient) -> None:
    await client.info()
    gun.server.faults.malformed_json = True
    with pytest.raises(MassageInvalidResponseError):
        await asyncio.wait_for(client.listen(lambda _: None), 5)
    assert not client.connected
    await asyncio.sleep(0.05)
    assert gun.server.push_connections == 0


async def test_wrong_types(gun: Emulated, client: MassageClient) -> None:
    gun.server.faults.wrong_types = True
    with pytest.raises(MassageInvalidResponseError, match="not an integer"):
        await client.info()
    gun.server.faults.wrong_types = False
    await client.info()
    gun.server.faults.wrong_types = True
    with pytest.raises(MassageInvalidResponseError):
        await client.state()
    listener = Listener(client)
    with pytest.raises(MassageInvalidResponseError):
        await listener.ended()


async def test_wrong_types_after_connect(gun: Emulated, client: MassageClient) -> None:
    listener = Listener(client)
    await listener.next()
    gun.server.faults.wrong_types = True
    gun.device.press_power()
    with pytest.raises(MassageInvalidResponseError, match=r"is not an? "):
        await listener.ended()


@pytest.mark.parametrize(
    ("status", "code"), [(503, "busy"), (500, "internal"), (502, "internal")]
)
async def test_server_error(
    gun: Emulated, client: MassageClient, status: int, code: str
) -> None:
    gun.server.faults.server_error = status
    with pytest.raises(MassageRequestError) as caught:
        await client.info()
    assert (caught.value.code, caught.value.status) == (code, status)
    with pytest.raises(MassageRequestError, match=code):
        await client.listen(lambda _: None)  # which fetches the info first
    gun.server.faults.server_error = None
    await client.info()
    gun.server.faults.server_error = status
    with pytest.raises(MassageConnectionError, match=str(status)):
        await client.listen(lambda _: None)


async def test_token(emulate: Emulate) -> None:
    emulated = await emulate(token="s3cret")
    async with emulated.client() as anonymous:
        with pytest.raises(MassageAuthenticationError):
            await anonymous.info()
    async with emulated.client(token="wrong") as wrong:
        with pytest.raises(MassageAuthenticationError):
            await wrong.state()
    async with emulated.client(token="s3cret") as right:
        await right.update(on=True)
        listener = Listener(right)
        assert (await listener.next()).on
        await listener.stop()
        # The owner changes the token: the push socket is refused with 401.
        emulated.server.token = "n3w"
        with pytest.raises(MassageAuthenticationError):
            await right.listen(lambda _: None)
        with pytest.raises(MassageAuthenticationError):
            await right.update(on=False)


async def test_dropped_websocket(gun: Emulated, client: MassageClient) -> None:
    listener = Listener(client)
    await listener.next()
    assert gun.server.drop_websockets() == 1
    with pytest.raises(MassageConnectionClosedError):
        await listener.ended()
    assert not client.connected
    # The client can listen again at once.
    listener = Listener(client)
    await listener.next()
    await listener.stop()


async def test_server_stops(gun: Emulated, client: MassageClient) -> None:
    listener = Listener(client)
    await listener.next()
    await gun.server.stop()
    with pytest.raises(MassageConnectionClosedError, match="closed"):
        await listener.ended()
    with pytest.raises(MassageConnectionError):
        await client.state()


async def test_silent_websocket_is_a_dead_peer(
    gun: Emulated, client: MassageClient
) -> None:
    listener = Listener(client, heartbeat=0.1)
    await listener.next()
    loop = asyncio.get_running_loop()
    gun.server.faults.silent_websocket = True
    started = loop.time()
    with pytest.raises(MassageConnectionClosedError, match="ping"):
        await listener.ended()
    assert loop.time() - started < 1.0
    assert not client.connected


async def test_quiet_websocket_stays_up(gun: Emulated, client: MassageClient) -> None:
    """A quiet but healthy device answers the client's pings: no false alarm."""
    listener = Listener(client, heartbeat=0.1)
    await listener.next()
    await asyncio.sleep(0.5)
    assert not listener.task.done()
    gun.device.press_power()
    assert (await listener.next()).on
    await listener.stop()


# Sessions


async def test_given_session_is_not_closed(gun: Emulated) -> None:
    async with aiohttp.ClientSession() as session:
        client = gun.client(session=session)
        listener = Listener(client)
        await listener.next()
        await client.close()
        await listener.ended()
        assert not session.closed
        assert (await client.info()).kind is DeviceKind.GUN
        await client.close()
        assert not session.closed


async def test_own_session_is_closed(gun: Emulated) -> None:
    async with gun.client() as client:
        await client.info()
        session = client._session
        assert session is not None
    assert session.closed


async def test_profiles_round_trip(emulate: Emulate) -> None:
    for profile in (
        gun_profile(name="Gun"),
        foot_leg_profile(heat_cutoff_minutes=None),
    ):
        emulated = await emulate(profile)
        async with emulated.client() as client:
            info = await client.info()
            assert info.id == profile.device_id
            assert info.capabilities.heat_cutoff_minutes is None

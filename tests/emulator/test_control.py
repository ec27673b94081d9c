"""Tests of the control endpoint that switches faults on a running emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import fields
import io
import json
import socket
from typing import Any

import aiohttp
import pytest

from custom_components.massage.api import MassageClient
from emulator import DeviceServer, Faults, cli, foot_leg_profile, gun_profile
from emulator.cli import parse_options
from emulator.control import ControlServer

from .common import API, wait_for
from .conftest import MakeDevice, Serve

GUN = "gun-c0ffee"
FOOT_LEG = "footleg-c0ffee"


@pytest.fixture
async def servers(make_device: MakeDevice, serve: Serve) -> list[DeviceServer]:
    """A gun and a foot and leg massager, running."""
    return [
        await serve(make_device(gun_profile(device_id=GUN))),
        await serve(make_device(foot_leg_profile(device_id=FOOT_LEG))),
    ]


@pytest.fixture
async def control(servers: list[DeviceServer]) -> AsyncIterator[ControlServer]:
    """The control endpoint of both devices, on a free port."""
    async with ControlServer(servers) as endpoint:
        yield endpoint


async def patch(
    session: aiohttp.ClientSession,
    control: ControlServer,
    device_id: str,
    body: Any,
    **kwargs: Any,
) -> tuple[int, dict[str, Any]]:
    """PATCH a device's faults; return the status and the JSON answer."""
    kwargs.setdefault("json", body)
    async with session.patch(f"{control.url}/devices/{device_id}", **kwargs) as answer:
        return answer.status, await answer.json()


async def listed(
    session: aiohttp.ClientSession, control: ControlServer
) -> dict[str, dict[str, Any]]:
    """Return what GET /devices says, by device id."""
    async with session.get(f"{control.url}/devices") as answer:
        assert answer.status == 200
        return {device["id"]: device for device in (await answer.json())["devices"]}


async def info_status(session: aiohttp.ClientSession, server: DeviceServer) -> int:
    """Ask the device for its info without a token; return the HTTP status."""
    async with session.get(f"{server.url}{API}/info") as answer:
        return answer.status


async def test_lists_every_device_with_its_faults(
    session: aiohttp.ClientSession,
    control: ControlServer,
    servers: list[DeviceServer],
) -> None:
    devices = await listed(session, control)

    assert devices[GUN] == {
        "id": GUN,
        "kind": "gun",
        "name": "Massage Gun",
        "url": servers[0].url,
        "push_connections": 0,
        "token": False,
        # Every fault the emulator has, each switched off.
        "faults": {fault.name: fault.default for fault in fields(Faults) if fault.init},
        "state": servers[0].device.state.as_json(),
        "times_started": 0,
    }
    assert devices[GUN]["state"]["on"] is False
    assert devices[FOOT_LEG]["kind"] == "foot_leg"


async def test_tells_each_devices_state_and_how_often_it_started(
    session: aiohttp.ClientSession,
    control: ControlServer,
    servers: list[DeviceServer],
) -> None:
    gun, foot_leg = servers
    gun.device.write({"on": True, "level": 4})
    gun.device.write({"on": False})
    gun.device.write({"on": True, "level": 2})
    # A device that refuses every request still tells the control endpoint.
    await patch(session, control, GUN, {"refuse_connections": True})

    devices = await listed(session, control)

    assert devices[GUN]["state"] == gun.device.state.as_json()
    assert devices[GUN]["state"]["on"] is True
    assert devices[GUN]["state"]["level"] == 2
    assert devices[GUN]["times_started"] == 2
    assert devices[FOOT_LEG]["state"]["on"] is False
    assert devices[FOOT_LEG]["times_started"] == 0
    assert foot_leg.device.times_started == 0


async def test_refusing_connections_switches_on_and_off(
    session: aiohttp.ClientSession,
    control: ControlServer,
    servers: list[DeviceServer],
) -> None:
    gun, foot_leg = servers

    status, answer = await patch(session, control, GUN, {"refuse_connections": True})

    assert status == 200
    assert answer["faults"]["refuse_connections"] is True
    with pytest.raises(aiohttp.ClientConnectionError):
        await info_status(session, gun)
    # Only the device named.
    assert await info_status(session, foot_leg) == 200

    status, _ = await patch(session, control, GUN, {"refuse_connections": False})

    assert status == 200
    await wait_for(lambda: not gun.faults.refuse_connections)
    assert await info_status(session, gun) == 200


async def test_latency_silence_and_a_token_apply_together(
    session: aiohttp.ClientSession,
    control: ControlServer,
    servers: list[DeviceServer],
) -> None:
    gun = servers[0]

    status, answer = await patch(
        session,
        control,
        GUN,
        {"latency": 0.05, "silent_websocket": True, "token": "s3cret"},
    )

    assert status == 200
    assert answer["token"] is True
    assert answer["faults"]["latency"] == 0.05
    assert answer["faults"]["silent_websocket"] is True
    assert gun.faults.latency == 0.05
    assert gun.faults.silent_websocket is True
    assert await info_status(session, gun) == 401
    # The token is the device's now: a client that knows it gets in (Digest).
    client = MassageClient(gun.host, port=gun.port, token="s3cret", session=session)
    assert (await client.info()).id == GUN

    status, answer = await patch(
        session, control, GUN, {"token": None, "latency": 0, "silent_websocket": False}
    )

    assert status == 200
    assert answer["token"] is False
    assert await info_status(session, gun) == 200
    assert (await listed(session, control))[GUN] == answer


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"latency": -1}, "latency"),
        ({"latency": True}, "latency takes a number"),
        ({"latency": "1"}, "latency"),
        ({"refuse_connections": "yes"}, "refuse_connections takes true or false"),
        ({"refuse_connections": 1}, "refuse_connections takes true or false"),
        ({"server_error": 404}, "server_error"),
        ({"token": ""}, "token"),
        ({"token": 5}, "token"),
        ({"meltdown": True}, "unknown fault meltdown"),
        ({}, "JSON object"),
        ([], "JSON object"),
    ],
)
async def test_a_bad_change_is_refused_and_nothing_changes(
    session: aiohttp.ClientSession,
    control: ControlServer,
    servers: list[DeviceServer],
    body: Any,
    message: str,
) -> None:
    before = await listed(session, control)
    # A valid change beside the bad one is not applied either.
    if isinstance(body, dict) and body:
        body = {"refuse_connections": True, **body}

    status, answer = await patch(session, control, GUN, body)

    assert status == 400
    assert message in answer["error"]
    assert await listed(session, control) == before
    assert servers[0].faults.refuse_connections is False


async def test_a_body_that_is_not_json_is_refused(
    session: aiohttp.ClientSession, control: ControlServer
) -> None:
    status, answer = await patch(
        session,
        control,
        GUN,
        None,
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        json=None,
    )

    assert status == 400
    assert answer == {"error": "the body is not JSON"}


async def test_an_unknown_device_is_not_found(
    session: aiohttp.ClientSession, control: ControlServer
) -> None:
    status, answer = await patch(session, control, "gun-000000", {"latency": 1})

    assert status == 404
    assert "gun-000000" in answer["error"]


async def test_another_method_is_refused(
    session: aiohttp.ClientSession, control: ControlServer
) -> None:
    async with session.post(f"{control.url}/devices/{GUN}", json={}) as answer:
        assert answer.status == 405
        assert "error" in await answer.json()


async def test_a_cross_origin_form_cannot_switch_faults(
    session: aiohttp.ClientSession,
    control: ControlServer,
    servers: list[DeviceServer],
) -> None:
    """A web page may post text/plain to 127.0.0.1 without a preflight; refused."""
    status, answer = await patch(
        session,
        control,
        GUN,
        None,
        json=None,
        data=json.dumps({"refuse_connections": True}),
        headers={"Content-Type": "text/plain"},
    )

    assert status == 415
    assert answer == {"error": "send application/json"}
    assert servers[0].faults.refuse_connections is False


@pytest.mark.parametrize(
    "host", ["attacker.example:{port}", "127.0.0.1:1", "127.0.0.1", "[::1]:{port}"]
)
async def test_a_foreign_host_header_is_refused(
    session: aiohttp.ClientSession,
    control: ControlServer,
    servers: list[DeviceServer],
    host: str,
) -> None:
    """A page at a name that resolves to 127.0.0.1 (DNS rebinding) gets nowhere."""
    headers = {"Host": host.format(port=control.port)}

    status, answer = await patch(
        session, control, GUN, {"refuse_connections": True}, headers=headers
    )
    async with session.get(f"{control.url}/devices", headers=headers) as listing:
        assert listing.status == 403

    assert status == 403
    assert "Host" in answer["error"]
    assert servers[0].faults.refuse_connections is False


async def test_localhost_is_its_own_name(
    session: aiohttp.ClientSession, control: ControlServer
) -> None:
    headers = {"Host": f"localhost:{control.port}"}

    async with session.get(f"{control.url}/devices", headers=headers) as answer:
        assert answer.status == 200


async def test_it_listens_on_loopback_only_and_stops(
    session: aiohttp.ClientSession, servers: list[DeviceServer]
) -> None:
    control = ControlServer(servers)
    with pytest.raises(RuntimeError):
        _ = control.port

    await control.start()
    with pytest.raises(RuntimeError):
        await control.start()

    assert control.url == f"http://127.0.0.1:{control.port}"
    await control.stop()
    await control.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await listed(session, control)


async def test_a_taken_port_raises(servers: list[DeviceServer]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        control = ControlServer(servers, port=taken.getsockname()[1])

        with pytest.raises(OSError, match="in use"):
            await control.start()


# The command line's --control-port


async def test_the_command_line_serves_the_control_endpoint(
    session: aiohttp.ClientSession,
) -> None:
    stop = asyncio.Event()
    options = parse_options(["--base-port", "0", "--control-port", "0", "--json"])
    output = io.StringIO()
    task = asyncio.create_task(cli.run(options, stop=stop, output=output))
    await wait_for(lambda: len(output.getvalue().splitlines()) == 3 or task.done(), 5)

    *device_lines, control_line = output.getvalue().splitlines()
    devices = [json.loads(line) for line in device_lines]
    control_url = json.loads(control_line)["control"]
    async with session.patch(
        f"{control_url}/devices/{devices[0]['id']}", json={"refuse_connections": True}
    ) as answer:
        assert answer.status == 200
    with pytest.raises(aiohttp.ClientConnectionError):
        await session.get(f"{devices[0]['url']}{API}/info")

    stop.set()
    assert await task == 0
    with pytest.raises(aiohttp.ClientConnectionError):
        await session.get(f"{control_url}/devices")


async def test_the_command_line_names_the_control_endpoint_in_text(
    socket_enabled: None,
) -> None:
    stop = asyncio.Event()
    options = parse_options(["--gun", "0", "--base-port", "0", "--control-port", "0"])
    output = io.StringIO()
    task = asyncio.create_task(cli.run(options, stop=stop, output=output))
    await wait_for(lambda: len(output.getvalue().splitlines()) == 2 or task.done(), 5)
    stop.set()
    await task

    control_line = output.getvalue().splitlines()[1]
    assert control_line.split()[0] == "control"
    assert "/devices" in control_line


async def test_the_command_line_fails_when_the_control_port_is_taken(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        options = parse_options(
            ["--base-port", "0", "--control-port", str(taken.getsockname()[1])]
        )

        status = await cli.run(options, stop=asyncio.Event(), output=io.StringIO())

    assert status == 1
    assert "cannot start the control endpoint" in capsys.readouterr().err

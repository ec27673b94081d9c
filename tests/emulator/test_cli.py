"""Tests of the command line: options, the run loop and `python -m emulator`."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
import importlib
import io
import json
import logging
import os
from pathlib import Path
import runpy
import signal
import socket
import sys
from typing import Any
from unittest.mock import MagicMock

import aiohttp
import pytest

from emulator import DeviceServer, Faults, cli, gun_profile
from emulator.cli import EmulatorOptions, build_servers, describe, parse_options

from .common import API, receive_closed, receive_state, wait_for
from .conftest import MakeDevice, Serve

REPO = Path(__file__).parents[2]


def lines_of(output: io.StringIO) -> list[str]:
    """Return the complete lines written so far."""
    return output.getvalue().splitlines()


async def start_run(
    options: EmulatorOptions, stop: asyncio.Event | None
) -> tuple[asyncio.Task[int], io.StringIO]:
    """Run the emulator in the background until it has printed its devices."""
    output = io.StringIO()
    task = asyncio.create_task(cli.run(options, stop=stop, output=output))
    devices = options.guns + options.foot_legs
    await wait_for(lambda: len(lines_of(output)) == devices or task.done(), 5)
    return task, output


# Options


def test_defaults() -> None:
    assert parse_options([]) == EmulatorOptions()
    assert EmulatorOptions().base_port == 8765
    assert EmulatorOptions().minute_seconds == 60.0


def test_every_flag() -> None:
    options = parse_options(
        [
            "--gun", "2", "--foot-leg", "3", "--base-port", "9000",
            "--token", "X", "--minute-seconds", "0.5", "--no-heat-cutoff",
            "--battery", "40", "--heartbeat", "2", "--latency", "0.1",
            "--refuse-every", "30", "--refuse-for", "2", "--malformed-json",
            "--wrong-types", "--server-error", "503", "--silent-websocket",
            "--drop-websockets-every", "30", "--zeroconf", "--json", "-v",
            "--protocol", "1.0", "--oversized-body", "--endless-body",
            "--oversized-push", "--huge-name",
        ]
    )  # fmt: skip

    assert options == EmulatorOptions(
        guns=2,
        foot_legs=3,
        base_port=9000,
        token="X",
        protocol="1.0",
        oversized_body=True,
        endless_body=True,
        oversized_push=True,
        huge_name=True,
        minute_seconds=0.5,
        heat_cutoff=False,
        battery=40,
        heartbeat=2.0,
        latency=0.1,
        refuse_every=30.0,
        refuse_for=2.0,
        malformed_json=True,
        wrong_types=True,
        server_error=503,
        silent_websocket=True,
        drop_websockets_every=30.0,
        zeroconf=True,
        json_lines=True,
        verbose=True,
    )
    assert parse_options(["--refuse"]).refuse is True


@pytest.mark.parametrize(
    "argv",
    [
        ["--gun", "-1"],
        ["--gun", "x"],
        ["--base-port", "70000"],
        ["--latency", "-1"],
        ["--latency", "inf"],
        ["--latency", "nan"],
        ["--minute-seconds", "0"],
        ["--battery", "101"],
        ["--server-error", "404"],
        ["--protocol", "2.0"],
        ["--gun", "0", "--foot-leg", "0"],
        ["--base-port", "65535"],
        ["--refuse", "--refuse-every", "3"],
        ["--unknown"],
    ],
)
def test_usage_errors_exit_with_status_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse_options(argv)

    assert caught.value.code == 2
    assert "error" in capsys.readouterr().err


def test_build_servers_puts_guns_first_on_consecutive_ports() -> None:
    options = parse_options(
        [
            "--gun", "2", "--foot-leg", "1", "--base-port", "9000", "--token", "t",
            "--minute-seconds", "0.5", "--battery", "30", "--heartbeat", "2",
            "--no-heat-cutoff", "--latency", "0.1", "--refuse", "--malformed-json",
            "--wrong-types", "--server-error", "500", "--silent-websocket",
            "--protocol", "1.0", "--oversized-body", "--endless-body",
            "--oversized-push", "--huge-name",
        ]
    )  # fmt: skip

    servers = build_servers(options)

    assert [server.port for server in servers] == [9000, 9001, 9002]
    profiles = [server.device.profile for server in servers]
    assert [profile.kind for profile in profiles] == ["gun", "gun", "foot_leg"]
    assert [profile.name for profile in profiles] == [
        "Massage Gun",
        "Massage Gun 2",
        "Foot and Leg Massager",
    ]
    assert len({profile.device_id for profile in profiles}) == 3
    assert profiles[2].heat_cutoff_minutes is None
    assert servers[0].device.state.battery == 30
    for server in servers:
        assert server.token == "t"
        assert server.protocol == "1.0"
        assert server.heartbeat == 2.0
        assert server.device.minute_seconds == 0.5
        assert server.faults == Faults(
            latency=0.1,
            refuse_connections=True,
            malformed_json=True,
            wrong_types=True,
            server_error=500,
            silent_websocket=True,
            oversized_body=True,
            endless_body=True,
            oversized_push=True,
            huge_name=True,
        )
    assert servers[0].faults is not servers[1].faults


def test_build_servers_keeps_the_heat_cutoff_and_picks_free_ports() -> None:
    servers = build_servers(parse_options(["--base-port", "0"]))

    assert servers[1].device.profile.heat_cutoff_minutes == 15
    with pytest.raises(RuntimeError):
        _ = servers[0].port


async def test_describe_prints_kind_id_and_url(
    make_device: MakeDevice, serve: Serve
) -> None:
    server = await serve(make_device(gun_profile(device_id="gun-000001")))

    assert describe(server).split() == [
        "gun",
        "gun-000001",
        server.url,
        "Massage",
        "Gun",
    ]
    assert json.loads(describe(server, as_json=True)) == {
        "kind": "gun",
        "id": "gun-000001",
        "name": "Massage Gun",
        "model": "Percussion Pro",
        "url": server.url,
        "port": server.port,
        "auth": False,
        "protocol": "1.1",
    }


# Running


async def test_run_serves_every_device_until_stopped(
    session: aiohttp.ClientSession,
) -> None:
    stop = asyncio.Event()
    options = parse_options(
        ["--gun", "2", "--foot-leg", "1", "--base-port", "0", "--json"]
    )
    task, output = await start_run(options, stop)

    devices = [json.loads(line) for line in lines_of(output)]
    assert [device["kind"] for device in devices] == ["gun", "gun", "foot_leg"]
    for device in devices:
        async with session.get(f"{device['url']}{API}/info") as response:
            assert (await response.json())["id"] == device["id"]

    stop.set()
    assert await task == 0
    with pytest.raises(aiohttp.ClientConnectionError):
        await session.get(f"{devices[0]['url']}{API}/info")


async def test_run_stops_on_sigterm_and_restores_the_signal_handlers(
    session: aiohttp.ClientSession,
) -> None:
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    options = parse_options(["--foot-leg", "0", "--base-port", "0"])
    task, output = await start_run(options, None)
    url = lines_of(output)[0].split()[2]
    async with session.get(f"{url}{API}/state") as response:
        assert response.status == 200

    os.kill(os.getpid(), signal.SIGTERM)

    assert await asyncio.wait_for(task, 5) == 0
    assert {sig: signal.getsignal(sig) for sig in handlers} == handlers


async def test_run_fails_when_a_port_is_taken(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        output = io.StringIO()

        # The first device starts on the free port below, the second fails.
        options = parse_options(["--base-port", str(port - 1)])
        status = await cli.run(options, stop=asyncio.Event(), output=output)

    assert status == 1
    assert output.getvalue() == ""
    assert "cannot start a device" in capsys.readouterr().err


async def test_run_starts_and_stops_periodic_faults(socket_enabled: None) -> None:
    stop = asyncio.Event()
    options = parse_options(
        ["--base-port", "0", "--drop-websockets-every", "60", "--refuse-every", "60"]
    )
    task, _ = await start_run(options, stop)

    stop.set()

    assert await task == 0


@pytest.fixture
async def server(make_device: MakeDevice, serve: Serve) -> DeviceServer:
    """Return a gun on its own server."""
    return await serve(make_device(gun_profile()))


async def test_drop_websockets_every_cuts_push_connections(
    server: DeviceServer, session: aiohttp.ClientSession
) -> None:
    chore = asyncio.create_task(cli._drop_websockets_every(0.05, [server]))
    try:
        async with session.ws_connect(f"{server.url}{API}/ws") as ws:
            await receive_state(ws)
            await receive_closed(ws)
    finally:
        chore.cancel()
        await asyncio.gather(chore, return_exceptions=True)


async def test_refuse_every_makes_outages(server: DeviceServer) -> None:
    refusing: list[bool] = []
    server.faults.watch(lambda _: refusing.append(server.faults.refuse_connections))
    chore = asyncio.create_task(cli._refuse_every(0.02, 0.02, [server]))
    try:
        await wait_for(lambda: len(refusing) >= 2)
    finally:
        chore.cancel()
        await asyncio.gather(chore, return_exceptions=True)

    assert refusing[:2] == [True, False]


# The entry points


def test_main_parses_sets_up_logging_and_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[EmulatorOptions] = []

    async def fake_run(options: EmulatorOptions) -> int:
        seen.append(options)
        return 3

    def drive(coroutine: Coroutine[Any, Any, int]) -> int:
        with pytest.raises(StopIteration) as finished:
            coroutine.send(None)
        result: int = finished.value.value
        return result

    basic_config = MagicMock()
    monkeypatch.setattr(cli, "run", fake_run)
    monkeypatch.setattr("emulator.cli.asyncio.run", drive)
    monkeypatch.setattr("emulator.cli.logging.basicConfig", basic_config)

    assert cli.main(["--gun", "2", "-v"]) == 3
    assert cli.main([]) == 3

    assert [options.guns for options in seen] == [2, 1]
    levels = [call.kwargs["level"] for call in basic_config.call_args_list]
    assert levels == [logging.INFO, logging.WARNING]


def test_python_m_emulator_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["emulator", "--help"])

    with pytest.raises(SystemExit) as caught:
        runpy.run_module("emulator", run_name="__main__")

    assert caught.value.code == 0
    assert "--drop-websockets-every" in capsys.readouterr().out
    # Imported rather than run, the module does nothing.
    importlib.import_module("emulator.__main__")


async def test_python_m_emulator_runs_until_sigint(
    session: aiohttp.ClientSession,
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--json",
        "--base-port",
        "0",
        "--minute-seconds",
        "0.05",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        async with asyncio.timeout(10):
            devices = [json.loads(await process.stdout.readline()) for _ in range(2)]
        async with session.patch(
            f"{devices[1]['url']}{API}/state", json={"on": True, "mode": "rolling"}
        ) as response:
            assert (await response.json())["mode"] == "rolling"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        status = await asyncio.wait_for(process.wait(), 10)

    assert [device["kind"] for device in devices] == ["gun", "foot_leg"]
    assert status == 0
    assert await process.stderr.read() == b""

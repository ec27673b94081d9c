"""Command line: run emulated devices on consecutive 127.0.0.1 ports until stopped."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
import json
import logging
import signal
import sys
from typing import TextIO

from .control import ControlServer
from .device import EmulatedDevice
from .faults import Faults
from .profiles import DeviceProfile, foot_leg_profile, gun_profile
from .server import PROTOCOLS, DeviceServer, Protocol

_MAX_PORT = 65535


@dataclass(frozen=True, slots=True, kw_only=True)
class EmulatorOptions:
    """What to run, as the command line says."""

    guns: int = 1
    foot_legs: int = 1
    base_port: int = 8765
    token: str | None = None
    protocol: Protocol = "1.1"
    minute_seconds: float = 60.0
    heat_cutoff: bool = True
    battery: int = 100
    heartbeat: float = 5.0
    latency: float = 0.0
    refuse: bool = False
    refuse_every: float | None = None
    refuse_for: float = 5.0
    malformed_json: bool = False
    wrong_types: bool = False
    server_error: int | None = None
    silent_websocket: bool = False
    oversized_body: bool = False
    endless_body: bool = False
    oversized_push: bool = False
    huge_name: bool = False
    drop_websockets_every: float | None = None
    zeroconf: bool = False
    control_port: int | None = None
    json_lines: bool = False
    verbose: bool = False


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= _MAX_PORT:
        raise argparse.ArgumentTypeError(f"must be between 0 and {_MAX_PORT}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a finite number of seconds >= 0")
    return value


def _positive_seconds(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _percent(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 100:  # noqa: PLR2004
        raise argparse.ArgumentTypeError("must be between 0 and 100")
    return value


def _server_error(text: str) -> int:
    value = int(text)
    if not 500 <= value <= 599:  # noqa: PLR2004
        raise argparse.ArgumentTypeError("must be a 5xx status")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of `python -m emulator`."""
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description=(
            "Run emulated massage devices speaking the Massage Local API v1.1 on "
            "127.0.0.1, one per port, until SIGINT or SIGTERM."
        ),
    )
    devices = parser.add_argument_group("devices")
    devices.add_argument(
        "--gun",
        type=_count,
        default=1,
        dest="guns",
        metavar="N",
        help="massage guns to run (default 1)",
    )
    devices.add_argument(
        "--foot-leg",
        type=_count,
        default=1,
        dest="foot_legs",
        metavar="N",
        help="foot and leg massagers to run (default 1)",
    )
    devices.add_argument(
        "--base-port",
        type=_port,
        default=8765,
        metavar="PORT",
        help="port of the first device, the others follow; 0 picks free ports "
        "(default 8765)",
    )
    devices.add_argument(
        "--token",
        help="require this token on every request (Digest in 1.1, bearer in 1.0)",
    )
    devices.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        default="1.1",
        help="the protocol version the devices speak; 1.0 takes a bearer token "
        "(default 1.1)",
    )
    devices.add_argument(
        "--minute-seconds",
        type=_positive_seconds,
        default=60.0,
        metavar="S",
        help="real seconds per protocol minute, to speed timers up (default 60)",
    )
    devices.add_argument(
        "--no-heat-cutoff",
        action="store_false",
        dest="heat_cutoff",
        help="foot and leg massagers without the firmware's heat cut-off",
    )
    devices.add_argument(
        "--battery",
        type=_percent,
        default=100,
        metavar="PERCENT",
        help="starting charge of the guns (default 100)",
    )
    devices.add_argument(
        "--heartbeat",
        type=_positive_seconds,
        default=5.0,
        metavar="S",
        help="WebSocket ping interval and pong timeout (default 5)",
    )
    faults = parser.add_argument_group("faults")
    faults.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        metavar="S",
        help="delay before every answer and push message",
    )
    refusal = faults.add_mutually_exclusive_group()
    refusal.add_argument(
        "--refuse", action="store_true", help="refuse every connection"
    )
    refusal.add_argument(
        "--refuse-every",
        type=_positive_seconds,
        metavar="S",
        help="refuse connections for --refuse-for seconds every S seconds",
    )
    faults.add_argument(
        "--refuse-for",
        type=_positive_seconds,
        default=5.0,
        metavar="S",
        help="length of each outage of --refuse-every (default 5)",
    )
    faults.add_argument(
        "--malformed-json", action="store_true", help="send invalid JSON bodies"
    )
    faults.add_argument(
        "--wrong-types",
        action="store_true",
        help="send numbers and booleans as strings",
    )
    faults.add_argument(
        "--server-error",
        type=_server_error,
        metavar="STATUS",
        help="answer every request with this 5xx status",
    )
    faults.add_argument(
        "--silent-websocket",
        action="store_true",
        help="push connections send no pings, pongs or messages",
    )
    faults.add_argument(
        "--oversized-body",
        action="store_true",
        help="info and state bodies far larger than the protocol allows",
    )
    faults.add_argument(
        "--endless-body",
        action="store_true",
        help="info and state bodies that never end",
    )
    faults.add_argument(
        "--oversized-push",
        action="store_true",
        help="pushed messages larger than the protocol allows",
    )
    faults.add_argument(
        "--huge-name",
        action="store_true",
        help="a device name of 10,000 characters, control characters included",
    )
    faults.add_argument(
        "--drop-websockets-every",
        type=_positive_seconds,
        metavar="S",
        help="cut every push connection every S seconds",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--zeroconf",
        action="store_true",
        help="announce the devices as _massage._tcp.local. (mDNS multicast on the "
        "loopback interface only; off by default and never used by the tests)",
    )
    output.add_argument(
        "--control-port",
        type=_port,
        metavar="PORT",
        help="switch faults while running, over HTTP on 127.0.0.1:PORT (0 picks a "
        "free port; see emulator/control.py)",
    )
    output.add_argument(
        "--json",
        action="store_true",
        dest="json_lines",
        help="print one JSON object per device instead of text",
    )
    output.add_argument(
        "-v", "--verbose", action="store_true", help="log requests and more"
    )
    return parser


def parse_options(argv: Sequence[str] | None = None) -> EmulatorOptions:
    """Parse the command line; exits with status 2 on a usage error."""
    parser = build_parser()
    args = parser.parse_args(argv)
    options = EmulatorOptions(**vars(args))
    devices = options.guns + options.foot_legs
    if devices == 0:
        parser.error("nothing to run: --gun and --foot-leg are both 0")
    if options.base_port and options.base_port + devices - 1 > _MAX_PORT:
        parser.error(
            f"{devices} devices from --base-port {options.base_port} "
            f"go past port {_MAX_PORT}"
        )
    return options


def _numbered(name: str, number: int) -> str:
    return name if number == 1 else f"{name} {number}"


def build_servers(options: EmulatorOptions) -> list[DeviceServer]:
    """Create the devices and their servers, guns first; none is started."""
    cutoff = foot_leg_profile().heat_cutoff_minutes if options.heat_cutoff else None
    profiles: list[DeviceProfile] = [
        gun_profile(name=_numbered("Massage Gun", number))
        for number in range(1, options.guns + 1)
    ]
    profiles += [
        foot_leg_profile(
            name=_numbered("Foot and Leg Massager", number),
            heat_cutoff_minutes=cutoff,
        )
        for number in range(1, options.foot_legs + 1)
    ]
    servers = []
    for index, profile in enumerate(profiles):
        device = EmulatedDevice(
            profile, minute_seconds=options.minute_seconds, battery=options.battery
        )
        faults = Faults(
            latency=options.latency,
            refuse_connections=options.refuse,
            malformed_json=options.malformed_json,
            wrong_types=options.wrong_types,
            server_error=options.server_error,
            silent_websocket=options.silent_websocket,
            oversized_body=options.oversized_body,
            endless_body=options.endless_body,
            oversized_push=options.oversized_push,
            huge_name=options.huge_name,
        )
        servers.append(
            DeviceServer(
                device,
                port=options.base_port + index if options.base_port else 0,
                token=options.token,
                protocol=options.protocol,
                heartbeat=options.heartbeat,
                faults=faults,
            )
        )
    return servers


def describe(server: DeviceServer, *, as_json: bool = False) -> str:
    """Return the line printed for a started server: kind, id and URL."""
    profile = server.device.profile
    if as_json:
        return json.dumps(
            {
                "kind": profile.kind,
                "id": profile.device_id,
                "name": profile.name,
                "model": profile.model,
                "url": server.url,
                "port": server.port,
                "auth": server.token is not None,
                "protocol": server.protocol,
            }
        )
    return f"{profile.kind:<8} {profile.device_id:<14} {server.url}  {profile.name}"


def _control_for(
    options: EmulatorOptions, servers: list[DeviceServer]
) -> ControlServer | None:
    """Return the control endpoint the options ask for, not started, or None."""
    if options.control_port is None:
        return None
    return ControlServer(servers, port=options.control_port)


async def _start_control(control: ControlServer | None) -> bool:
    """Start the control endpoint if any; say why not and return False if it fails."""
    if control is None:
        return True
    try:
        await control.start()
    except OSError as error:
        sys.stderr.write(f"error: cannot start the control endpoint: {error}\n")
        return False
    return True


async def _stop_control(control: ControlServer | None) -> None:
    if control is not None:
        await control.stop()


def _ready_lines(
    servers: list[DeviceServer], control: ControlServer | None, *, as_json: bool
) -> list[str]:
    """Return the lines printed once running: each device, then the control URL."""
    lines = [describe(server, as_json=as_json) for server in servers]
    if control is not None:
        lines.append(
            json.dumps({"control": control.url})
            if as_json
            else f"{'control':<23} {control.url}/devices  (PATCH /devices/ID: faults)"
        )
    return [line + "\n" for line in lines]


def _stop_on_signals(stop: asyncio.Event) -> Callable[[], None]:
    """Set `stop` on SIGINT and SIGTERM; return a function that undoes this."""
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        loop.add_signal_handler(sig, stop.set)

    def restore() -> None:
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            # None means a handler not set from Python; the default is closest.
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)

    return restore


async def _drop_websockets_every(period: float, servers: list[DeviceServer]) -> None:
    while True:
        await asyncio.sleep(period)
        for server in servers:
            server.drop_websockets()


async def _refuse_every(
    period: float, outage: float, servers: list[DeviceServer]
) -> None:
    while True:
        await asyncio.sleep(period)
        for server in servers:
            server.faults.refuse_connections = True
        await asyncio.sleep(outage)
        for server in servers:
            server.faults.refuse_connections = False


async def _start_all(servers: list[DeviceServer]) -> list[DeviceServer] | None:
    """Start the servers in turn; on failure stop those started and return None."""
    started: list[DeviceServer] = []
    for server in servers:
        try:
            await server.start()
        except OSError as error:
            sys.stderr.write(f"error: cannot start a device: {error}\n")
            for running in started:
                await running.stop()
            return None
        started.append(server)
    return started


def _start_chores(
    options: EmulatorOptions, servers: list[DeviceServer]
) -> list[asyncio.Task[None]]:
    """Start the periodic faults the options ask for."""
    chores = []
    if options.drop_websockets_every is not None:
        chores.append(
            asyncio.create_task(
                _drop_websockets_every(options.drop_websockets_every, servers)
            )
        )
    if options.refuse_every is not None:
        chores.append(
            asyncio.create_task(
                _refuse_every(options.refuse_every, options.refuse_for, servers)
            )
        )
    return chores


async def run(
    options: EmulatorOptions,
    *,
    stop: asyncio.Event | None = None,
    output: TextIO | None = None,
) -> int:
    """
    Run the devices until `stop` is set, or SIGINT/SIGTERM when `stop` is None.

    Prints one line per device once all are ready. Returns the exit status.
    """
    output = sys.stdout if output is None else output
    restore_signals: Callable[[], None] | None = None
    if stop is None:
        stop = asyncio.Event()
        restore_signals = _stop_on_signals(stop)
    servers = build_servers(options)
    started: list[DeviceServer] = []
    chores: list[asyncio.Task[None]] = []
    advertiser = None
    control = _control_for(options, servers)
    try:
        if (started_servers := await _start_all(servers)) is None:
            return 1
        started = started_servers
        if options.zeroconf:
            from .discovery import ZeroconfAdvertiser  # noqa: PLC0415

            advertiser = ZeroconfAdvertiser(servers)
            await advertiser.start()
        if not await _start_control(control):
            return 1
        output.writelines(_ready_lines(servers, control, as_json=options.json_lines))
        output.flush()
        chores = _start_chores(options, servers)
        await stop.wait()
        return 0
    finally:
        for chore in chores:
            chore.cancel()
        await asyncio.gather(*chores, return_exceptions=True)
        if advertiser is not None:
            await advertiser.stop()
        await _stop_control(control)
        for server in started:
            await server.stop()
        for server in servers:
            server.device.close()
        if restore_signals is not None:
            restore_signals()


def main(argv: Sequence[str] | None = None) -> int:
    """Run `python -m emulator` with `argv`; return the exit status."""
    options = parse_options(argv)
    logging.basicConfig(
        level=logging.INFO if options.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return asyncio.run(run(options))

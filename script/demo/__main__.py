"""
Command line of the demo: `python script/demo --help` (script/develop runs it).

Home Assistant at http://127.0.0.1:8123 with an emulated massage gun and foot and
leg massager, and a massager built from input helpers, onboarded with a demo user
and showing the massage dashboard, until Ctrl-C (SIGINT) or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import signal
import sys

# Run as `python script/demo`: make the package importable as `demo`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo import (
    DEFAULT_CONFIG_DIR,
    DEFAULT_PORT,
    REPO_DIR,
    commands,
    from_entities,
    requirements,
    routines,
)
from demo.api import DemoError
from demo.devices import log_path
from demo.runner import DemoInfo, DemoOptions, run


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:  # noqa: PLR2004
        raise argparse.ArgumentTypeError("must be between 0 and 65535")
    return value


def _common(parser: argparse.ArgumentParser, *, default: object) -> None:
    """Add the options every command takes; subcommands keep what came before."""
    parser.add_argument(
        "--config",
        type=Path,
        default=default,
        help="configuration directory (default: config/ in the repository)",
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="script/develop",
        description="Home Assistant with two emulated massagers, a third built "
        "from input helpers and a ready dashboard, on 127.0.0.1, until Ctrl-C. With "
        "a command, act on the demo that runs with that configuration instead.",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"Home Assistant's HTTP port, for a new configuration (default "
        f"{DEFAULT_PORT}); an existing one keeps its own",
    )
    _common(parser, default=DEFAULT_CONFIG_DIR)
    parser.add_argument(
        "--emulator-port",
        type=_port,
        default=None,
        help="port of the emulated gun, the foot and leg massager takes the next; "
        "0 picks free ports (default: as last time, first 8765)",
    )
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="only install the packages Home Assistant's web interface loads, then "
        "exit (script/setup does this)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object when ready instead of text",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    kill = subcommands.add_parser(
        "kill",
        help="kill a device's process, as a power cut: Home Assistant shows it "
        "unavailable",
    )
    kill.add_argument("device", type=_device, help="gun or foot_leg")
    start = subcommands.add_parser(
        "start", help="start the stopped devices again: Home Assistant reconnects"
    )
    fault = subcommands.add_parser(
        "fault",
        help="show or switch a device's faults: refuse on|off, latency SECONDS, "
        "silent on|off (a silent push channel), token TOKEN|off, clear",
    )
    fault.add_argument("device", type=_device, help="gun or foot_leg")
    fault.add_argument(
        "fault",
        nargs="?",
        choices=[*commands.FAULTS, "clear"],
        help="the fault; without it, show the device's faults",
    )
    fault.add_argument("value", nargs="?", help="on, off, seconds or a token")
    for command in (kill, start, fault):
        _common(command, default=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "fault" and args.fault is not None:
        try:
            args.change = commands.fault_change(args.fault, args.value)
        except ValueError as error:
            fault.error(str(error))
    return args


def _device(text: str) -> str:
    try:
        return commands.device_kind(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _shown(path: str) -> str:
    """Show `path` relative to the repository when it is inside it."""
    try:
        return str(Path(path).relative_to(REPO_DIR)) + "/"
    except ValueError:
        return path


def _print_ready(info: DemoInfo, *, as_json: bool, default_config: bool) -> None:
    if as_json:
        print(json.dumps({"event": "ready", **info.as_dict()}), flush=True)
        return
    devices = "\n".join(
        f"  {device.name + ':':<24} {device.url}  ({device.device_id}, pid "
        f"{device.pid})"
        for device in info.devices
    )
    logs = ", ".join(
        ["home-assistant.log"] + [log_path(Path(), d.kind).name for d in info.devices]
    )
    develop = "script/develop" + (
        "" if default_config else f" --config {info.config_dir}"
    )
    gun = next(device for device in info.devices if device.kind == "gun")
    helpers = "\n".join(
        f"      {helper.entity_id:<36} {helper.settings['name']}"
        for helper in from_entities.HELPERS
    )
    print(
        f"""
Home Assistant is ready at {info.url} (started in {info.startup_seconds:.0f} s)

  Dashboard:  {info.dashboard_url}
  Log in as:  {info.username} / {info.password}
  Config:     {_shown(info.config_dir)}  (logs: {logs})

Emulated devices, each a process of its own:
{devices}

Built from entities, as a massager on a smart plug is:
  {from_entities.NAME + ":":<24} {from_entities.FAN}
{helpers}
      Change them on the dashboard: the massager follows. Above 5 W the motor
      runs; at 0 W it shows off 10 s later, as when it stopped by itself.

Routines, in the dashboard's Routines section (the device {routines.TITLE}):
  pick one and press Start; a gun step waits until you press Confirm step.

Break one on purpose, from another terminal:
  {develop} kill gun
      kills the gun's process (as kill -KILL {gun.pid}): Home Assistant shows it
      unavailable, and runs on
  {develop} start
      starts it again (as kill -USR1 {info.demo_pid}): it comes back within seconds
  {develop} fault gun refuse on
      switches a fault on: refuse on|off, latency SECONDS, silent on|off (a silent
      push channel), token TOKEN|off, clear; without one, shows the gun's faults

Press Ctrl-C to stop Home Assistant and the devices.
""",
        flush=True,
    )


async def _main(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    revive = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Set explicitly: a background job of a shell starts with SIGINT ignored.
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, revive.set)
    options = DemoOptions(
        config_dir=args.config, port=args.port, emulator_port=args.emulator_port
    )
    default_config = args.config.resolve() == DEFAULT_CONFIG_DIR.resolve()
    return await run(
        options,
        lambda info: _print_ready(
            info, as_json=args.json, default_config=default_config
        ),
        stop,
        revive,
    )


def _command(args: argparse.Namespace) -> int:
    """Run a command on the demo that runs with `--config`."""
    config_dir = args.config.resolve()
    try:
        if args.command == "kill":
            commands.kill(config_dir, args.device, print)
        elif args.command == "start":
            commands.start(config_dir, print)
        else:
            commands.run_fault(
                config_dir, args.device, getattr(args, "change", None), print
            )
    except DemoError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the demo, a command on it, or only prepare for it; return the status."""
    args = parse_args(argv)
    if args.prepare:
        asyncio.run(requirements.install_missing(lambda line: print(line, flush=True)))
        return 0
    if args.command is not None:
        return _command(args)
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())

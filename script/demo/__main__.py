"""
Command line of the demo: `python script/demo --help` (script/develop runs it).

Home Assistant at http://127.0.0.1:8123 with an emulated massage gun and foot and
leg massager, onboarded with a demo user and showing the massage dashboard, until
Ctrl-C (SIGINT) or SIGTERM.
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

from demo import DEFAULT_CONFIG_DIR, DEFAULT_PORT, REPO_DIR, requirements
from demo.runner import DemoInfo, DemoOptions, run


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:  # noqa: PLR2004
        raise argparse.ArgumentTypeError("must be between 0 and 65535")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="script/develop",
        description="Home Assistant with two emulated massagers and a ready "
        "dashboard, on 127.0.0.1, until Ctrl-C.",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"Home Assistant's HTTP port, for a new configuration (default "
        f"{DEFAULT_PORT}); an existing one keeps its own",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG_DIR,
        help="configuration directory (default: config/ in the repository)",
    )
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
    return parser.parse_args(argv)


def _shown(path: str) -> str:
    """Show `path` relative to the repository when it is inside it."""
    try:
        return str(Path(path).relative_to(REPO_DIR)) + "/"
    except ValueError:
        return path


def _print_ready(info: DemoInfo, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"event": "ready", **info.as_dict()}), flush=True)
        return
    devices = "\n".join(
        f"  {device.name + ':':<24} {device.url}  ({device.device_id})"
        for device in info.devices
    )
    print(
        f"""
Home Assistant is ready at {info.url} (started in {info.startup_seconds:.0f} s)

  Dashboard:  {info.dashboard_url}
  Log in as:  {info.username} / {info.password}
  Config:     {_shown(info.config_dir)}  (log: home-assistant.log)

Emulated devices:
{devices}

Press Ctrl-C to stop Home Assistant and the devices.
""",
        flush=True,
    )


async def _main(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    options = DemoOptions(
        config_dir=args.config, port=args.port, emulator_port=args.emulator_port
    )
    return await run(options, lambda info: _print_ready(info, as_json=args.json), stop)


def main(argv: list[str] | None = None) -> int:
    """Run the demo, or only prepare for it; return the exit status."""
    args = parse_args(argv)
    if args.prepare:
        asyncio.run(requirements.install_missing(lambda line: print(line, flush=True)))
        return 0
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())

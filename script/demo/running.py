"""
What a running demo tells the commands that act on it (`script/develop kill`, ...).

The demo writes `.massage-demo-running.json` into its configuration directory: its
own process id and, per device, the process, port and control port. The file is
rewritten whenever a device stops or starts, and removed when the demo stops.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import os
from pathlib import Path
from typing import Any

RUNNING_FILE = ".massage-demo-running.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class Running:
    """A running demo as its file describes it; `devices` by kind."""

    demo_pid: int
    devices: dict[str, dict[str, Any]]


def write(config_dir: Path, devices: list[dict[str, Any]], stopped: list[str]) -> None:
    """Describe this demo's devices; those in `stopped` have no process now."""
    described: dict[str, dict[str, Any]] = {
        device["kind"]: device for device in devices
    }
    for kind in stopped:
        described[kind] = {"kind": kind, "pid": None}
    path = config_dir / RUNNING_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text(
        json.dumps({"demo_pid": os.getpid(), "devices": described}, indent=2) + "\n"
    )
    # Readers never see half a file.
    temporary.replace(path)


def remove(config_dir: Path) -> None:
    """Forget the running demo; it has stopped."""
    (config_dir / RUNNING_FILE).unlink(missing_ok=True)


def read(config_dir: Path) -> Running | None:
    """Return the demo running with `config_dir`, or None when none does."""
    try:
        data = json.loads((config_dir / RUNNING_FILE).read_text())
    except FileNotFoundError, json.JSONDecodeError:
        return None
    demo_pid = data.get("demo_pid")
    if not isinstance(demo_pid, int) or not process_runs(demo_pid, "script/demo"):
        return None
    return Running(demo_pid=demo_pid, devices=dict(data.get("devices", {})))


def process_runs(pid: int, *words: str) -> bool:
    """Whether process `pid` runs (not a zombie) and its command line has `words`."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError, ProcessLookupError:
        return False
    # The state follows the command name, which is in parentheses.
    if status.rpartition(")")[2].split()[0] == "Z":
        return False
    text = command.decode(errors="replace")
    return all(word in text for word in words)

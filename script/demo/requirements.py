"""
The Python packages Home Assistant's web interface and always-loaded parts need.

The test requirements carry Home Assistant's core only; a full Home Assistant
installs what an integration needs the first time it loads it, from the internet.
The demo instead installs, once and before Home Assistant starts, what the manifests
of the integrations it loads pin, and then runs Home Assistant with `--skip-pip`, so
that it never reaches for the network itself. Without these, the web interface does
not load: it asks for every action's description, which imports the speech and
voice integrations.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import importlib.metadata
import json
from pathlib import Path
import re
import sys

from .api import DemoError

# The integrations the demo's configuration.yaml sets up, besides Home Assistant's
# defaults. Their dependencies are followed.
CONFIGURED = (
    "automation",
    "config",
    "conversation",
    "frontend",
    "history",
    "logbook",
    "lovelace",
    "person",
    "scene",
    "script",
    "system_health",
)
_NAME = re.compile(r"^[A-Za-z0-9._-]+")
FRONTEND = "home-assistant-frontend"
# Written into the environment: pinned requirements without a wheel here.
STAMP = ".massage-demo-requirements"


def _always_loaded() -> set[str]:
    """Return what Home Assistant sets up whatever the configuration says."""
    from homeassistant import bootstrap  # noqa: PLC0415 - a heavy import, only here

    return (
        set(bootstrap.CORE_INTEGRATIONS)
        | set(bootstrap.FRONTEND_INTEGRATIONS)
        | set(bootstrap.DEFAULT_INTEGRATIONS)
    )


def _name(requirement: str) -> str:
    """Return the package name of a requirement such as `mutagen==1.48.1`."""
    match = _NAME.match(requirement)
    return requirement if match is None else match.group(0)


def _installed(requirement: str) -> bool:
    """Whether `name==version` (or just a name) is installed in that version."""
    name = _name(requirement)
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    _, pinned, wanted = requirement.partition("==")
    return not pinned or version == wanted.strip()


def missing() -> list[str]:
    """Return the pinned requirements of the demo's integrations not installed."""
    from homeassistant import components  # noqa: PLC0415

    base = Path(next(iter(components.__path__)))
    seen: set[str] = set()
    todo = [*CONFIGURED, *_always_loaded()]
    wanted: set[str] = set()
    while todo:
        domain = todo.pop()
        manifest_path = base / domain / "manifest.json"
        if domain in seen or not manifest_path.exists():
            continue
        seen.add(domain)
        manifest = json.loads(manifest_path.read_text())
        todo += manifest.get("dependencies", [])
        todo += manifest.get("after_dependencies", [])
        wanted.update(manifest.get("requirements", []))
    return sorted(requirement for requirement in wanted if not _installed(requirement))


async def _pip_install(*requirements: str) -> bool:
    """Install wheels only (no compiler needed); True when pip succeeded."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        "--only-binary=:all:",
        *requirements,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await process.wait() == 0


async def install_missing(log: Callable[[str], None]) -> None:
    """
    Install what is missing with pip; only the web interface is indispensable.

    A pinned version without a wheel for this machine (no compiler is needed, nor
    provided) is replaced by the newest release of that package that has one, or
    left out. Either is noted in the environment, so that it is not tried again,
    nor the network needed, on every start.
    """
    stamp = Path(sys.prefix) / STAMP
    settled = set(stamp.read_text().split()) if stamp.exists() else set()
    todo = [requirement for requirement in missing() if requirement not in settled]
    if not todo:
        return
    log(f"Installing packages Home Assistant loads: {' '.join(todo)}")
    if await _pip_install(*todo):
        return
    # Some pinned version has no wheel here: one at a time, then the fallbacks.
    for requirement in todo:
        if await _pip_install(requirement):
            continue
        if requirement.startswith(FRONTEND):
            raise DemoError(f"Could not install the web interface ({requirement})")
        name = _name(requirement)
        if name != requirement and await _pip_install(name):
            log(f"{requirement} has no wheel here; installed the newest {name}")
        else:
            log(f"Could not install {requirement}; Home Assistant will log why")
        settled.add(requirement)
    stamp.write_text("\n".join(sorted(settled)) + "\n")

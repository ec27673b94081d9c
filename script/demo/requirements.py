"""
The Python packages Home Assistant's web interface and always-loaded parts need.

The test requirements carry Home Assistant's core only; a full Home Assistant
installs what an integration needs the first time it loads it, from the internet.
The demo instead installs, once and before Home Assistant starts, exactly what the
manifests of the integrations it loads pin, and then runs Home Assistant with
`--skip-pip`, so that it never reaches for the network itself.
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
# Written into the environment: requirements that pip could not install here.
STAMP = ".massage-demo-requirements"


def _always_loaded() -> set[str]:
    """Return what Home Assistant sets up whatever the configuration says."""
    from homeassistant import bootstrap  # noqa: PLC0415 - a heavy import, only here

    return (
        set(bootstrap.CORE_INTEGRATIONS)
        | set(bootstrap.FRONTEND_INTEGRATIONS)
        | set(bootstrap.DEFAULT_INTEGRATIONS)
    )


def _installed(requirement: str) -> bool:
    """Whether `name==version` (or just a name) is installed in that version."""
    match = _NAME.match(requirement)
    if match is None:
        return True
    name = match.group(0)
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

    A package without a wheel for this machine is noted in the environment, so it
    is not tried again (nor the network needed) on every start.
    """
    stamp = Path(sys.prefix) / STAMP
    unavailable = set(stamp.read_text().split()) if stamp.exists() else set()
    todo = [requirement for requirement in missing() if requirement not in unavailable]
    if not todo:
        return
    log(f"Installing what Home Assistant's web interface needs: {' '.join(todo)}")
    if await _pip_install(*todo):
        return
    # One package without a wheel for this machine must not cost the others.
    failed = [
        requirement for requirement in todo if not await _pip_install(requirement)
    ]
    if any(requirement.startswith(FRONTEND) for requirement in failed):
        raise DemoError(f"Could not install the web interface ({FRONTEND})")
    stamp.write_text("\n".join(sorted(unavailable | set(failed))) + "\n")
    log(
        f"Not available here: {' '.join(failed)}. Home Assistant logs that the "
        "integrations needing them cannot load; the demo does without them."
    )

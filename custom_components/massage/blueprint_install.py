"""The shipped automation blueprints, installed into the configuration.

Home Assistant puts its own bundled blueprints into `blueprints/automation/` of the
configuration; the integration puts its own into `blueprints/automation/massage/`,
so that a person who installed it through HACS finds them on the Blueprints page.
A record (a `Store`) keeps the hash of each file as the integration wrote it: a
file whose content no longer matches was changed by the person and is never
replaced, and one that was deleted stays deleted. An unchanged file is brought up
to date when the integration ships a new version of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import hashlib
from pathlib import Path
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store
from homeassistant.util.file import write_utf8_file

from .const import DOMAIN, LOGGER

BLUEPRINT_DOMAIN: Final = "automation"
SOURCE_DIR: Final = Path(__file__).parent / "blueprints" / BLUEPRINT_DOMAIN / DOMAIN
TARGET_DIR: Final = Path("blueprints") / BLUEPRINT_DOMAIN / DOMAIN
SERVICE_RELOAD: Final = "reload"

STORE_VERSION: Final = 1
STORE_KEY: Final = f"{DOMAIN}.blueprints"
# The record in the store: file name -> sha256 of what the integration wrote.
RECORD: Final = "installed"


def digest(data: bytes) -> str:
    """Return the hash the record keeps of a file's content."""
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class Installation:
    """What one install did: the record to keep, and the files it wrote."""

    record: dict[str, str]
    written: list[str] = field(default_factory=list)


def install(config_dir: Path, record: dict[str, str]) -> Installation:
    """Install or update each shipped blueprint, as the record allows.

    `record` holds the hash of each file as the integration last wrote it. Runs
    in the executor: it reads and writes files. A file that cannot be read or
    written is logged and left; the others are installed all the same.
    """
    result = Installation(dict(record))
    target_dir = config_dir / TARGET_DIR
    for source in sorted(SOURCE_DIR.glob("*.yaml")):
        target = target_dir / source.name
        try:
            _install_one(source, target, result)
        except OSError as err:
            LOGGER.warning("Could not install the blueprint %s: %s", target, err)
    return result


def _install_one(source: Path, target: Path, result: Installation) -> None:
    """Install one blueprint unless the person changed or deleted it."""
    name = source.name
    shipped = source.read_bytes()
    written = result.record.get(name)
    if target.exists():
        current = target.read_bytes()
        if current == shipped:
            result.record[name] = digest(shipped)
            return
        if written is None or digest(current) != written:
            LOGGER.info("Keeping %s: it is not the one the integration wrote", target)
            return
    elif written is not None:
        LOGGER.debug("Not installing %s again: it was deleted", target)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    write_utf8_file(str(target), shipped.decode("utf-8"))
    result.record[name] = digest(shipped)
    result.written.append(name)


async def async_install_blueprints(hass: HomeAssistant) -> None:
    """Install the blueprints; automations made from an updated one follow it."""
    store: Store[dict[str, dict[str, str]]] = Store(hass, STORE_VERSION, STORE_KEY)
    stored = await store.async_load() or {}
    record = stored.get(RECORD)
    if not isinstance(record, dict):
        # Nothing recorded yet, or a record nobody can read: no file is ours.
        record = {}
    result = await hass.async_add_executor_job(
        install, Path(hass.config.config_dir), record
    )
    if result.record != record:
        await store.async_save({RECORD: result.record})
    if result.written:
        LOGGER.debug("Installed blueprints: %s", ", ".join(result.written))
    # Reloading drops the automations' cache of blueprints and sets up again only
    # the automations whose blueprint changed.
    if result.written and hass.services.has_service(BLUEPRINT_DOMAIN, SERVICE_RELOAD):
        await hass.services.async_call(BLUEPRINT_DOMAIN, SERVICE_RELOAD, blocking=True)


@callback
def async_setup_blueprints(hass: HomeAssistant) -> None:
    """Install the blueprints once Home Assistant has started.

    Home Assistant fills `blueprints/automation/` with its own blueprints only
    while that folder does not exist yet; waiting for the start lets it do so
    first, before the integration's folder would make it exist.
    """
    async_at_started(hass, async_install_blueprints)

"""The shipped voice sentences, installed where Assist's default agent reads them.

Home Assistant's default conversation agent loads sentences of integrations only from
the configuration's `custom_sentences/<language>/` folders, so the integration puts
its own there, as Home Assistant puts its bundled blueprints into the configuration.
Each installed file records the hash of what was written; a file whose content no
longer matches it was changed by the person and is never replaced. An unchanged file
is brought up to date when the integration ships new sentences.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
import re

from homeassistant.core import HomeAssistant
from homeassistant.util.file import write_utf8_file

from .const import DOMAIN, LOGGER

SOURCE_DIR = Path(__file__).parent / "sentences"
TARGET_DIR = "custom_sentences"
FILE_NAME = f"{DOMAIN}.yaml"
CONVERSATION = "conversation"
SERVICE_RELOAD = "reload"

_HEADER = (
    "# Sentences of the Massage integration for Assist, installed by the integration.\n"
    "# Edit freely: once this file is changed, the integration never replaces it.\n"
    "# massage-sentences-sha256: {digest}\n"
)
_RECORDED = re.compile(r"\A(?:#[^\n]*\n)*?# massage-sentences-sha256: (\w+)\n")


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def installed_text(body: str) -> str:
    """Return a file as installed: the header that records the body's hash, then it."""
    return _HEADER.format(digest=_digest(body)) + body


def is_unchanged(text: str) -> bool:
    """Return whether an installed file is still exactly what the integration wrote."""
    if (recorded := _RECORDED.match(text)) is None:
        return False
    return _digest(text[recorded.end() :]) == recorded.group(1)


def install(config_dir: Path) -> list[str]:
    """Install or update each language's sentences; return the languages written.

    Runs in the executor: it reads and writes files.
    """
    written = []
    for source in sorted(SOURCE_DIR.glob("*.yaml")):
        language = source.stem
        target = config_dir / TARGET_DIR / language / FILE_NAME
        text = installed_text(source.read_text(encoding="utf-8"))
        if target.exists():
            current = target.read_text(encoding="utf-8")
            if current == text:
                continue
            if not is_unchanged(current):
                LOGGER.info("Keeping %s: it was changed since it was installed", target)
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        write_utf8_file(str(target), text)
        written.append(language)
    return written


async def async_install_sentences(hass: HomeAssistant) -> None:
    """Install the sentences, and have the default agent reload what changed."""
    written = await hass.async_add_executor_job(install, Path(hass.config.config_dir))
    if not written or not hass.services.has_service(CONVERSATION, SERVICE_RELOAD):
        return
    for language in sorted({*written, hass.config.language}):
        await hass.services.async_call(
            CONVERSATION, SERVICE_RELOAD, {"language": language}, blocking=True
        )

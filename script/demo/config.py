"""The demo's Home Assistant configuration directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from . import DASHBOARD_URL_PATH, DEFAULT_PORT, REPO_DIR
from .api import DemoError

# The first line of a configuration.yaml the demo wrote; only such a file is rewritten.
MARKER = "# Written by script/demo: rewritten on every run while this line is here."

# `default_config` would pull in integrations that reach out to the internet
# (alerts, cloud, SSDP, zeroconf, DHCP, Bluetooth, go2rtc...) or need packages the
# project does not install, so the demo lists the few it uses instead. Nothing here
# needs a network beyond 127.0.0.1.
CONFIGURATION = """\
{marker}
homeassistant:
  name: Massage demo
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: DE
  latitude: 52.52
  longitude: 13.40
  elevation: 34

{http}
logger:
  default: warning
  logs:
    custom_components.massage: info
    homeassistant.setup: info
  # Home Assistant always sets up text-to-speech and camera, which look for the
  # ffmpeg program and the libturbojpeg library. The demo uses neither and does
  # not install them; only the lines that say they are missing are left out.
  filters:
    haffmpeg.core:
      - '^FFmpeg fails \\[Errno 2\\] No such file or directory: ''ffmpeg''$'
    haffmpeg.tools:
      - '^Error starting FFmpeg\\.$'
    homeassistant.components.camera.img_util:
      - '^Error loading libturbojpeg;'

# The web interface and what its menus need.
frontend:
config:
history:
logbook:
person:
system_health:
conversation:
# Helpers: the demo builds its third massager from an input boolean (the plug),
# an input number (its power reading) and input selects (programme, intensity).
# Another input boolean says a workout finished; an input text keeps the demo
# phone's buttons.
input_boolean:
input_number:
input_select:
input_text:
automation: !include automations.yaml
script: !include scripts.yaml
scene: !include scenes.yaml

lovelace:
  dashboards:
    {dashboard}:
      mode: yaml
      filename: dashboards/massage.yaml
      title: Massage
      icon: mdi:spa
      show_in_sidebar: true
      require_admin: false
"""

# Home Assistant 2026.x keeps its HTTP settings in .storage/http and reads the
# `http:` section only once, to migrate it, as a trial that the demo then confirms.
HTTP_FIRST_RUN = """\
http:
  server_host: 127.0.0.1
  server_port: {port}
"""
HTTP_MIGRATED = """\
# http: Home Assistant took 127.0.0.1:{port} from here on the first run and keeps it
# in .storage/http now (Settings > System > Network changes it).
"""

# Onboarding's location step also sets up a weather forecast, a radio browser and
# Google's text-to-speech, which all need the internet. configuration.yaml sets the
# location, so a new configuration starts with that step marked done, in Home
# Assistant's own onboarding store; the demo goes through the other steps.
ONBOARDING_STORE = Path(".storage/onboarding")
ONBOARDING_DONE = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config"]},
}

# Files that `!include` reads; created empty once and then left to the UI editors.
INCLUDED = {"automations.yaml": "[]\n", "scripts.yaml": "{}\n", "scenes.yaml": "[]\n"}

# Links from the configuration into the checkout, so edits apply without copying.
# The blueprints are not linked: the integration installs them, as for everyone.
LINKS = {
    Path("custom_components/massage"): REPO_DIR / "custom_components" / "massage",
    Path("dashboards"): REPO_DIR / "dashboards",
}


def stored_http_settings(config_dir: Path) -> dict[str, Any] | None:
    """
    Return the HTTP settings Home Assistant will start with, from its storage.

    None when it has not taken them over from configuration.yaml yet. Only read:
    the demo changes them through Home Assistant alone.
    """
    try:
        stored = json.loads((config_dir / ".storage" / "http").read_text())["data"]
    except FileNotFoundError:
        return None
    if not stored.get("yaml_migration_done"):
        return None
    pending = stored.get("pending")
    if pending is not None and pending.get("error") is None:
        return dict(pending)
    return dict(stored["stable"])


def prepare(config_dir: Path, port: int | None) -> int:
    """
    Create or refresh `config_dir`; return the port Home Assistant will listen on.

    `port` None means the port this configuration already has, or 8123 at first.
    Leaves Home Assistant's own files alone.
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    settings = stored_http_settings(config_dir)
    if settings is None:
        port = DEFAULT_PORT if port is None else port
        http = HTTP_FIRST_RUN.format(port=port)
    else:
        if settings.get("server_host") != ["127.0.0.1"]:
            raise DemoError(
                f"{config_dir} has Home Assistant listen on "
                f"{settings.get('server_host') or 'every interface'}, not only "
                "127.0.0.1; the demo will not start it. Remove that directory to "
                "start afresh."
            )
        if port is not None and port != settings["server_port"]:
            raise DemoError(
                f"{config_dir} has Home Assistant on port "
                f"{settings['server_port']}. Run without --port to use it, change "
                "it under Settings > System > Network, or remove that directory to "
                "start afresh."
            )
        port = int(settings["server_port"])
        http = HTTP_MIGRATED.format(port=port)
    configuration = config_dir / "configuration.yaml"
    if not configuration.exists() or configuration.read_text().startswith(MARKER):
        configuration.write_text(
            CONFIGURATION.format(marker=MARKER, http=http, dashboard=DASHBOARD_URL_PATH)
        )
        _skip_online_onboarding(config_dir)
    for name, content in INCLUDED.items():
        if not (config_dir / name).exists():
            (config_dir / name).write_text(content)
    for link, target in LINKS.items():
        _link(config_dir / link, target)
    return port


def _skip_online_onboarding(config_dir: Path) -> None:
    """Mark onboarding's location step done in a configuration never started."""
    store = config_dir / ONBOARDING_STORE
    if store.exists() or (config_dir / ".storage" / "auth").exists():
        return
    store.parent.mkdir(exist_ok=True)
    store.write_text(json.dumps(ONBOARDING_DONE, indent=2) + "\n")


def _link(link: Path, target: Path) -> None:
    """Point `link` at `target` with a relative symlink, if `target` exists."""
    if not target.exists():
        return
    link.parent.mkdir(parents=True, exist_ok=True)
    wanted = os.path.relpath(target, link.parent)
    if link.is_symlink():
        if str(link.readlink()) == wanted:
            return
        link.unlink()
    elif link.exists():
        # A real directory or file someone put there: theirs, not ours.
        return
    link.symlink_to(wanted, target_is_directory=target.is_dir())

"""The demo's Home Assistant configuration directory."""

from __future__ import annotations

import os
from pathlib import Path

from . import DASHBOARD_URL_PATH, REPO_DIR

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

http:
  server_host: 127.0.0.1
  server_port: {port}

logger:
  default: warning
  logs:
    custom_components.massage: info
    homeassistant.setup: info

# The web interface and what its menus need.
frontend:
config:
history:
logbook:
person:
system_health:
conversation:
automation: !include automations.yaml
script: !include scripts.yaml
scene: !include scenes.yaml

lovelace:
  dashboards:
    {dashboard}:
      mode: yaml
      filename: dashboards/massage.yaml
      title: Massage
      icon: mdi:massage
      show_in_sidebar: true
      require_admin: false
"""

# Files that `!include` reads; created empty once and then left to the UI editors.
INCLUDED = {"automations.yaml": "[]\n", "scripts.yaml": "{}\n", "scenes.yaml": "[]\n"}

# Links from the configuration into the checkout, so edits apply without copying.
LINKS = {
    Path("custom_components/massage"): REPO_DIR / "custom_components" / "massage",
    Path("dashboards"): REPO_DIR / "dashboards",
    Path("blueprints/automation/massage"): REPO_DIR
    / "blueprints"
    / "automation"
    / "massage",
}


def prepare(config_dir: Path, port: int) -> None:
    """Create or refresh `config_dir`; leaves Home Assistant's own files alone."""
    config_dir.mkdir(parents=True, exist_ok=True)
    configuration = config_dir / "configuration.yaml"
    if not configuration.exists() or configuration.read_text().startswith(MARKER):
        configuration.write_text(
            CONFIGURATION.format(marker=MARKER, port=port, dashboard=DASHBOARD_URL_PATH)
        )
    for name, content in INCLUDED.items():
        if not (config_dir / name).exists():
            (config_dir / name).write_text(content)
    for link, target in LINKS.items():
        _link(config_dir / link, target)


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

"""
The demo: Home Assistant with three massagers and a ready dashboard.

Two are emulated devices that speak the Massage Local API; the third is built
from input helpers, as a massager on a smart plug is (`from_entities`).

`script/develop` runs it (`python script/demo --help`); the browser test in
`tests/browser/` and `script/screenshots.py` start or drive the very same code.

- `config` writes the configuration directory (`config/` at the repo root).
- `devices` runs the emulated gun and foot and leg massager on 127.0.0.1, each in
  a process of its own (`emulated`), started as `children` that never outlive it.
- `api` talks to Home Assistant's own REST API: onboarding, login, config flows.
- `from_entities` creates the input helpers and builds the third massager.
- `routines` waits for the routine player, which the first massager brings.
- `recovery` makes an automation from the post-workout blueprint, its *Workout
  finished* switch and a stand-in phone.
- `runner` puts it together and stops everything cleanly; `running` tells other
  commands where the running demo's devices are.
- `commands` are `script/develop kill`, `start` and `fault` on a running demo.
- `browser` launches Debian's Chromium through Playwright and logs in.
"""

from __future__ import annotations

from pathlib import Path
import sys

REPO_DIR = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_DIR = REPO_DIR / "config"
DEFAULT_PORT = 8123
DEFAULT_EMULATOR_PORT = 8765

# The demo user, created through the onboarding API on the first run.
USERNAME = "demo"
PASSWORD = "demo-massage"  # noqa: S105 - a documented demo login on 127.0.0.1 only
DISPLAY_NAME = "Demo"

# The YAML dashboard of dashboards/massage.yaml, at /massage-demo/massage.
DASHBOARD_URL_PATH = "massage-demo"
DASHBOARD_VIEW = "massage"

# The emulator package lives at the repo root.
if str(REPO_DIR) not in sys.path:
    sys.path.insert(0, str(REPO_DIR))

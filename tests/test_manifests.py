"""Checks of the integration's manifests against what hassfest and HACS expect."""

from __future__ import annotations

import json
from pathlib import Path
import re

from awesomeversion import AwesomeVersion
from homeassistant import components
from homeassistant.const import __version__ as ha_version
import yaml

ROOT = Path(__file__).parent.parent
COMPONENT = ROOT / "custom_components" / "massage"


def test_manifest_key_order_and_fields() -> None:
    """Domain and name first, then the rest in alphabetical order, as hassfest wants."""
    manifest = json.loads((COMPONENT / "manifest.json").read_text())
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "massage"
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "local_push"
    assert manifest["integration_type"] == "device"
    assert manifest["zeroconf"] == ["_massage._tcp.local."]
    assert manifest["version"]
    assert manifest["codeowners"]


def _tested_releases() -> list[AwesomeVersion]:
    """Return the Home Assistant releases that script/test can test, oldest first."""
    releases = [
        AwesomeVersion(line.removeprefix("homeassistant==").split()[0])
        for path in ROOT.glob("requirements_test*.txt")
        for line in path.read_text().splitlines()
        if line.startswith("homeassistant==")
    ]
    return sorted(releases)


def test_hacs_names_the_oldest_tested_home_assistant() -> None:
    """HACS offers the integration from the oldest Home Assistant release tested."""
    releases = _tested_releases()
    assert len(releases) >= 2
    assert AwesomeVersion(ha_version) in releases
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == "Massage"
    assert hacs["homeassistant"] == str(releases[0])


def test_readme_names_the_tested_home_assistant_releases() -> None:
    """The README's list of supported releases is the list script/test tests."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Supported Home Assistant releases", 1)[1]
    section = section.split("\n#", 1)[0]
    named = {AwesomeVersion(v) for v in re.findall(r"\b20\d\d\.\d+\.\d+\b", section)}
    assert named == set(_tested_releases())


def test_quality_scale_lists_every_rule_honestly() -> None:
    """Every rule has a status, and every exemption says why."""
    # Core's integrations list every rule of the scale; take the list from one.
    wled = Path(next(iter(components.__path__))) / "wled"
    reference = yaml.safe_load((wled / "quality_scale.yaml").read_text())["rules"]
    rules = yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text())["rules"]
    assert set(rules) == set(reference)
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in {"done", "exempt", "todo"}, name
        if status == "exempt":
            assert isinstance(rule, dict), name
            assert rule.get("comment"), name

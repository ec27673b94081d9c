"""Checks of the integration's manifests against what hassfest and HACS expect."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_hacs_names_the_tested_home_assistant() -> None:
    """HACS offers the integration from the Home Assistant version the tests run."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == "Massage"
    assert hacs["homeassistant"] == ha_version


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

"""Consistency checks between the integration's code, en.json and its translations."""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
from string import Formatter
from typing import Any

import pytest

from custom_components.massage.coordinator import REJECTION_REASONS
from custom_components.massage.drivers.entities import ROLES as ENTITY_ROLES
from custom_components.massage.issues import Issue

INTEGRATION_DIR = Path(__file__).parent.parent / "custom_components" / "massage"
TRANSLATIONS_DIR = INTEGRATION_DIR / "translations"
TRANSLATION_FILES = sorted(
    path for path in TRANSLATIONS_DIR.glob("*.json") if path.name != "en.json"
)
SOURCES = sorted(INTEGRATION_DIR.rglob("*.py"))

# The reasons a rejected command is reported with, as `command_{reason}` exceptions.
COMMAND_REASONS = {"device_off", "invalid_value", "unsupported", "busy", "rejected"}


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Map the dotted path of each string in a nested translation tree to it."""
    leaves: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            leaves.update(_flatten(value, f"{prefix}{key}."))
        else:
            leaves[f"{prefix}{key}"] = value
    return leaves


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


def _translation_keys(path: Path) -> Iterator[tuple[str, ast.expr]]:
    """Yield (called name, value) for each `translation_key=` argument in a module."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        called = ast.unparse(node.func).rsplit(".", 1)[-1]
        for keyword in node.keywords:
            if keyword.arg == "translation_key":
                yield called, keyword.value


@pytest.fixture(scope="module")
def english() -> dict[str, Any]:
    return _load(TRANSLATIONS_DIR / "en.json")


def test_there_are_translations() -> None:
    assert {path.stem for path in TRANSLATION_FILES} >= {"de", "es", "fr"}


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=lambda path: path.stem)
def test_same_keys_as_english(path: Path, english: dict[str, Any]) -> None:
    assert sorted(_flatten(_load(path))) == sorted(_flatten(english))


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=lambda path: path.stem)
def test_same_placeholders_as_english(path: Path, english: dict[str, Any]) -> None:
    translated = _flatten(_load(path))
    for key, text in _flatten(english).items():
        if key in translated:
            assert _placeholders(translated[key]) == _placeholders(text), key


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=lambda path: path.stem)
def test_no_empty_strings(path: Path) -> None:
    for key, text in _flatten(_load(path)).items():
        assert text.strip(), key


def _check_selector_key(value: ast.expr, selectors: dict[str, Any]) -> None:
    """Check a form's choices: under "selector", one per role for its means."""
    if isinstance(value, ast.Constant):
        assert value.value in selectors, value.value
    else:
        assert ast.unparse(value) == "f'{role}_means'"
        for role in ENTITY_ROLES:
            assert f"{role}_means" in selectors, role


def _check_issue_key(path: Path, value: ast.expr, issues: dict[str, Any]) -> None:
    """A repair issue's text lives under "issues".

    The entry's own issues are the values of `Issue`, checked below; the entities
    driver has one issue per role that can lose its entity.
    """
    if isinstance(value, ast.Constant):
        assert value.value in issues, value.value
    elif isinstance(value, ast.Name):
        assert (value.id, path.name) == ("issue", "issues.py"), ast.unparse(value)
    else:
        assert ast.unparse(value) == "f'missing_entity_{role}'"
        for role in ENTITY_ROLES:
            assert f"missing_entity_{role}" in issues, role


@pytest.mark.parametrize(
    "path", SOURCES, ids=lambda path: str(path.relative_to(INTEGRATION_DIR))
)
def test_translation_keys_in_code_exist(path: Path, english: dict[str, Any]) -> None:
    exceptions = english["exceptions"]
    for called, value in _translation_keys(path):
        if called.endswith("EntityDescription"):
            # An entity description's key lives under its platform, named as the module.
            assert isinstance(value, ast.Constant), ast.unparse(value)
            assert value.value in english["entity"][path.stem], value.value
        elif called == "async_create_issue":
            _check_issue_key(path, value, english["issues"])
        elif called == "DeviceInfo":
            # A device's translated name, as the routine player's.
            assert isinstance(value, ast.Constant), ast.unparse(value)
            assert "name" in english["device"][value.value], value.value
        elif called == "SelectSelectorConfig":
            _check_selector_key(value, english["selector"])
        elif isinstance(value, ast.Constant):
            assert value.value in exceptions, value.value
        elif isinstance(value, ast.Name) and value.id == "translation_key":
            # errors.translated() passes on the key its callers name; checked there.
            assert path.name == "errors.py", path
        else:
            # The one computed key: f"command_{reason}" for a rejected command.
            assert ast.unparse(value).startswith("f'command_{"), ast.unparse(value)
            for reason in COMMAND_REASONS | REJECTION_REASONS:
                assert f"command_{reason}" in exceptions, reason


def test_repair_issues_are_translated(english: dict[str, Any]) -> None:
    entities_issues = {f"missing_entity_{role}" for role in ENTITY_ROLES}
    assert {str(issue) for issue in Issue} | entities_issues == set(english["issues"])


def test_code_uses_translation_keys() -> None:
    """Guard the test above against silently finding nothing."""
    found = [called for path in SOURCES for called, _ in _translation_keys(path)]
    assert any(called.endswith("EntityDescription") for called in found)
    assert any(not called.endswith("EntityDescription") for called in found)


def test_icons_match_entity_translations(english: dict[str, Any]) -> None:
    icons = _load(INTEGRATION_DIR / "icons.json")
    for platform, entities in icons["entity"].items():
        for key, icon in entities.items():
            translation = english["entity"].get(platform, {}).get(key)
            assert translation is not None, f"{platform}.{key}"
            # A nameless entity, as the fan, is there for its state attributes only.
            assert "name" in translation or "state_attributes" in translation, key
            for attribute, attribute_icons in icon.get("state_attributes", {}).items():
                states = translation["state_attributes"][attribute]["state"]
                assert attribute_icons.get("state", {}).keys() <= states.keys(), key

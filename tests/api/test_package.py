"""The client library can be published on its own: no Home Assistant inside."""

from __future__ import annotations

import ast
from pathlib import Path
import re

import pytest

from custom_components.massage import api

API_DIR = Path(api.__file__).parent
MODULES = sorted(API_DIR.rglob("*.py"))


def imported_modules(path: Path, root: Path = API_DIR) -> set[str]:
    """Return every module a file imports; relative imports must stay in root."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                depth = len(path.relative_to(root).parts) - 1
                assert node.level <= depth + 1, f"{path.name} imports outside {root}"
            elif node.module is not None:
                names.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) in {"__import__", "importlib.import_module"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def test_the_walk_finds_the_modules() -> None:
    assert {path.name for path in MODULES} >= {
        "__init__.py",
        "client.py",
        "digest.py",
        "errors.py",
        "models.py",
    }
    assert "aiohttp" in imported_modules(API_DIR / "client.py")


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_module_imports_home_assistant(path: Path) -> None:
    for name in imported_modules(path):
        assert name.split(".")[0] != "homeassistant", f"{path.name} imports {name}"
        assert not name.startswith("custom_components"), f"{path.name} imports {name}"


@pytest.mark.parametrize(
    "line",
    [
        "import homeassistant.core",
        "from homeassistant.const import CONF_HOST",
        "if True:\n    from homeassistant import core",
        "core = __import__('homeassistant.core')",
        "core = importlib.import_module('homeassistant.core')",
    ],
)
def test_the_walk_catches_every_way_of_importing(tmp_path: Path, line: str) -> None:
    """Guard the check above against finding nothing."""
    probe = tmp_path / "probe.py"
    probe.write_text(f"{line}\n", encoding="utf-8")
    assert any(
        name.startswith("homeassistant") for name in imported_modules(probe, tmp_path)
    )


def test_a_relative_import_may_not_leave_the_package(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from ..const import DOMAIN\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="imports outside"):
        imported_modules(probe, tmp_path)


def test_it_has_its_own_version_and_types() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", api.__version__)
    assert api.__version__.split(".")[:2] == [str(api.API_VERSION), str(api.API_MINOR)]
    assert (API_DIR / "py.typed").is_file()
    assert set(api.__all__) <= set(dir(api))

"""docs/architecture.md stays a true map of the integration.

Every file of custom_components/massage/ is covered by a row of the page's module
table, each Python module by a row of its own, and every row names a file or a
folder that exists. Every path, class, function and constant the page names in
backticks exists too. Plain file reading: no Home Assistant instance.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
import importlib.util
from pathlib import Path
import re

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "custom_components" / "massage"
DOCUMENT = ROOT / "docs" / "architecture.md"
# The module table is the first table under this heading; paths are relative to
# the component, and a path that ends in "/" is a folder.
TABLE_HEADING = "## Modules"
# Where the classes, functions and constants the page names are defined.
CODE_DIRS = (COMPONENT, ROOT / "emulator")

# Home Assistant's own classes that the page names, with the module (in the
# installed homeassistant package) that must define each.
HOME_ASSISTANT_CLASSES = {
    "CoordinatorEntity": "helpers/update_coordinator.py",
    "Debouncer": "helpers/debounce.py",
    "EntityDescription": "helpers/entity.py",
    "ServiceValidationError": "exceptions.py",
}

CODE_SPAN = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|(.*)\|\s*$")
PATH = re.compile(r"[\w.-]+(?:/[\w.-]*)*")
PATH_SUFFIXES = (".py", ".json", ".yaml", ".md", ".png", ".typed")
CLASS = re.compile(r"_?[A-Z][a-z][A-Za-z0-9]*")
CLASS_ATTRIBUTE = re.compile(r"(_?[A-Z][A-Za-z0-9]*)\.(\w+)(?:\(\))?")
CONSTANT = re.compile(r"[A-Z][A-Z0-9_]+")
FUNCTION = re.compile(r"(_?[a-z]\w*)\(\)")


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the root fixture: reading files needs no Home Assistant instance."""


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the module table."""

    path: str
    what: str

    @property
    def is_folder(self) -> bool:
        """Whether the row stands for a folder and everything in it."""
        return self.path.endswith("/")


@cache
def document() -> str:
    """Return the page's text."""
    return DOCUMENT.read_text(encoding="utf-8")


@cache
def module_table() -> tuple[Row, ...]:
    """Return the rows of the module table, without its header."""
    lines = document().splitlines()
    assert TABLE_HEADING in lines, f"{DOCUMENT.name} has no {TABLE_HEADING!r} section"
    table: list[str] = []
    for line in lines[lines.index(TABLE_HEADING) + 1 :]:
        if line.startswith("|"):
            table.append(line)
        elif table or line.startswith("#"):
            break
    assert len(table) > 2, f"no table under {TABLE_HEADING!r}"
    rows = []
    for line in table[2:]:  # after the header and its separator
        match = ROW.match(line)
        assert match, f"a row's first cell must be one path in backticks: {line}"
        rows.append(Row(match[1], match[2].strip()))
    return tuple(rows)


def component_files() -> list[str]:
    """Return every file of the component, relative to it, caches left out."""
    return sorted(
        path.relative_to(COMPONENT).as_posix()
        for path in COMPONENT.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def named_in_backticks() -> list[str]:
    """Return what the page's text names in backticks, code blocks left out."""
    return CODE_SPAN.findall(FENCE.sub("", document()))


def is_path(name: str) -> bool:
    """Whether a name in backticks is a path: it has a folder or a file's suffix."""
    return bool(PATH.fullmatch(name)) and ("/" in name or name.endswith(PATH_SUFFIXES))


def test_every_row_says_what_it_is() -> None:
    """Each row has a description."""
    assert [row.path for row in module_table() if not row.what] == []


def test_no_path_has_two_rows() -> None:
    """A module is described in one place."""
    paths = [row.path for row in module_table()]
    assert sorted({path for path in paths if paths.count(path) > 1}) == []


def test_every_python_module_has_its_own_row() -> None:
    """A module added to the component needs its row."""
    rows = {row.path for row in module_table()}
    modules = [path for path in component_files() if path.endswith(".py")]
    assert [path for path in modules if path not in rows] == [], (
        f"add a row for each to the table under {TABLE_HEADING!r} in {DOCUMENT.name}"
    )


def test_every_other_file_is_covered() -> None:
    """Other files have a row, or lie in a folder that has one."""
    rows = module_table()
    files = {row.path for row in rows if not row.is_folder}
    folders = tuple(row.path for row in rows if row.is_folder)
    uncovered = [
        path
        for path in component_files()
        if not path.endswith(".py")
        and path not in files
        and not path.startswith(folders)
    ]
    assert uncovered == [], f"add a row for each to {DOCUMENT.name}"


def test_every_row_names_what_exists() -> None:
    """A module that was removed or renamed loses its row."""
    wrong = [
        row.path
        for row in module_table()
        if not (
            (COMPONENT / row.path).is_dir()
            if row.is_folder
            else (COMPONENT / row.path).is_file()
        )
    ]
    assert wrong == [], f"no such file or folder in {COMPONENT.relative_to(ROOT)}"


def resolve(path: str) -> Path:
    """Return where a path the page names lies: in the repository, or the component."""
    first = path.split("/", 1)[0]
    return ROOT / path if (ROOT / first).exists() else COMPONENT / path


def test_every_path_named_exists() -> None:
    """Paths in the text are the repository's or the component's, and exist."""
    paths = [name for name in named_in_backticks() if is_path(name)]
    assert paths, "the page names no paths: the check would prove nothing"
    assert [path for path in paths if not resolve(path).exists()] == []


@dataclass(slots=True)
class CodeIndex:
    """What the code defines: classes with their attributes, functions, constants."""

    attributes: dict[str, set[str]] = field(default_factory=dict)
    bases: dict[str, set[str]] = field(default_factory=dict)
    functions: set[str] = field(default_factory=set)
    constants: set[str] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)

    def has_attribute(self, class_name: str, attribute: str) -> bool:
        """Whether the class, or one of its bases defined here, has the attribute."""
        seen: set[str] = set()
        todo = [class_name]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            if attribute in self.attributes.get(name, set()):
                return True
            todo.extend(self.bases.get(name, set()))
        return False


def _assigned(node: ast.stmt) -> Iterator[str]:
    """Yield the plain names a statement assigns."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.TypeAlias):
        targets = [node.target] if isinstance(node, ast.AnnAssign) else [node.name]
    else:
        return
    for target in targets:
        if isinstance(target, ast.Name):
            yield target.id


def _base_name(node: ast.expr) -> str | None:
    """Return the simple name of a base class expression."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _index_class(index: CodeIndex, node: ast.ClassDef) -> None:
    attributes = index.attributes.setdefault(node.name, set())
    index.bases.setdefault(node.name, set()).update(
        name for base in node.bases if (name := _base_name(base)) is not None
    )
    for statement in node.body:
        attributes.update(_assigned(statement))
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            attributes.add(statement.name)
            # Attributes a method sets on the instance: self.name = ...
            for inner in ast.walk(statement):
                targets: list[ast.expr] = []
                if isinstance(inner, ast.Assign):
                    targets = inner.targets
                elif isinstance(inner, ast.AnnAssign):
                    targets = [inner.target]
                attributes.update(
                    target.attr
                    for target in targets
                    if isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                )


@cache
def code_index() -> CodeIndex:
    """Index every module of the component and the emulator."""
    index = CodeIndex()
    for folder in CODE_DIRS:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for statement in tree.body:
                index.constants.update(_assigned(statement))
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    _index_class(index, node)
                    index.constants.update(
                        name for item in node.body for name in _assigned(item)
                    )
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    index.functions.add(node.name)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    index.strings.add(node.value)
    return index


def home_assistant_defines(name: str) -> bool:
    """Whether Home Assistant's module listed for a class defines it."""
    spec = importlib.util.find_spec("homeassistant")
    assert spec is not None
    assert spec.submodule_search_locations is not None
    package = Path(next(iter(spec.submodule_search_locations)))
    source = (package / HOME_ASSISTANT_CLASSES[name]).read_text(encoding="utf-8")
    return re.search(rf"^class {name}\b", source, re.MULTILINE) is not None


def _class_defined(name: str, index: CodeIndex) -> bool:
    """Whether a class the page names is Home Assistant's or ours.

    Ours may be a class, a type alias, or a name the code uses as a string (an
    intent's, say).
    """
    if name in HOME_ASSISTANT_CLASSES:
        return home_assistant_defines(name)
    return name in index.attributes or name in index.constants | index.strings


def _is_defined(name: str, index: CodeIndex) -> bool:
    """Whether a class, attribute, function or constant the page names exists."""
    if name in vars(builtins):  # None, True, ...
        return True
    if match := CLASS_ATTRIBUTE.fullmatch(name):
        return match[1] in index.attributes and index.has_attribute(*match.groups())
    if CLASS.fullmatch(name):
        return _class_defined(name, index)
    if CONSTANT.fullmatch(name):
        return name in index.constants
    # A function; anything else (words, values, settings) names no code.
    match = FUNCTION.fullmatch(name)
    return match is None or match[1] in index.functions


def test_every_code_name_exists() -> None:
    """Classes, `Class.attribute`, `function()` and CONSTANTS the page names exist."""
    index = code_index()
    names = sorted({name for name in named_in_backticks() if not is_path(name)})
    kinds = (CLASS_ATTRIBUTE, CLASS, CONSTANT, FUNCTION)
    # Each kind of name is used, so that a pattern that never matches shows here.
    assert all(any(kind.fullmatch(name) for name in names) for kind in kinds)
    checked = [name for name in names if any(kind.fullmatch(name) for kind in kinds)]
    assert [name for name in checked if not _is_defined(name, index)] == []

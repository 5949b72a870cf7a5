"""Data flows one way: content → markdown → plugin, with xapi beside content.

Each package may import only the packages below it; nothing reaches back (a
cycle would make content/ unusable on its own, e.g. in the trainer's Pyodide
editor). `leerpad.layout` (the site's paths) is a leaf every package may ask.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "leerpad"

# package -> the leerpad packages (and top-level modules) it may import
ALLOWED: dict[str, set[str]] = {
    "layout": set(),
    "content": {"layout"},
    "xapi": {"content", "layout"},
    "markdown": {"content", "xapi", "layout"},
    "authoring": {"content", "xapi", "markdown", "layout"},  # preview.py runs in Pyodide
    "plugin": {"content", "xapi", "markdown", "layout", "authoring", "__init__"},
    "scoring": {"content", "xapi", "plugin", "lrs", "layout", "__init__"},
    "cmi5": {"content", "xapi", "layout", "plugin"},  # a package is made of a build
    "report": {"content", "xapi", "plugin", "layout", "__init__"},  # never lrs: the Statements API only
}


def leerpad_imports(package: str) -> dict[str, set[str]]:
    """For each file of a package (or the top-level module), the leerpad rooms it imports."""
    files = sorted((SRC / package).rglob("*.py")) if (SRC / package).is_dir() else [SRC / f"{package}.py"]
    found: dict[str, set[str]] = {}
    for file in files:
        rooms: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text("utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
                if node.module == "leerpad":  # `from leerpad import x`
                    names = [f"leerpad.{alias.name}" for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "leerpad":
                    rooms.add(parts[1] if len(parts) > 1 else "__init__")
        found[file.relative_to(SRC).as_posix()] = rooms - {package}
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_lies_below_it(package: str) -> None:
    wrong = {
        file: sorted(rooms - ALLOWED[package])
        for file, rooms in leerpad_imports(package).items()
        if rooms - ALLOWED[package]
    }
    assert wrong == {}, f"{package} reaches a package it may not import"


def test_the_check_sees_real_imports() -> None:
    """The parser finds the imports that exist (so the check above can fail)."""
    assert "content" in leerpad_imports("xapi")["xapi/profile.py"]
    assert "xapi" in leerpad_imports("markdown")["markdown/question.py"]

"""libyaml only speeds YAML up: the pure loader (Pyodide's) reads every document the same.

`parse_yaml` reads with libyaml when present and falls back to the pure loader
for a document libyaml cannot read; both must give the same data, key lines and
errors for every YAML document the course, the demo and the bad-input corpus hold.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from leerpad.content import yamltext
from leerpad.content.yamltext import YamlDoc, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p for folder in ("docs", "cases", "quizzes", "tests/demo", "tests/bad")
    for p in (ROOT / folder).rglob("*") if p.suffix in (".md", ".yml")
)


def documents() -> list[tuple[str, str, int]]:
    """(name, YAML text, first line) of every front matter and YAML file."""
    found = []
    for path in FILES:
        text = path.read_text("utf-8")
        name = path.relative_to(ROOT).as_posix()
        if path.suffix == ".yml":
            found.append((name, text, 1))
        elif front := yamltext._FRONT_MATTER.match(text):
            found.append((name, front.group(1) or "", 2))
    return found


def pure(text: str, start: int) -> YamlDoc:
    loaders = yamltext._LOADERS[:]
    yamltext._LOADERS[:] = [yamltext._Loader]
    try:
        return parse_yaml(text, start)
    finally:
        yamltext._LOADERS[:] = loaders


def test_libyaml_is_used_here() -> None:
    """The machine that runs the tests has libyaml: the comparison below compares two loaders."""
    assert len(yamltext._LOADERS) == 2


@pytest.mark.parametrize(("name", "text", "start"), documents(), ids=lambda v: v if isinstance(v, str) and
                         v.endswith((".md", ".yml")) else "")
def test_same_result_with_and_without_libyaml(name: str, text: str, start: int) -> None:
    assert parse_yaml(text, start) == pure(text, start)


def test_errors_are_the_pure_loaders() -> None:
    broken = "title: [Een, Twee\nmodule: x: y\n"
    assert parse_yaml(broken, 2) == pure(broken, 2)
    assert parse_yaml(broken, 2).error is not None


def test_content_runs_without_libyaml() -> None:
    code = (
        "import yaml\n"
        "yaml.__with_libyaml__ = False\n"
        "from leerpad.content import yamltext\n"
        "assert yamltext._LOADERS == [yamltext._Loader]\n"
        "print(yamltext.parse_yaml('id: a\\nlijst: [b, c]\\n').data)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "{'id': 'a', 'lijst': ['b', 'c']}"

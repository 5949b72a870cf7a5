"""Fixtures for the engine tests: the demo course, its build, a renderer."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import markdown
import pytest

from leerpad.content import Course
from leerpad.markdown import LeerpadExtension, PageContext
from leerpad.plugin.settings import read_course

TESTS = Path(__file__).resolve().parent.parent
DEMO = TESTS / "demo"


@pytest.fixture(scope="session")
def demo_course() -> Course:
    course, errors = read_course(DEMO)
    assert errors == []
    return course


@pytest.fixture(scope="session")
def render(demo_course: Course) -> Callable[..., str]:
    """Render Markdown as a page of the demo course would be rendered."""

    def _render(text: str, kind: str = "page", ident: str | None = None, iri: str | None = None) -> str:
        context = PageContext(kind=kind, id=ident, iri=iri, base="../", course=demo_course)
        md = markdown.Markdown(extensions=[LeerpadExtension(context=context), "attr_list"])
        return md.convert(text)

    return _render


def build_site(course_dir: Path, site_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`mkdocs build` of a course, as a trainer would run it."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(course_dir / "mkdocs.yml"), "-d", str(site_dir), *extra],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The demo course's folder (read-only: copy it before changing anything)."""
    return DEMO


@pytest.fixture(scope="session")
def build() -> Callable[..., subprocess.CompletedProcess[str]]:
    """`build(course_dir, site_dir, *args)` runs mkdocs build in a subprocess."""
    return build_site


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("demo-site")
    result = build_site(DEMO, site, "--strict")
    assert result.returncode == 0, result.stderr
    return site

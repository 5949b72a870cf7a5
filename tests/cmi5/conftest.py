"""Fixtures of the cmi5 tests: the demo course as a package, unpacked as an LMS
imports it, and the simulated LMS (tests/cmi5/lms.py) in front of the embedded LRS."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent / "demo"
NS = {"c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}


@pytest.fixture(scope="session")
def demo_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`leerpad package` of the demo course, built as an organiser would (no standalone LRS)."""
    output = tmp_path_factory.mktemp("cmi5-package") / "demo.zip"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERPAD_LRS_")}
    result = subprocess.run([sys.executable, "-m", "leerpad.cli", "package", "-o", str(output), str(DEMO)],
                            capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return output


def course_structure(package: Path) -> dict[str, dict[str, Any]]:
    """AU id → {url, moveOn, masteryScore}, read from the package's cmi5.xml."""
    with zipfile.ZipFile(package) as archive:
        root = etree.fromstring(archive.read("cmi5.xml"))
    units = {}
    for au in root.iterfind("c:au", NS):
        mastery = au.get("masteryScore")
        units[au.get("id") or ""] = {"url": au.findtext("c:url", namespaces=NS), "moveOn": au.get("moveOn"),
                                     "masteryScore": float(mastery) if mastery else None}
    return units


@pytest.fixture(scope="session")
def imported(demo_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package unpacked, as an LMS serves an imported course."""
    target = tmp_path_factory.mktemp("imported")
    with zipfile.ZipFile(demo_package) as archive:
        archive.extractall(target)
    return target


@pytest.fixture(scope="session")
def lms_lrs(lrs_factory: Callable[..., Any]) -> Any:
    """The embedded LRS the simulated LMS stores in (its own instance)."""
    return lrs_factory(cors_origins=["http://127.0.0.1:9"])


def _simulated_lms_class() -> Any:
    """tests/cmi5/lms.py (under --import-mode=importlib a test folder is not on sys.path)."""
    spec = importlib.util.spec_from_file_location("leerpad_tests_cmi5_lms", HERE / "lms.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.SimulatedLMS


@pytest.fixture(scope="session")
def lms(demo_package: Path, imported: Path, lms_lrs: Any) -> Iterator[Any]:
    """The simulated LMS with the demo package imported; ``lms.launch(au, actor, registration)``."""
    simulated = _simulated_lms_class()(
        imported, course_structure(demo_package), lms_lrs.endpoint, lms_credential(lms_lrs)
    )
    yield simulated
    simulated.close()


def lms_credential(lrs: Any) -> tuple[str, str]:
    """The LMS's own credential in the embedded LRS: statements (read and write), state, agent profile."""
    add = getattr(lrs, "add_credential", None)
    if add is None:
        # Until issue 10 lands (State and Agent Profile resources, credential scopes) there is
        # no LRS to simulate an LMS with: say so in the test report rather than pass.
        pytest.skip("the embedded LRS has no State/Agent Profile resources and credential scopes yet (issue 10)")
    return tuple(add("lms", scope="all"))  # type: ignore[return-value]


def _wait_for(lrs: Any, params: dict[str, str], count: int, timeout: float = 20) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        found = sorted(lrs.all_statements(params), key=lambda s: (s["timestamp"], s["stored"]))
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


@pytest.fixture(scope="session")
def wait_for() -> Callable[..., list[dict[str, Any]]]:
    """``wait_for(lrs, params, count)``: the matching statements, oldest first, once there
    are ``count`` of them (or after 20 s)."""
    return _wait_for

"""Fixtures of the cmi5 tests: the demo course as a package, unpacked as an LMS
imports it, and the simulated LMS (tests/cmi5/lms.py) in front of the embedded LRS."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from lxml import etree

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent / "demo"
NS = {"c": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}
VERSION = {"X-Experience-API-Version": "1.0.3"}


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


@dataclass
class LmsLrs:
    """The embedded LRS the simulated LMS stores in: its own instance, and its state folder."""

    server: Any
    state_dir: Path

    @property
    def endpoint(self) -> str:
        return str(self.server.endpoint)

    def all_statements(self, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Every matching statement (read credential, following ``more``)."""
        found: list[dict[str, Any]] = []
        url: str | None = self.endpoint + "statements"
        query: dict[str, str] | None = params
        while url:
            response = requests.get(url, params=query, auth=self.server.read, headers=VERSION, timeout=30)
            response.raise_for_status()
            body = response.json()
            found += body["statements"]
            url = urljoin(self.endpoint, body["more"]) if body.get("more") else None
            query = None
        return found


@pytest.fixture(scope="session")
def lms_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LmsLrs]:
    """A real embedded LRS (SQLite) for the LMS; CORS does not matter (the LMS proxies)."""
    from leerpad.lrs.server import LRSServer

    state = tmp_path_factory.mktemp("lms-lrs")
    server = LRSServer.start(database=f"sqlite://{state / 'lrs.sqlite3'}", state_dir=state,
                             cors_origins=("http://127.0.0.1:9",), bcrypt_rounds=4)
    yield LmsLrs(server, state)
    server.stop()


def _simulated_lms_class() -> Any:
    """tests/cmi5/lms.py (under --import-mode=importlib a test folder is not on sys.path)."""
    spec = importlib.util.spec_from_file_location("leerpad_tests_cmi5_lms", HERE / "lms.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.SimulatedLMS


@pytest.fixture(scope="session")
def lms_auth(lms_lrs: LmsLrs) -> tuple[str, str]:
    """The LMS's own credential in its LRS (one for every simulated LMS of the run)."""
    return lms_credential(lms_lrs)


@pytest.fixture(scope="session")
def lms(demo_package: Path, imported: Path, lms_lrs: Any, lms_auth: tuple[str, str]) -> Iterator[Any]:
    """The simulated LMS with the demo package imported; ``lms.launch(au, actor, registration)``."""
    simulated = _simulated_lms_class()(imported, course_structure(demo_package), lms_lrs.endpoint, lms_auth)
    yield simulated
    simulated.close()


@dataclass
class ScoredLaunch:
    """An LMS whose imported package names the organiser's LRS, with the scoring service in it."""

    lms: Any
    lrs: Any  # the organiser's LRS (leerpad.lrs.testing.LiveLRS): the scorer writes there
    course: Path  # the course as the organiser built it (its .leerpad/ holds the keys)
    package: Path


@pytest.fixture(scope="module")
def scored_launch(tmp_path_factory: pytest.TempPathFactory, lms_lrs: Any,
                  lms_auth: tuple[str, str]) -> Iterator[ScoredLaunch]:
    """The demo course packaged with an LRS named (the key stays in ``.leerpad/keys``), imported
    by a simulated LMS of its own; the organiser's scoring service allows the LMS's origin."""
    from leerpad.lrs.testing import LiveLRS
    from leerpad.scoring.embedded import prepare

    tmp = tmp_path_factory.mktemp("scored-launch")
    course = tmp / "course"
    shutil.copytree(DEMO, course, ignore=shutil.ignore_patterns("site", ".leerpad"))
    content = tmp / "imported"
    content.mkdir()
    simulated = _simulated_lms_class()(content, {}, lms_lrs.endpoint, lms_auth)
    trust_lms(course, simulated.origin + "/xapi/")
    state = course / ".leerpad"
    lrs = LiveLRS.start(database=f"sqlite://{state / 'lrs.sqlite3'}", state_dir=state,
                        cors_origins=(simulated.origin,), bcrypt_rounds=4, extra_env=prepare(course))
    try:
        package = tmp / "scored.zip"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("LEERPAD_LRS_")},
               "LEERPAD_LRS_ENDPOINT": lrs.endpoint, "LEERPAD_LRS_USERNAME": lrs.write[0],
               "LEERPAD_LRS_PASSWORD": lrs.write[1]}
        result = subprocess.run([sys.executable, "-m", "leerpad.cli", "package", "-o", str(package), str(course)],
                                capture_output=True, text=True, check=False, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stderr == "", "no warning: the keys stayed on the server"
        with zipfile.ZipFile(package) as archive:
            archive.extractall(content)
        simulated.structure = course_structure(package)
        yield ScoredLaunch(simulated, lrs, course, package)
    finally:
        simulated.close()
        lrs.stop()


def trust_lms(course: Path, endpoint: str) -> None:
    """The organiser names the LMS's xAPI endpoint as one the scorer may ask (mkdocs.yml)."""
    config = course / "mkdocs.yml"
    text = config.read_text("utf-8")
    plugin = "  - leerpad:\n"
    assert plugin in text and "scorer:" not in text
    config.write_text(text.replace(plugin, f"{plugin}      scorer:\n        cmi5_endpoints: [{endpoint}]\n", 1),
                      "utf-8")


def lms_credential(lrs: LmsLrs) -> tuple[str, str]:
    """The LMS's own credential in the embedded LRS (scope ``all``: statements, state, agent profile)."""
    try:
        from leerpad.lrs.credentials import add_credential  # type: ignore[attr-defined]
    except ImportError:
        add_credential = None
    if add_credential is None:
        # Until issue 10 lands (credential scopes, State and Agent Profile resources) there
        # is no LRS to simulate an LMS with: say so in the test report rather than pass.
        pytest.skip("the embedded LRS cannot add a credential with a scope yet (issue 10)")
    credential = add_credential(lrs.state_dir, "lms", ["all"], rounds=4)
    auth = (credential.username, credential.password)
    probe = {"activityId": "https://lms.example/probe", "stateId": "probe",
             "agent": '{"objectType": "Agent", "account": {"homePage": "https://lms.example", "name": "probe"}}'}
    deadline = time.monotonic() + 10  # an added credential takes effect while the LRS runs
    while True:
        response = requests.put(lrs.endpoint + "activities/state", params=probe, json={}, auth=auth,
                                headers=VERSION, timeout=10)
        if response.status_code == 204 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if response.status_code != 204:
        pytest.skip(f"the embedded LRS has no State resource yet (issue 10): PUT gave {response.status_code}")
    return auth


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

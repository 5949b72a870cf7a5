"""Fixtures for the page "Casus schrijven": the real course built with its Pyodide bundle,
served on 127.0.0.1, and the page's Pyodide Web Worker, started once per session from the
wheels and once from the memory snapshot the first one kept (`pyodide_worker` is each in turn).

The bundle (`.cache/authoring/`) is built from the registries when missing (as
./scripts/test does first); the worker is the page's own `worker.js`, started in a page of
the served site and switched between courses by sending other course data.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from leerpad.authoring import bundle
from leerpad.authoring.preview import course_data
from leerpad.content.loader import read_course_files
from leerpad.plugin.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
EDITOR = "trainers/casus-schrijven/"
DATA = "assets/leerpad/authoring/course-data.json"
WORKER = "assets/leerpad/authoring/worker.js"
BAD = ROOT / "tests" / "bad"
LOAD_TIMEOUT = 180_000  # ms: Pyodide's first start on a busy two-core machine


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass
class EditorSite:
    """The built course, where it is served, and the course data its editor page ships."""

    url: str
    dir: Path
    data: str  # JSON text of course-data.json

    def data_for(self, course_root: Path) -> str:
        """Course data for another course folder, with this site's Markdown set-up."""
        shipped = json.loads(self.data)
        settings, _errors = load_settings(course_root)
        made = course_data(settings, read_course_files(course_root, settings), shipped["markdown"]["extensions"],
                           shipped["markdown"]["configs"], shipped["templates"], shipped["base"])
        return json.dumps(made, ensure_ascii=False)


@pytest.fixture(scope="session")
def pyodide_bundle() -> Path:
    """The cache with Pyodide and the wheels (built from the registries if missing)."""
    cache = ROOT / bundle.DEFAULT_CACHE
    if bundle.read_manifest(cache) is None:
        bundle.build(cache, ROOT / "node_modules")
    return cache


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A static server for `directory` on a free 127.0.0.1 port, running in a thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="session")
def editor_site(pyodide_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EditorSite]:
    """The real course, built strictly (no LRS configured), served on a free port."""
    out = tmp_path_factory.mktemp("editor-site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "LEERPAD_AUTHORING_CACHE": str(pyodide_bundle)}
    for name in ("LEERPAD_LRS_ENDPOINT", "LEERPAD_LRS_USERNAME", "LEERPAD_LRS_PASSWORD", "LEERPAD_SITE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        capture_output=True, text=True, env=env, check=False, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    server, url = serve(out)
    yield EditorSite(url=url, dir=out, data=(out / DATA).read_text("utf-8"))
    server.shutdown()
    server.server_close()


class PyodideWorker:
    """The editor's Web Worker in a page of the served site, driven from the test.

    `name`: the window property holding it, so that a page can hold more than one.
    """

    def __init__(self, page: Any, url: str, name: str = "__lp") -> None:
        self.page = page
        self.url = url
        self.name = name

    def start(self, data: str) -> dict[str, Any]:
        """Load (once) Pyodide and the course data; the worker's 'ready' message ({ms, from})."""
        ready: dict[str, Any] = self.page.evaluate(
            """([url, name, data]) => new Promise((ok, bad) => {
                 const w = window[name] ||= new Worker(url, {type: 'module'});
                 if (w.kept === undefined) {
                   w.kept = 0;
                   w.addEventListener('message', e => { if (e.data.type === 'kept') w.kept = e.data.bytes; });
                 }
                 w.onerror = e => bad(new Error('worker: ' + e.message));
                 w.onmessage = e => {
                   if (e.data.type === 'ready') ok(e.data);
                   else if (e.data.type === 'failed') bad(new Error(e.data.message));
                 };
                 w.postMessage({type: 'start', data});
               })""",
            [self.url, self.name, data],
        )
        return ready

    def check(self, texts: list[str]) -> list[dict[str, Any]]:
        """The worker's result for each text, one after the other (as the editor sends them)."""
        results: list[dict[str, Any]] = self.page.evaluate(
            """async ([name, texts]) => {
                 const w = window[name], out = [];
                 for (let i = 0; i < texts.length; i++) {
                   out.push(await new Promise(ok => {
                     w.onmessage = e => { if (e.data.type === 'result' || e.data.type === 'failed') ok(e.data) };
                     w.postMessage({type: 'check', seq: i, text: texts[i]});
                   }));
                 }
                 return out;
               }""",
            [self.name, texts],
        )
        return results

    def kept(self) -> int:
        """Waits until the worker has kept its snapshot in Cache Storage; its size in bytes."""
        return int(self.page.wait_for_function(f"window.{self.name}.kept", timeout=LOAD_TIMEOUT).json_value())


@pytest.fixture(scope="session")
def pyodide_page(browser: Any, editor_site: EditorSite) -> Iterator[Any]:
    """A page of the served site (its Cache Storage is shared by the workers started in it)."""
    context = browser.new_context(base_url=editor_site.url, bypass_csp=True)
    context.set_default_timeout(LOAD_TIMEOUT)
    page = context.new_page()
    page.goto("")
    yield page
    context.close()


@pytest.fixture(scope="session")
def wheels_worker(pyodide_page: Any, editor_site: EditorSite) -> PyodideWorker:
    """One Pyodide for the whole session, started from the wheels (Cache Storage was empty),
    with the real course's data."""
    worker = PyodideWorker(pyodide_page, editor_site.url + WORKER)
    assert worker.start(editor_site.data)["from"] == "wheels"
    return worker


@pytest.fixture(scope="session")
def snapshot_worker(wheels_worker: PyodideWorker, editor_site: EditorSite) -> PyodideWorker:
    """A second Pyodide, started from the snapshot the first one kept after its first check."""
    wheels_worker.check([json.loads(editor_site.data)["templates"]["case"]])
    wheels_worker.kept()
    worker = PyodideWorker(wheels_worker.page, wheels_worker.url, "__lp2")
    assert worker.start(editor_site.data)["from"] == "snapshot"
    return worker


@pytest.fixture(params=["wheels", "snapshot"])
def pyodide_worker(request: pytest.FixtureRequest) -> PyodideWorker:
    """The page's worker on each of its two starts: from the wheels, and from the snapshot."""
    worker: PyodideWorker = request.getfixturevalue(f"{request.param}_worker")
    return worker


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A copy of the real course's sources, to drop a downloaded file into and validate."""
    target = tmp_path / "cursus"
    target.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    for folder in ("docs", "cases", "quizzes"):
        shutil.copytree(ROOT / folder, target / folder)
    return target

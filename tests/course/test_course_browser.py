"""The real course in headless Debian chromium: every page axe-clean, the access
diagram usable by keyboard, a strict build with the learner runtime and its CSP."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def course_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    out = tmp_path_factory.mktemp("course-site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        capture_output=True, text=True, env=env, check=False,
    )
    assert result.returncode == 0, result.stderr
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", out
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser: Any, course_site: tuple[str, Path]) -> Iterator[Any]:
    # Playwright's helpers need eval, which the pages' CSP forbids.
    context = browser.new_context(base_url=course_site[0], locale="nl-BE", bypass_csp=True)
    yield context.new_page()
    context.close()


def test_every_page_is_axe_clean(page: Any, course_site: tuple[str, Path]) -> None:
    url, out = course_site
    pages = sorted(
        p.relative_to(out).parent.as_posix() + "/" for p in out.rglob("index.html") if "assets" not in p.parts
    )
    assert len(pages) >= 40
    found: dict[str, list[str]] = {}
    axe = Axe()
    for path in pages:
        page.goto("" if path == "./" else path)
        page.locator(".leerpad-progress").wait_for()  # the runtime has started
        page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
        violations = axe.run(page).response["violations"]
        if violations:
            found[path] = [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in violations]
    assert found == {}


def test_access_diagram_is_keyboard_reachable(page: Any) -> None:
    page.goto("toegang/")
    links = page.locator(".leerpad-levesque svg a")
    assert links.count() == 10
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.leerpad-levesque')"):
            break
    else:
        raise AssertionError("Tab never reaches the diagram")
    # Focus is visible: the focused box gets a thick dark outline.
    stroke = page.evaluate(
        "getComputedStyle(document.activeElement.querySelector('rect')).strokeWidth"
    )
    assert stroke == "4px"
    target = page.evaluate("document.activeElement.getAttribute('xlink:href')")  # not href: instant loading
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == target

"""Material's instant loading on the real course (mkdocs.yml at the repository root):
every page of the navigation reached by a click, in one document, without an error.
The access diagram's SVG links use `xlink:href`: Material re-assigns the `href` of every
`[href]` element, which throws for an SVG link and stops instant loading for good."""

from __future__ import annotations

import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKER = "window.__sameDocument"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def course_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real course built with site_url = the origin it is served from (instant loading on)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    origin = f"http://127.0.0.1:{port}/"
    out = tmp_path_factory.mktemp("course-instant")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERPAD_LRS_")}
    env.update({"NO_MKDOCS_2_WARNING": "1", "LEERPAD_SITE_URL": origin})
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        check=True,
        env=env,
        cwd=ROOT,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()


def test_every_page_of_the_course_by_instant_navigation(browser: Any, course_url: str) -> None:
    context = browser.new_context(base_url=course_url, locale="nl-BE", bypass_csp=True)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("")
        page.locator(".leerpad-progress").wait_for()
        page.evaluate(f"{MARKER} = 'first load'")
        links = page.locator(".md-sidebar--primary .md-nav--primary a.md-nav__link[href]").evaluate_all(
            "l => [...new Set(l.map(a => new URL(a.href).pathname))]"
        )
        assert len(links) >= 30
        # The editor page "Casus schrijven" is left out of instant navigation (a full load brings
        # its script and policy): tests/authoring/test_editor_browser.py follows its link.
        links = [link for link in links if not link.endswith("/casus-schrijven/")]
        for path in [*links[1:], links[0]]:
            page.evaluate("document.querySelector('.md-content__inner').dataset.left = '1'")
            # A click on the navigation's link (hidden in a closed section or not): Material intercepts it.
            page.evaluate(
                "p => [...document.querySelectorAll('.md-nav--primary a.md-nav__link[href]')]"
                ".find(a => new URL(a.href).pathname === p).click()",
                path,
            )
            page.wait_for_function(
                "p => location.pathname === p"
                " && document.querySelector('.md-content__inner:not([data-left]) .leerpad-progress')",
                arg=path,
            )
            assert page.evaluate(MARKER) == "first load", f"{path}: a full page load, not instant navigation"
            assert errors == [], path
    finally:
        context.close()

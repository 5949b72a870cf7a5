"""The pages work under the Content-Security-Policy of `leerpad.plugin.csp`:
no violation while a learner reads, answers and sends statements.

The built site is copied with the policy written into every page and served on
its own port, with an LRS that allows that origin (a response rewritten by a
Playwright route would lose its loopback address and be refused the LRS).
"""

from __future__ import annotations

import base64
import functools
import http.server
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from leerpad.plugin.csp import add_csp

WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_pages_run_under_the_policy(
    browser: Any, site: Any, lrs_factory: Callable[..., Any], tmp_path: Path
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    lrs = lrs_factory(cors_origins=[origin])
    root = shutil.copytree(site.dir, tmp_path / "site")
    for html in root.rglob("*.html"):
        text = html.read_text("utf-8")
        text = text.replace(site.lrs.endpoint, lrs.endpoint).replace(basic(*site.lrs.write), basic(*lrs.write))
        html.write_text(add_csp(text, lrs.endpoint), "utf-8")
    server.RequestHandlerClass = functools.partial(  # type: ignore[assignment]
        http.server.SimpleHTTPRequestHandler, directory=str(root)
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(base_url=origin + "/")
    try:
        context.add_init_script(WATCH)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto("casussen/slaapproblemen/")
        assert page.locator("meta[http-equiv=Content-Security-Policy]").count() == 1
        site.fill_learner(page)
        page.get_by_role("button", name="Verder").click()
        page.get_by_label("Een hogere dosis voorschrijven").check()
        page.locator("#vraag-peeters-stap .leerpad-check").click()
        # (Playwright's wait_for_function evaluates with eval, which the policy forbids: poll the LRS.)
        found = lrs.all_statements({"registration": site.registration(page)})
        for _ in range(40):
            if len(found) >= 3:
                break
            page.wait_for_timeout(250)
            found = lrs.all_statements({"registration": site.registration(page)})
        assert len(found) == 3, errors
        assert page.evaluate("window.__csp") == []
        for path in ("toegang/", "casussen/slaapproblemen/", ""):
            page.goto(path)
            page.locator(".leerpad-progress").wait_for()
            page.keyboard.press("/")  # Material's search: a worker from the site
            page.wait_for_timeout(300)
            assert page.evaluate("window.__csp") == [], path
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()
        server.shutdown()
        server.server_close()

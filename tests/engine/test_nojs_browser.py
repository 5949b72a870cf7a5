"""Smoke test in headless Debian chromium: a quiz page reads well without JavaScript."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site_url(demo_site: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(demo_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def nojs_page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_quiz_page_readable_without_javascript(nojs_page: Page, site_url: str) -> None:
    requests: list[str] = []
    nojs_page.on("request", lambda r: requests.append(r.url))
    nojs_page.goto(site_url + "toetsen/toegang-toets/")
    assert nojs_page.locator("h1").inner_text() == "Toets — toegang tot zorg en welzijn"
    question = nojs_page.locator("#vraag-dimensie-1")
    assert question.locator("legend").inner_text() == (
        "Welke dimensie gaat over de vraag of mensen weten dat een dienst bestaat?"
    )
    labels = question.locator("label").all_inner_texts()
    assert [label.strip() for label in labels] == ["Betaalbaarheid", "Benaderbaarheid", "Beschikbaarheid"]
    # The options are real form controls a learner can still tick.
    question.get_by_label("Benaderbaarheid").check()
    assert question.get_by_label("Benaderbaarheid").is_checked()
    # Feedback waits for the runtime; it is not shown, so answers are not given away.
    assert not question.locator(".leerpad-feedback").first.is_visible()
    assert nojs_page.locator(".leerpad-quiz__rules").inner_text().startswith("4 vragen tellen mee")
    matching = nojs_page.locator("#vraag-koppel-1")
    assert matching.count() == 0  # lives on the other quiz
    assert all(url.startswith(site_url) for url in requests), requests


def test_case_page_shows_all_steps_without_javascript(nojs_page: Page, site_url: str) -> None:
    nojs_page.goto(site_url + "casussen/slaapproblemen/")
    steps = nojs_page.locator(".leerpad-case__step")
    assert steps.count() == 3
    assert all(steps.nth(i).is_visible() for i in range(3))
    assert nojs_page.locator(".leerpad-case__meta").inner_text().startswith("Werkplek")

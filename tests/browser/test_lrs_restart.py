"""The outbox across a real LRS restart: the LRS process is stopped while the
learner answers questions on two pages, then started again on the same port with
the same database and credentials; every statement reaches it exactly once.

The shared LRS is left alone: this test has its own LRS (fixed port, own state
folder) and its own copy of the built site, rewritten to send to it and served
from an origin that LRS allows (as in test_csp_browser.py).
"""

from __future__ import annotations

import base64
import functools
import http.server
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leerpad.lrs.testing import LiveLRS

ADL = "http://adlnet.gov/expapi/verbs/"
OUTBOX = "Object.keys(localStorage).filter(k => k.startsWith('leerpad.out.')).map(k => JSON.parse(localStorage[k]))"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def own(site: Any, tmp_path: Path) -> Iterator[Any]:
    """A copy of the demo site served on its own origin, sending to its own LRS."""
    root = shutil.copytree(site.dir, tmp_path / "site")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    state = tmp_path / "lrs"
    lrs = LiveLRS.start(
        database=f"sqlite://{state / 'lrs.sqlite3'}",
        state_dir=state,
        cors_origins=(origin,),
        bcrypt_rounds=4,
    )
    try:
        for html in root.rglob("*.html"):
            text = html.read_text("utf-8")
            text = text.replace(site.lrs.endpoint, lrs.endpoint).replace(basic(*site.lrs.write), basic(*lrs.write))
            html.write_text(text, "utf-8")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield type(site)(url=origin + "/", dir=root, lrs=lrs, course=site.course)
    finally:
        server.shutdown()
        server.server_close()
        lrs.stop()


def test_statements_made_while_the_lrs_is_down_arrive_once_after_its_restart(browser: Any, own: Any) -> None:
    lrs: LiveLRS = own.lrs
    context = browser.new_context(base_url=own.url, locale="nl-BE", bypass_csp=True)
    context.set_default_timeout(10_000)
    context.add_init_script(own.made_script)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        # Up: the visit and a first answer are stored.
        page.goto("casussen/slaapproblemen/")
        own.fill_learner(page)
        page.get_by_role("button", name="Verder").click()
        page.get_by_label("Vragen hoe zijn dagen eruitzien en wie hij ziet").check()
        page.locator("#vraag-peeters-stap .leerpad-check").click()
        own.drained(page)
        reg = own.registration(page)
        before = {s["id"] for s in own.wait(reg, 3)}
        assert len(before) == 3  # initialized, experienced, answered

        # Down: the rest of this case, then another page (a full page load) and an answer there.
        lrs.stop()
        page.get_by_role("button", name="Verder").click()
        page.locator("#vraag-peeters-reflectie textarea").fill("Meer samenwerken.")
        page.get_by_label("Mijn antwoord mag naar de organisator van de cursus.").check()
        page.locator("#vraag-peeters-reflectie .leerpad-check").click()
        page.goto("casussen/huurachterstand/")
        page.get_by_role("button", name="Verder").click()
        page.get_by_label("Het OCMW").check()
        page.locator("#vraag-janssens-wie .leerpad-check").click()
        page.wait_for_function(f"{OUTBOX}.length >= 7")
        # (A POST whose CORS preflight fails raises no Playwright request event: ask the outbox.)
        page.wait_for_function("window.leerpad.outbox.fails >= 2", timeout=15_000)  # tried, failed, backed off
        waiting = page.evaluate(OUTBOX)
        ids = {s["id"] for s in waiting}
        assert len(ids) == len(waiting) and not ids & before
        held = Counter(s["verb"]["id"].removeprefix(ADL) for s in waiting)
        # 2 answers, 2 cases completed; the second page load's visit.
        assert held == {"answered": 2, "completed": 2, "terminated": 1, "initialized": 1, "experienced": 1}

        # Up again: same port, same database, same credentials.
        lrs.launch()
        assert before <= {s["id"] for s in lrs.all_statements({"registration": reg})}  # kept in its database
        stored = own.delivered(page, reg, timeout=40)
        count = Counter(s["id"] for s in stored)
        assert set(count) == before | ids

        answers = {
            s["object"]["id"].rsplit("/", 1)[-1]: s["result"]["response"]
            for s in stored
            if s["verb"]["id"] == ADL + "answered"
        }
        assert answers == {
            "peeters-stap": "vragen-hoe-zijn-dagen-eruitzien-en-wie",
            "peeters-reflectie": "Meer samenwerken.",
            "janssens-wie": "het-ocmw",
        }
        verbs = Counter(s["verb"]["id"].removeprefix(ADL) for s in stored)
        assert verbs["answered"] == 3
        assert verbs["initialized"] == 2 and verbs["terminated"] == 1  # two page loads

        # A crash (SIGKILL) this time, with a page load and an answer while it is down.
        lrs.kill()
        page.goto("toegang/")
        page.locator("#vraag-toegang-proces").get_by_label("Juist", exact=True).check()
        page.locator("#vraag-toegang-proces .leerpad-check").click()
        page.wait_for_function(f"{OUTBOX}.length >= 4")
        page.wait_for_function("window.leerpad.outbox.fails >= 1", timeout=15_000)
        later = {s["id"] for s in page.evaluate(OUTBOX)}
        assert len(later) == 4 and not later & set(count)  # terminated, initialized, experienced, answered
        lrs.launch()
        final = {s["id"] for s in own.delivered(page, reg, timeout=40)}
        assert final == set(count) | later
        assert not errors
    finally:
        context.close()

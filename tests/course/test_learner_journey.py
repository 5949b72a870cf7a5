"""A learner's whole way through the real course, keyboard only, with Material's instant
navigation on: from the home page to the end screen of the final test, seeing at each
moment what is done and what is left (the module table on the home page, the navigation,
"Mijn voortgang", the attempts left after a failed toets, a finished case).

Twice: built without an LRS (the toetsen are scored in the page, which says they do not
count; the test reads each key from `data-question`), and with the embedded LRS and the
scoring service (the toetsen are scored on the server; the test reads the key files in
`.leerpad/keys/`), skipped while `leerpad.scoring` is not there.
"""

from __future__ import annotations

import functools
import http.server
import importlib
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from leerpad.lrs.server import LRSServer

ROOT = Path(__file__).resolve().parents[2]
MARKER = "window.__sameDocument"

pytestmark = pytest.mark.browser


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass
class Course:
    """The real course as served: its URL and, with a scorer, the keys of its toetsen."""

    url: str
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)


@pytest.fixture(scope="module", params=["in de pagina", "scoringsdienst"])
def course(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Course]:
    """A copy of the real course, site_url = the origin it is served from (instant loading on);
    no LRS, or the embedded LRS with the scoring service mounted."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    origin = f"http://127.0.0.1:{port}/"
    tmp = tmp_path_factory.mktemp("journey")
    root = tmp / "course"
    for part in ("docs", "cases", "quizzes"):
        shutil.copytree(ROOT / part, root / part)
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERPAD_LRS_")}
    env.update({"NO_MKDOCS_2_WARNING": "1", "LEERPAD_SITE_URL": origin})
    lrs = None
    if request.param == "scoringsdienst":
        if importlib.util.find_spec("leerpad.scoring") is None:
            pytest.skip("the scoring service (leerpad.scoring) is not in this branch yet")
        # Imported by name: the module exists only once the scorer's branch is merged.
        prepare = importlib.import_module("leerpad.scoring.embedded").prepare

        state = root / ".leerpad"
        lrs = LRSServer.start(
            database=f"sqlite://{state / 'lrs.sqlite3'}",
            state_dir=state,
            cors_origins=(origin.rstrip("/"),),
            bcrypt_rounds=4,
            extra_env=prepare(root),
        )
        env.update(
            {
                "LEERPAD_LRS_ENDPOINT": lrs.endpoint,
                "LEERPAD_LRS_USERNAME": lrs.write[0],
                "LEERPAD_LRS_PASSWORD": lrs.write[1],
            }
        )
    out = tmp / "site"
    server = None
    try:
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml"), "-d", str(out)],
            check=True,
            env=env,
            cwd=ROOT,
        )
        keys = {p.stem: json.loads(p.read_text("utf-8")) for p in (root / ".leerpad" / "keys").glob("*.json")}
        handler = functools.partial(_Quiet, directory=str(out))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield Course(url=origin, keys=keys if lrs else {})
    finally:
        if server:
            server.shutdown()
            server.server_close()
        if lrs:
            lrs.stop()


def tab_to(page: Any, selector: str, limit: int = 400) -> None:
    """Presses Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def go(page: Any, path: str) -> None:
    """Follows the navigation's link to `path` by keyboard (instant navigation, same document)."""
    tab_to(page, f".md-nav--primary a.md-nav__link[href$='{path}']")
    page.evaluate("document.querySelector('.md-content__inner').dataset.left = '1'")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "p => location.pathname.endsWith(p)"
        " && document.querySelector('.md-content__inner:not([data-left]) .leerpad-progress')",
        arg=path,
    )
    assert page.evaluate(MARKER) == "first load", f"{path}: a full page load, not instant navigation"


def answer(page: Any, qid: str, keys: dict[str, dict[str, Any]], right: bool = True) -> None:
    """Answers a question by keyboard from its key: in `data-question`, or for a toets scored
    on the server in its key file (with `right` False: a wrong single or true/false choice)."""
    q = f"[data-leerpad-question='{qid}']:not([hidden])"
    data = json.loads(page.locator(q).get_attribute("data-question"))
    kind, pattern = data["type"], data["definition"].get("correctResponsesPattern")
    if not pattern:
        quiz = page.locator(q).evaluate("e => e.closest('.leerpad-quiz').dataset.leerpadQuiz")
        pattern = keys[quiz]["questions"][qid]["correct"]
    key = pattern[0]
    if not right and kind not in ("single", "true-false"):
        return  # left open: a scored question left out counts as wrong
    if kind == "sequencing":
        for i, option in enumerate(key.split("[,]")):
            item = f"{q} li[data-option='{option}']"
            tab_to(page, f"{item} button[aria-label^='Hoger']")
            at = page.evaluate("s => [...document.querySelector(s).parentElement.children].indexOf("
                               "document.querySelector(s))", item)
            for _ in range(at - i):
                page.keyboard.press("Enter")
    elif kind == "matching":
        for pair in key.split("[,]"):
            source, target = pair.split("[.]")
            select = f"{q} select[data-source='{source}']"
            tab_to(page, select)
            downs = page.evaluate(
                "([s, t]) => [...document.querySelector(s).options].findIndex(o => o.value === t)", [select, target]
            )
            for _ in range(downs):
                page.keyboard.press("ArrowDown")
    elif kind == "fill-in":
        tab_to(page, f"{q} input")
        page.keyboard.type(key.split("}")[-1])
    elif kind == "multiple":
        for value in key.split("[,]"):
            tab_to(page, f"{q} input[value='{value}']")
            page.keyboard.press("Space")
    else:  # radio buttons: one tab stop; Space takes the first, arrows move the choice
        values = page.locator(f"{q} input").evaluate_all("l => l.map(i => i.value)")
        want = key if right else next(v for v in values if v != key)
        tab_to(page, f"{q} input")
        page.keyboard.press("Space")
        for _ in range(values.index(want)):
            page.keyboard.press("ArrowDown")
        assert page.locator(f"{q} input[value='{want}']").is_checked()


def toets(page: Any, keys: dict[str, dict[str, Any]], right: bool = True) -> str:
    """Starts or retries the page's toets, answers every scored question and submits, by
    keyboard; the unscored ones (likert, reflection) are left open: the score comes without
    them. Returns the result box's text."""
    tab_to(page, ".leerpad-go")
    page.keyboard.press("Enter")
    page.locator(".leerpad-go", has_text="Indienen").wait_for()
    shown = page.locator(".leerpad-quiz .leerpad-question[data-scored=true]:visible").evaluate_all(
        "l => l.map(e => e.dataset.leerpadQuestion)"
    )
    for qid in shown:
        answer(page, qid, keys, right)
    tab_to(page, ".leerpad-go")
    page.keyboard.press("Enter")
    result = page.locator(".leerpad-quiz__result")
    result.filter(has_text="Uw score:").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('leerpad-quiz__result')")
    return str(result.inner_text())


def fill_learner(page: Any) -> None:
    """The identity form by keyboard, with the form's own example number (valid check digits)."""
    tab_to(page, "#leerpad-naam")
    page.keyboard.type("An Peeters")
    page.keyboard.press("Tab")
    page.keyboard.type("an.peeters@huisartsenpraktijk-voorbeeld.be")
    # The whole address shows: the field is not cut off.
    assert page.evaluate("(e => e.scrollWidth <= e.clientWidth)(document.activeElement)")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # huisarts
    tab_to(page, "#leerpad-nr")
    page.keyboard.type("1-23456-25-901")
    tab_to(page, "#leerpad-akkoord")
    page.keyboard.press("Space")
    tab_to(page, ".leerpad-learner button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_text("U neemt deel als An Peeters (huisarts, 1-23456-25-901).").wait_for()
    # Each button's label stays on one line.
    for name in ("Gegevens wijzigen", "Gegevens wissen"):
        lines = page.get_by_role("button", name=name).evaluate(
            "b => { const r = document.createRange(); r.selectNodeContents(b); return r.getClientRects().length }"
        )
        assert lines == 1, name


def status(page: Any, path: str) -> str:
    """The status the navigation shows beside a module's link."""
    return str(page.locator(f".md-nav--primary a.md-nav__link[href$='{path}'] + .leerpad-status").first.text_content())


def axe_clean(page: Any) -> None:
    """No axe-core violation. Material's hover tooltips (`content.tooltips`, outside any
    landmark) are left out: this learner uses no mouse, but the browser's pointer rests at
    (0, 0), over the header once the page scrolls to the top, and Material then shows one."""
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    found = Axe().run(page, context={"exclude": [[".md-tooltip2"]]}).response["violations"]
    assert [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found] == []


def test_from_the_home_page_to_the_end_screen_by_keyboard(browser: Any, course: Course) -> None:
    context = browser.new_context(base_url=course.url, locale="nl-BE", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto("")
        page.locator(".leerpad-progress").wait_for()
        page.evaluate(f"{MARKER} = 'first load'")
        manifest = page.evaluate("fetch('course.json').then(r => r.json())")
        modules = manifest["modules"]
        final = next(q for q in manifest["quizzes"] if q["final"])
        # Home: nothing done; the progress counts the eight modules, not the final test.
        assert "0 van 8 modules afgerond" in page.locator(".leerpad-progress").inner_text()
        table = page.locator(".md-typeset table", has_text="Minuten")
        assert table.locator(".leerpad-status").count() == 9
        assert set(table.locator(".leerpad-status").all_text_contents()) == {" – niet begonnen"}

        # "Mijn voortgang": everything still to do.
        go(page, "voortgang/")
        page.locator(".leerpad-overview h2").first.wait_for()  # overview.js loads on demand
        left = page.locator(".leerpad-overview ul").first
        assert left.locator("li").count() == 10  # identity and consent, 8 modules, the final test
        axe_clean(page)

        first = modules[0]
        go(page, first["page"].removesuffix("index.md"))
        assert status(page, first["page"].removesuffix("index.md")) == " – bezig"
        # A case of the module: the next step opens only after the decision; then it says it is done.
        case = next(c for c in manifest["cases"] if c["modules"][0] == first["id"])
        go(page, f"casussen/{case['id']}/")
        fill_learner(page)
        steps = page.locator(".leerpad-case__step")
        while page.locator(".leerpad-case__done").is_hidden():
            current = steps.locator("visible=true").last
            for qid in current.locator(".leerpad-question[data-scored=true]").evaluate_all(
                "l => l.map(e => e.dataset.leerpadQuestion)"
            ):
                assert page.locator(".leerpad-next").count() == 0  # no outcome before the decision
                answer(page, qid, {})
                tab_to(page, f"[data-leerpad-question='{qid}'] .leerpad-check")
                page.keyboard.press("Enter")
            if page.locator(".leerpad-next").count():
                tab_to(page, ".leerpad-next")
                page.keyboard.press("Enter")
        assert page.locator(".leerpad-case__done").is_visible()

        # The first toets: failed (attempts left shown), then passed.
        for i, m in enumerate(modules):
            (quiz,) = m["quizzes"]
            if quiz == final["id"]:
                continue
            go(page, f"toetsen/{quiz}/")
            if i == 0:
                text = toets(page, course.keys, right=False)
                assert "Niet geslaagd." in text and "U hebt nog 2 pogingen." in text
                # The result stands above the questions (not at the bottom of a long page); the
                # marks beside the options do not repeat the result line's "Juist."/"Niet juist.".
                assert page.evaluate(
                    "document.querySelector('.leerpad-quiz__result').getBoundingClientRect().top"
                    " < document.querySelector('.leerpad-quiz .leerpad-question').getBoundingClientRect().top"
                )
                marks = page.locator(".leerpad-quiz .leerpad-mark").all_text_contents()
                assert all(m == "✓ goed" or m.startswith("✗ fout") for m in marks), marks
            text = toets(page, course.keys)
            assert "Geslaagd." in text, quiz
            assert status(page, m["page"].removesuffix("index.md")).startswith(" – afgerond, 100 %")
            assert f"{i + 1} van 8 modules afgerond" in page.locator(".leerpad-progress").inner_text()
            if i == 0:
                go(page, "voortgang/")
                page.locator(".leerpad-overview h2").first.wait_for()
                overview = page.locator(".leerpad-overview")
                row = overview.locator("tr", has_text=first["title"])
                assert "afgerond, 100 %" in row.inner_text()
                assert "1 van" in row.inner_text()  # the case done
                assert "min" in row.locator("td").last.inner_text()  # time spent
                title = next(q["title"] for q in manifest["quizzes"] if q["id"] == quiz)
                toets_row = overview.locator("tr", has_text=title)
                assert "geslaagd" in toets_row.inner_text() and "2 van 3" in toets_row.inner_text()
                assert overview.locator("ul").first.locator("li").count() == 8
                case_row = overview.locator("tr", has_text=case["title"])
                assert case_row.locator("td").nth(1).inner_text() == "afgerond"

        # The final test, then the end screen: what happens next.
        go(page, f"toetsen/{final['id']}/")
        text = toets(page, course.keys)
        assert "Geslaagd." in text
        end = page.locator(".leerpad-ending")
        end.wait_for()
        assert "Cursus afgerond" in end.inner_text()
        assert "De organisator registreert uw accreditatie" in end.inner_text()
        assert "Uw certificaat volgt" in end.inner_text()
        axe_clean(page)
        tab_to(page, ".leerpad-ending a")
        page.keyboard.press("Enter")
        page.wait_for_function("location.pathname.endsWith('/voortgang/')")
        page.locator(".leerpad-overview h2").first.wait_for()
        assert "Niets meer" in page.locator(".leerpad-overview").inner_text()
        assert page.evaluate(MARKER) == "first load"
        assert errors == []
    finally:
        context.close()

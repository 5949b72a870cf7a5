"""Browser tests of the learner runtime: the demo course built with the plugin,
served on 127.0.0.1, headless Debian chromium, and the real embedded LRS with the
scoring service mounted (as `leerpad serve` runs it); the demo's toegang-toets
draws 2 of its 4 questions per attempt.

Every test gets a fresh browser context (empty localStorage), so a fresh
registration: statements are looked up in the LRS by that registration.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tests" / "demo" / "mkdocs.yml"
COURSE = "https://leerpad.example/demo"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


# Records, in the page's own localStorage (`test.made.<id>`), the id of every statement the
# runtime puts in its outbox: the ids the browser made, across tabs and page loads, even when a
# statement is sent by a keepalive request no Playwright route or request event sees.
MADE = """(() => {
  const real = window.localStorage;
  const spy = new Proxy(real, {
    set(t, k, v) {
      const st = String(k).startsWith('leerpad.out.') && JSON.parse(v);
      if (st && st.verb) t.setItem('test.made.' + st.id, '1');  // a statement, not a toets submit
      t[k] = v;
      return true;
    },
    get(t, k) { const v = t[k]; return typeof v === 'function' ? v.bind(t) : v; },
  });
  Object.defineProperty(window, 'localStorage', { get: () => spy, configurable: true });
})()"""

# The scorer's own agent, the authority of every statement it writes (CONTRACTS.md).
SCORER = {
    "objectType": "Agent",
    "name": "Leerpad-scorer",
    "account": {"homePage": "https://w3id.org/leerpad", "name": "scorer"},
}

# How to answer each question of the demo's toetsen: (right, wrong). Labels ("a|b" checks
# both), a fill-in text, a sequence of option ids, or matching source -> target.
ANSWERS: dict[str, tuple[Any, Any]] = {
    "dimensie-1": ("Benaderbaarheid", "Betaalbaarheid"),
    "vermogens-1": ("Het vermogen om zorg te zoeken|Het vermogen om te betalen", "Het vermogen om te genezen"),
    "verantwoordelijkheid-1": ("Onjuist", "Juist"),
    "onderbescherming-1": ("onderbescherming", "armoede"),
    "volgorde-1": (
        ["behoefte-aan-zorg", "zorg-zoeken", "zorg-bereiken", "zorg-gebruiken"],
        ["zorg-gebruiken", "zorg-bereiken", "zorg-zoeken", "behoefte-aan-zorg"],
    ),
    "koppel-1": (
        {
            "benaderbaarheid": "vermogen-om-waar-te-nemen",
            "aanvaardbaarheid": "vermogen-om-te-zoeken",
            "betaalbaarheid": "vermogen-om-te-betalen",
        },
        {
            "benaderbaarheid": "vermogen-om-waar-te-nemen",
            "aanvaardbaarheid": "vermogen-om-te-zoeken",
            "betaalbaarheid": "vermogen-om-te-zoeken",
        },
    ),
    "en-en-1": (
        "De sociale benadering komt naast de zorgbenadering",
        "De sociale benadering vervangt de zorgbenadering",
    ),
    "isolatie-1": ("Juist", "Onjuist"),
}

LEARNER = {"naam": "An Peeters", "mail": "an@example.be", "beroep": "huisarts", "nr": "1-23456-78-901"}


@dataclass
class Site:
    """The built demo course, where it is served, and the LRS it sends to."""

    url: str
    dir: Path
    lrs: Any
    course: Path
    seen: dict[str, int] = field(default_factory=dict)
    made_script: ClassVar[str] = MADE
    answers: ClassVar[dict[str, tuple[Any, Any]]] = ANSWERS

    @staticmethod
    def by_scorer(statement: dict[str, Any]) -> bool:
        """Written by the scoring service (its own authority), not sent by the browser."""
        return bool(statement.get("authority") == SCORER)

    def statements(self, registration: str) -> list[dict[str, Any]]:
        """Every statement of one registration, oldest first."""
        found = self.lrs.all_statements({"registration": registration})
        return sorted(found, key=lambda s: (s["timestamp"], s["stored"]))

    def wait(self, registration: str, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        """Statements of the registration once there are at least `count` (or the time is up)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.statements(registration)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.25)

    # Helpers the tests share (conftest modules are not importable under importlib mode).

    def fill_learner(self, page: Any, nr: str | None = None, soort: str = "riziv") -> str:
        """Fills in and saves the learner form shown before a quiz or case; returns the
        RIZIV number. Without `nr` a new learner (the scorer counts attempts per learner,
        and the tests share an LRS)."""
        if nr is None:
            d = f"{random.randrange(10**11):011d}"
            nr = f"{d[0]}-{d[1:6]}-{d[6:8]}-{d[8:]}"
        page.get_by_label("Naam", exact=True).fill(LEARNER["naam"])
        page.get_by_label("E-mail").fill(LEARNER["mail"])
        page.get_by_label("Beroep").select_option(LEARNER["beroep"])
        page.get_by_label("Soort nummer").select_option(soort)
        page.get_by_label("RIZIV- of BIG-nummer").fill(nr)
        page.get_by_label("Ik ga akkoord").check()
        page.get_by_role("button", name="Opslaan").click()
        if page.locator(".leerpad-warning").is_visible():
            page.get_by_label("Het nummer klopt.").check()
            page.get_by_role("button", name="Opslaan").click()
        page.get_by_text("U neemt deel als").first.wait_for()
        return nr

    @staticmethod
    def registration(page: Any) -> str:
        return str(page.evaluate("JSON.parse(localStorage['leerpad.reg'])"))

    @staticmethod
    def outbox(page: Any) -> int:
        """Statements waiting in the page's outbox."""
        return int(page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('leerpad.out.')).length"))

    @staticmethod
    def add_statements(page: Any, *results: dict[str, Any] | None) -> None:
        """Puts `experienced` statements of another actor (mailto:x@example.be) in the page's
        outbox, one per entry of `results`: its `result`, or none."""
        page.evaluate(
            """results => { for (const result of results) window.leerpad.outbox.add({
              id: crypto.randomUUID(),
              actor: {objectType: 'Agent', name: 'x', mbox: 'mailto:x@example.be'},
              verb: {id: 'http://adlnet.gov/expapi/verbs/experienced'},
              object: {objectType: 'Activity', id: 'https://leerpad.example/demo'},
              context: {registration: JSON.parse(localStorage['leerpad.reg'])},
              timestamp: new Date().toISOString(), ...result ? {result} : {}}) }""",
            list(results),
        )

    @staticmethod
    def made(page: Any) -> list[str]:
        """Ids of every statement the runtime made in this browser context (see MADE)."""
        keys = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('test.made.'))")
        return sorted(k.removeprefix("test.made.") for k in keys)

    def delivered(self, page: Any, registration: str, timeout: float = 45) -> list[dict[str, Any]]:
        """The registration's statements once the outbox is empty and the LRS holds every
        statement the browser made; asserts that each client-made id is stored exactly once
        and that nothing else the browser sent is stored for the registration (the rest
        is the scorer's)."""
        self.drained(page, timeout)
        made = self.made(page)
        deadline = time.monotonic() + timeout
        while True:
            stored = self.statements(registration)
            ids = Counter(s["id"] for s in stored if not self.by_scorer(s))
            if set(made) <= set(ids) or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        assert ids == Counter(made), f"missing {set(made) - set(ids)}, not made here {set(ids) - set(made)}"
        return stored

    # A toets, through the scoring service.

    @staticmethod
    def shown(page: Any) -> list[str]:
        """Ids of the scored questions the current attempt shows, in their order."""
        return list(
            page.locator(".leerpad-quiz .leerpad-question[data-scored=true]:visible").evaluate_all(
                "l => l.map(e => e.dataset.leerpadQuestion)"
            )
        )

    @staticmethod
    def start(page: Any, button: str = "Toets starten") -> list[str]:
        """Starts an attempt (or a retry) and returns the questions it shows."""
        page.locator(".leerpad-go").filter(has_text=button).click()
        page.locator(".leerpad-go", has_text="Indienen").wait_for()
        return Site.shown(page)

    @staticmethod
    def submit(page: Any) -> str:
        """Submits the attempt and returns the result once the score is back."""
        page.get_by_role("button", name="Indienen").click()
        result = page.locator(".leerpad-quiz__result")
        result.filter(has_text="Uw score:").wait_for()
        return str(result.text_content())

    @staticmethod
    def answer(page: Any, qid: str, right: bool = True) -> str:
        """Answers a demo question right or wrong; returns the xAPI response that makes."""
        q = page.locator(f"#vraag-{qid}")
        how = ANSWERS[qid][0 if right else 1]
        if isinstance(how, list):  # sequencing: the ids in order, moved with the ↑ buttons
            for i, option in enumerate(how):
                item = q.locator(f"li[data-option='{option}']")
                while item.evaluate("li => [...li.parentElement.children].indexOf(li)") > i:
                    item.locator("button[aria-label^='Hoger']").click()
            return "[,]".join(how)
        if isinstance(how, dict):  # matching: source -> target
            for source, target in how.items():
                q.locator(f"select[data-source='{source}']").select_option(target)
            return q.evaluate(
                "e => [...e.querySelectorAll('select')].map(s => s.dataset.source + '[.]' + s.value).join('[,]')"
            )
        if q.get_attribute("data-type") == "fill-in":
            q.locator("input").fill(how)
            return how
        for label in how.split("|"):
            q.get_by_label(label, exact=True).check()
        return str(q.evaluate("e => [...e.querySelectorAll('input:checked')].map(i => i.value).join('[,]')"))

    @staticmethod
    def drained(page: Any, timeout: float = 45) -> None:
        """Waits until the outbox is empty."""
        page.wait_for_function(
            "Object.keys(localStorage).filter(k => k.startsWith('leerpad.out.')).length === 0",
            timeout=timeout * 1000,
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def scored_lrs(course: Path, origin: str) -> Any:
    """The embedded LRS with the scoring service of `course` mounted, as `leerpad serve`
    starts it, allowing `origin` (CORS)."""
    from leerpad.lrs.testing import LiveLRS
    from leerpad.scoring.embedded import prepare

    state = course / ".leerpad"
    return LiveLRS.start(
        database=f"sqlite://{state / 'lrs.sqlite3'}",
        state_dir=state,
        cors_origins=(origin,),
        bcrypt_rounds=4,
        extra_env=prepare(course),
    )


def demo_course(target: Path) -> Path:
    """A copy of the demo course in which toegang-toets draws 2 of its 4 questions per attempt."""
    shutil.copytree(DEMO.parent, target, ignore=shutil.ignore_patterns("site", ".leerpad"))
    quiz = target / "quizzes" / "toegang-toets.md"
    quiz.write_text(quiz.read_text("utf-8").replace("attempts: 3\n", "attempts: 3\ndraw: 2\n", 1), "utf-8")
    return target


@contextlib.contextmanager
def _served(tmp: Path, instant: bool) -> Iterator[Site]:
    """Builds a copy of the demo course (`demo_course`) and serves it on a free 127.0.0.1
    port, with its own scored LRS.

    With `instant`, `site_url` (`LEERPAD_SITE_URL`, see tests/demo/mkdocs.yml) is the
    served origin, so that Material's instant loading is on; otherwise it is the
    default http://127.0.0.1:8000/ and every navigation is a full page load.
    """
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    course = demo_course(tmp / "course")
    out = tmp / "site"
    lrs = scored_lrs(course, origin)
    env = {
        **os.environ,
        "LEERPAD_LRS_ENDPOINT": lrs.endpoint,
        "LEERPAD_LRS_USERNAME": lrs.write[0],
        "LEERPAD_LRS_PASSWORD": lrs.write[1],
        "NO_MKDOCS_2_WARNING": "1",
    }
    env.pop("LEERPAD_SITE_URL", None)
    if instant:
        env["LEERPAD_SITE_URL"] = origin + "/"
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(course / "mkdocs.yml"), "-d", str(out)],
        check=True,
        env=env,
        cwd=ROOT,
    )
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(url=origin + "/", dir=out, lrs=lrs, course=course)
    finally:
        server.shutdown()
        server.server_close()
        lrs.stop()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo course, every navigation a full page load (site_url is another origin)."""
    with _served(tmp_path_factory.mktemp("site"), instant=False) as built:
        yield built


@pytest.fixture(scope="session")
def instant_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo course with Material's instant loading on (site_url is the served origin),
    and its own LRS. A test module uses it for `context` and `page` by overriding `site`::

        @pytest.fixture(scope="session")
        def site(instant_site): return instant_site
    """
    with _served(tmp_path_factory.mktemp("instant-site"), instant=True) as built:
        yield built


@pytest.fixture
def context(browser: Any, site: Site) -> Iterator[Any]:
    # The built pages carry a CSP without 'unsafe-eval'; Playwright's own helpers
    # (wait_for_function, axe injection) need eval, so these tests bypass it.
    # test_csp_browser.py runs the pages under the policy itself.
    ctx = browser.new_context(base_url=site.url, locale="nl-BE", bypass_csp=True)
    ctx.set_default_timeout(10_000)
    ctx.add_init_script(MADE)
    # Nothing but the site and the LRS: any other host fails the test.
    lrs_origin = site.lrs.endpoint.split("/xAPI/")[0]
    stray: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith((site.url, lrs_origin + "/")):
            route.fallback()
        else:
            stray.append(url)
            route.abort()

    ctx.route("**/*", guard)
    yield ctx
    ctx.close()
    assert not stray, f"requests to other hosts: {stray}"


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    p.errors = errors
    yield p

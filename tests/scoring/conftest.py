"""Fixtures of the scoring tests: the demo course with its keys, and an LRS that scores it.

``scored_lrs`` is the embedded LRS as ``leerpad serve`` starts it (same code path:
:func:`leerpad.lrs.serve.start_embedded_lrs`'s ``prepare`` + the mount hook), on a
copy of the demo course in which ``toegang-toets`` draws 2 of its 4 questions per
attempt. Tests share it: each uses a learner of its own (:func:`learner`).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from leerpad.lrs.testing import XAPI_HEADERS, LiveLRS
from leerpad.scoring.embedded import prepare

DEMO = Path(__file__).resolve().parents[1] / "demo"
COURSE = "https://leerpad.example/demo"
# The right answers of the demo's toetsen, written out by hand from quizzes/*.md.
RIGHT = {
    "dimensie-1": "benaderbaarheid",
    "vermogens-1": "het-vermogen-om-te-betalen[,]het-vermogen-om-zorg-te-zoeken",
    "verantwoordelijkheid-1": "false",
    "onderbescherming-1": "  Non-Take-Up ",
    "volgorde-1": "behoefte-aan-zorg[,]zorg-zoeken[,]zorg-bereiken[,]zorg-gebruiken",
    "koppel-1": "betaalbaarheid[.]vermogen-om-te-betalen[,]benaderbaarheid[.]vermogen-om-waar-te-nemen"
    "[,]aanvaardbaarheid[.]vermogen-om-te-zoeken",
    "en-en-1": "de-sociale-benadering-komt-naast-de",
    "isolatie-1": "true",
}
WRONG = {
    "dimensie-1": "betaalbaarheid",
    "vermogens-1": "het-vermogen-om-zorg-te-zoeken",
    "verantwoordelijkheid-1": "true",
    "onderbescherming-1": "ondervoeding",
    "volgorde-1": "zorg-zoeken[,]behoefte-aan-zorg[,]zorg-bereiken[,]zorg-gebruiken",
    "koppel-1": "betaalbaarheid[.]vermogen-om-waar-te-nemen[,]benaderbaarheid[.]vermogen-om-te-betalen"
    "[,]aanvaardbaarheid[.]vermogen-om-te-zoeken",
    "en-en-1": "de-sociale-benadering-vervangt-de",
    "isolatie-1": "false",
}


def copy_demo(target: Path, draw: int | None = 2) -> Path:
    """The demo course in ``target``; toegang-toets draws ``draw`` questions per attempt."""
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("site", ".leerpad"))
    if draw is not None:
        quiz = target / "quizzes" / "toegang-toets.md"
        quiz.write_text(quiz.read_text(encoding="utf-8").replace("attempts: 3\n", f"attempts: 3\ndraw: {draw}\n", 1))
    return target


def start_scored_lrs(course: Path, **options: Any) -> LiveLRS:
    """The embedded LRS with the scorer of ``course`` (as ``leerpad serve`` starts it)."""
    state = course / ".leerpad"
    return LiveLRS.start(
        database=options.pop("database", f"sqlite://{state / 'lrs.sqlite3'}"),
        state_dir=state,
        bcrypt_rounds=4,
        extra_env=prepare(course),
        **options,
    )


@pytest.fixture(scope="session")
def scored_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo course (toegang-toets draws 2 of 4)."""
    return copy_demo(tmp_path_factory.mktemp("scored") / "course")


@pytest.fixture(scope="session")
def scored_lrs(scored_course: Path) -> Iterator[LiveLRS]:
    """The embedded LRS scoring ``scored_course``, for the session."""
    server = start_scored_lrs(scored_course)
    yield server
    server.stop()


def learner(name: str = "Els Janssens") -> dict[str, Any]:
    """A learner of one's own: a fresh e-mail address."""
    return {"objectType": "Agent", "name": name, "mbox": f"mailto:{uuid.uuid4().hex[:12]}@leerpad.example"}


class Scoring:
    """A client of the scoring service, as the browser runtime uses it."""

    def __init__(self, lrs: LiveLRS) -> None:
        self.lrs = lrs
        self.root = lrs.endpoint.removesuffix("/xAPI/")
        self.session = requests.Session()

    def start(
        self,
        quiz: str,
        actor: dict[str, Any],
        *,
        attempt: str | None = None,
        registration: str | None = None,
        auth: tuple[str, str] | None = None,
    ) -> requests.Response:
        body = {
            "attempt": attempt or str(uuid.uuid4()),
            "quiz": quiz,
            "actor": actor,
            "registration": registration or str(uuid.uuid4()),
        }
        return self.post("/leerpad/v1/attempts", body, auth)

    def submit(self, attempt: str, body: Any, auth: tuple[str, str] | None = None) -> requests.Response:
        return self.post(f"/leerpad/v1/attempts/{attempt}/responses", body, auth)

    def post(self, path: str, body: Any, auth: tuple[str, str] | None = None) -> requests.Response:
        return self.session.post(self.root + path, json=body, auth=auth or self.lrs.write, timeout=60)

    def answer(self, started: dict[str, Any], answers: dict[str, str] = RIGHT, **extra: Any) -> requests.Response:
        """Submit the given answers to every question of a started attempt."""
        responses = {q: answers[q] for q in started["questions"]}
        return self.submit(started["attempt"], {"responses": responses, **extra})

    def passes(self, quiz: str, actor: dict[str, Any], registration: str | None = None) -> dict[str, Any]:
        """Start and pass a quiz; return the submit's answer."""
        started = self.start(quiz, actor, registration=registration)
        assert started.status_code == 200, started.text
        result = self.answer(started.json())
        assert result.status_code == 200, result.text
        return dict(result.json())

    def statements(self, **params: str) -> list[dict[str, Any]]:
        """The statements the LRS holds (read credential), newest first."""
        return self.lrs.all_statements(params)

    def xapi_post(self, statements: Any, auth: tuple[str, str] | None = None) -> requests.Response:
        """POST to the LRS's Statements API (the browser's write credential by default)."""
        return requests.post(
            self.lrs.statements_url, json=statements, auth=auth or self.lrs.write, headers=XAPI_HEADERS, timeout=60
        )


@pytest.fixture(scope="session")
def scoring(scored_lrs: LiveLRS) -> Scoring:
    """A client of the scorer in ``scored_lrs``."""
    return Scoring(scored_lrs)

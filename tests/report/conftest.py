"""A cohort with known truth, posted into a real embedded LRS, for the report tests.

The LRS is a fresh one of the session (``lrs_factory`` with an origin no other test
uses). Right after it starts, before any authenticated request (Ralph reads its auth
file once, at the first one), two credentials are added to its auth file:

- the scorer's: its agent is the scorer's own (CONTRACTS.md), so the LRS stamps the
  scorer's authority on what it posts — as the scoring service does;
- the organiser's (scope all): used to void results.

Until the scoring service is on main, the cohort's results are posted with the
scorer's credential directly; forged results are posted with the browser's write
credential. Conftest modules cannot be imported (importlib mode), so the cohort's
truth is handed to the tests by fixtures.
"""

from __future__ import annotations

import json
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

HERE = Path(__file__).resolve().parent
COURSE = "https://leerpad.example/rapport"
OTHER_COURSE = "https://leerpad.example/andere"
SCORER_AGENT = {
    "objectType": "Agent",
    "name": "Leerpad-scorer",
    "account": {"homePage": "https://w3id.org/leerpad", "name": "scorer"},
}
ORGANISER_AGENT = {
    "objectType": "Agent",
    "account": {"homePage": "https://leerpad.example/beheer", "name": "organisator"},
}
HEADERS = {"X-Experience-API-Version": "1.0.3"}
ADL = "http://adlnet.gov/expapi/verbs/"
RIZIV = "https://www.riziv.fgov.be"
BIG = "https://www.bigregister.nl"


@dataclass
class ReportLRS:
    """The LRS of the report tests and the three credentials that post into it."""

    server: Any
    scorer: tuple[str, str]
    organiser: tuple[str, str]

    @property
    def url(self) -> str:
        return str(self.server.statements_url)

    def post(self, statements: list[dict[str, Any]], auth: tuple[str, str]) -> requests.Response:
        return requests.post(self.url, json=statements, auth=auth, headers=HEADERS, timeout=60)

    def as_scorer(self, statements: list[dict[str, Any]]) -> None:
        response = self.post(statements, self.scorer)
        assert response.status_code == 200, response.text

    def as_browser(self, statements: list[dict[str, Any]]) -> requests.Response:
        return self.post(statements, self.server.write)

    def void(self, statement_id: str) -> None:
        voiding = {
            "id": str(uuid.uuid4()),
            "actor": ORGANISER_AGENT,
            "verb": {"id": ADL + "voided", "display": {"en-US": "voided"}},
            "object": {"objectType": "StatementRef", "id": statement_id},
        }
        response = self.post([voiding], self.organiser)
        assert response.status_code == 200, response.text


def _add_credential(auth_file: Path, agent: dict[str, Any], scopes: list[str]) -> tuple[str, str]:
    import bcrypt

    username = "report-" + secrets.token_hex(4)
    password = secrets.token_urlsafe(16)
    entries = json.loads(auth_file.read_text(encoding="utf-8"))
    entries.append({
        "username": username,
        "hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode(),
        "scopes": scopes,
        "agent": agent,
    })
    auth_file.write_text(json.dumps(entries), encoding="utf-8")
    return username, password


@pytest.fixture(scope="session")
def report_lrs(lrs_factory: Callable[..., Any]) -> ReportLRS:
    """A fresh LRS with the scorer's and the organiser's credential added."""
    server = lrs_factory(cors_origins=["http://127.0.0.1:9"])  # an origin only these tests use
    auth_file = Path(server.env["RALPH_AUTH_FILE"])
    scorer = _add_credential(auth_file, SCORER_AGENT, ["statements/write", "statements/read"])
    organiser = _add_credential(auth_file, ORGANISER_AGENT, ["all"])  # voiding needs scope all
    return ReportLRS(server, scorer, organiser)


# ----------------------------------------------------------------- statements


def learner(name: str, number: str, home: str = RIZIV) -> dict[str, Any]:
    """A learner's actor as the runtime sends it."""
    return {"objectType": "Agent", "name": name, "account": {"homePage": home, "name": number}}


@dataclass
class Builder:
    """Statements shaped as the scorer and the runtime write them (CONTRACTS.md)."""

    course: Any  # leerpad.content.models.Course
    iri: str = COURSE

    def _context(self, actor_profession: str, registration: str, parent: str, grouping: list[str],
                 extensions: dict[str, Any]) -> dict[str, Any]:
        return {
            "registration": registration,
            "contextActivities": {
                "parent": [{"objectType": "Activity", "id": parent}],
                "grouping": [{"objectType": "Activity", "id": g} for g in grouping],
            },
            "language": "nl-BE",
            "platform": "Leerpad",
            "extensions": {f"{self.iri}/extension/beroep": actor_profession, **extensions},
        }

    def attempt(
        self, actor: dict[str, Any], profession: str, quiz_id: str, number: int, right: set[str],
        when: datetime, registration: str, identity: str = "declared", drawn: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """answered per question and the quiz's passed/failed, as the scorer writes them.

        ``drawn``: the questions of the attempt, for a quiz that draws from a pool (default: all).
        """
        from leerpad.xapi.profile import interaction_definition

        quiz = self.course.quiz(quiz_id)
        questions = [q for q in quiz.questions if drawn is None or q.id in drawn]
        quiz_iri = f"{self.iri}/quiz/{quiz_id}"
        module_iri = f"{self.iri}/module/{quiz.module}"
        attempt = str(uuid.uuid4())
        ext = {
            "https://w3id.org/leerpad/extension/identity-source": identity,
            "https://w3id.org/leerpad/extension/attempt": attempt,
            "http://id.tincanapi.com/extension/attempt-id": number,
        }
        out: list[dict[str, Any]] = []
        for offset, question in enumerate(questions):
            definition = interaction_definition(question)
            correct = definition["correctResponsesPattern"][0]
            wrong = next(c["id"] for c in definition["choices"] if c["id"] != correct)
            ok = question.id in right
            out.append({
                "id": str(uuid.uuid4()),
                "actor": actor,
                "verb": {"id": ADL + "answered", "display": {"en-US": "answered"}},
                "object": {
                    "objectType": "Activity", "id": f"{quiz_iri}/question/{question.id}", "definition": definition
                },
                "result": {"response": correct if ok else wrong, "success": ok, "duration": "PT20S"},
                "context": self._context(profession, registration, quiz_iri, [module_iri, self.iri], ext),
                "timestamp": (when - timedelta(seconds=30 - offset)).isoformat(),
            })
        raw = sum(1 for q in questions if q.id in right)
        total = len(questions)
        passed = raw / total >= quiz.pass_mark
        verb = "passed" if passed else "failed"
        out.append({
            "id": str(uuid.uuid4()),
            "actor": actor,
            "verb": {"id": ADL + verb, "display": {"en-US": verb}},
            "object": {"objectType": "Activity", "id": quiz_iri,
                       "definition": {"type": "http://adlnet.gov/expapi/activities/assessment"}},
            "result": {"score": {"scaled": round(raw / total, 4), "raw": raw, "min": 0, "max": total},
                       "success": passed, "completion": True, "duration": "PT3M"},
            "context": self._context(profession, registration, module_iri, [self.iri], ext),
            "timestamp": when.isoformat(),
        })
        return out

    def practice(self, actor: dict[str, Any], profession: str, module_id: str, verb: str, when: datetime,
                 registration: str, duration: str | None = None) -> dict[str, Any]:
        """A statement the browser may write about a module page."""
        statement: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "actor": actor,
            "verb": {"id": ADL + verb, "display": {"en-US": verb}},
            "object": {"objectType": "Activity", "id": f"{self.iri}/module/{module_id}",
                       "definition": {"type": "http://adlnet.gov/expapi/activities/module"}},
            "context": self._context(profession, registration, self.iri, [self.iri], {}),
            "timestamp": when.isoformat(),
        }
        if duration:
            statement["result"] = {"duration": duration, "completion": verb == "completed"}
        return statement


def at(day: str, hour: int = 10) -> datetime:
    """A time on a day of the cohort (UTC)."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class Truth:
    """What the report must find in the posted cohort."""

    course_dir: Path
    lrs: ReportLRS
    forged_status: int = 0
    voided: str = ""
    partial: list[str] = field(default_factory=list)
    beyond_limit: str = ""
    untrusted: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def report_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of tests/report/course (the report writes into its .leerpad/ and rapport/)."""
    target = tmp_path_factory.mktemp("report") / "course"
    shutil.copytree(HERE / "course", target)
    return target


@pytest.fixture(scope="session")
def cohort(report_lrs: ReportLRS, report_course: Path) -> Iterator[Truth]:
    """Post the cohort once per session; the course copy reads the LRS with the read credential."""
    from leerpad.plugin.settings import read_course

    course, errors = read_course(report_course)
    assert not errors, errors
    b = Builder(course)
    lrs = report_lrs
    truth = Truth(report_course, lrs)
    scorer: list[dict[str, Any]] = []

    # An Peeters: everything first time, intro completed in the browser, course done 2026-11-05.
    an = learner("An Peeters", "1-23456-78-901")
    reg = str(uuid.uuid4())
    browser = [
        b.practice(an, "huisarts", "intro", "experienced", at("2026-11-02", 8), reg),
        b.practice(an, "huisarts", "intro", "completed", at("2026-11-02", 9), reg, "PT12M"),
    ]
    scorer += b.attempt(an, "huisarts", "alfa-toets", 1, {"a1", "a2", "a3"}, at("2026-11-03"), reg)
    scorer += b.attempt(an, "huisarts", "beta-toets", 1, {"b1", "b2"}, at("2026-11-04"), reg)
    scorer += b.attempt(an, "huisarts", "slot-toets", 1, {"s1", "s2"}, at("2026-11-05"), reg)

    # Bart Claes: fails alfa, passes it the second time; passes beta at 23:30 UTC on
    # 30 November, which is 1 December in Belgium.
    bart = learner("Bart Claes", "1-11222-33-444")
    reg = str(uuid.uuid4())
    scorer += b.attempt(bart, "huisarts", "alfa-toets", 1, {"a1"}, at("2026-11-09"), reg)
    scorer += b.attempt(bart, "huisarts", "alfa-toets", 2, {"a1", "a2"}, at("2026-11-10"), reg)
    scorer += b.attempt(bart, "huisarts", "beta-toets", 1, {"b1"}, at("2026-11-30", 23).replace(minute=30), reg)

    # Chris Janssens: exhausts alfa's two attempts; a third "pass" is beyond the limit.
    chris = learner("Chris Janssens", "1-22333-44-555")
    reg = str(uuid.uuid4())
    scorer += b.attempt(chris, "huisarts", "alfa-toets", 1, set(), at("2026-11-11"), reg)
    scorer += b.attempt(chris, "huisarts", "alfa-toets", 2, {"a2"}, at("2026-11-12"), reg)
    beyond = b.attempt(chris, "huisarts", "alfa-toets", 3, {"a1", "a2", "a3"}, at("2026-11-13"), reg)
    truth.beyond_limit = beyond[-1]["id"]
    scorer += beyond

    # Dirk Wouters: opens a module, never finishes anything.
    dirk = learner("Dirk Wouters", "1-33444-55-666")
    reg = str(uuid.uuid4())
    browser.append(b.practice(dirk, "huisarts", "alfa", "experienced", at("2026-11-14"), reg, "PT5M"))

    # Fien Maes, pharmacist: passes alfa (domain B for APB).
    fien = learner("Fien Maes", "5-44555-66-777")
    reg = str(uuid.uuid4())
    scorer += b.attempt(fien, "apotheker", "alfa-toets", 1, {"a1", "a2"}, at("2026-11-20"), reg)

    # Gert Smet: passes beta, but the organiser voids that result.
    gert = learner("Gert Smet", "1-55666-77-888")
    reg = str(uuid.uuid4())
    gert_beta = b.attempt(gert, "huisarts", "beta-toets", 1, {"b1", "b2"}, at("2026-11-06"), reg)
    truth.voided = gert_beta[-1]["id"]
    scorer += gert_beta

    # Hanna de Vries, Dutch GP (BIG): the whole course in October, through a cmi5 launch.
    hanna = learner("Hanna de Vries", "12345678901", BIG)
    reg = str(uuid.uuid4())
    browser.append(b.practice(hanna, "huisarts", "intro", "completed", at("2026-10-20"), reg, "PT9M"))
    for quiz, right, day in (("alfa-toets", {"a1", "a2", "a3"}, "2026-10-21"),
                             ("beta-toets", {"b1", "b2"}, "2026-10-22"),
                             ("slot-toets", {"s1"}, "2026-10-28")):
        scorer += b.attempt(hanna, "huisarts", quiz, 1, right, at(day), reg, identity="cmi5")

    # One RIZIV number under two names: reported, never merged.
    ivo = learner("Ivo Maes", "1-66777-88-999")
    jan = learner("Jan Smet", "1-66777-88-999")
    scorer += b.attempt(ivo, "huisarts", "alfa-toets", 1, {"a1", "a2", "a3"}, at("2026-11-16"), str(uuid.uuid4()))
    scorer += b.attempt(jan, "huisarts", "beta-toets", 1, {"b1", "b2"}, at("2026-11-17"), str(uuid.uuid4()))

    # Partial statements under the scorer's authority: a pass without score, an answer
    # without its attempt.
    kim = learner("Kim Goossens", "1-77888-99-000")
    reg = str(uuid.uuid4())
    kim_attempt = b.attempt(kim, "huisarts", "beta-toets", 1, {"b1", "b2"}, at("2026-11-18"), reg)
    del kim_attempt[-1]["result"]["score"]
    del kim_attempt[0]["context"]["extensions"]["https://w3id.org/leerpad/extension/attempt"]
    truth.partial = [kim_attempt[0]["id"], kim_attempt[-1]["id"]]
    scorer += kim_attempt

    # A second course in the same LRS, same learner: never in this course's report.
    other = Builder(course, iri=OTHER_COURSE)
    scorer += other.attempt(an, "huisarts", "alfa-toets", 1, {"a1", "a2", "a3"}, at("2026-11-07"), str(uuid.uuid4()))

    lrs.as_scorer(scorer)
    assert lrs.as_browser(browser).status_code == 200

    # Els Peeters forges passes with the browser's credential: the LRS refuses them
    # (once the scorer's rules are on) or stores them with the browser's authority.
    els = learner("Els Peeters", "1-88999-00-111")
    reg = str(uuid.uuid4())
    forged = b.attempt(els, "huisarts", "alfa-toets", 1, {"a1", "a2", "a3"}, at("2026-11-08"), reg)
    course_passed = {
        "id": str(uuid.uuid4()), "actor": els,
        "verb": {"id": ADL + "passed", "display": {"en-US": "passed"}},
        "object": {"objectType": "Activity", "id": COURSE,
                   "definition": {"type": "http://adlnet.gov/expapi/activities/course"}},
        "context": b._context("huisarts", reg, COURSE, [COURSE], {}),
        "timestamp": at("2026-11-08", 11).isoformat(),
    }
    forged.append(course_passed)
    truth.forged_status = lrs.as_browser(forged).status_code
    truth.untrusted = [forged[-2]["id"], course_passed["id"]] if truth.forged_status == 200 else []

    lrs.void(truth.voided)

    credentials = {
        "endpoint": lrs.server.endpoint,
        "write": {"username": lrs.server.write[0], "password": lrs.server.write[1]},
        "read": {"username": lrs.server.read[0], "password": lrs.server.read[1]},
    }
    (report_course / ".leerpad").mkdir(exist_ok=True)
    (report_course / ".leerpad" / "credentials.json").write_text(json.dumps(credentials), encoding="utf-8")
    yield truth


# ----------------------------------------------------------------- the pilot

PILOT = "https://leerpad.example/pilot"


@pytest.fixture(scope="session")
def pilot_cohort(report_lrs: ReportLRS, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pilot of the final test (tests/report/pilot, ``final_lock: false``) posted into the LRS.

    The final test draws 3 of e1…e4 (pass mark 0.75: 3 of 3). Its module is
    ``slot``; the other modules are ``een`` (toets een-toets) and ``twee`` (no toets,
    done by ``completed``). Attempts (drawn questions, those right):

    zonder cursus (no other module opened before the attempt), first attempts:
        P1 e1 e2 e3 / e2 e3    P2 e1 e2 e3 / e2      P3 e1 e2 e3 / e2 e3
        P4 e1 e2 e3 / e2 e3    P5 e1 e2 e3 / all     P6 e1 e2 e4 / none
        and P2's second attempt, still before the course (e1 e3 e4 / all): not counted
    na de cursus (een-toets passed and twee completed before the attempt), first attempts:
        P1 again (its 2nd attempt) e1 e2 e3 / all    Q1 e1 e2 e3 / e1 e2
        Q2 e1 e2 e3 / all      Q3 e1 e2 e3 / e1 e2   Q4 e1 e2 e3 / e1 e2
        Q5 e1 e2 e4 / all      and Q3's second attempt (e1 e2 e4 / all): not counted
    tijdens de cursus: T1 opened een, nothing done: e1 e2 e3 / e1

    Per question, right/drawn (zonder; na): e1 1/6, 6/6 (+0,83: separates);
    e2 5/6, 6/6 (+0,17: does not); e3 4/5, 2/5 (−0,40: reversed); e4 0/1, 1/1 (too few).
    """
    from leerpad.plugin.settings import read_course

    course_dir = tmp_path_factory.mktemp("pilot") / "course"
    shutil.copytree(HERE / "pilot", course_dir)
    course, errors = read_course(course_dir)
    assert not errors, errors
    b = Builder(course, iri=PILOT)
    scorer: list[dict[str, Any]] = []
    browser: list[dict[str, Any]] = []
    e123, e124, e134 = ["e1", "e2", "e3"], ["e1", "e2", "e4"], ["e1", "e3", "e4"]

    def final(who: dict[str, Any], number: int, drawn: list[str], right: set[str], when: datetime) -> None:
        scorer.extend(b.attempt(who, "huisarts", "eind-toets", number, right, when, str(uuid.uuid4()), drawn=drawn))

    def study(who: dict[str, Any], day: str) -> None:
        """The whole course on one day: een opened and its toets passed, twee completed."""
        reg = str(uuid.uuid4())
        browser.append(b.practice(who, "huisarts", "een", "experienced", at(day, 8), reg, "PT15M"))
        scorer.extend(b.attempt(who, "huisarts", "een-toets", 1, {"n1", "n2"}, at(day, 9), reg))
        browser.append(b.practice(who, "huisarts", "twee", "completed", at(day, 10), reg, "PT20M"))

    before = {"P1": (e123, {"e2", "e3"}), "P2": (e123, {"e2"}), "P3": (e123, {"e2", "e3"}),
              "P4": (e123, {"e2", "e3"}), "P5": (e123, {"e1", "e2", "e3"}), "P6": (e124, set())}
    people = {key: learner(f"Collega {key}", f"1-00000-00-{index:03d}") for index, key in
              enumerate(["P1", "P2", "P3", "P4", "P5", "P6", "Q1", "Q2", "Q3", "Q4", "Q5", "T1"], start=1)}
    for key, (drawn, right) in before.items():
        final(people[key], 1, drawn, right, at("2026-11-02", 12))
    final(people["P2"], 2, e134, {"e1", "e3", "e4"}, at("2026-11-02", 14))
    study(people["P1"], "2026-11-04")
    final(people["P1"], 2, e123, {"e1", "e2", "e3"}, at("2026-11-05"))
    after = {"Q1": (e123, {"e1", "e2"}), "Q2": (e123, {"e1", "e2", "e3"}), "Q3": (e123, {"e1", "e2"}),
             "Q4": (e123, {"e1", "e2"}), "Q5": (e124, {"e1", "e2", "e4"})}
    for key, (drawn, right) in after.items():
        study(people[key], "2026-11-03")
        final(people[key], 1, drawn, right, at("2026-11-06"))
    final(people["Q3"], 2, e124, {"e1", "e2", "e4"}, at("2026-11-07"))
    browser.append(b.practice(people["T1"], "huisarts", "een", "experienced", at("2026-11-03", 8),
                              str(uuid.uuid4()), "PT5M"))
    final(people["T1"], 1, e123, {"e1"}, at("2026-11-03", 12))

    report_lrs.as_scorer(scorer)
    assert report_lrs.as_browser(browser).status_code == 200
    server = report_lrs.server
    credentials = {
        "endpoint": server.endpoint,
        "write": {"username": server.write[0], "password": server.write[1]},
        "read": {"username": server.read[0], "password": server.read[1]},
    }
    (course_dir / ".leerpad").mkdir(exist_ok=True)
    (course_dir / ".leerpad" / "credentials.json").write_text(json.dumps(credentials), encoding="utf-8")
    return course_dir

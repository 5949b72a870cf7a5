"""A course update while an attempt is open: the attempt is scored with the questions it drew.

The scorer reloads rebuilt keys without a restart (``leerpad serve --watch``, a deploy).
Between the start and the submit of an attempt, ``verbondenheid-toets`` loses
``koppel-1`` and ``volgorde-1`` gets another right order and explanation under the same
id. Each test runs on the book in SQLite and in PostgreSQL.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from leerpad.lrs.dialects import open_database
from leerpad.scoring.course import write_course_keys
from tests.scoring.conftest import COURSE, RIGHT, WRONG, Scoring, copy_demo, learner, start_scored_lrs

QUIZ = f"{COURSE}/quiz/verbondenheid-toets"
KOPPEL = """/// question | Koppel elke dimensie aan het vermogen dat erbij hoort.
    id: koppel-1
    type: matching
- Benaderbaarheid :: Vermogen om waar te nemen
- Aanvaardbaarheid :: Vermogen om te zoeken
- Betaalbaarheid :: Vermogen om te betalen
///
"""
OLD_ORDER = "2. Zorg zoeken\n3. Zorg bereiken\n"
NEW_ORDER = "2. Zorg bereiken\n3. Zorg zoeken\n"
OLD_EXPLANATION = "> Het model loopt van behoefte naar gebruik."
NEW_EXPLANATION = "> Eerst bereiken, dan zoeken (herschreven vraag)."
OLD_PATTERN = "behoefte-aan-zorg[,]zorg-zoeken[,]zorg-bereiken[,]zorg-gebruiken"
NEW_PATTERN = "behoefte-aan-zorg[,]zorg-bereiken[,]zorg-zoeken[,]zorg-gebruiken"
GONE = "De toets is aangepast nadat u deze poging begon: 1 vraag bestaat niet meer en telt niet mee voor uw score."


@dataclass
class Updated:
    """A scorer whose course a trainer edits while learners are at it."""

    scoring: Scoring
    course: Path
    database: str
    original: str

    @property
    def quiz_file(self) -> Path:
        return self.course / "quizzes" / "verbondenheid-toets.md"

    def rebuild(self, text: str) -> None:
        """Write the quiz, rebuild the keys as the build does, and let the scorer reload them."""
        self.quiz_file.write_text(text, encoding="utf-8")
        write_course_keys(self.course)
        time.sleep(1.2)  # the embedded scorer looks at the key files at most once a second

    def update(self) -> None:
        """koppel-1 removed; volgorde-1 another right order and explanation, same id."""
        text = self.original.replace(KOPPEL, "").replace(OLD_ORDER, NEW_ORDER).replace(OLD_EXPLANATION, NEW_EXPLANATION)
        assert text.count("///") == self.original.count("///") - 2 and NEW_ORDER in text
        self.rebuild(text)

    def book(self, sql: str, params: list[Any]) -> list[Any]:
        """Rows of the scorer's book (its own database tables)."""
        db = open_database(self.database)
        try:
            return db.query(sql, params)
        finally:
            db.close()

    def forget_versions(self, attempt: str) -> None:
        """Make the attempt's book row as an older scorer wrote it: the plan without versions."""
        db = open_database(self.database)
        try:
            with db.transaction() as cursor:
                cursor.execute("SELECT start FROM scorer_attempts WHERE id = ?", [attempt])
                start = json.loads(cursor.fetchone()[0])
                assert "versions" in start["plan"]
                del start["plan"]["versions"]
                cursor.execute("UPDATE scorer_attempts SET start = ? WHERE id = ?", [json.dumps(start), attempt])
        finally:
            db.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], ids=lambda p: p
)
def updated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Updated]:
    course = copy_demo(tmp_path_factory.mktemp(f"versions-{request.param}") / "course")
    if request.param == "postgresql":
        database = request.getfixturevalue("postgres").create_database("versions")
    else:
        database = f"sqlite://{course / '.leerpad' / 'lrs.sqlite3'}"
    lrs = start_scored_lrs(course, database=database)
    original = (course / "quizzes" / "verbondenheid-toets.md").read_text(encoding="utf-8")
    yield Updated(Scoring(lrs), course, database, original)
    lrs.stop()


@pytest.fixture
def trainer(updated: Updated) -> Iterator[Updated]:
    """The course as it was before each test, and again after it."""
    yield updated
    if updated.quiz_file.read_text(encoding="utf-8") != updated.original:
        updated.rebuild(updated.original)


def _start(scoring: Scoring, actor: dict[str, Any], registration: str) -> dict[str, Any]:
    response = scoring.start("verbondenheid-toets", actor, registration=registration)
    assert response.status_code == 200, response.text
    started = dict(response.json())
    assert sorted(started["questions"]) == ["koppel-1", "volgorde-1"]
    return started


def _answered(scoring: Scoring, registration: str) -> dict[str, dict[str, Any]]:
    stored = scoring.statements(registration=registration)
    return {s["object"]["id"].rsplit("/", 1)[1]: s for s in stored if s["verb"]["id"].endswith("/answered")}


def test_an_attempt_is_scored_with_the_questions_it_drew(trainer: Updated) -> None:
    actor, registration = learner(), str(uuid.uuid4())
    started = _start(trainer.scoring, actor, registration)
    trainer.update()
    response = trainer.scoring.answer(started, RIGHT)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "attempt": started["attempt"],
        "attempts_left": None,
        "score": {"scaled": 1.0, "raw": 2, "min": 0, "max": 2},
        "success": True,
        "questions": {
            "volgorde-1": {"success": True, "feedback": "Het model loopt van behoefte naar gebruik."},
            "koppel-1": {"success": True, "feedback": ""},
        },
    }
    answered = _answered(trainer.scoring, registration)
    assert sorted(answered) == ["koppel-1", "volgorde-1"]
    # The question as the learner saw it: the old right order, the choices in the old order.
    volgorde = answered["volgorde-1"]["object"]["definition"]
    assert volgorde["correctResponsesPattern"] == [OLD_PATTERN]
    assert [c["id"] for c in volgorde["choices"]] == OLD_PATTERN.split("[,]")
    koppel = answered["koppel-1"]
    assert koppel["object"]["id"] == f"{QUIZ}/question/koppel-1"
    assert koppel["object"]["definition"]["interactionType"] == "matching"
    assert koppel["result"] == {"response": RIGHT["koppel-1"], "success": True}


def test_the_book_keeps_each_drawn_version_once_and_the_start_names_it(trainer: Updated) -> None:
    first = _start(trainer.scoring, learner(), str(uuid.uuid4()))
    second = _start(trainer.scoring, learner(), str(uuid.uuid4()))
    plans = [
        json.loads(trainer.book("SELECT start FROM scorer_attempts WHERE id = ?", [s["attempt"]])[0][0])["plan"]
        for s in (first, second)
    ]
    assert plans[0]["versions"] == plans[1]["versions"]
    assert sorted(plans[0]["versions"]) == ["koppel-1", "volgorde-1"]
    names = sorted(plans[0]["versions"].values())
    kept = trainer.book("SELECT fingerprint, version FROM scorer_versions WHERE fingerprint IN (?, ?)", names)
    assert sorted(r[0] for r in kept) == names  # once each, whatever number of attempts drew it
    versions = {json.loads(r[1])["definition"]["interactionType"]: json.loads(r[1]) for r in kept}
    assert versions["sequencing"]["correct"] == [OLD_PATTERN]
    assert versions["sequencing"]["feedback"] == {"*": "Het model loopt van behoefte naar gebruik."}
    assert versions["sequencing"]["definition"]["correctResponsesPattern"] == [OLD_PATTERN]


def test_a_new_attempt_after_the_update_has_the_new_questions(trainer: Updated) -> None:
    trainer.update()
    actor, registration = learner(), str(uuid.uuid4())
    started = trainer.scoring.start("verbondenheid-toets", actor, registration=registration).json()
    assert started["questions"] == ["volgorde-1"]
    result = trainer.scoring.submit(started["attempt"], {"responses": {"volgorde-1": NEW_PATTERN}}).json()
    assert result["score"] == {"scaled": 1.0, "raw": 1, "min": 0, "max": 1}
    assert result["questions"]["volgorde-1"]["feedback"] == "Eerst bereiken, dan zoeken (herschreven vraag)."
    definition = _answered(trainer.scoring, registration)["volgorde-1"]["object"]["definition"]
    assert definition["correctResponsesPattern"] == [NEW_PATTERN]


def test_a_question_gone_from_the_attempt_and_the_course_counts_not_at_all(trainer: Updated) -> None:
    """An attempt an older scorer started has no versions: the current key, or nothing."""
    actor, registration = learner(), str(uuid.uuid4())
    started = _start(trainer.scoring, actor, registration)
    trainer.forget_versions(started["attempt"])
    trainer.update()
    response = trainer.scoring.answer(started, RIGHT)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "attempt": started["attempt"],
        "attempts_left": None,
        # koppel-1 is left out of the maximum; volgorde-1 has only its new key left.
        "score": {"scaled": 0.0, "raw": 0, "min": 0, "max": 1},
        "success": False,
        "questions": {"volgorde-1": {"success": False, "feedback": "Eerst bereiken, dan zoeken (herschreven vraag)."}},
        "notice": GONE,
    }
    answered = _answered(trainer.scoring, registration)
    assert sorted(answered) == ["volgorde-1"]
    assert answered["volgorde-1"]["object"]["definition"]["correctResponsesPattern"] == [NEW_PATTERN]


def test_a_removed_question_left_unanswered_is_not_held_against_the_learner(trainer: Updated) -> None:
    """After a reload the page no longer shows a removed question: unanswered, it does not count."""
    actor, registration = learner(), str(uuid.uuid4())
    started = _start(trainer.scoring, actor, registration)
    trainer.update()
    response = trainer.scoring.submit(started["attempt"], {"responses": {"volgorde-1": WRONG["volgorde-1"]}})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["score"] == {"scaled": 0.0, "raw": 0, "min": 0, "max": 1}
    assert result["notice"] == GONE
    assert list(result["questions"]) == ["volgorde-1"]
    assert sorted(_answered(trainer.scoring, registration)) == ["volgorde-1"]


def _renew(trainer: Updated, actor: dict[str, Any], registration: str, attempt: str) -> dict[str, Any]:
    body = {"attempt": attempt, "quiz": "verbondenheid-toets", "actor": actor, "registration": registration}
    response = trainer.scoring.post("/leerpad/v1/attempts", {**body, "renew": True})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_open_attempt_renewed_after_the_update_counts_once(trainer: Updated) -> None:
    actor, registration = learner(), str(uuid.uuid4())
    started = _start(trainer.scoring, actor, registration)
    # Nothing changed: a renewal is the same start.
    assert _renew(trainer, actor, registration, started["attempt"]) == started
    trainer.update()
    renewed = _renew(trainer, actor, registration, started["attempt"])
    assert renewed == {
        "attempt": started["attempt"],
        "number": 1,
        "attempts_left": None,
        "questions": ["volgorde-1"],
        "options": {"volgorde-1": renewed["options"]["volgorde-1"]},
        "renewed": True,
    }
    assert sorted(renewed["options"]["volgorde-1"]) == sorted(OLD_PATTERN.split("[,]"))
    # Renewed once: asking again (a second reload) keeps it.
    assert _renew(trainer, actor, registration, started["attempt"]) == {
        k: v for k, v in renewed.items() if k != "renewed"
    }
    result = trainer.scoring.submit(started["attempt"], {"responses": {"volgorde-1": NEW_PATTERN}}).json()
    assert result["score"] == {"scaled": 1.0, "raw": 1, "min": 0, "max": 1}
    assert "notice" not in result
    assert trainer.scoring.start("verbondenheid-toets", actor, registration=registration).json()["number"] == 2


def test_a_submitted_attempt_is_not_renewed(trainer: Updated) -> None:
    actor, registration = learner(), str(uuid.uuid4())
    started = _start(trainer.scoring, actor, registration)
    assert trainer.scoring.answer(started, RIGHT).status_code == 200
    trainer.update()
    assert _renew(trainer, actor, registration, started["attempt"]) == started


def test_an_attempt_with_nothing_left_to_score_stays_open_to_be_drawn_again(trainer: Updated) -> None:
    actor, registration = learner(), str(uuid.uuid4())
    started = _start(trainer.scoring, actor, registration)
    trainer.rebuild(trainer.original.replace(KOPPEL, "").replace("id: volgorde-1", "id: volgorde-2"))
    refused = trainer.scoring.submit(started["attempt"], {"responses": {}})
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "de toets is aangepast nadat u deze poging begon en geen van haar vragen bestaat nog. "
        "Laad de pagina opnieuw: uw poging begint dan opnieuw met de huidige vragen en telt niet als extra poging."
    }
    renewed = _renew(trainer, actor, registration, started["attempt"])
    assert (renewed["number"], renewed["questions"], renewed["renewed"]) == (1, ["volgorde-2"], True)
    result = trainer.scoring.submit(started["attempt"], {"responses": {"volgorde-2": OLD_PATTERN}})
    assert result.status_code == 200, result.text
    assert result.json()["score"] == {"scaled": 1.0, "raw": 1, "min": 0, "max": 1}
    assert trainer.scoring.statements(registration=registration, verb="http://adlnet.gov/expapi/verbs/passed")

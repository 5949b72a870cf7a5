"""Submitting attempts: the score, the feedback, the statements the scorer stores, repeats."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.scoring.conftest import COURSE, RIGHT, WRONG, Scoring, learner

SCORER = {
    "objectType": "Agent",
    "name": "Leerpad-scorer",
    "account": {"homePage": "https://w3id.org/leerpad", "name": "scorer"},
}
QUIZ = f"{COURSE}/quiz/verbondenheid-toets"
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


def _start(scoring: Scoring, quiz: str, actor: dict[str, Any], registration: str | None = None) -> dict[str, Any]:
    response = scoring.start(quiz, actor, registration=registration)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_right_attempt_passes_with_feedback(scoring: Scoring) -> None:
    started = _start(scoring, "verbondenheid-toets", learner())
    response = scoring.answer(started)
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


def test_feedback_is_that_of_the_chosen_options(scoring: Scoring) -> None:
    actor = learner()
    started = _start(scoring, "toegang-toets", actor)
    result = scoring.answer(started, WRONG).json()
    assert result["success"] is False
    assert result["score"] == {"scaled": 0.0, "raw": 0, "min": 0, "max": 2}
    assert result["attempts_left"] == 2
    expected = {
        "dimensie-1": "Betaalbaarheid gaat over de kosten, niet over het weten.",
        "vermogens-1": "Juist.",  # the chosen option was right, the answer incomplete
        "verantwoordelijkheid-1": "Nee: het model legt de verantwoordelijkheid ook bij het systeem.",
        "onderbescherming-1": "Onderbescherming (non-take-up) betekent dat mensen rechten of diensten niet krijgen.",
    }
    assert result["questions"] == {q: {"success": False, "feedback": expected[q]} for q in started["questions"]}


def test_a_question_left_out_counts_as_wrong(scoring: Scoring) -> None:
    started = _start(scoring, "verbondenheid-toets", learner())
    first, second = started["questions"]
    result = scoring.submit(started["attempt"], {"responses": {first: RIGHT[first]}}).json()
    assert result["score"] == {"scaled": 0.5, "raw": 1, "min": 0, "max": 2}
    assert result["success"] is True  # pass mark 0.5
    assert result["questions"][second]["success"] is False


def test_the_stored_statements_are_the_scorers(scoring: Scoring) -> None:
    actor, registration = learner("Jan Peeters"), str(uuid.uuid4())
    started = _start(scoring, "verbondenheid-toets", actor, registration)
    submitted = datetime.now(tz=UTC)
    body = {
        "responses": {"volgorde-1": RIGHT["volgorde-1"], "koppel-1": WRONG["koppel-1"]},
        "timestamp": submitted.isoformat(),
        "durations": {"volgorde-1": "PT12.5S"},
    }
    assert scoring.submit(started["attempt"], body).status_code == 200
    stored = scoring.statements(registration=registration)
    assert {s["authority"]["account"]["name"] for s in stored} == {"scorer"}
    assert all(s["authority"] == SCORER for s in stored)
    by_object = {(s["verb"]["id"].rsplit("/", 1)[1], s["object"]["id"]): s for s in stored}
    # Failed 1 of 2 at pass mark 0.5 is a pass; the module has one toets: module done.
    assert sorted(by_object) == sorted(
        [
            ("answered", f"{QUIZ}/question/volgorde-1"),
            ("answered", f"{QUIZ}/question/koppel-1"),
            ("passed", QUIZ),
            ("completed", f"{COURSE}/module/verbondenheid"),
            ("passed", f"{COURSE}/module/verbondenheid"),
        ]
    )
    context = {
        "registration": registration,
        "language": "nl-BE",
        "platform": "Leerpad 0.1.0",
        "extensions": {
            "https://w3id.org/leerpad/extension/identity-source": "declared",
            "https://w3id.org/leerpad/extension/attempt": started["attempt"],
            "http://id.tincanapi.com/extension/attempt-id": 1,
        },
    }
    answered = by_object[("answered", f"{QUIZ}/question/volgorde-1")]
    assert answered["actor"] == actor
    assert answered["timestamp"].startswith(submitted.isoformat()[:19])
    assert answered["result"] == {"response": RIGHT["volgorde-1"], "success": True, "duration": "PT12.5S"}
    assert answered["object"]["definition"] == {
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "name": {"nl": "Zet de stappen van het model in de juiste volgorde."},
        "description": {"nl": "Zet de stappen van het model in de juiste volgorde."},
        "interactionType": "sequencing",
        "choices": [
            {"id": "behoefte-aan-zorg", "description": {"nl": "Behoefte aan zorg"}},
            {"id": "zorg-zoeken", "description": {"nl": "Zorg zoeken"}},
            {"id": "zorg-bereiken", "description": {"nl": "Zorg bereiken"}},
            {"id": "zorg-gebruiken", "description": {"nl": "Zorg gebruiken"}},
        ],
        "correctResponsesPattern": ["behoefte-aan-zorg[,]zorg-zoeken[,]zorg-bereiken[,]zorg-gebruiken"],
    }
    assert answered["context"] == {
        **context,
        "contextActivities": {
            "parent": [{"objectType": "Activity", "id": QUIZ}],
            "grouping": [
                {"objectType": "Activity", "id": f"{COURSE}/module/verbondenheid"},
                {"objectType": "Activity", "id": COURSE},
            ],
        },
    }
    wrong = by_object[("answered", f"{QUIZ}/question/koppel-1")]
    assert wrong["result"] == {"response": WRONG["koppel-1"], "success": False}
    passed = by_object[("passed", QUIZ)]
    assert passed["object"] == {
        "objectType": "Activity",
        "id": QUIZ,
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/assessment",
            "name": {"nl": "Toets — sociale verbondenheid"},
        },
    }
    assert passed["result"]["score"] == {"scaled": 0.5, "raw": 1, "min": 0, "max": 2}
    assert passed["result"]["success"] is True and passed["result"]["completion"] is True
    assert passed["result"]["duration"].startswith("PT")
    assert passed["context"] == {
        **context,
        "contextActivities": {
            "parent": [{"objectType": "Activity", "id": f"{COURSE}/module/verbondenheid"}],
            "grouping": [{"objectType": "Activity", "id": COURSE}],
        },
    }
    module = by_object[("completed", f"{COURSE}/module/verbondenheid")]
    assert module["object"]["definition"] == {
        "type": "http://adlnet.gov/expapi/activities/module",
        "name": {"nl": "Sociale verbondenheid"},
    }
    assert module["result"] == {"completion": True}
    assert by_object[("passed", f"{COURSE}/module/verbondenheid")]["result"] == {"completion": True, "success": True}
    assert module["context"]["extensions"] == {"https://w3id.org/leerpad/extension/identity-source": "declared"}


@pytest.mark.parametrize(("named", "extensions"), [
    ({"identity_source": "declared", "profession": "apotheker"},
     {"https://w3id.org/leerpad/extension/identity-source": "declared", f"{COURSE}/extension/beroep": "apotheker"}),
    ({}, {"https://w3id.org/leerpad/extension/identity-source": "declared"}),
])
def test_the_start_names_where_the_identity_came_from_and_the_profession(
    scoring: Scoring, named: dict[str, str], extensions: dict[str, str]
) -> None:
    """The runtime says in the start request that the learner declared themselves, with their profession;
    every statement of the attempt carries both ("cmi5", which the LMS confirms: tests/cmi5/test_launch_trust.py)."""
    actor, registration = learner(), str(uuid.uuid4())
    body = {"attempt": str(uuid.uuid4()), "quiz": "verbondenheid-toets", "actor": actor,
            "registration": registration, **named}
    started = scoring.post("/leerpad/v1/attempts", body)
    assert started.status_code == 200, started.text
    assert scoring.answer(started.json()).status_code == 200
    stored = scoring.statements(registration=registration)
    assert len(stored) == 5  # 2 answered, the quiz passed, the module completed and passed
    for statement in stored:
        own = {k: v for k, v in statement["context"]["extensions"].items() if "attempt" not in k}
        assert own == extensions


def test_a_repeated_submit_returns_the_first_result_and_stores_nothing(scoring: Scoring) -> None:
    registration = str(uuid.uuid4())
    started = _start(scoring, "toegang-toets", learner(), registration)
    first = scoring.answer(started, WRONG)
    before = scoring.statements(registration=registration)
    again = scoring.answer(started, RIGHT)  # the outbox resends, or a learner tries a second answer
    assert again.status_code == 200
    assert again.json() == first.json()
    assert scoring.statements(registration=registration) == before
    assert len(before) == 3  # two answered and one failed


def test_two_tabs_submitting_the_same_attempt_count_once(scoring: Scoring) -> None:
    registration = str(uuid.uuid4())
    started = _start(scoring, "toegang-toets", learner(), registration)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: scoring.answer(started, RIGHT if n % 2 else WRONG), range(8)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1  # every tab sees the one result that counts
    stored = scoring.statements(registration=registration)
    graded = [s for s in stored if s["object"]["id"] == f"{COURSE}/quiz/toegang-toets"]
    assert len(graded) == 1
    assert len([s for s in stored if s["verb"]["id"] == ANSWERED]) == 2


@pytest.mark.parametrize(
    ("shift", "kept"),
    [(timedelta(seconds=-0.2), True), (timedelta(hours=-1), False), (timedelta(hours=1), False)],
)
def test_the_learners_submit_time_is_kept_when_it_lies_between_start_and_now(
    scoring: Scoring, shift: timedelta, kept: bool
) -> None:
    registration = str(uuid.uuid4())
    started = _start(scoring, "verbondenheid-toets", learner(), registration)
    sent = datetime.now(tz=UTC) + shift
    scoring.answer(started, timestamp=sent.isoformat())
    received = datetime.now(tz=UTC)
    for statement in scoring.statements(registration=registration):
        moment = datetime.fromisoformat(statement["timestamp"])
        if kept:
            assert moment == sent
        else:
            assert received - timedelta(seconds=30) < moment <= received


def test_the_final_test_tells_only_success_and_completes_the_course(scoring: Scoring) -> None:
    actor, registration = learner(), str(uuid.uuid4())
    scoring.passes("toegang-toets", actor, registration)
    scoring.passes("verbondenheid-toets", actor, registration)
    final = scoring.passes("eindtoets", actor, registration)
    assert final["success"] is True
    assert final["attempts_left"] == 1
    assert final["questions"] == {"en-en-1": {"success": True}, "isolatie-1": {"success": True}}
    done = {
        (s["verb"]["id"].rsplit("/", 1)[1], s["object"]["id"])
        for s in scoring.statements(registration=registration)
        if s["object"]["id"] in (COURSE, f"{COURSE}/module/eindtoets")
    }
    assert done == {
        ("completed", COURSE),
        ("passed", COURSE),
        ("completed", f"{COURSE}/module/eindtoets"),
        ("passed", f"{COURSE}/module/eindtoets"),
    }
    course = next(s for s in scoring.statements(registration=registration, activity=COURSE))
    assert course["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"
    assert course["authority"] == SCORER
    # Passing again completes nothing a second time.
    scoring.passes("eindtoets", actor, registration)
    assert len(scoring.statements(registration=registration, activity=COURSE)) == 2


def test_a_module_is_completed_once(scoring: Scoring) -> None:
    actor, registration = learner(), str(uuid.uuid4())
    scoring.passes("verbondenheid-toets", actor, registration)
    scoring.passes("verbondenheid-toets", actor, registration)
    module = scoring.statements(registration=registration, activity=f"{COURSE}/module/verbondenheid")
    assert sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in module) == ["completed", "passed"]


def _bad_submits(started: dict[str, Any]) -> list[tuple[str, Any, str]]:
    drawn = started["questions"]
    other = next(
        q for q in ("dimensie-1", "vermogens-1", "verantwoordelijkheid-1", "onderbescherming-1") if q not in drawn
    )
    attempt = started["attempt"]
    unknown = str(uuid.uuid4())
    return [
        (unknown, {"responses": {}}, f"onbekende poging (attempt) {unknown}: start eerst een poging"),
        ("geen-uuid", {"responses": {}}, "'attempt' is geen geldige UUID: 'geen-uuid'"),
        (
            attempt,
            {"responses": {"bestaat-niet": "a"}},
            "onbekende vraag 'bestaat-niet' in toets 'toegang-toets' (of een vraag die niet meetelt)",
        ),
        (attempt, {"responses": {other: RIGHT[other]}}, f"vraag '{other}' hoort niet bij deze poging"),
        (attempt, {"responses": []}, '\'responses\' moet een object zijn: {"<vraag-id>": "<xAPI-response>"}'),
        (
            attempt,
            {"responses": {drawn[0]: 3}},
            f"vraag '{drawn[0]}': het antwoord moet een tekst zijn (xAPI-response)",
        ),
        (attempt, {"timestamp": "gisteren"}, "'timestamp' 'gisteren' is geen ISO 8601-tijd"),
        (
            attempt,
            {"durations": {drawn[0]: "12 s"}},
            f"vraag '{drawn[0]}': duur '12 s' is geen ISO 8601-duur (bv. PT12.5S)",
        ),
        (attempt, "antwoorden", "de aanvraag moet een JSON-object zijn"),
    ]


def test_a_bad_submit_is_refused_with_its_reason_and_the_attempt_stays_open(scoring: Scoring) -> None:
    started = _start(scoring, "toegang-toets", learner())
    for attempt, body, message in _bad_submits(started):
        response = scoring.submit(attempt, body)
        assert response.status_code == 400, (body, response.text)
        assert response.json() == {"detail": message}
    assert scoring.answer(started).json()["success"] is True


BAD_RESPONSES = [
    ("dimensie-1", "benaderbaarheid[,]betaalbaarheid", "kies precies één optie"),
    ("dimensie-1", "", "kies precies één optie"),
    (
        "dimensie-1",
        "toegankelijkheid",
        "onbekende optie 'toegankelijkheid' (kies uit betaalbaarheid, benaderbaarheid, beschikbaarheid)",
    ),
    ("vermogens-1", "het-vermogen-om-te-betalen[,]het-vermogen-om-te-betalen", "een optie komt meer dan eens voor"),
    ("verantwoordelijkheid-1", "juist", "antwoord 'true' of 'false'"),
    (
        "volgorde-1",
        "zorg-zoeken[,]behoefte-aan-zorg",
        "zet elke stap precies eenmaal in een volgorde (behoefte-aan-zorg, zorg-zoeken, zorg-bereiken, zorg-gebruiken)",
    ),
    ("koppel-1", "betaalbaarheid", "'betaalbaarheid' is geen paar bron[.]doel"),
    ("koppel-1", "betaalbaarheid[.]geluk", "onbekend doel 'geluk'"),
    ("koppel-1", "armoede[.]vermogen-om-te-betalen", "onbekende bron 'armoede'"),
    (
        "koppel-1",
        "betaalbaarheid[.]vermogen-om-te-betalen[,]betaalbaarheid[.]vermogen-om-te-zoeken",
        "een bron komt meer dan eens voor",
    ),
]


@pytest.mark.parametrize(("qid", "response", "reason"), BAD_RESPONSES)
def test_a_response_that_does_not_fit_the_question_is_refused(
    scoring: Scoring, qid: str, response: str, reason: str
) -> None:
    quiz = "verbondenheid-toets" if qid in ("volgorde-1", "koppel-1") else "toegang-toets"
    actor = learner()
    for _ in range(3):
        started = _start(scoring, quiz, actor)
        if qid in started["questions"]:
            break
    else:
        raise AssertionError(f"{qid} was never drawn")
    answer = scoring.submit(started["attempt"], {"responses": {qid: response}})
    assert answer.status_code == 400
    assert answer.json() == {"detail": f"vraag '{qid}': het antwoord past niet bij het vraagtype: {reason}"}


def test_every_statement_the_scorer_writes_is_valid_xapi(scoring: Scoring) -> None:
    """The scorer writes into the store directly: its statements pass the LRS's own validation."""
    from leerpad.lrs.validation import statement_errors

    actor, registration = learner(), str(uuid.uuid4())
    left_out = _start(scoring, "toegang-toets", actor, registration)
    scoring.submit(left_out["attempt"], {"responses": {}})  # every question left out
    scoring.passes("toegang-toets", actor, registration)
    scoring.passes("verbondenheid-toets", actor, registration)
    scoring.passes("eindtoets", actor, registration)
    stored = scoring.statements(registration=registration)
    assert len(stored) == 3 + 5 + 5 + 7  # final: 2 answered, passed, its module 2, the course 2
    assert {s["id"]: statement_errors(s) for s in stored if statement_errors(s)} == {}


@pytest.mark.parametrize(("proof", "line"), [
    (None, "Deze poging noemt de leeromgeving (cmi5) als bron van uw identiteit, maar zonder bewijs van de lancering "
           "('lms' met endpoint, auth en activityId): de toets start niet. Start de module opnieuw vanuit uw "
           "leeromgeving."),
    ({"endpoint": "http://127.0.0.1:9/xapi/", "auth": "Basic dmVyem9ubmVu", "activityId": "https://lms.example/au"},
     "De leeromgeving http://127.0.0.1:9/xapi/ staat niet in de lijst van leeromgevingen die de scorer vertrouwt: de "
     "toets start niet. Organisator: voeg haar xAPI-endpoint toe aan 'scorer: cmi5_endpoints' in mkdocs.yml (of "
     "--cmi5-endpoint bij leerpad scorer, serve of lrs)."),
    ({"endpoint": "http://127.0.0.1:9/xapi/", "activityId": "https://lms.example/au"},
     "'lms' heeft een endpoint, een auth (het token) en een activityId nodig (teksten)."),
])
def test_a_learner_who_says_cmi5_is_refused_without_a_launch_the_lms_confirms(
    scoring: Scoring, proof: dict[str, str] | None, line: str
) -> None:
    """A learner on the standalone site cannot label themselves "cmi5": this course trusts no LMS."""
    registration, attempt = str(uuid.uuid4()), str(uuid.uuid4())
    body = {"attempt": attempt, "quiz": "verbondenheid-toets", "actor": learner(), "registration": registration,
            "identity_source": "cmi5", **({"lms": proof} if proof else {})}
    refused = scoring.post("/leerpad/v1/attempts", body)
    assert (refused.status_code, refused.json()) == (403, {"detail": line})
    assert scoring.submit(attempt, {"responses": {}}).json() == {
        "detail": f"onbekende poging (attempt) {attempt}: start eerst een poging"}
    assert scoring.statements(registration=registration) == []

"""The browser's write credential cannot store results of toetsen, nor void anything."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.scoring.conftest import COURSE, Scoring, learner

ADL = "http://adlnet.gov/expapi/verbs/"


def _statement(verb: str, activity: str, registration: str, **extra: Any) -> dict[str, Any]:
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": "Verzonnen Leerder", "mbox": "mailto:verzonnen@leerpad.example"},
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": activity},
        "context": {"registration": registration},
        "timestamp": "2026-11-30T09:00:00+00:00",
    }
    statement.update(extra)
    return statement


PASSED_22 = {"score": {"scaled": 1.0, "raw": 22, "min": 0, "max": 22}, "success": True, "completion": True}
FORGED = [
    ("answered", f"{COURSE}/quiz/eindtoets/question/en-en-1", {"result": {"response": "x", "success": True}},
     "Antwoorden op toetsvragen schrijft alleen de scorer"),
    ("passed", f"{COURSE}/quiz/eindtoets", {"result": PASSED_22}, "Resultaten van toetsen schrijft alleen de scorer"),
    ("failed", f"{COURSE}/quiz/toegang-toets", {}, "Resultaten van toetsen schrijft alleen de scorer"),
    ("completed", f"{COURSE}/quiz/toegang-toets", {}, "Resultaten van toetsen schrijft alleen de scorer"),
    ("passed", f"{COURSE}/quiz/een-toets-die-niet-bestaat", {}, "Resultaten van toetsen schrijft alleen de scorer"),
    ("completed", f"{COURSE}/module/toegang", {}, "Een module met toetsen rondt alleen de scorer af"),
    ("passed", f"{COURSE}/module/eindtoets", {}, "Een module met toetsen rondt alleen de scorer af"),
    ("completed", COURSE, {}, "De cursus rondt alleen de scorer af"),
    ("passed", COURSE, {}, "De cursus rondt alleen de scorer af"),
]  # fmt: skip


@pytest.mark.parametrize(("verb", "activity", "extra", "reason"), FORGED)
def test_a_forged_result_is_refused_and_nothing_is_stored(
    scoring: Scoring, verb: str, activity: str, extra: dict[str, Any], reason: str
) -> None:
    registration = str(uuid.uuid4())
    allowed = _statement("experienced", f"{COURSE}/case/slaapproblemen", registration)
    forged = _statement(verb, activity, registration, **extra)
    response = scoring.xapi_post([allowed, forged])
    assert response.status_code == 403
    assert response.json() == {"detail": f"{reason} ({activity}). Niets van deze aanvraag werd opgeslagen."}
    single = scoring.xapi_post(forged)
    assert single.status_code == 403
    put = scoring.lrs.statements_url + f"?statementId={forged['id']}"
    assert (
        scoring.session.put(
            put, json=forged, auth=scoring.lrs.write, headers={"X-Experience-API-Version": "1.0.3"}
        ).status_code
        == 403
    )
    assert scoring.statements(registration=registration) == []


def test_the_browser_cannot_void_anything(scoring: Scoring) -> None:
    registration = str(uuid.uuid4())
    started = scoring.start("verbondenheid-toets", learner(), registration=registration).json()
    scoring.answer(started)
    target = next(s for s in scoring.statements(registration=registration) if s["verb"]["id"] == ADL + "passed")
    voiding = _statement("voided", target["id"], registration)
    voiding["object"] = {"objectType": "StatementRef", "id": target["id"]}
    response = scoring.xapi_post(voiding)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Met de sleutel van de browser kan niets ongeldig gemaakt worden (voided). "
        "Niets van deze aanvraag werd opgeslagen."
    }
    assert target in scoring.statements(registration=registration)
    assert scoring.lrs.get({"voidedStatementId": target["id"]}).status_code == 404


def test_a_forged_result_inside_a_substatement_is_refused(scoring: Scoring) -> None:
    registration = str(uuid.uuid4())
    inner = _statement("passed", f"{COURSE}/quiz/eindtoets", registration)
    sub = {k: inner[k] for k in ("actor", "verb", "object")} | {"objectType": "SubStatement"}
    outer = _statement("experienced", "", registration, object=sub)
    response = scoring.xapi_post(outer)
    assert response.status_code == 403
    assert scoring.statements(registration=registration) == []


def test_practice_statements_stay_allowed(scoring: Scoring) -> None:
    registration = str(uuid.uuid4())
    practice = [
        _statement("answered", f"{COURSE}/case/slaapproblemen/question/peeters-stap", registration,
                   result={"response": "een-hogere-dosis-voorschrijven", "success": False}),
        _statement("answered", f"{COURSE}/module/toegang/question/eigen-vraag", registration),
        _statement("completed", f"{COURSE}/case/slaapproblemen", registration),
        _statement("experienced", f"{COURSE}/module/toegang", registration),
        _statement("initialized", f"{COURSE}/quiz/toegang-toets", registration),
        _statement("terminated", f"{COURSE}/quiz/toegang-toets", registration),
        _statement("experienced", f"{COURSE}/quiz/toegang-toets", registration),
    ]  # fmt: skip
    response = scoring.xapi_post(practice)
    assert response.status_code == 200, response.text
    assert sorted(response.json()) == sorted(s["id"] for s in practice)
    assert len(scoring.statements(registration=registration)) == len(practice)

"""Starting attempts: the draw, the option order, counting on the server, the lock, bad requests."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.scoring.conftest import Scoring, copy_demo, learner, start_scored_lrs

POOL = {"dimensie-1", "vermogens-1", "verantwoordelijkheid-1", "onderbescherming-1"}
OPTIONS = {
    "dimensie-1": {"betaalbaarheid", "benaderbaarheid", "beschikbaarheid"},
    "vermogens-1": {"het-vermogen-om-zorg-te-zoeken", "het-vermogen-om-te-betalen", "het-vermogen-om-te-genezen"},
    "verantwoordelijkheid-1": {"true", "false"},
    "onderbescherming-1": set(),
}
EXHAUSTED = "U hebt al uw 3 pogingen voor de toets 'Toets — toegang tot zorg en welzijn' gebruikt."


def test_start_draws_two_of_the_pool_with_every_option(scoring: Scoring) -> None:
    response = scoring.start("toegang-toets", learner())
    assert response.status_code == 200, response.text
    started = response.json()
    assert set(started) == {"attempt", "number", "attempts_left", "questions", "options"}
    assert started["number"] == 1
    assert started["attempts_left"] == 2  # an attempt counts from its start
    assert len(started["questions"]) == 2 and set(started["questions"]) <= POOL
    assert list(started["options"]) == started["questions"]
    for qid in started["questions"]:
        assert sorted(started["options"][qid]) == sorted(OPTIONS[qid])
    assert started["options"].get("verantwoordelijkheid-1", ["true", "false"]) == ["true", "false"]


def test_the_same_attempt_again_is_the_same_answer_and_counts_once(scoring: Scoring) -> None:
    actor, attempt, registration = learner(), str(uuid.uuid4()), str(uuid.uuid4())
    first = scoring.start("toegang-toets", actor, attempt=attempt, registration=registration)
    again = scoring.start("toegang-toets", actor, attempt=attempt, registration=registration)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert scoring.start("toegang-toets", actor).json()["number"] == 2


def test_a_retry_gets_a_new_draw_and_the_fourth_start_is_refused(scoring: Scoring) -> None:
    actor = learner()
    first = scoring.start("toegang-toets", actor).json()
    second = scoring.start("toegang-toets", actor).json()
    third = scoring.start("toegang-toets", actor).json()
    assert [first["number"], second["number"], third["number"]] == [1, 2, 3]
    assert [second["attempts_left"], third["attempts_left"]] == [1, 0]
    # The questions the previous attempt did not have come first: a pool of 4, 2 a time.
    assert set(second["questions"]) == POOL - set(first["questions"])
    assert set(third["questions"]) == POOL - set(second["questions"])
    refused = scoring.start("toegang-toets", actor)
    assert refused.status_code == 409
    assert refused.json() == {"detail": EXHAUSTED}
    # Counted per learner on the server, not per browser: another learner still starts.
    assert scoring.start("toegang-toets", learner()).json()["number"] == 1


def test_attempts_are_counted_per_learner_whatever_the_registration(scoring: Scoring) -> None:
    """A learner who erases the browser's data gets a new registration: the count stays."""
    actor = learner()
    for _ in range(3):
        assert scoring.start("toegang-toets", actor, registration=str(uuid.uuid4())).status_code == 200
    assert scoring.start("toegang-toets", dict(actor), registration=str(uuid.uuid4())).status_code == 409


def test_concurrent_starts_never_exceed_the_attempts(scoring: Scoring) -> None:
    actor = learner()
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: scoring.start("toegang-toets", actor).status_code, range(8)))
    assert sorted(codes) == [200, 200, 200, 409, 409, 409, 409, 409]


def test_unlimited_attempts_have_no_count_left(scoring: Scoring) -> None:
    started = scoring.start("verbondenheid-toets", learner()).json()
    assert started["attempts_left"] is None
    # likert and reflection are not part of an attempt
    assert sorted(started["questions"]) == ["koppel-1", "volgorde-1"]
    correct = ["behoefte-aan-zorg", "zorg-zoeken", "zorg-bereiken", "zorg-gebruiken"]
    assert started["options"]["volgorde-1"] != correct  # never shown in the right order
    assert sorted(started["options"]["volgorde-1"]) == sorted(correct)


LOCKED = (
    "De eindtoets is nog niet open: rond eerst alle modules af "
    "(nog niet af: 'Toegang tot zorg en welzijn', 'Sociale verbondenheid')."
)


def test_the_final_test_opens_when_every_module_is_done(scoring: Scoring) -> None:
    actor = learner()
    refused = scoring.start("eindtoets", actor)
    assert refused.status_code == 409
    assert refused.json() == {"detail": LOCKED}
    scoring.passes("toegang-toets", actor)
    still = scoring.start("eindtoets", actor)
    assert still.status_code == 409
    assert still.json() == {"detail": LOCKED.replace("'Toegang tot zorg en welzijn', ", "")}
    scoring.passes("verbondenheid-toets", actor)
    opened = scoring.start("eindtoets", actor)
    assert opened.status_code == 200, opened.text
    assert opened.json()["number"] == 1  # refused starts do not count


def _body(**changes: Any) -> dict[str, Any]:
    body = {
        "attempt": str(uuid.uuid4()),
        "quiz": "toegang-toets",
        "actor": learner(),
        "registration": str(uuid.uuid4()),
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


ONE_ID = "'actor' heeft precies één identificatie nodig: mbox, mbox_sha1sum, openid of account"
NO_ACCOUNT = "'actor.account' heeft een homePage (URL) en een name nodig"
BAD_STARTS = [
    (_body(quiz="geen-toets"), "onbekende toets 'geen-toets'"),
    (_body(quiz=None), "'quiz' ontbreekt: geef de id van de toets"),
    (_body(attempt="12"), "'attempt' is geen geldige UUID: '12'"),
    (_body(attempt=None), "'attempt' ontbreekt of is geen UUID"),
    (_body(registration="morgen"), "'registration' is geen geldige UUID: 'morgen'"),
    (_body(registration=None), "'registration' ontbreekt of is geen UUID"),
    (_body(actor=None), "'actor' ontbreekt of is geen xAPI-Agent (een object met bv. mbox of account)"),
    (_body(actor={"name": "Els"}), ONE_ID),
    (
        _body(actor={"mbox": "mailto:a@b.be", "account": {"homePage": "https://www.riziv.fgov.be", "name": "1"}}),
        ONE_ID,
    ),
    (_body(actor={"mbox": "els@example.be"}), "'actor.mbox' moet de vorm 'mailto:naam@voorbeeld.be' hebben"),
    (_body(actor={"account": {"name": "1-23456-78-901"}}), NO_ACCOUNT),
    (_body(actor={"objectType": "Group", "mbox": "mailto:a@b.be"}), "'actor' moet een Agent zijn (objectType 'Agent')"),
    ([], "de aanvraag moet een JSON-object zijn"),
    (_body(identity_source="lms"),
     "'identity_source' moet 'declared' (door de leerder opgegeven) of 'cmi5' (van de leeromgeving) zijn"),
    (_body(profession="Huisarts <b>"), "'profession' moet de id van een beroep zijn (bv. 'huisarts')"),
    (_body(profession=7), "'profession' moet de id van een beroep zijn (bv. 'huisarts')"),
]


@pytest.mark.parametrize(("body", "message"), BAD_STARTS)
def test_a_bad_start_is_refused_with_its_reason(scoring: Scoring, body: Any, message: str) -> None:
    response = scoring.post("/leerpad/v1/attempts", body)
    assert response.status_code == 400
    assert response.json() == {"detail": message}


def test_a_start_that_is_not_json_is_refused(scoring: Scoring) -> None:
    response = scoring.session.post(
        scoring.root + "/leerpad/v1/attempts", data=b"{quiz", auth=scoring.lrs.write, timeout=30
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("de aanvraag is geen geldige JSON: ")


def test_an_attempt_uuid_of_another_learner_is_refused(scoring: Scoring) -> None:
    attempt = str(uuid.uuid4())
    assert scoring.start("toegang-toets", learner(), attempt=attempt).status_code == 200
    response = scoring.start("toegang-toets", learner(), attempt=attempt)
    assert response.status_code == 400
    assert response.json() == {"detail": "deze poging (attempt) hoort bij een andere toets of een andere leerder"}


def test_credentials_as_the_lrs_asks_them(scoring: Scoring) -> None:
    body = json.dumps(_body())
    url = scoring.root + "/leerpad/v1/attempts"
    anonymous = scoring.session.post(url, data=body, timeout=30)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    assert anonymous.json() == {"detail": "Niet aangemeld: gebruik de schrijfsleutel van de LRS (HTTP Basic)."}
    wrong = scoring.session.post(url, data=body, auth=(scoring.lrs.write[0], "fout"), timeout=30)
    assert wrong.status_code == 401
    reader = scoring.session.post(url, data=body, auth=scoring.lrs.read, timeout=30)
    assert reader.status_code == 403
    assert reader.json() == {"detail": "Deze sleutel mag geen toetsen starten of indienen."}


def test_cors_as_the_lrs(scoring: Scoring) -> None:
    origin = scoring.lrs.cors_origins[0]
    preflight = scoring.session.options(
        scoring.root + "/leerpad/v1/attempts",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=30,
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == origin
    started = scoring.session.post(
        scoring.root + "/leerpad/v1/attempts", json=_body(), auth=scoring.lrs.write, headers={"Origin": origin}
    )
    assert started.headers["access-control-allow-origin"] == origin
    foreign = scoring.session.post(
        scoring.root + "/leerpad/v1/attempts", json=_body(), auth=scoring.lrs.write,
        headers={"Origin": "https://elders.example"},
    )  # fmt: skip
    assert "access-control-allow-origin" not in foreign.headers


def test_a_module_without_toetsen_counts_once_the_lrs_holds_its_completion(tmp_path: Path) -> None:
    """The browser may complete a module without toetsen; the final test waits for it."""
    course = copy_demo(tmp_path / "course")
    (course / "docs" / "lezen").mkdir()
    (course / "docs" / "lezen" / "index.md").write_text(
        "---\nid: lezen\ntitle: Verder lezen\nminutes: 10\n---\n\n# Verder lezen\n\nTekst.\n", encoding="utf-8"
    )
    config = course / "mkdocs.yml"
    config.write_text(
        config.read_text("utf-8").replace("  - Eindtoets:\n", "  - Lezen: lezen/index.md\n  - Eindtoets:\n")
    )
    actor = learner()
    with start_scored_lrs(course) as lrs:
        scoring = Scoring(lrs)
        scoring.passes("toegang-toets", actor)
        scoring.passes("verbondenheid-toets", actor)
        locked = scoring.start("eindtoets", actor)
        assert locked.status_code == 409
        assert locked.json() == {
            "detail": "De eindtoets is nog niet open: rond eerst alle modules af (nog niet af: 'Verder lezen')."
        }
        completed = {
            "actor": actor,
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"objectType": "Activity", "id": "https://leerpad.example/demo/module/lezen"},
        }
        assert scoring.xapi_post(completed).status_code == 200  # allowed: the module has no toetsen
        assert scoring.start("eindtoets", actor).status_code == 200

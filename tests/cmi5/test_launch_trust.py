"""The scorer writes "cmi5" as the identity source only for a launch the LMS confirms.

The organiser's embedded LRS with its scorer (``scored_launch``) trusts the simulated
LMS's xAPI endpoint (``scorer: cmi5_endpoints`` in mkdocs.yml). A start request naming
``identity_source: cmi5`` carries the launch's proof (``lms``: endpoint, token,
activityId); the scorer reads ``LMS.LaunchData`` from the LMS's State resource with it.
What the learner and the LMS see is asserted: the scorer's answer, the requests that
reached the LMS, the statements in the organiser's LRS.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.scoring.conftest import RIGHT

COURSE = "https://leerpad.example/demo"
AU = COURSE + "/module/toegang"
QUIZ = "verbondenheid-toets"
IDENTITY = "https://w3id.org/leerpad/extension/identity-source"
AGAIN = " Start de module opnieuw vanuit uw leeromgeving."
NOT_CONFIRMED = (
    "De leeromgeving bevestigt niet dat zij u deze module liet starten (HTTP {}): de toets start niet." + AGAIN
)


def _actor(name: str) -> dict[str, Any]:
    account = {"homePage": "https://lms.example", "name": uuid.uuid4().hex}
    return {"objectType": "Agent", "name": name, "account": account}


def _launched(lms: Any, actor: dict[str, Any] | None = None) -> tuple[Any, str]:
    """A launch by ``lms`` and its token, fetched as the AU fetches it."""
    session = lms.launch(AU, actor or _actor("Lien Janssens"), str(uuid.uuid4()))
    fetched = requests.post(f"{lms.origin}/fetch/{session.fetch_key}", timeout=10)
    return session, "Basic " + fetched.json()["auth-token"]


def _body(session: Any, auth: str | None, **changes: Any) -> dict[str, Any]:
    """The start request the runtime sends in cmi5 mode (``auth=None``: without the proof)."""
    body: dict[str, Any] = {"attempt": str(uuid.uuid4()), "quiz": QUIZ, "actor": session.actor,
                            "registration": session.registration, "identity_source": "cmi5"}
    if auth is not None:
        endpoint = session.url.split("/content/")[0] + "/xapi/"
        body["lms"] = {"endpoint": endpoint, "auth": auth, "activityId": session.activity_id}
    return {**body, **changes}


def _post(scored: Any, path: str, body: dict[str, Any]) -> requests.Response:
    root = scored.lrs.endpoint.removesuffix("/xAPI/")
    return requests.post(root + "/leerpad/v1" + path, json=body, auth=scored.lrs.write, timeout=60)


def _asked(lms: Any) -> list[Any]:
    """The requests the scorer (python-requests) made to the LMS's xAPI endpoint."""
    return [r for r in lms.requests if r.client.startswith("python-requests")]


def _refused_without_trace(scored: Any, response: requests.Response, status: int, line: str,
                           body: dict[str, Any]) -> None:
    assert (response.status_code, response.json()) == (status, {"detail": line})
    attempt = body["attempt"]
    unknown = _post(scored, f"/attempts/{attempt}/responses", {"responses": {}})
    assert unknown.json() == {"detail": f"onbekende poging (attempt) {attempt}: start eerst een poging"}
    assert scored.lrs.all_statements({"registration": body["registration"]}) == []


def test_a_confirmed_launch_is_scored_as_cmi5_and_asked_once(scored_launch: Any) -> None:
    lms = scored_launch.lms
    session, auth = _launched(lms)
    before = len(_asked(lms))
    started = _post(scored_launch, "/attempts", _body(session, auth))
    assert started.status_code == 200, started.text
    again = _post(scored_launch, "/attempts", _body(session, auth))  # a second tab, a reload
    assert again.status_code == 200, again.text
    asked = _asked(lms)[before:]
    assert [(r.method, r.resource, r.query["stateId"], r.query["activityId"], r.query["registration"])
            for r in asked] == [("GET", "activities/state", "LMS.LaunchData", session.activity_id,
                                 session.registration)], "verified once, then remembered"
    answer = started.json()
    submitted = _post(scored_launch, f"/attempts/{answer['attempt']}/responses",
                      {"responses": {q: RIGHT[q] for q in answer["questions"]}})
    assert submitted.status_code == 200, submitted.text
    stored = scored_launch.lrs.all_statements({"registration": session.registration})
    assert stored and all(s["context"]["extensions"][IDENTITY] == "cmi5" for s in stored)
    token = auth.removeprefix("Basic ")
    assert not [s for s in stored if token in str(s)]
    assert not [f for f in (scored_launch.course / ".leerpad").glob("lrs.sqlite3*") if token.encode() in f.read_bytes()]


def test_cmi5_without_proof_is_refused(scored_launch: Any) -> None:
    session, _auth = _launched(scored_launch.lms)
    body = _body(session, None)
    _refused_without_trace(scored_launch, _post(scored_launch, "/attempts", body), 403,
                           "Deze poging noemt de leeromgeving (cmi5) als bron van uw identiteit, maar zonder bewijs "
                           "van de lancering ('lms' met endpoint, auth en activityId): de toets start niet." + AGAIN,
                           body)


def test_a_made_up_token_is_refused(scored_launch: Any) -> None:
    session, _auth = _launched(scored_launch.lms)
    body = _body(session, "Basic c2Vzc2llLXZlcnpvbm5lbjpnZWhlaW0=")
    _refused_without_trace(scored_launch, _post(scored_launch, "/attempts", body), 403,
                           NOT_CONFIRMED.format(401), body)


def test_one_launchs_token_does_not_vouch_for_another_learner(scored_launch: Any) -> None:
    lms = scored_launch.lms
    mine, my_auth = _launched(lms, _actor("Pieter Peeters"))
    theirs, _their_auth = _launched(lms, _actor("An Claes"))
    for registration in (theirs.registration, mine.registration):
        body = _body(mine, my_auth, actor=theirs.actor, registration=registration)
        _refused_without_trace(scored_launch, _post(scored_launch, "/attempts", body), 403,
                               NOT_CONFIRMED.format(403), body)
    assert _post(scored_launch, "/attempts", _body(mine, my_auth)).status_code == 200, "the token's own launch"


def test_an_lms_not_on_the_list_is_never_asked(scored_launch: Any, lms_lrs: Any, lms_auth: tuple[str, str]) -> None:
    other = type(scored_launch.lms)(scored_launch.lms.content, scored_launch.lms.structure, lms_lrs.endpoint, lms_auth)
    try:
        session, auth = _launched(other)
        body = _body(session, auth)
        _refused_without_trace(
            scored_launch, _post(scored_launch, "/attempts", body), 403,
            f"De leeromgeving {other.origin}/xapi/ staat niet in de lijst van leeromgevingen die de scorer "
            "vertrouwt: de toets start niet. Organisator: voeg haar xAPI-endpoint toe aan 'scorer: cmi5_endpoints' "
            "in mkdocs.yml (of --cmi5-endpoint bij leerpad scorer, serve of lrs).", body)
        assert other.requests == [], "not one request reached the LMS that is not on the list"
    finally:
        other.close()


@pytest.mark.parametrize("status", [503, 500])
def test_an_lms_in_trouble_answers_503_and_the_start_works_once_it_is_back(scored_launch: Any, status: int) -> None:
    lms = scored_launch.lms
    session, auth = _launched(lms)
    body = _body(session, auth)
    lms.failing = status
    try:
        down = _post(scored_launch, "/attempts", body)
    finally:
        lms.failing = None
    _refused_without_trace(scored_launch, down, 503,
                           f"De leeromgeving {lms.origin}/xapi/ antwoordt niet (HTTP {status}), zodat de scorer uw "
                           "lancering niet kan nagaan: de toets start nu niet. Probeer het over enkele minuten "
                           "opnieuw.", body)
    back = _post(scored_launch, "/attempts", body)  # the learner presses "Toets starten" again
    assert back.status_code == 200, back.text

"""The Statement resource, rule by rule (xAPI 1.0.3 Communication 2.1, and 1.3's GET by POST).

One case per requirement id of the ADL suite (``tests/lrs/xapi_requirements.txt``);
every case runs on SQLite and on PostgreSQL against the running LRS. The query
parameters are one table over a small set of statements of their own registration.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from leerpad.lrs.indexing import parse_time
from leerpad.lrs.testing import LiveLRS

from .conftest import xapi
from .rules import rule

Make = Callable[..., dict[str, Any]]
Auth = tuple[str, str]
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def _agent(name: str) -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "name": name,
        "mbox": f"mailto:{name.lower()}-{uuid.uuid4().hex[:8]}@leerpad.example",
    }


@dataclass
class Course:
    """Three statements of one registration: who did what, and when each was stored."""

    registration: str
    verb: str
    activity: str
    els: dict[str, Any]
    jan: dict[str, Any]
    ids: list[str]  # oldest first
    stored: list[str]


@pytest.fixture
def course(backend_lrs: LiveLRS, make_statement: Make) -> Course:
    """Els answers the activity; Jan answers another one with Els as instructor and the activity
    as parent; Els then experiences a third activity — each in its own request."""
    registration = str(uuid.uuid4())
    verb = f"https://leerpad.test/verb/{uuid.uuid4()}"
    activity = f"https://leerpad.test/case/{uuid.uuid4()}"
    els, jan = _agent("Els"), _agent("Jan")
    first = make_statement(registration=registration, activity=activity, actor=els)
    first["verb"] = {"id": verb, "display": {"nl-BE": "beantwoordde", "en-US": "answered"}}
    second = make_statement(registration=registration, actor=jan)
    second["verb"] = first["verb"]
    second["context"]["instructor"] = els
    second["context"]["contextActivities"]["parent"] = [{"objectType": "Activity", "id": activity}]
    third = make_statement(verb="experienced", registration=registration, actor=els)
    for statement in (first, second, third):
        assert backend_lrs.post(statement).status_code == 200
    stored = [backend_lrs.get({"statementId": s["id"]}).json()["stored"] for s in (first, second, third)]
    return Course(registration, verb, activity, els, jan, [first["id"], second["id"], third["id"]], stored)


# Each case: the query (besides the course's registration) and which of the three statements
# (0 = the oldest) come back, in order.
QUERIES = [
    rule(lambda c: {}, [2, 1, 0], mark=pytest.mark.xapi("XAPI-00178"), name="registration"),
    rule(lambda c: {"agent": json.dumps(c.els)}, [2, 0], mark=pytest.mark.xapi("XAPI-00181"), name="agent"),
    rule(lambda c: {"verb": c.verb}, [1, 0], mark=pytest.mark.xapi("XAPI-00180"), name="verb"),
    rule(lambda c: {"activity": c.activity}, [0], mark=pytest.mark.xapi("XAPI-00179"), name="activity"),
    rule(lambda c: {"activity": c.activity, "related_activities": "true"}, [1, 0],
         mark=pytest.mark.xapi("XAPI-00177"), name="related_activities"),
    rule(lambda c: {"agent": json.dumps(c.els), "related_agents": "true"}, [2, 1, 0],
         mark=pytest.mark.xapi("XAPI-00176"), name="related_agents"),
    rule(lambda c: {"since": c.stored[0]}, [2, 1], mark=pytest.mark.xapi("XAPI-00175"), name="since"),
    rule(lambda c: {"until": c.stored[1]}, [1, 0], mark=pytest.mark.xapi("XAPI-00174"), name="until"),
    rule(lambda c: {"limit": "2"}, [2, 1], mark=pytest.mark.xapi("XAPI-00173"), name="limit"),
    rule(lambda c: {"ascending": "true"}, [0, 1, 2], mark=pytest.mark.xapi("XAPI-00166"), name="ascending"),
    rule(lambda c: {"agent": json.dumps(c.els), "verb": c.verb, "since": c.stored[0], "until": c.stored[2]}, [],
         mark=pytest.mark.xapi("XAPI-00164"), name="every-filter-holds"),
    rule(lambda c: {"agent": json.dumps(c.jan), "verb": c.verb, "ascending": "false"}, [1],
         mark=pytest.mark.xapi("XAPI-00164"), name="agent-and-verb"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_each_query_parameter_returns_exactly_the_matching_statements(
    backend_lrs: LiveLRS, course: Course, query: Callable[[Course], dict[str, str]], expected: list[int]
) -> None:
    response = backend_lrs.get({"registration": course.registration, **query(course)})
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert [s["id"] for s in response.json()["statements"]] == [course.ids[i] for i in expected]


@pytest.mark.xapi("XAPI-00154", "XAPI-00159", "XAPI-00139")
def test_get_without_an_id_returns_a_statement_result_with_a_more_link(backend_lrs: LiveLRS, course: Course) -> None:
    response = requests.get(backend_lrs.endpoint + "statements", params={"registration": course.registration,
                            "limit": "2"}, auth=backend_lrs.read, headers={"X-Experience-API-Version": "1.0.3"},
                            timeout=30)  # fmt: skip
    assert response.status_code == 200
    result = response.json()
    assert sorted(result) == ["more", "statements"]
    assert [s["id"] for s in result["statements"]] == [course.ids[2], course.ids[1]]
    following = xapi(backend_lrs, "GET", result["more"].removeprefix("/xAPI/"), backend_lrs.read)
    assert [s["id"] for s in following.json()["statements"]] == [course.ids[0]]
    assert following.json()["more"] == ""


@pytest.mark.xapi("XAPI-00156", "XAPI-00158", "XAPI-00165")
def test_get_with_statement_id_returns_that_statement(
    backend_lrs: LiveLRS, make_statement: Make, as_sent: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    statement = make_statement()
    assert backend_lrs.post(statement).status_code == 200
    response = backend_lrs.get({"statementId": statement["id"].upper()})
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert as_sent(response.json()) == statement
    missing = backend_lrs.get({"statementId": str(uuid.uuid4())})
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/json")


def _void(lrs: LiveLRS, organiser: Auth, make_statement: Make, target: str) -> dict[str, Any]:
    voiding = make_statement(object={"objectType": "StatementRef", "id": target})
    voiding["verb"] = {"id": VOIDED, "display": {"nl-BE": "ongeldig gemaakt"}}
    del voiding["result"], voiding["context"]["platform"]
    assert xapi(lrs, "POST", "statements", organiser, json=voiding).status_code == 200
    return voiding


@pytest.mark.xapi("XAPI-00155", "XAPI-00157", "XAPI-00163")
def test_a_voided_statement_comes_back_only_by_voided_statement_id(
    backend_lrs: LiveLRS, make_statement: Make, organiser: Auth
) -> None:
    target = make_statement()
    assert backend_lrs.post(target).status_code == 200
    voiding = _void(backend_lrs, organiser, make_statement, target["id"])
    found = backend_lrs.get({"voidedStatementId": target["id"]})
    assert (found.status_code, found.json()["id"]) == (200, target["id"])
    assert backend_lrs.get({"statementId": target["id"]}).status_code == 404
    listed = backend_lrs.get({"registration": target["context"]["registration"]}).json()["statements"]
    assert [s["id"] for s in listed] == [voiding["id"]]  # the voiding statement only
    # voidedStatementId names a voided statement: a live one is not found that way.
    assert backend_lrs.get({"voidedStatementId": voiding["id"]}).status_code == 404


@pytest.mark.xapi("XAPI-00162")
def test_statements_that_target_a_voided_statement_still_come_back(
    backend_lrs: LiveLRS, make_statement: Make, organiser: Auth
) -> None:
    activity = f"https://leerpad.test/case/{uuid.uuid4()}"
    target = make_statement(activity=activity)
    assert backend_lrs.post(target).status_code == 200
    comment = make_statement(object={"objectType": "StatementRef", "id": target["id"]})
    comment["verb"] = {"id": "http://adlnet.gov/expapi/verbs/commented"}
    del comment["result"], comment["context"]["platform"]  # platform is for Activities only
    assert backend_lrs.post(comment).status_code == 200
    voiding = _void(backend_lrs, organiser, make_statement, target["id"])
    found = [s["id"] for s in backend_lrs.all_statements({"activity": activity})]
    assert found == [voiding["id"], comment["id"]]


@pytest.mark.xapi("XAPI-00147", "XAPI-00146")
def test_post_stores_statements_and_answers_their_ids_in_order(backend_lrs: LiveLRS, make_statement: Make) -> None:
    named = make_statement()
    unnamed = make_statement()
    del unnamed["id"]
    response = backend_lrs.post([named, unnamed])
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    ids = response.json()
    assert len(ids) == 2 and ids[0] == named["id"]
    assert str(uuid.UUID(ids[1])) == ids[1]
    assert backend_lrs.get({"statementId": ids[1]}).json()["result"] == unnamed["result"]


@pytest.mark.xapi("XAPI-00143")
def test_put_with_statement_id_stores_and_answers_204(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    response = xapi(backend_lrs, "PUT", f"statements?statementId={statement['id']}", backend_lrs.write, json=statement)
    assert (response.status_code, response.content) == (204, b"")
    assert backend_lrs.get({"statementId": statement["id"]}).json()["id"] == statement["id"]


@pytest.mark.xapi("XAPI-00144", "XAPI-00145")
def test_put_without_statement_id_is_400_and_stores_nothing(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    for query in ("statements", "statements?statementId=", "statements?statementId=geen-uuid"):
        response = xapi(backend_lrs, "PUT", query, backend_lrs.write, json=statement)
        assert response.status_code == 400, query
        assert response.json() == {"detail": "PUT needs the statementId parameter (a UUID)"}
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == 404


@pytest.mark.xapi("XAPI-00142")
def test_a_statement_id_already_stored_changes_nothing(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    assert backend_lrs.post(statement).status_code == 200
    before = backend_lrs.get({"statementId": statement["id"]}).json()
    changed = {**statement, "result": {**statement["result"], "success": False}}
    conflict = xapi(backend_lrs, "PUT", f"statements?statementId={statement['id']}", backend_lrs.write, json=changed)
    assert conflict.status_code == 409
    assert backend_lrs.post(changed).status_code == 409
    again = xapi(backend_lrs, "PUT", f"statements?statementId={statement['id']}", backend_lrs.write, json=statement)
    assert again.status_code == 204  # the same statement again: accepted, not stored twice
    assert backend_lrs.get({"statementId": statement["id"]}).json() == before  # stored time included
    assert len(backend_lrs.all_statements({"registration": statement["context"]["registration"]})) == 1


@pytest.mark.xapi("XAPI-00150")
def test_voided_statement_id_with_a_filter_is_400(backend_lrs: LiveLRS) -> None:
    for extra in ({"verb": VOIDED}, {"limit": "1"}, {"since": "2024-01-01T00:00:00Z"}, {"statementId": "x"}):
        response = backend_lrs.get({"voidedStatementId": str(uuid.uuid4()), **extra})
        assert response.status_code == 400, extra
    for allowed in ({"format": "ids"}, {"attachments": "false"}):
        assert backend_lrs.get({"voidedStatementId": str(uuid.uuid4()), **allowed}).status_code == 404, allowed


@pytest.mark.xapi("XAPI-00152", "XAPI-00160")
def test_consistent_through_is_an_iso_8601_time_not_before_any_returned_stored(
    backend_lrs: LiveLRS, course: Course
) -> None:
    response = backend_lrs.get({"registration": course.registration})
    header = response.headers["x-experience-api-consistent-through"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", header), header
    assert all(parse_time(header) >= parse_time(s["stored"]) for s in response.json()["statements"])


# ------------------------------------------------------------------------ formats

FORMATS = [
    rule(None, mark=pytest.mark.xapi("XAPI-00168"), name="absent"),
    rule("exact", mark=pytest.mark.xapi("XAPI-00170"), name="exact"),
]


@pytest.mark.parametrize("form", FORMATS)
def test_format_exact_or_absent_returns_the_statement_as_sent(
    backend_lrs: LiveLRS, make_statement: Make, as_sent: Callable[[dict[str, Any]], dict[str, Any]], form: str | None
) -> None:
    statement = make_statement(actor=_agent("Els"))
    assert backend_lrs.post(statement).status_code == 200
    response = backend_lrs.get({"statementId": statement["id"], **({"format": form} if form else {})})
    assert as_sent(response.json()) == statement
    listed = backend_lrs.get(
        {"registration": statement["context"]["registration"], **({"format": form} if form else {})}
    )
    assert [as_sent(s) for s in listed.json()["statements"]] == [statement]


@pytest.mark.xapi("XAPI-00171")
def test_format_ids_keeps_only_what_identifies_agents_activities_and_verbs(
    backend_lrs: LiveLRS, make_statement: Make
) -> None:
    els = _agent("Els")
    statement = make_statement(actor=els)
    assert backend_lrs.post(statement).status_code == 200
    found = backend_lrs.get({"registration": statement["context"]["registration"], "format": "ids"})
    (returned,) = found.json()["statements"]
    assert returned["actor"] == {"objectType": "Agent", "mbox": els["mbox"]}
    assert returned["verb"] == {"id": statement["verb"]["id"]}
    assert returned["object"] == {"id": statement["object"]["id"]}
    assert returned["context"]["contextActivities"] == {
        "parent": [{"id": "https://leerpad.test/course/quiz/toets"}],
        "grouping": [{"id": "https://leerpad.test/course"}],
    }
    assert returned["result"] == statement["result"]


@pytest.mark.xapi("XAPI-00169", "XAPI-00172")
def test_format_canonical_keeps_one_language_chosen_by_accept_language(
    backend_lrs: LiveLRS, make_statement: Make
) -> None:
    statement = make_statement()
    statement["verb"]["display"] = {"nl-BE": "beantwoordde", "fr-BE": "a répondu", "en-US": "answered"}
    statement["object"]["definition"]["name"] = {"nl-BE": "Vraag", "fr-BE": "Question"}
    assert backend_lrs.post(statement).status_code == 200
    query = f"statements?statementId={statement['id']}&format=canonical"
    chosen = {}
    for accepted in ("fr-BE", "en-US, nl;q=0.5", "de-DE, nl-BE;q=0.8"):
        got = xapi(backend_lrs, "GET", query, backend_lrs.read, headers={"Accept-Language": accepted}).json()
        chosen[accepted] = (got["verb"]["display"], got["object"]["definition"]["name"])
    assert chosen == {
        "fr-BE": ({"fr-BE": "a répondu"}, {"fr-BE": "Question"}),
        "en-US, nl;q=0.5": ({"en-US": "answered"}, {"nl-BE": "Vraag"}),
        "de-DE, nl-BE;q=0.8": ({"nl-BE": "beantwoordde"}, {"nl-BE": "Vraag"}),
    }


# --------------------------------------------------------- Communication 1.3: GET by POST


@pytest.mark.xapi("XAPI-00148")
def test_a_get_sent_as_post_with_a_form_returns_the_statement_result(backend_lrs: LiveLRS, course: Course) -> None:
    form = {
        "registration": course.registration,
        "limit": "1",
        "Authorization": requests.auth._basic_auth_str(*backend_lrs.read),  # type: ignore[attr-defined]
        "X-Experience-API-Version": "1.0.3",
    }
    response = requests.post(backend_lrs.endpoint + "statements?method=GET", data=form, timeout=30)
    assert response.status_code == 200
    result = response.json()
    assert [s["id"] for s in result["statements"]] == [course.ids[2]]
    assert result["more"].startswith("/xAPI/statements?")

"""The LRS front (xAPI 1.0.3 Communication 1-4): authentication first, headers, limits, HEAD.

Named by the conformance requirement ids of the ADL suite; each runs on SQLite and
on PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from leerpad.lrs.indexing import parse_time
from leerpad.lrs.testing import LiveLRS

from .conftest import LRSStarter, xapi

Make = Callable[..., dict[str, Any]]
AGENT = {"objectType": "Agent", "mbox": "mailto:kop@leerpad.example"}


def test_unauthenticated_requests_get_401_before_any_validation(backend_lrs: LiveLRS) -> None:
    """The issue: an unauthenticated invalid POST gets 401, not 400 with validation details."""
    wrong = (backend_lrs.write[0], "fout")
    for auth in (None, wrong):
        response = xapi(backend_lrs, "POST", "statements", auth, data=b"[{niet-json", version=False)
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid authentication credentials"}
        assert response.headers["www-authenticate"] == 'Basic realm="xAPI"'
        state = xapi(backend_lrs, "PUT", "activities/state?stateId=x", auth, data=b"x")
        assert state.status_code == 401  # no word about the missing activityId and agent


@pytest.mark.xapi("XAPI-00321")
def test_XAPI_00331_requests_without_the_version_header_are_refused(backend_lrs: LiveLRS, make_statement: Make) -> None:
    for method, body in (("GET", None), ("POST", make_statement())):
        response = xapi(backend_lrs, method, "statements", backend_lrs.read if method == "GET" else backend_lrs.write,
                        version=False, json=body)  # fmt: skip
        assert response.status_code == 400
        assert response.json() == {"detail": "X-Experience-API-Version must be 1.0.x, not None"}
        assert response.headers["x-experience-api-version"] == "1.0.3"
    wrong = xapi(backend_lrs, "GET", "statements", backend_lrs.read, headers={"X-Experience-API-Version": "0.95"})
    assert wrong.status_code == 400
    assert xapi(backend_lrs, "GET", "statements", backend_lrs.read, headers={"X-Experience-API-Version": "1.0"}).ok
    about = xapi(backend_lrs, "GET", "about", None, version=False)  # the About resource needs neither
    assert about.status_code == 200 and about.json()["version"] == ["1.0.3"]


@pytest.mark.xapi("XAPI-00126", "XAPI-00125")
def test_XAPI_00126_head_on_every_resource_answers_as_get_without_body(
    backend_lrs: LiveLRS, make_statement: Make, organiser: tuple[str, str]
) -> None:
    statement = make_statement()
    assert backend_lrs.post(statement).status_code == 200
    activity = statement["object"]["id"]
    agent = json.dumps(statement["actor"])
    document = {"activityId": activity, "agent": agent, "stateId": "voortgang"}
    put = xapi(backend_lrs, "PUT", "activities/state?" + urlencode(document), organiser, json={"a": 1})
    assert put.status_code == 204
    profile = {"activityId": activity, "profileId": "p"}
    put = xapi(backend_lrs, "PUT", "activities/profile?" + urlencode(profile), organiser,
               headers={"If-None-Match": "*"}, json={"b": 2})  # fmt: skip
    assert put.status_code == 204
    agent_profile = {"agent": agent, "profileId": "p"}
    put = xapi(backend_lrs, "PUT", "agents/profile?" + urlencode(agent_profile), organiser,
               headers={"If-None-Match": "*"}, json={"c": 3})  # fmt: skip
    assert put.status_code == 204
    resources = [
        "statements",
        f"statements?{urlencode({'statementId': statement['id']})}",
        f"activities?{urlencode({'activityId': activity})}",
        f"agents?{urlencode({'agent': agent})}",
        f"activities/state?{urlencode(document)}",
        f"activities/profile?{urlencode(profile)}",
        f"agents/profile?{urlencode(agent_profile)}",
    ]
    for resource in resources:
        got = xapi(backend_lrs, "GET", resource, organiser)
        head = xapi(backend_lrs, "HEAD", resource, organiser)
        assert (head.status_code, got.status_code) == (200, 200), resource
        assert head.content == b"", resource
        assert head.headers["content-type"] == got.headers["content-type"], resource


@pytest.mark.xapi("XAPI-00153")
def test_XAPI_00153_consistent_through_on_every_statements_get(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    assert backend_lrs.post(statement).status_code == 200
    stored = backend_lrs.get({"statementId": statement["id"]}).json()["stored"]
    for params, status in (({}, 200), ({"LIMIT": "1"}, 400), ({"statementId": str(uuid.uuid4())}, 404)):
        response = backend_lrs.get(params)
        assert response.status_code == status, params
        # Every statement stored before it is visible: this one included.
        assert parse_time(response.headers["x-experience-api-consistent-through"]) >= parse_time(stored)


@pytest.mark.xapi("XAPI-00151", "XAPI-00150")
def test_XAPI_00151_statement_id_with_other_filters_is_400(backend_lrs: LiveLRS) -> None:
    for extra in ({"verb": "http://adlnet.gov/expapi/verbs/answered"}, {"limit": "1"}, {"ascending": "true"}):
        for name in ("statementId", "voidedStatementId"):
            response = backend_lrs.get({name: str(uuid.uuid4()), **extra})
            assert response.status_code == 400, (name, extra)
            assert response.json()["detail"].startswith("With statementId or voidedStatementId only format")
    assert backend_lrs.get({"statementId": str(uuid.uuid4()), "format": "ids"}).status_code == 404


@pytest.mark.xapi("XAPI-00336")
def test_XAPI_00336_alternate_request_syntax(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    basic = requests.auth._basic_auth_str(*backend_lrs.write)  # type: ignore[attr-defined]
    form = {
        "statementId": statement["id"],
        "content": json.dumps(statement),
        "Authorization": basic,
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
    }
    response = requests.post(backend_lrs.statements_url + "?method=PUT", data=form, timeout=30)
    assert response.status_code == 204
    assert backend_lrs.get({"statementId": statement["id"]}).json()["id"] == statement["id"]
    # Parameters belong in the form; a query beside `method` is refused.
    response = requests.post(
        backend_lrs.statements_url + f"?method=PUT&statementId={statement['id']}", data=form, timeout=30
    )
    assert response.status_code == 400


@pytest.fixture(scope="module")
def small_lrs(lrs_starter: LRSStarter) -> LiveLRS:
    """An LRS with small limits: 4,000 bytes per body, 3 statements per request."""
    return lrs_starter.start(
        "sqlite", extra_env={"LEERPAD_LRS_MAX_BODY_BYTES": "4000", "LEERPAD_LRS_MAX_BATCH": "3"}
    )


@pytest.mark.xapi("XAPI-00328")
def test_bodies_and_batches_above_the_limits_get_413_and_store_nothing(
    small_lrs: LiveLRS, make_statement: Make
) -> None:
    registration = str(uuid.uuid4())
    big = [make_statement(registration=registration) for _ in range(3)]
    big[0]["result"]["response"] = "x" * 5000
    response = small_lrs.post(big)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 4000 bytes"}
    many = [make_statement(registration=registration) for _ in range(4)]
    for statement in many:
        statement["context"].pop("contextActivities")
        statement["object"].pop("definition")
    response = small_lrs.post(many)
    assert response.status_code == 413
    assert response.json() == {"detail": "At most 3 statements per request; this one has 4"}
    state = xapi(small_lrs, "PUT", "activities/state?stateId=s&activityId=https://a.test/x&agent="
                 + json.dumps(AGENT), small_lrs.write, data=b"x" * 5000)  # fmt: skip
    assert state.status_code == 413
    assert small_lrs.all_statements({"registration": registration}) == []
    # Authentication still comes first, also above the limit.
    assert requests.post(small_lrs.statements_url, data=b"x" * 5000, timeout=30).status_code == 401

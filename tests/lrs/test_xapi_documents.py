"""Document resources (xAPI 1.0.3 Communication 2.2-2.7, 3.1): State, profiles, Agents, Activities.

Named by the conformance requirement ids of the ADL suite; each runs on SQLite and
on PostgreSQL. cmi5 needs State and Agent Profile.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from leerpad.lrs.testing import LiveLRS

from .conftest import xapi

Make = Callable[..., dict[str, Any]]
Auth = tuple[str, str]


def _agent() -> dict[str, Any]:
    return {"objectType": "Agent", "mbox": f"mailto:{uuid.uuid4().hex[:10]}@leerpad.example"}


def _state(lrs: LiveLRS, auth: Auth, method: str, params: dict[str, str], **options: Any) -> Any:
    return xapi(lrs, method, "activities/state?" + urlencode(params), auth, **options)


def _state_params(**extra: str) -> dict[str, str]:
    return {"activityId": f"https://leerpad.test/au/{uuid.uuid4()}", "agent": json.dumps(_agent()), **extra}


@pytest.mark.xapi("XAPI-00190", "XAPI-00192")
def test_XAPI_00190_00192_state_put_then_get_returns_the_document(backend_lrs: LiveLRS, organiser: Auth) -> None:
    params = _state_params(stateId="LMS.LaunchData", registration=str(uuid.uuid4()))
    body = b'{"launchMode":"Normal","moveOn":"Passed"}'
    response = _state(backend_lrs, organiser, "PUT", params, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 204
    got = _state(backend_lrs, organiser, "GET", params)
    assert got.status_code == 200
    assert got.content == body
    assert got.headers["content-type"] == "application/json"
    assert got.headers["etag"] == f'"{hashlib.sha1(body).hexdigest()}"'
    # Another registration is another document.
    other = {**params, "registration": str(uuid.uuid4())}
    assert _state(backend_lrs, organiser, "GET", other).status_code == 404


@pytest.mark.xapi("XAPI-00233", "XAPI-00184", "XAPI-00183")
def test_XAPI_00233_00184_00183_post_stores_then_merges_one_level_deep(backend_lrs: LiveLRS, organiser: Auth) -> None:
    params = _state_params(stateId="bookmark")
    json_type = {"Content-Type": "application/json"}
    first = {"a": 1, "nested": {"x": 1, "y": 2}}
    assert _state(backend_lrs, organiser, "POST", params, json=first, headers=json_type).status_code == 204
    second = {"b": 2, "nested": {"z": 3}}
    assert _state(backend_lrs, organiser, "POST", params, json=second, headers=json_type).status_code == 204
    assert _state(backend_lrs, organiser, "GET", params).json() == {"a": 1, "b": 2, "nested": {"z": 3}}


@pytest.mark.xapi("XAPI-00232", "XAPI-00235")
def test_XAPI_00232_00235_post_merge_needs_json_on_both_sides(backend_lrs: LiveLRS, organiser: Auth) -> None:
    params = _state_params(stateId="tekst")
    text = {"Content-Type": "text/plain"}
    assert _state(backend_lrs, organiser, "PUT", params, data=b"vrije tekst", headers=text).status_code == 204
    refused = _state(backend_lrs, organiser, "POST", params, json={"a": 1})
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "A document can only be merged when both it and the stored one are application/json"
    }
    invalid = _state(backend_lrs, organiser, "POST", _state_params(stateId="x"), data=b"{niet json",
                     headers={"Content-Type": "application/json"})  # fmt: skip
    assert invalid.status_code == 400
    assert invalid.json()["detail"].startswith("The document is not valid JSON")
    assert _state(backend_lrs, organiser, "GET", params).content == b"vrije tekst"  # unchanged


@pytest.mark.xapi("XAPI-00207", "XAPI-00215", "XAPI-00199")
def test_XAPI_00207_00215_00199_state_parameters_are_checked(backend_lrs: LiveLRS, organiser: Auth) -> None:
    good = _state_params(stateId="s")
    cases = {
        "activityId": ({k: v for k, v in good.items() if k != "activityId"}, "The activityId parameter is required"),
        "agent": ({k: v for k, v in good.items() if k != "agent"}, "The agent parameter is required"),
        "agent JSON": ({**good, "agent": "{niet"}, "The agent parameter is not valid JSON"),
        "agent shape": ({**good, "agent": json.dumps({"name": "x"})}, "The agent needs exactly one of mbox"),
        "registration": ({**good, "registration": "geen-uuid"}, "The registration parameter is not a UUID"),
        "since": ({k: v for k, v in good.items() if k != "stateId"} | {"since": "gisteren"}, "The since parameter"),
    }
    for name, (params, message) in cases.items():
        for method in ("GET", "PUT", "POST", "DELETE"):
            if name == "since" and method != "GET":
                continue
            response = _state(backend_lrs, organiser, method, params, json={"a": 1})
            assert response.status_code == 400, (name, method)
            assert response.json()["detail"].startswith(message), (name, method, response.json())
    no_id = {k: v for k, v in good.items() if k != "stateId"}
    assert _state(backend_lrs, organiser, "PUT", no_id, json={"a": 1}).status_code == 400


@pytest.mark.xapi("XAPI-00221", "XAPI-00194")
def test_XAPI_00221_00194_state_ids_since_and_delete_all(backend_lrs: LiveLRS, organiser: Auth) -> None:
    params = _state_params()
    for state_id in ("een", "twee"):
        assert _state(backend_lrs, organiser, "PUT", {**params, "stateId": state_id}, json={}).status_code == 204
    moment = xapi(backend_lrs, "GET", "statements?limit=1", organiser).headers["x-experience-api-consistent-through"]
    assert _state(backend_lrs, organiser, "PUT", {**params, "stateId": "drie"}, json={}).status_code == 204
    assert _state(backend_lrs, organiser, "GET", params).json() == ["een", "twee", "drie"]
    assert _state(backend_lrs, organiser, "GET", {**params, "since": moment}).json() == ["drie"]
    assert _state(backend_lrs, organiser, "DELETE", {**params, "stateId": "een"}).status_code == 204
    assert _state(backend_lrs, organiser, "GET", params).json() == ["twee", "drie"]
    assert _state(backend_lrs, organiser, "DELETE", params).status_code == 204
    assert _state(backend_lrs, organiser, "GET", params).json() == []


def test_the_browser_write_credential_has_no_state_scope(backend_lrs: LiveLRS) -> None:
    response = _state(backend_lrs, backend_lrs.write, "PUT", _state_params(stateId="s"), json={})
    assert response.status_code == 403
    assert response.json() == {"detail": "This credential has no state/write scope"}


def _profile(lrs: LiveLRS, auth: Auth, method: str, resource: str, params: dict[str, str], **options: Any) -> Any:
    return xapi(lrs, method, f"{resource}?{urlencode(params)}", auth, **options)


@pytest.mark.xapi("XAPI-00322")
def test_XAPI_00322_profiles_use_etags_for_concurrency(backend_lrs: LiveLRS, organiser: Auth) -> None:
    kinds = {
        "activities/profile": {"activityId": f"https://leerpad.test/a/{uuid.uuid4()}", "profileId": "cmi5"},
        "agents/profile": {"agent": json.dumps(_agent()), "profileId": "cmi5LearnerPreferences"},
    }
    for resource, params in kinds.items():
        first, second = b'{"languagePreference":"nl-BE"}', b'{"languagePreference":"fr-BE"}'
        json_type = {"Content-Type": "application/json"}
        # A new profile document needs If-None-Match: * (or If-Match); without either: 400.
        bare = _profile(backend_lrs, organiser, "PUT", resource, params, data=first, headers=json_type)
        assert bare.status_code == 400, resource
        created = _profile(backend_lrs, organiser, "PUT", resource, params, data=first,
                           headers={**json_type, "If-None-Match": "*"})  # fmt: skip
        assert created.status_code == 204, resource
        got = _profile(backend_lrs, organiser, "GET", resource, params)
        etag = got.headers["etag"]
        assert etag == f'"{hashlib.sha1(first).hexdigest()}"'
        # Overwriting without a precondition: 409; with a stale or missing match: 412.
        conflict = _profile(backend_lrs, organiser, "PUT", resource, params, data=second, headers=json_type)
        assert conflict.status_code == 409, resource
        assert "If-Match" in conflict.json()["detail"]
        stale = _profile(backend_lrs, organiser, "PUT", resource, params, data=second,
                         headers={**json_type, "If-Match": '"' + "0" * 40 + '"'})  # fmt: skip
        assert stale.status_code == 412, resource
        exists = _profile(backend_lrs, organiser, "PUT", resource, params, data=second,
                          headers={**json_type, "If-None-Match": "*"})  # fmt: skip
        assert exists.status_code == 412, resource
        assert _profile(backend_lrs, organiser, "GET", resource, params).content == first  # untouched
        ok = _profile(backend_lrs, organiser, "PUT", resource, params, data=second,
                      headers={**json_type, "If-Match": etag})  # fmt: skip
        assert ok.status_code == 204, resource
        assert _profile(backend_lrs, organiser, "GET", resource, params).content == second
        assert _profile(backend_lrs, organiser, "DELETE", resource, params).status_code == 204
        assert _profile(backend_lrs, organiser, "GET", resource, params).status_code == 404


@pytest.mark.xapi("XAPI-00248", "XAPI-00243")
def test_XAPI_00248_00243_agents_resource_returns_a_person(backend_lrs: LiveLRS, organiser: Auth) -> None:
    agent = {"objectType": "Agent", "name": "Els", "account": {"homePage": "https://www.riziv.fgov.be", "name": "1"}}
    person = xapi(backend_lrs, "GET", "agents?" + urlencode({"agent": json.dumps(agent)}), organiser)
    assert person.status_code == 200
    assert person.json() == {"objectType": "Person", "name": ["Els"], "account": [agent["account"]]}
    assert xapi(backend_lrs, "GET", "agents", organiser).status_code == 400


@pytest.mark.xapi("XAPI-00254", "XAPI-00250")
def test_XAPI_00254_00250_activities_resource_merges_definitions(
    backend_lrs: LiveLRS, make_statement: Make, organiser: Auth
) -> None:
    activity = f"https://leerpad.test/case/{uuid.uuid4()}"
    dutch = make_statement(activity=activity)
    dutch["object"]["definition"]["name"] = {"nl-BE": "Casus"}
    french = make_statement(activity=activity)
    french["object"]["definition"]["name"] = {"fr-BE": "Cas"}
    assert backend_lrs.post([dutch, french]).status_code == 200
    found = xapi(backend_lrs, "GET", "activities?" + urlencode({"activityId": activity}), organiser)
    assert found.status_code == 200
    assert found.json()["id"] == activity
    assert found.json()["definition"]["name"] == {"nl-BE": "Casus", "fr-BE": "Cas"}
    assert found.json()["definition"]["choices"] == dutch["object"]["definition"]["choices"]
    assert xapi(backend_lrs, "GET", "activities", organiser).status_code == 400
    unknown = {"activityId": f"https://leerpad.test/{uuid.uuid4()}"}
    assert xapi(backend_lrs, "GET", "activities?" + urlencode(unknown), organiser).status_code == 404


def test_unknown_parameters_of_document_resources_are_refused(backend_lrs: LiveLRS, organiser: Auth) -> None:
    params = _state_params(stateId="s", profileId="verkeerd")
    response = _state(backend_lrs, organiser, "PUT", params, json={"a": 1})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The parameter profileId is not allowed here (allowed: activityId, agent, registration, "
        "stateId, since)"
    }
    known = {k: v for k, v in params.items() if k != "profileId"}
    assert _state(backend_lrs, organiser, "GET", known).status_code == 404  # nothing was stored
    typo = xapi(backend_lrs, "GET", "agents?" + urlencode({"agnt": json.dumps(_agent())}), organiser)
    assert typo.json() == {"detail": "The parameter agnt is not allowed here (allowed: agent)"}

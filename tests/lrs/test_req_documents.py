"""The document resources, rule by rule (xAPI 1.0.3 Communication 2.2, 2.3, 2.6, 2.7).

State, Agent Profile and Activity Profile share most rules: each rule is one test
function, parametrised over the resources it applies to, one case per requirement
id of the ADL suite (``tests/lrs/xapi_requirements.txt``). Every case runs on SQLite
and on PostgreSQL (``backend_lrs``), against the running LRS.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from leerpad.lrs.testing import LiveLRS

from .conftest import xapi
from .rules import rule

Auth = tuple[str, str]
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Resource:
    """One document resource: its path, its document id and the parameters of its key."""

    name: str
    path: str
    id_name: str
    activity: bool
    agent: bool

    def __str__(self) -> str:
        return self.name

    def key(self, **extra: str) -> dict[str, str]:
        """Fresh key parameters (activityId and/or agent), so that cases never share documents."""
        key: dict[str, str] = {}
        if self.activity:
            key["activityId"] = f"https://leerpad.test/au/{uuid.uuid4()}"
        if self.agent:
            key["agent"] = json.dumps(
                {"objectType": "Agent", "mbox": f"mailto:{uuid.uuid4().hex[:12]}@leerpad.example"}
            )
        return {**key, **extra}

    def params(self, **extra: str) -> dict[str, str]:
        """Key parameters plus a document id."""
        return self.key(**{self.id_name: "voortgang", **extra})

    @property
    def create(self) -> dict[str, str]:
        """Headers of a PUT that creates a document: profiles need ``If-None-Match: *`` (xAPI 3.1)."""
        return {} if self.path == "activities/state" else {"If-None-Match": "*"}


STATE = Resource("state", "activities/state", "stateId", activity=True, agent=True)
AGENT_PROFILE = Resource("agent-profile", "agents/profile", "profileId", activity=False, agent=True)
ACTIVITY_PROFILE = Resource("activity-profile", "activities/profile", "profileId", activity=True, agent=False)


def call(lrs: LiveLRS, auth: Auth, method: str, resource: Resource, params: dict[str, str], **options: Any) -> Any:
    """One request to the resource with these query parameters."""
    return xapi(lrs, method, f"{resource.path}?{urlencode(params)}", auth, **options)


def put(lrs: LiveLRS, auth: Auth, resource: Resource, params: dict[str, str], content: bytes,
        content_type: str = "application/json") -> None:  # fmt: skip
    """Store a new document (asserting the 204)."""
    headers = {"Content-Type": content_type, **resource.create}
    response = call(lrs, auth, "PUT", resource, params, data=content, headers=headers)
    assert response.status_code == 204, response.text


def stored(lrs: LiveLRS, auth: Auth, resource: Resource, params: dict[str, str]) -> bytes | None:
    """The stored document's bytes, or None when GET answers 404."""
    response = call(lrs, auth, "GET", resource, params)
    assert response.status_code in (200, 404), response.text
    return response.content if response.status_code == 200 else None


# ------------------------------------------------------------ each method, each endpoint


@pytest.mark.parametrize(
    "resource",
    [
        rule(STATE, mark=pytest.mark.xapi("XAPI-00190", "XAPI-00230")),
        rule(AGENT_PROFILE, mark=pytest.mark.xapi("XAPI-00273", "XAPI-00282")),
        rule(ACTIVITY_PROFILE, mark=pytest.mark.xapi("XAPI-00287", "XAPI-00293", "XAPI-00311")),
    ],
)
def test_put_stores_the_document_and_answers_204_without_body(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource
) -> None:
    params = resource.params()
    response = call(backend_lrs, organiser, "PUT", resource, params, data=b"Hoofdstuk 3, pagina 2",
                    headers={"Content-Type": "text/plain", **resource.create})  # fmt: skip
    assert (response.status_code, response.content) == (204, b"")
    assert stored(backend_lrs, organiser, resource, params) == b"Hoofdstuk 3, pagina 2"


@pytest.mark.parametrize(
    "resource",
    [
        rule(STATE, mark=pytest.mark.xapi("XAPI-00188", "XAPI-00192", "XAPI-00217")),
        rule(AGENT_PROFILE, mark=pytest.mark.xapi("XAPI-00274", "XAPI-00259", "XAPI-00269")),
        rule(ACTIVITY_PROFILE, mark=pytest.mark.xapi("XAPI-00290", "XAPI-00288")),
    ],
)
def test_get_with_the_document_id_returns_that_document(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource
) -> None:
    params = resource.params()
    put(backend_lrs, organiser, resource, params, b'{"taal":"nl-BE"}')
    put(backend_lrs, organiser, resource, {**params, resource.id_name: "ander"}, b'{"taal":"fr-BE"}')
    response = call(backend_lrs, organiser, "GET", resource, params)
    assert response.status_code == 200
    assert response.content == b'{"taal":"nl-BE"}'
    assert response.headers["content-type"] == "application/json"
    assert call(backend_lrs, organiser, "GET", resource, {**params, resource.id_name: "geen"}).status_code == 404


@pytest.mark.parametrize(
    "resource",
    [
        rule(STATE, mark=pytest.mark.xapi("XAPI-00189", "XAPI-00231", "XAPI-00233")),
        rule(AGENT_PROFILE, mark=pytest.mark.xapi("XAPI-00272", "XAPI-00283", "XAPI-00280")),
        rule(ACTIVITY_PROFILE, mark=pytest.mark.xapi("XAPI-00286", "XAPI-00292", "XAPI-00312", "XAPI-00310")),
    ],
)
def test_post_of_a_new_document_stores_it_as_a_put_would(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource
) -> None:
    params = resource.params()
    response = call(backend_lrs, organiser, "POST", resource, params, data=b'{"pagina": 2}', headers=JSON)
    assert (response.status_code, response.content) == (204, b"")
    got = call(backend_lrs, organiser, "GET", resource, params)
    assert (got.status_code, got.json(), got.headers["content-type"]) == (200, {"pagina": 2}, "application/json")


@pytest.mark.parametrize(
    "resource",
    [
        rule(STATE, mark=pytest.mark.xapi("XAPI-00187", "XAPI-00191", "XAPI-00216")),
        rule(AGENT_PROFILE, mark=pytest.mark.xapi("XAPI-00271")),
        rule(ACTIVITY_PROFILE, mark=pytest.mark.xapi("XAPI-00285", "XAPI-00291")),
    ],
)
def test_delete_with_the_document_id_removes_only_that_document(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource
) -> None:
    params = resource.params()
    other = {**params, resource.id_name: "blijft"}
    put(backend_lrs, organiser, resource, params, b"{}")
    put(backend_lrs, organiser, resource, other, b"{}")
    response = call(backend_lrs, organiser, "DELETE", resource, params)
    assert (response.status_code, response.content) == (204, b"")
    assert stored(backend_lrs, organiser, resource, params) is None
    assert stored(backend_lrs, organiser, resource, other) == b"{}"


@pytest.mark.parametrize(
    "resource",
    [
        rule(STATE, mark=pytest.mark.xapi("XAPI-00193")),
        rule(AGENT_PROFILE, mark=pytest.mark.xapi("XAPI-00270")),
        rule(ACTIVITY_PROFILE, mark=pytest.mark.xapi("XAPI-00289")),
    ],
)
def test_get_without_the_document_id_lists_the_ids_under_the_key(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource
) -> None:
    key = resource.key()
    for doc_id in ("een", "twee"):
        put(backend_lrs, organiser, resource, {**key, resource.id_name: doc_id}, b"{}")
    put(backend_lrs, organiser, resource, resource.params(), b"{}")  # another key: not listed
    response = call(backend_lrs, organiser, "GET", resource, key)
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert response.json() == ["een", "twee"]


def _moment(lrs: LiveLRS) -> str:
    """A time after every write so far and before the next (the LRS's own clock)."""
    return str(lrs.get({"limit": "1"}).headers["x-experience-api-consistent-through"])


@pytest.mark.parametrize(
    "resource",
    [
        rule(STATE, mark=pytest.mark.xapi("XAPI-00195", "XAPI-00221", "XAPI-00222")),
        rule(AGENT_PROFILE, mark=pytest.mark.xapi("XAPI-00268", "XAPI-00275")),
        rule(ACTIVITY_PROFILE, mark=pytest.mark.xapi("XAPI-00294", "XAPI-00303", "XAPI-00141")),
    ],
)
def test_since_lists_only_documents_changed_after_it(backend_lrs: LiveLRS, organiser: Auth, resource: Resource) -> None:
    key = resource.key()
    put(backend_lrs, organiser, resource, {**key, resource.id_name: "oud"}, b'{"a":1}')
    put(backend_lrs, organiser, resource, {**key, resource.id_name: "gewijzigd"}, b'{"a":1}')
    moment = _moment(backend_lrs)
    put(backend_lrs, organiser, resource, {**key, resource.id_name: "nieuw"}, b'{"a":1}')
    posted = call(backend_lrs, organiser, "POST", resource, {**key, resource.id_name: "gewijzigd"}, json={"b": 2})
    assert posted.status_code == 204
    response = call(backend_lrs, organiser, "GET", resource, {**key, "since": moment})
    assert response.status_code == 200
    assert response.json() == ["nieuw", "gewijzigd"]  # oldest change first
    assert call(backend_lrs, organiser, "GET", resource, key).json() == ["oud", "nieuw", "gewijzigd"]


# ---------------------------------------------------------------- parameters checked


@pytest.mark.parametrize(
    ("resource", "method"),
    [
        rule(STATE, "GET", mark=pytest.mark.xapi("XAPI-00204")),
        rule(STATE, "DELETE", mark=pytest.mark.xapi("XAPI-00205")),
        rule(AGENT_PROFILE, "GET", mark=pytest.mark.xapi("XAPI-00260")),
        rule(ACTIVITY_PROFILE, "GET", mark=pytest.mark.xapi("XAPI-00295")),
    ],
)
def test_since_that_is_not_a_timestamp_is_400_and_deletes_nothing(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource, method: str
) -> None:
    params = resource.params()
    put(backend_lrs, organiser, resource, params, b"{}")
    key = {k: v for k, v in params.items() if k != resource.id_name}
    response = call(backend_lrs, organiser, method, resource, {**key, "since": "gisteren"})
    assert response.status_code == 400
    assert response.json() == {"detail": "The since parameter is not a timestamp: 'gisteren'"}
    assert stored(backend_lrs, organiser, resource, params) == b"{}"


# (resource, method, the parameter left out): 400 naming it.
MISSING = [
    rule(STATE, "DELETE", "activityId", mark=pytest.mark.xapi("XAPI-00207")),
    rule(STATE, "GET", "activityId", mark=pytest.mark.xapi("XAPI-00208")),
    rule(STATE, "POST", "activityId", mark=pytest.mark.xapi("XAPI-00209")),
    rule(STATE, "PUT", "activityId", mark=pytest.mark.xapi("XAPI-00210")),
    rule(STATE, "DELETE", "agent", mark=pytest.mark.xapi("XAPI-00212")),
    rule(STATE, "GET", "agent", mark=pytest.mark.xapi("XAPI-00213")),
    rule(STATE, "POST", "agent", mark=pytest.mark.xapi("XAPI-00214")),
    rule(STATE, "PUT", "agent", mark=pytest.mark.xapi("XAPI-00215")),
    rule(STATE, "PUT", "stateId", mark=pytest.mark.xapi("XAPI-00206")),
    rule(STATE, "POST", "stateId", mark=pytest.mark.xapi("XAPI-00211")),
    rule(AGENT_PROFILE, "GET", "agent", mark=pytest.mark.xapi("XAPI-00261")),
    rule(AGENT_PROFILE, "DELETE", "agent", mark=pytest.mark.xapi("XAPI-00262")),
    rule(AGENT_PROFILE, "POST", "agent", mark=pytest.mark.xapi("XAPI-00263")),
    rule(AGENT_PROFILE, "PUT", "agent", mark=pytest.mark.xapi("XAPI-00264")),
    rule(AGENT_PROFILE, "DELETE", "profileId", mark=pytest.mark.xapi("XAPI-00265")),
    rule(AGENT_PROFILE, "POST", "profileId", mark=pytest.mark.xapi("XAPI-00266")),
    rule(AGENT_PROFILE, "PUT", "profileId", mark=pytest.mark.xapi("XAPI-00267")),
    rule(ACTIVITY_PROFILE, "GET", "activityId", mark=pytest.mark.xapi("XAPI-00296")),
    rule(ACTIVITY_PROFILE, "DELETE", "activityId", mark=pytest.mark.xapi("XAPI-00297")),
    rule(ACTIVITY_PROFILE, "POST", "activityId", mark=pytest.mark.xapi("XAPI-00298")),
    rule(ACTIVITY_PROFILE, "PUT", "activityId", mark=pytest.mark.xapi("XAPI-00299")),
    rule(ACTIVITY_PROFILE, "DELETE", "profileId", mark=pytest.mark.xapi("XAPI-00300")),
    rule(ACTIVITY_PROFILE, "POST", "profileId", mark=pytest.mark.xapi("XAPI-00301")),
    rule(ACTIVITY_PROFILE, "PUT", "profileId", mark=pytest.mark.xapi("XAPI-00302")),
]


@pytest.mark.parametrize(("resource", "method", "missing"), MISSING)
def test_a_missing_required_parameter_is_400_naming_it_and_changes_nothing(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource, method: str, missing: str
) -> None:
    params = resource.params()
    put(backend_lrs, organiser, resource, params, b'{"a":1}')
    without = {k: v for k, v in params.items() if k != missing}
    response = call(backend_lrs, organiser, method, resource, without, json={"b": 2},
                    headers={"If-None-Match": "*"} if method == "PUT" else {})  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {"detail": f"The {missing} parameter is required"}
    assert stored(backend_lrs, organiser, resource, params) == b'{"a":1}'


# (resource, method, agent parameter, the start of the message)
# fmt: off
BAD_AGENTS = [
    rule(STATE, "DELETE", "{mbox: leerder}", "The agent parameter is not valid JSON",
         mark=pytest.mark.xapi("XAPI-00196"), name="state-DELETE-not-json"),
    rule(STATE, "GET", "{mbox: leerder}", "The agent parameter is not valid JSON",
         mark=pytest.mark.xapi("XAPI-00197"), name="state-GET-not-json"),
    rule(STATE, "POST", "{mbox: leerder}", "The agent parameter is not valid JSON",
         mark=pytest.mark.xapi("XAPI-00198"), name="state-POST-not-json"),
    rule(STATE, "PUT", "{mbox: leerder}", "The agent parameter is not valid JSON",
         mark=pytest.mark.xapi("XAPI-00199"), name="state-PUT-not-json"),
    rule(AGENT_PROFILE, "DELETE", '{"name": "Els"}', "The agent needs exactly one of mbox",
         mark=pytest.mark.xapi("XAPI-00255"), name="agent-profile-DELETE-no-identifier"),
    rule(AGENT_PROFILE, "POST", '{"mbox": "els@leerpad.example"}', "The agent's mbox must be a mailto: IRI",
         mark=pytest.mark.xapi("XAPI-00256"), name="agent-profile-POST-mbox-without-mailto"),
    rule(AGENT_PROFILE, "PUT", '["mailto:els@leerpad.example"]', "The agent parameter is not a JSON object",
         mark=pytest.mark.xapi("XAPI-00257"), name="agent-profile-PUT-an-array"),
    rule(AGENT_PROFILE, "GET", '{"objectType": "Activity", "mbox": "mailto:els@leerpad.example"}',
         "The agent's objectType must be Agent or Group", mark=pytest.mark.xapi("XAPI-00258"),
         name="agent-profile-GET-an-activity"),
]
# fmt: on


@pytest.mark.parametrize(("resource", "method", "agent", "message"), BAD_AGENTS)
def test_an_agent_parameter_that_is_no_agent_is_400_and_changes_nothing(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource, method: str, agent: str, message: str
) -> None:
    params = resource.params()
    put(backend_lrs, organiser, resource, params, b'{"a":1}')
    response = call(backend_lrs, organiser, method, resource, {**params, "agent": agent}, json={"b": 2},
                    headers={"If-None-Match": "*"} if method == "PUT" else {})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)
    assert stored(backend_lrs, organiser, resource, params) == b'{"a":1}'


@pytest.mark.xapi("XAPI-00304")
def test_the_activity_profile_refuses_an_agent_parameter(backend_lrs: LiveLRS, organiser: Auth) -> None:
    """The Activity Profile has no agent parameter: any agent, JSON or not, is a 400 that says so."""
    params = ACTIVITY_PROFILE.params()
    put(backend_lrs, organiser, ACTIVITY_PROFILE, params, b"{}")
    for agent in ("{niet json", json.dumps({"mbox": "mailto:els@leerpad.example"})):
        response = call(backend_lrs, organiser, "GET", ACTIVITY_PROFILE, {**params, "agent": agent})
        assert response.status_code == 400
        assert response.json() == {
            "detail": "The parameter agent is not allowed here (allowed: activityId, profileId, since)"
        }


@pytest.mark.parametrize(
    "method",
    [
        rule("DELETE", mark=pytest.mark.xapi("XAPI-00200")),
        rule("GET", mark=pytest.mark.xapi("XAPI-00201")),
        rule("POST", mark=pytest.mark.xapi("XAPI-00202")),
        rule("PUT", mark=pytest.mark.xapi("XAPI-00203")),
    ],
)
def test_a_state_registration_that_is_not_a_uuid_is_400(backend_lrs: LiveLRS, organiser: Auth, method: str) -> None:
    params = STATE.params(registration=str(uuid.uuid4()))
    put(backend_lrs, organiser, STATE, params, b'{"a":1}')
    response = call(backend_lrs, organiser, method, STATE, {**params, "registration": "inschrijving-7"}, json={"b": 2})
    assert response.status_code == 400
    assert response.json() == {"detail": "The registration parameter is not a UUID: 'inschrijving-7'"}
    assert stored(backend_lrs, organiser, STATE, params) == b'{"a":1}'


# A query parameter is always text; the one way a document id is not one String is to give it twice.
@pytest.mark.parametrize(
    ("resource", "method"),
    [
        rule(STATE, "DELETE", mark=pytest.mark.xapi("XAPI-00224")),
        rule(STATE, "GET", mark=pytest.mark.xapi("XAPI-00225")),
        rule(STATE, "POST", mark=pytest.mark.xapi("XAPI-00226")),
        rule(STATE, "PUT", mark=pytest.mark.xapi("XAPI-00228")),
        rule(AGENT_PROFILE, "POST", mark=pytest.mark.xapi("XAPI-00276")),
        rule(AGENT_PROFILE, "PUT", mark=pytest.mark.xapi("XAPI-00277")),
        rule(ACTIVITY_PROFILE, "DELETE", mark=pytest.mark.xapi("XAPI-00305")),
        rule(ACTIVITY_PROFILE, "POST", mark=pytest.mark.xapi("XAPI-00306")),
        rule(ACTIVITY_PROFILE, "PUT", mark=pytest.mark.xapi("XAPI-00307")),
    ],
)
def test_a_document_id_that_is_not_one_string_is_400(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource, method: str
) -> None:
    params = resource.params()
    put(backend_lrs, organiser, resource, params, b'{"a":1}')
    query = urlencode([*params.items(), (resource.id_name, "tweede")])
    response = xapi(backend_lrs, method, f"{resource.path}?{query}", organiser, json={"b": 2},
                    headers={"If-Match": "*"} if method == "PUT" else {})  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {"detail": "A query parameter is given more than once"}
    assert stored(backend_lrs, organiser, resource, params) == b'{"a":1}'
    assert stored(backend_lrs, organiser, resource, {**params, resource.id_name: "tweede"}) is None


# ------------------------------------------------------------- the State's registration


@pytest.mark.xapi("XAPI-00218", "XAPI-00219", "XAPI-00220", "XAPI-00227")
def test_the_registration_keeps_state_documents_apart(backend_lrs: LiveLRS, organiser: Auth) -> None:
    """PUT, POST, GET and DELETE with a registration touch that registration's documents only."""
    key = STATE.key()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for registration in (first, second):
        put(backend_lrs, organiser, STATE, {**key, "registration": registration, "stateId": "s"}, b'{"a":1}')
    put(backend_lrs, organiser, STATE, {**key, "stateId": "zonder"}, b'{"a":1}')
    merged = call(backend_lrs, organiser, "POST", STATE, {**key, "registration": first, "stateId": "s"}, json={"b": 2})
    assert merged.status_code == 204
    assert json.loads(stored(backend_lrs, organiser, STATE, {**key, "registration": first, "stateId": "s"}) or b"") == {
        "a": 1, "b": 2,
    }  # fmt: skip
    assert stored(backend_lrs, organiser, STATE, {**key, "registration": second, "stateId": "s"}) == b'{"a":1}'
    put(backend_lrs, organiser, STATE, {**key, "registration": first, "stateId": "t"}, b"{}")
    assert call(backend_lrs, organiser, "GET", STATE, {**key, "registration": first}).json() == ["s", "t"]
    assert call(backend_lrs, organiser, "GET", STATE, key).json() == ["zonder"]
    assert call(backend_lrs, organiser, "DELETE", STATE, {**key, "registration": first}).status_code == 204
    assert call(backend_lrs, organiser, "GET", STATE, {**key, "registration": first}).json() == []
    assert call(backend_lrs, organiser, "GET", STATE, {**key, "registration": second}).json() == ["s"]
    assert call(backend_lrs, organiser, "GET", STATE, key).json() == ["zonder"]


@pytest.mark.xapi("XAPI-00194")
def test_delete_without_state_id_deletes_every_document_under_the_key(backend_lrs: LiveLRS, organiser: Auth) -> None:
    key = STATE.key()
    for state_id in ("een", "twee"):
        put(backend_lrs, organiser, STATE, {**key, "stateId": state_id}, b"{}")
    other = STATE.params()
    put(backend_lrs, organiser, STATE, other, b"{}")
    response = call(backend_lrs, organiser, "DELETE", STATE, key)
    assert (response.status_code, response.content) == (204, b"")
    assert call(backend_lrs, organiser, "GET", STATE, key).json() == []
    assert stored(backend_lrs, organiser, STATE, other) == b"{}"  # another agent's state stays


@pytest.mark.xapi("XAPI-00223")
def test_delete_without_state_id_and_with_since_deletes_only_documents_changed_after_it(
    backend_lrs: LiveLRS, organiser: Auth
) -> None:
    key = STATE.key()
    put(backend_lrs, organiser, STATE, {**key, "stateId": "oud"}, b"{}")
    moment = _moment(backend_lrs)
    put(backend_lrs, organiser, STATE, {**key, "stateId": "nieuw"}, b"{}")
    response = call(backend_lrs, organiser, "DELETE", STATE, {**key, "since": moment})
    assert (response.status_code, response.content) == (204, b"")
    assert call(backend_lrs, organiser, "GET", STATE, key).json() == ["oud"]


# ------------------------------------------------------------------- POST: the merge


@pytest.mark.parametrize(
    "resource",
    [
        rule(STATE, mark=pytest.mark.xapi("XAPI-00234")),
        rule(AGENT_PROFILE, mark=pytest.mark.xapi("XAPI-00279")),
        rule(ACTIVITY_PROFILE, mark=pytest.mark.xapi("XAPI-00308")),
    ],
)
def test_post_merges_into_a_stored_json_document(backend_lrs: LiveLRS, organiser: Auth, resource: Resource) -> None:
    params = resource.params()
    put(backend_lrs, organiser, resource, params, b'{"taal": "nl-BE", "pagina": 1}')
    response = call(backend_lrs, organiser, "POST", resource, params, json={"pagina": 2, "klaar": False})
    assert (response.status_code, response.content) == (204, b"")
    got = call(backend_lrs, organiser, "GET", resource, params)
    assert got.json() == {"taal": "nl-BE", "pagina": 2, "klaar": False}
    assert got.headers["content-type"] == "application/json"


@pytest.mark.xapi("XAPI-00183", "XAPI-00184", "XAPI-00185", "XAPI-00186")
def test_a_document_merge_replaces_top_level_properties_whole(backend_lrs: LiveLRS, organiser: Auth) -> None:
    """One level deep: a POSTed property replaces the stored one whole (an object is not merged
    into), the others stay. Both documents are read as JSON first (escapes and spacing do not
    matter) and the result is one JSON document again."""
    params = STATE.params()
    put(backend_lrs, organiser, STATE, params, b'{ "naam" : "Caf\\u00e9",\n "voortgang": {"module": 1, "pagina": 3} }')
    body = b'{"voortgang": {"module": 2}, "taal": "nl-BE"}'
    assert call(backend_lrs, organiser, "POST", STATE, params, data=body, headers=JSON).status_code == 204
    document = stored(backend_lrs, organiser, STATE, params)
    assert document is not None
    assert json.loads(document) == {"naam": "Café", "voortgang": {"module": 2}, "taal": "nl-BE"}


@pytest.mark.parametrize(
    ("resource", "stored_type", "posted_type"),
    [
        rule(STATE, "text/plain", "application/json", mark=pytest.mark.xapi("XAPI-00232")),
        rule(AGENT_PROFILE, "application/json", "text/plain", mark=pytest.mark.xapi("XAPI-00278")),
        rule(ACTIVITY_PROFILE, "application/octet-stream", "application/json", mark=pytest.mark.xapi("XAPI-00309")),
    ],
)
def test_post_onto_a_document_that_is_not_json_on_both_sides_is_400(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource, stored_type: str, posted_type: str
) -> None:
    params = resource.params()
    put(backend_lrs, organiser, resource, params, b'{"a":1}', content_type=stored_type)
    response = call(backend_lrs, organiser, "POST", resource, params, data=b'{"b":2}',
                    headers={"Content-Type": posted_type})  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A document can only be merged when both it and the stored one are application/json"
    }
    assert stored(backend_lrs, organiser, resource, params) == b'{"a":1}'


@pytest.mark.parametrize(
    "resource",
    [
        rule(STATE, mark=pytest.mark.xapi("XAPI-00229")),
        rule(AGENT_PROFILE, mark=pytest.mark.xapi("XAPI-00281")),
        rule(ACTIVITY_PROFILE, mark=pytest.mark.xapi("XAPI-00313")),
    ],
)
def test_post_where_either_document_is_no_json_object_is_400(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource
) -> None:
    params = resource.params()
    put(backend_lrs, organiser, resource, params, b'["een", "twee"]')
    onto_array = call(backend_lrs, organiser, "POST", resource, params, json={"b": 2})
    assert onto_array.status_code == 400
    assert onto_array.json() == {"detail": "The stored document is not a JSON object: it cannot be merged"}
    assert stored(backend_lrs, organiser, resource, params) == b'["een", "twee"]'
    other = resource.params()
    put(backend_lrs, organiser, resource, other, b'{"a":1}')
    an_array = call(backend_lrs, organiser, "POST", resource, other, json=["b"])
    assert an_array.status_code == 400
    assert an_array.json() == {"detail": "A document POSTed as application/json must be a JSON object"}
    assert stored(backend_lrs, organiser, resource, other) == b'{"a":1}'


@pytest.mark.parametrize(
    "resource",
    [
        rule(STATE, mark=pytest.mark.xapi("XAPI-00235")),
        rule(AGENT_PROFILE, mark=pytest.mark.xapi("XAPI-00284")),
        rule(ACTIVITY_PROFILE, mark=pytest.mark.xapi("XAPI-00314")),
    ],
)
def test_post_of_invalid_json_declared_as_json_is_400(
    backend_lrs: LiveLRS, organiser: Auth, resource: Resource
) -> None:
    params = resource.params()
    put(backend_lrs, organiser, resource, params, b'{"a":1}')
    response = call(backend_lrs, organiser, "POST", resource, params, data=b'{"b": 2,}', headers=JSON)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The document is not valid JSON: ")
    assert stored(backend_lrs, organiser, resource, params) == b'{"a":1}'
    new = resource.params()
    assert call(backend_lrs, organiser, "POST", resource, new, data=b"{b: 2}", headers=JSON).status_code == 400
    assert stored(backend_lrs, organiser, resource, new) is None

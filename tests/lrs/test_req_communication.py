"""Requests, content types and the small resources, rule by rule (xAPI 1.0.3 Communication 1.1,
1.5, 2.1's attachments, 2.2's rejected requests, 2.4 Agents, 2.5 Activities, 2.8 About).

One case per requirement id of the ADL suite (``tests/lrs/xapi_requirements.txt``);
every case runs on SQLite and on PostgreSQL against the running LRS.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from leerpad.lrs.testing import LiveLRS

from .conftest import xapi
from .rules import rule

Make = Callable[..., dict[str, Any]]
Auth = tuple[str, str]


@dataclass
class Stored:
    """One of everything: a statement, a State document, both profile documents."""

    statement: dict[str, Any]
    state: dict[str, str]
    activity_profile: dict[str, str]
    agent_profile: dict[str, str]

    @property
    def agent(self) -> str:
        return json.dumps(self.statement["actor"])

    @property
    def activity(self) -> str:
        return str(self.statement["object"]["id"])


@pytest.fixture
def everything(backend_lrs: LiveLRS, make_statement: Make, organiser: Auth) -> Stored:
    """A statement and one document in each document resource, about its actor and activity."""
    statement = make_statement(activity=f"https://leerpad.test/case/{uuid.uuid4()}")
    statement["actor"]["mbox"] = f"mailto:{uuid.uuid4().hex[:12]}@leerpad.example"
    assert backend_lrs.post(statement).status_code == 200
    agent, activity = json.dumps(statement["actor"]), statement["object"]["id"]
    stored = Stored(
        statement,
        {"activityId": activity, "agent": agent, "stateId": "voortgang"},
        {"activityId": activity, "profileId": "cmi5"},
        {"agent": agent, "profileId": "cmi5LearnerPreferences"},
    )
    for path, params in (("activities/state", stored.state), ("activities/profile", stored.activity_profile),
                         ("agents/profile", stored.agent_profile)):  # fmt: skip
        put = xapi(backend_lrs, "PUT", f"{path}?{urlencode(params)}", organiser, json={"pagina": 3},
                   headers={"If-None-Match": "*"})  # fmt: skip
        assert put.status_code == 204, (path, put.text)
    return stored


# ------------------------------------------------------------------- Communication 1.1


# Each case: the resource and query of a GET, from what is stored, and the status GET answers.
GETS = [
    ("statements", lambda s: {"registration": s.statement["context"]["registration"]}, 200),
    ("statements", lambda s: {"statementId": s.statement["id"]}, 200),
    ("statements", lambda s: {"statementId": str(uuid.uuid4())}, 404),
    ("statements", lambda s: {"statementId": s.statement["id"], "verb": "x"}, 400),
    ("activities/state", lambda s: s.state, 200),
    ("activities/state", lambda s: {k: v for k, v in s.state.items() if k != "stateId"}, 200),
    ("activities/profile", lambda s: s.activity_profile, 200),
    ("activities/profile", lambda s: {**s.activity_profile, "profileId": "geen"}, 404),
    ("agents/profile", lambda s: s.agent_profile, 200),
    ("agents/profile", lambda s: {"agent": s.agent}, 200),
    ("agents", lambda s: {"agent": s.agent}, 200),
    ("agents", lambda s: {}, 400),
    ("activities", lambda s: {"activityId": s.activity}, 200),
    ("about", lambda s: {}, 200),
]
# Headers a HEAD answer must share with its GET (besides the status).
SHARED_HEADERS = ("content-type", "content-length", "etag", "x-experience-api-version")


@pytest.mark.xapi("XAPI-00125", "XAPI-00126")
@pytest.mark.parametrize(("resource", "query", "status"), GETS, ids=[f"{r}-{s}" for r, _, s in GETS])
def test_head_answers_as_get_without_the_body(
    backend_lrs: LiveLRS,
    everything: Stored,
    organiser: Auth,
    resource: str,
    query: Callable[[Stored], dict[str, str]],
    status: int,
) -> None:
    url = f"{resource}?{urlencode(query(everything))}"
    got = xapi(backend_lrs, "GET", url, organiser)
    head = xapi(backend_lrs, "HEAD", url, organiser)
    assert (got.status_code, head.status_code) == (status, status)
    assert got.content != b"" and head.content == b""
    assert {h: head.headers.get(h) for h in SHARED_HEADERS} == {h: got.headers.get(h) for h in SHARED_HEADERS}
    if resource == "statements":
        assert "x-experience-api-consistent-through" in head.headers


@pytest.mark.xapi("XAPI-00140")
def test_every_resource_of_the_specification_is_served(
    backend_lrs: LiveLRS, everything: Stored, organiser: Auth
) -> None:
    """Statements, State, Activity Profile, Agent Profile, Agents, Activities, About: each answers."""
    answers = {
        resource: xapi(backend_lrs, "GET", f"{resource}?{urlencode(query)}", organiser).json()
        for resource, query in (
            ("statements", {"statementId": everything.statement["id"]}),
            ("activities/state", everything.state),
            ("activities/profile", everything.activity_profile),
            ("agents/profile", everything.agent_profile),
            ("agents", {"agent": everything.agent}),
            ("activities", {"activityId": everything.activity}),
            ("about", {}),
        )
    }
    assert answers["statements"]["id"] == everything.statement["id"]
    assert answers["activities/state"] == answers["activities/profile"] == answers["agents/profile"] == {"pagina": 3}
    assert answers["agents"]["objectType"] == "Person"
    assert answers["activities"]["id"] == everything.activity
    assert answers["about"]["version"] == ["1.0.3"]
    unknown = xapi(backend_lrs, "GET", "learners", organiser)
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "No xAPI resource at /xAPI/learners"})


# ------------------------------------------------------------------- Communication 1.5

CONTENT = "Attest voor Els — 2 uur nascholing".encode()
SHA2 = hashlib.sha256(CONTENT).hexdigest()


def _attached(make_statement: Make, **extra: Any) -> dict[str, Any]:
    """A statement with one attachment (the certificate), sent as a part unless ``fileUrl``."""
    attachment = {
        "usageType": "https://leerpad.test/attachment/attest",
        "display": {"nl-BE": "Attest"},
        "contentType": "text/plain",
        "length": len(CONTENT),
        "sha2": SHA2,
        **extra,
    }
    return make_statement(attachments=[attachment])


def _part(headers: dict[str, str], content: bytes) -> tuple[dict[str, str], bytes]:
    return headers, content


def _statements_part(statements: object) -> tuple[dict[str, str], bytes]:
    return _part({"Content-Type": "application/json"}, json.dumps(statements).encode())


def _attachment_part(content: bytes = CONTENT, **headers: str) -> tuple[dict[str, str], bytes]:
    base = {
        "Content-Type": "text/plain",
        "Content-Transfer-Encoding": "binary",
        "X-Experience-API-Hash": hashlib.sha256(content).hexdigest(),
    }
    return _part({k: v for k, v in {**base, **headers}.items() if v}, content)


def _multipart(parts: list[tuple[dict[str, str], bytes]], boundary: str = "grens") -> bytes:
    """A multipart body: every part after a boundary line, its headers, a blank line, its content."""
    chunks = []
    for headers, content in parts:
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        chunks.append(f"--{boundary}\r\n{lines}\r\n".encode() + content + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode()


MIXED = "multipart/mixed; boundary=grens"


# The uploads refused, each built from a statement with an attachment part (``s``) and one whose
# attachment is a fileUrl (``linked``): (body, Content-Type).
Build = Callable[[dict[str, Any], dict[str, Any]], tuple[bytes, str]]
EXTRA = b"niet aangekondigd"


def _linked_as_text(s: dict[str, Any], linked: dict[str, Any]) -> tuple[bytes, str]:
    return json.dumps(linked).encode(), "text/plain"


def _as_form_data(s: dict[str, Any], linked: dict[str, Any]) -> tuple[bytes, str]:
    return _multipart([_statements_part(s), _attachment_part()]), "multipart/form-data; boundary=grens"


def _with_an_undeclared_part(s: dict[str, Any], linked: dict[str, Any]) -> tuple[bytes, str]:
    return _multipart([_statements_part(s), _attachment_part(), _attachment_part(EXTRA)]), MIXED


def _as_json(s: dict[str, Any], linked: dict[str, Any]) -> tuple[bytes, str]:
    return json.dumps([s, linked]).encode(), "application/json"


def _without_the_second_boundary(s: dict[str, Any], linked: dict[str, Any]) -> tuple[bytes, str]:
    body = _multipart([_statements_part(s), _attachment_part()])
    return body.replace(b"\r\n--grens\r\nContent-Type: text", b"\r\nContent-Type: text"), MIXED


def _without_boundary_parameter(s: dict[str, Any], linked: dict[str, Any]) -> tuple[bytes, str]:
    return _multipart([_statements_part(s), _attachment_part()]), "multipart/mixed"


def _part_without_hash(s: dict[str, Any], linked: dict[str, Any]) -> tuple[bytes, str]:
    return _multipart([_statements_part(s), _attachment_part(**{"X-Experience-API-Hash": ""})]), MIXED


def _a_statement_in_a_later_part(s: dict[str, Any], linked: dict[str, Any]) -> tuple[bytes, str]:
    later = _attachment_part(json.dumps(linked).encode(), **{"Content-Type": "application/json"})
    return _multipart([_statements_part(s), _attachment_part(), later]), MIXED


def _first_part_as_text(s: dict[str, Any], linked: dict[str, Any]) -> tuple[bytes, str]:
    return _multipart([_part({"Content-Type": "text/plain"}, json.dumps(s).encode()), _attachment_part()]), MIXED


def _part_not_binary(s: dict[str, Any], linked: dict[str, Any]) -> tuple[bytes, str]:
    return _multipart([_statements_part(s), _attachment_part(**{"Content-Transfer-Encoding": "8bit"})]), MIXED


REFUSED_UPLOADS = [
    rule(_linked_as_text, "Statements are sent as application/json or multipart/mixed, not text/plain",
         mark=pytest.mark.xapi("XAPI-00127"), name="text-plain"),
    rule(_as_form_data, "Statements are sent as application/json or multipart/mixed, not multipart/form-data",
         mark=pytest.mark.xapi("XAPI-00138"), name="form-data-not-mixed"),
    rule(_with_an_undeclared_part,
         f"The part with hash {hashlib.sha256(EXTRA).hexdigest()} belongs to no attachment of the statements",
         mark=pytest.mark.xapi("XAPI-00128"), name="a-part-no-attachment-declares"),
    rule(_as_json, "Statements with attachments without fileUrl must be sent as multipart/mixed",
         mark=pytest.mark.xapi("XAPI-00129"), name="json-with-an-attachment-without-fileUrl"),
    rule(_without_the_second_boundary, "The request body is not valid JSON",
         mark=pytest.mark.xapi("XAPI-00130"), name="no-boundary-before-a-part"),
    rule(_without_boundary_parameter, "The multipart/mixed body has no parts (is the boundary right?)",
         mark=pytest.mark.xapi("XAPI-00131"), name="no-boundary-parameter"),
    rule(_part_without_hash, "Part 2 has no X-Experience-API-Hash header",
         mark=pytest.mark.xapi("XAPI-00132"), name="part-without-hash"),
    rule(_a_statement_in_a_later_part, "The part with hash {linked} belongs to no attachment of the statements",
         mark=pytest.mark.xapi("XAPI-00133"), name="a-statement-in-a-later-part"),
    rule(_first_part_as_text, "The first part of a multipart/mixed request must be the statements (application/json)",
         mark=pytest.mark.xapi("XAPI-00134"), name="first-part-not-json"),
    rule(_part_not_binary, "Part 2 needs Content-Transfer-Encoding: binary",
         mark=pytest.mark.xapi("XAPI-00135"), name="part-not-binary"),
]  # fmt: skip


@pytest.mark.parametrize(("build", "message"), REFUSED_UPLOADS)
def test_a_malformed_statement_upload_is_400_and_stores_nothing(
    backend_lrs: LiveLRS, make_statement: Make, build: Build, message: str
) -> None:
    statement = _attached(make_statement)
    linked = _attached(make_statement, fileUrl="https://leerpad.test/attest.txt")
    body, content_type = build(statement, linked)
    response = xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=body,
                    headers={"Content-Type": content_type})  # fmt: skip
    assert response.status_code == 400
    expected = message.replace("{linked}", hashlib.sha256(json.dumps(linked).encode()).hexdigest())
    assert response.json()["detail"].startswith(expected)
    for sent in (statement, linked):
        assert backend_lrs.get({"statementId": sent["id"]}).status_code == 404


@pytest.mark.xapi("XAPI-00136", "XAPI-00137", "XAPI-00167", "XAPI-00161")
def test_a_well_formed_upload_is_stored_and_returned_with_or_without_its_attachments(
    backend_lrs: LiveLRS, make_statement: Make
) -> None:
    """multipart/mixed as Communication 1.5.2 says: no MIME-Version header (an e-mail header, which
    the ADL suite dropped as a requirement: XAPI-00137; it lists no XAPI-00136) is needed.
    ``attachments=true`` returns the statement and its attachment as multipart/mixed;
    ``attachments=false`` (the default) the statement alone, as application/json."""
    statement = _attached(make_statement)
    body = _multipart([_statements_part([statement]), _attachment_part()])
    assert b"MIME-Version" not in body
    posted = xapi(backend_lrs, "POST", "statements", backend_lrs.write, data=body, headers={"Content-Type": MIXED})
    assert (posted.status_code, posted.json()) == (200, [statement["id"]])
    with_parts = backend_lrs.get({"statementId": statement["id"], "attachments": "true"})
    assert with_parts.headers["content-type"].startswith("multipart/mixed; boundary=")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + with_parts.headers["content-type"].encode() + b"\r\n\r\n" + with_parts.content
    )
    first, second = message.iter_parts()
    assert first.get_content_type() == "application/json"
    assert json.loads(first.get_payload(decode=True))["id"] == statement["id"]
    assert (second["X-Experience-API-Hash"], second.get_payload(decode=True)) == (SHA2, CONTENT)
    for query in ({"statementId": statement["id"], "attachments": "false"}, {"statementId": statement["id"]}):
        plain = backend_lrs.get(query)
        assert plain.headers["content-type"] == "application/json"
        assert CONTENT not in plain.content
        assert plain.json()["attachments"][0]["sha2"] == SHA2


# ------------------------------------------------------------------- Communication 2.2


@pytest.mark.xapi("XAPI-00182")
def test_rejected_requests_change_nothing_stored(
    backend_lrs: LiveLRS, everything: Stored, make_statement: Make, organiser: Auth
) -> None:
    registration = everything.statement["context"]["registration"]
    state_url = f"activities/state?{urlencode(everything.state)}"
    profile_url = f"agents/profile?{urlencode(everything.agent_profile)}"

    def snapshot() -> tuple[Any, ...]:
        statements = backend_lrs.get({"registration": registration}).json()["statements"]
        documents = [xapi(backend_lrs, "GET", url, organiser) for url in (state_url, profile_url)]
        return statements, [(d.content, d.headers["etag"]) for d in documents]

    before = snapshot()
    newcomer = make_statement(registration=registration)
    broken = make_statement(registration=registration, verb="passed")
    broken["verb"]["id"] = "geen iri"
    changed = {**everything.statement, "result": {"success": False}}
    refusals = [
        ("POST", "statements", {"json": [newcomer, broken]}, backend_lrs.write, 400),
        ("PUT", f"statements?statementId={changed['id']}", {"json": changed}, backend_lrs.write, 409),
        ("POST", "statements", {"json": newcomer, "headers": {"X-Experience-API-Version": "0.9"}}, backend_lrs.write,
         400),
        ("POST", "statements", {"json": newcomer}, (backend_lrs.write[0], "fout"), 401),
        ("POST", state_url, {"data": b"tekst", "headers": {"Content-Type": "text/plain"}}, organiser, 400),
        ("PUT", state_url, {"json": {"a": 1}}, backend_lrs.write, 403),
        ("PUT", profile_url, {"json": {"a": 1}, "headers": {"If-Match": '"' + "0" * 40 + '"'}}, organiser, 412),
        ("PUT", profile_url, {"json": {"a": 1}}, organiser, 409),
        ("DELETE", profile_url, {"headers": {"If-Match": '"' + "0" * 40 + '"'}}, organiser, 412),
    ]  # fmt: skip
    for method, url, options, auth, status in refusals:
        response = xapi(backend_lrs, method, url, auth, **options)
        assert response.status_code == status, (method, url, response.text)
    assert snapshot() == before
    assert backend_lrs.get({"statementId": newcomer["id"]}).status_code == 404


# ------------------------------------------------------------------- Communication 2.4

AGENTS = [
    rule({"mbox": "mailto:els.peeters@leerpad.example"}, mark=pytest.mark.xapi("XAPI-00239", "XAPI-00244"),
         name="mbox"),
    rule({"mbox_sha1sum": hashlib.sha1(b"mailto:els.peeters@leerpad.example").hexdigest()},
         mark=pytest.mark.xapi("XAPI-00240"), name="mbox_sha1sum"),
    rule({"openid": "https://openid.leerpad.example/els"}, mark=pytest.mark.xapi("XAPI-00241"), name="openid"),
    rule({"account": {"homePage": "https://www.riziv.fgov.be", "name": "1-23456-78-901"}},
         mark=pytest.mark.xapi("XAPI-00242"), name="account"),
]  # fmt: skip


@pytest.mark.xapi("XAPI-00236", "XAPI-00237", "XAPI-00238", "XAPI-00245", "XAPI-00246", "XAPI-00247", "XAPI-00248")
@pytest.mark.parametrize("identifier", AGENTS)
def test_the_agents_resource_returns_a_person_with_array_values(
    backend_lrs: LiveLRS, organiser: Auth, identifier: dict[str, Any]
) -> None:
    """An agent the LRS knows nothing more about is still a Person: its name and identifier, each
    as an array (``mbox`` entries keep their ``mailto:``)."""
    agent = {"objectType": "Agent", "name": "Els Peeters", **identifier}
    response = xapi(backend_lrs, "GET", "agents?" + urlencode({"agent": json.dumps(agent)}), organiser)
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    ((name, value),) = identifier.items()
    assert response.json() == {"objectType": "Person", "name": ["Els Peeters"], name: [value]}


@pytest.mark.parametrize(
    ("agent", "message"),
    [
        rule(None, "The agent parameter is required", mark=pytest.mark.xapi("XAPI-00243"), name="missing"),
        rule("{mbox: els}", "The agent parameter is not valid JSON", mark=pytest.mark.xapi("XAPI-00249"),
             name="not-json"),
        rule('{"name": "Els"}', "The agent needs exactly one of mbox, mbox_sha1sum, openid, account",
             mark=pytest.mark.xapi("XAPI-00249"), name="no-identifier"),
        rule('{"mbox": "mailto:els@leerpad.example", "openid": "https://openid.leerpad.example/els"}',
             "The agent needs exactly one of mbox, mbox_sha1sum, openid, account",
             mark=pytest.mark.xapi("XAPI-00249"), name="two-identifiers"),
        rule('{"mbox": "els@leerpad.example"}', "The agent's mbox must be a mailto: IRI",
             mark=pytest.mark.xapi("XAPI-00249"), name="mbox-without-mailto"),
    ],
)  # fmt: skip
def test_the_agents_resource_refuses_a_missing_or_malformed_agent(
    backend_lrs: LiveLRS, organiser: Auth, agent: str | None, message: str
) -> None:
    query = "agents" + (f"?{urlencode({'agent': agent})}" if agent is not None else "")
    response = xapi(backend_lrs, "GET", query, organiser)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)


# ------------------------------------------------------------------- Communication 2.5


@pytest.mark.xapi("XAPI-00251", "XAPI-00252", "XAPI-00253", "XAPI-00254")
def test_the_activities_resource_returns_the_complete_activity(
    backend_lrs: LiveLRS, make_statement: Make, organiser: Auth
) -> None:
    """Every definition of the activity in stored statements, merged: language maps joined."""
    activity = f"https://leerpad.test/quiz/toets/question/{uuid.uuid4()}"
    dutch = make_statement(activity=activity)
    definition = dutch["object"]["definition"]
    definition["description"] = {"nl-BE": "Welke houding past bij de patiënt?"}
    definition["moreInfo"] = "https://leerpad.test/uitleg"
    definition["extensions"] = {"https://leerpad.test/extension/weging": 2}
    french = make_statement(activity=activity)
    french["object"]["definition"] = {"name": {"fr-BE": "Question"}, "description": {"fr-BE": "Quelle attitude ?"}}
    assert backend_lrs.post(dutch).status_code == 200
    assert backend_lrs.post(french).status_code == 200
    response = xapi(backend_lrs, "GET", "activities?" + urlencode({"activityId": activity}), organiser)
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    expected = {
        **definition,
        "name": {**definition["name"], "fr-BE": "Question"},
        "description": {"nl-BE": "Welke houding past bij de patiënt?", "fr-BE": "Quelle attitude ?"},
    }
    assert response.json() == {"objectType": "Activity", "id": activity, "definition": expected}


@pytest.mark.xapi("XAPI-00250")
def test_the_activities_resource_needs_an_activity_id(backend_lrs: LiveLRS, organiser: Auth) -> None:
    for query in ("activities", "activities?activityId="):
        response = xapi(backend_lrs, "GET", query, organiser)
        assert (response.status_code, response.json()) == (400, {"detail": "The activityId parameter is required"})


# ------------------------------------------------------------------- Communication 2.8


@pytest.mark.xapi("XAPI-00315", "XAPI-00316", "XAPI-00317", "XAPI-00318", "XAPI-00319", "XAPI-00320")
def test_the_about_resource_names_the_versions_and_extensions(backend_lrs: LiveLRS) -> None:
    response = requests.get(backend_lrs.endpoint + "about", timeout=30)  # no credential, no version header
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    about = response.json()
    assert isinstance(about["version"], list) and about["version"]
    assert all(isinstance(v, str) and re.fullmatch(r"0\.9|0\.95|1\.0\.\d+", v) for v in about["version"])
    assert "1.0.3" in about["version"]
    assert isinstance(about.get("extensions", {}), dict)


@pytest.mark.xapi("XAPI-00321")
@pytest.mark.parametrize(
    ("method", "resource"),
    [
        ("GET", "statements"),
        ("POST", "statements"),
        ("GET", "activities/state"),
        ("PUT", "activities/state"),
        ("GET", "activities/profile"),
        ("GET", "agents/profile"),
        ("GET", "agents"),
        ("GET", "activities"),
    ],
)
def test_every_resource_but_about_needs_the_version_header(
    backend_lrs: LiveLRS, everything: Stored, organiser: Auth, method: str, resource: str
) -> None:
    query = {
        "statements": {},
        "activities/state": everything.state,
        "activities/profile": everything.activity_profile,
        "agents/profile": everything.agent_profile,
        "agents": {"agent": everything.agent},
        "activities": {"activityId": everything.activity},
    }[resource]
    body = everything.statement if method == "POST" else {"pagina": 4}
    response = xapi(backend_lrs, method, f"{resource}?{urlencode(query)}", organiser, version=False, json=body)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "X-Experience-API-Version must be 1.0.x, not None"},
    )
    state = xapi(backend_lrs, "GET", f"activities/state?{urlencode(everything.state)}", organiser)
    assert state.json() == {"pagina": 3}  # the PUT without the header changed nothing
    assert xapi(backend_lrs, "GET", "about", None, version=False).status_code == 200

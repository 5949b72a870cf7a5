"""Error codes, versioning and authentication (xAPI 1.0.3 Communication 3.2, 3.3, 4.0), marked by XAPI id.

The other ids of these sections are guarded where they were first tested:
XAPI-00322 (ETags) in test_xapi_documents.py, XAPI-00326 (a refused batch stores
nothing) in test_faults.py, XAPI-00328 (413) in test_xapi_requests.py, XAPI-00330
(a statement keeps its version) in test_req_data_statements.py. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from leerpad.lrs.dialects import open_database
from leerpad.lrs.testing import LiveLRS

from .conftest import xapi

Make = Callable[..., dict[str, Any]]
# The codes Communication 3.2 lets an LRS answer a request it does not carry out with.
SPEC_ERRORS = {400, 401, 403, 404, 409, 412, 413, 500}
QUERY_PARAMETERS = ("statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
                    "related_activities", "related_agents", "since", "until", "limit", "format", "attachments",
                    "ascending")  # fmt: skip


def _json_post(lrs: LiveLRS, body: bytes, auth: tuple[str, str] | None = None, resource: str = "statements") -> Any:
    return xapi(lrs, "POST", resource, auth or lrs.write, data=body, headers={"Content-Type": "application/json"})


REFUSED_STATEMENTS: list[Any] = [
    pytest.param(lambda lrs, s: _json_post(lrs, b"[{"), 400, id="malformed-json"),
    pytest.param(lambda lrs, s: _json_post(lrs, json.dumps({**s, "actor": None}).encode()), 400, id="invalid"),
    pytest.param(lambda lrs, s: xapi(lrs, "POST", "statements", lrs.write, data=json.dumps(s),
                                     headers={"Content-Type": "text/plain"}), 400, id="wrong-content-type"),
    pytest.param(lambda lrs, s: xapi(lrs, "PUT", "statements", lrs.write, json=s), 400, id="put-without-statement-id"),
    pytest.param(lambda lrs, s: xapi(lrs, "PUT", f"statements?statementId={s['id']}", lrs.write, json=[s]), 400,
                 id="put-with-a-list"),
    pytest.param(lambda lrs, s: xapi(lrs, "PUT", f"statements?statementId={uuid.uuid4()}", lrs.write, json=s), 400,
                 id="put-with-another-id"),
    pytest.param(lambda lrs, s: _json_post(lrs, json.dumps(s).encode(), lrs.read), 403, id="read-credential"),
    pytest.param(lambda lrs, s: xapi(lrs, "POST", "statements", None, json=s), 401, id="no-credential"),
]  # fmt: skip


@pytest.mark.xapi("XAPI-00323")
@pytest.mark.parametrize(("send", "status"), REFUSED_STATEMENTS)
def test_XAPI_00323_statements_are_refused_only_with_the_specification_s_codes(
    backend_lrs: LiveLRS, make_statement: Make, send: Callable[[LiveLRS, dict[str, Any]], Any], status: int
) -> None:
    """Each refusal has its own code, one of the specification's (never FastAPI's 422, 415 or 405)."""
    statement = make_statement()
    response = send(backend_lrs, statement)
    assert response.status_code == status, response.text
    assert status in SPEC_ERRORS
    assert response.json()["detail"]
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == 404


@pytest.mark.xapi("XAPI-00323")
def test_XAPI_00323_a_conflicting_statement_id_is_409(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    assert backend_lrs.post(statement).status_code == 200
    other = {**statement, "result": {"response": "a", "success": False}}
    response = backend_lrs.post(other)
    assert response.status_code == 409
    assert backend_lrs.get({"statementId": statement["id"]}).json()["result"] == statement["result"]


@pytest.mark.xapi("XAPI-00324")
@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
def test_XAPI_00324_a_parameter_the_lrs_does_not_know_is_400(
    backend_lrs: LiveLRS, make_statement: Make, method: str
) -> None:
    statement = make_statement()
    params = {"statementId": statement["id"]} if method == "PUT" else {}
    auth = backend_lrs.read if method == "GET" else backend_lrs.write
    body = statement if method != "GET" else None
    response = xapi(backend_lrs, method, "statements?" + urlencode({**params, "leerling": "els"}), auth, json=body)
    assert (response.status_code, response.json()) == (
        400, {"detail": "The following parameter is not allowed: `leerling`"}
    )  # fmt: skip
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == 404


@pytest.mark.xapi("XAPI-00325")
@pytest.mark.parametrize("name", QUERY_PARAMETERS)
def test_XAPI_00325_a_query_parameter_in_another_case_is_400(
    backend_lrs: LiveLRS, make_statement: Make, name: str
) -> None:
    statement = make_statement()
    assert backend_lrs.post(statement).status_code == 200
    valid = {"statementId": statement["id"], "voidedStatementId": statement["id"],
             "agent": json.dumps(statement["actor"]), "verb": statement["verb"]["id"],
             "activity": statement["object"]["id"], "limit": "1", "format": "ids",
             "registration": statement["context"]["registration"], "since": "2024-01-01T00:00:00Z",
             "until": "2099-01-01T00:00:00Z", "related_activities": "true", "related_agents": "true",
             "attachments": "false", "ascending": "true"}  # fmt: skip
    assert backend_lrs.get({name: valid[name]}).status_code == (404 if name == "voidedStatementId" else 200)
    for other_case in (name[0].upper() + name[1:], name.upper()):
        response = backend_lrs.get({other_case: valid[name]})
        assert (response.status_code, response.json()) == (
            400, {"detail": f"The following parameter is not allowed: `{other_case}`"}
        )  # fmt: skip


@pytest.mark.xapi("XAPI-00325")
def test_XAPI_00325_put_with_statement_id_in_another_case_is_400(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    response = xapi(backend_lrs, "PUT", f"statements?StatementId={statement['id']}", backend_lrs.write, json=statement)
    assert response.status_code == 400
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == 404


@pytest.mark.xapi("XAPI-00327")
def test_XAPI_00327_a_valid_credential_without_the_scope_gets_403(
    backend_lrs: LiveLRS, make_statement: Make
) -> None:
    statement = make_statement()
    by_reader = xapi(backend_lrs, "POST", "statements", backend_lrs.read, json=statement)
    assert (by_reader.status_code, by_reader.json()) == (
        403, {"detail": 'Access not authorized to scope: "statements/write".'}
    )  # fmt: skip
    assert xapi(backend_lrs, "GET", "statements", backend_lrs.write).status_code == 403
    assert backend_lrs.post(statement).status_code == 200
    voiding = make_statement(object={"objectType": "StatementRef", "id": statement["id"]})
    voiding["verb"] = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    del voiding["result"], voiding["context"]["platform"]
    by_browser = backend_lrs.post(voiding)
    assert (by_browser.status_code, by_browser.json()) == (
        403, {"detail": "Only a credential with scope all may void statements"}
    )  # fmt: skip
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == 200  # not voided


@pytest.mark.xapi("XAPI-00329")
def test_XAPI_00329_a_statement_the_database_cannot_take_gets_500_and_the_lrs_recovers(
    backend_lrs: LiveLRS, make_statement: Make
) -> None:
    kept = make_statement()
    assert backend_lrs.post(kept).status_code == 200
    failed = make_statement()
    assert backend_lrs.log_path is not None
    log_before = backend_lrs.log_path.stat().st_size
    database = open_database(backend_lrs.database)
    try:
        # The server's fault, not the client's: the table is gone for a moment while the LRS runs.
        with database.transaction() as cursor:
            cursor.execute("ALTER TABLE statements RENAME TO statements_weg")
        try:
            # A write (Leerpad's) and a query (Ralph's): both answer as the LRS's other errors do.
            query = backend_lrs.get({"verb": "http://adlnet.gov/expapi/verbs/answered"})
            for response in (backend_lrs.post(failed), query):
                assert response.status_code == 500
                assert response.headers["X-Experience-API-Version"] == "1.0.3"
                assert response.headers["Content-Type"] == "application/json"
                # The internals (the table, the traceback) stay in the log.
                assert response.json() == {"detail": "The LRS could not carry out the request because of an error "
                                                      "on the server; its log says why"}  # fmt: skip
        finally:
            with database.transaction() as cursor:
                cursor.execute("ALTER TABLE statements_weg RENAME TO statements")
    finally:
        database.close()
    with backend_lrs.log_path.open(encoding="utf-8", errors="replace") as log:
        log.seek(log_before)
        logged = log.read()
    assert "POST /xAPI/statements failed" in logged and "GET /xAPI/statements failed" in logged
    assert logged.count("Traceback (most recent call last)") >= 2
    assert "no such table: statements" in logged or 'relation "statements" does not exist' in logged
    assert backend_lrs.get({"statementId": failed["id"]}).status_code == 404
    assert backend_lrs.get({"statementId": kept["id"]}).status_code == 200
    assert backend_lrs.post(failed).status_code == 200


@pytest.mark.xapi("XAPI-00331")
@pytest.mark.parametrize(
    ("version", "status"),
    [("1.0", 200), ("1.0.0", 200), ("1.0.3", 200), ("1.0.99", 200),
     ("1.1.0", 400), ("0.95", 400), ("2.0.0", 400), ("1.0.3.1", 400), ("1.0.x", 400), ("", 400)],
)  # fmt: skip
def test_XAPI_00331_the_version_header_must_be_1_0_or_1_0_x_on_every_resource(
    backend_lrs: LiveLRS, make_statement: Make, organiser: tuple[str, str], version: str, status: int
) -> None:
    statement = make_statement()
    agent = json.dumps(statement["actor"])
    header = {"X-Experience-API-Version": version}
    requests_made = {
        "POST statements": xapi(backend_lrs, "POST", "statements", backend_lrs.write, json=statement, headers=header),
        "GET statements": xapi(backend_lrs, "GET", "statements?limit=1", backend_lrs.read, headers=header),
        "GET state": xapi(backend_lrs, "GET", "activities/state?" + urlencode(
            {"activityId": statement["object"]["id"], "agent": agent}), organiser, headers=header),
        "GET agents": xapi(backend_lrs, "GET", "agents?" + urlencode({"agent": agent}), organiser, headers=header),
    }  # fmt: skip
    for name, response in requests_made.items():
        assert response.status_code == status, (name, response.text)
        if status == 400:
            assert response.json() == {"detail": f"X-Experience-API-Version must be 1.0.x, not {version!r}"}, name
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == (200 if status == 200 else 404)


@pytest.mark.xapi("XAPI-00333")
def test_XAPI_00333_every_answer_names_xapi_version_1_0_3(
    backend_lrs: LiveLRS, make_statement: Make, organiser: tuple[str, str]
) -> None:
    statement = make_statement()
    agent = json.dumps(statement["actor"])
    state = "activities/state?" + urlencode({"activityId": statement["object"]["id"], "agent": agent, "stateId": "s"})
    answers = {
        "POST 200": backend_lrs.post(statement),
        "GET 200": backend_lrs.get({"statementId": statement["id"]}),
        "HEAD 200": xapi(backend_lrs, "HEAD", "statements", backend_lrs.read),
        "GET 400": backend_lrs.get({"limit": "veel"}),
        "GET 404": backend_lrs.get({"statementId": str(uuid.uuid4())}),
        "POST 401": xapi(backend_lrs, "POST", "statements", None, json=statement),
        "GET 403": xapi(backend_lrs, "GET", "statements", backend_lrs.write),
        "PUT 204 state": xapi(backend_lrs, "PUT", state, organiser, json={"stap": 2}),
        "GET 200 state": xapi(backend_lrs, "GET", state, organiser),
        "GET 200 about": xapi(backend_lrs, "GET", "about", None, version=False),
    }
    for name, response in answers.items():
        assert str(response.status_code) in name, (name, response.status_code)
        assert response.headers["X-Experience-API-Version"] == "1.0.3", name


@pytest.mark.xapi("XAPI-00334")
@pytest.mark.parametrize(
    "authorization",
    [None, "Basic", "Basic %%%", "Bearer abc", "Basic " + base64.b64encode(b"zonder-dubbele-punt").decode()],
    ids=["none", "no-credentials", "not-base64", "other-scheme", "no-colon"],
)
def test_XAPI_00334_a_request_without_valid_credentials_gets_401(
    backend_lrs: LiveLRS, authorization: str | None
) -> None:
    headers = {"X-Experience-API-Version": "1.0.3"} | ({"Authorization": authorization} if authorization else {})
    response = requests.get(backend_lrs.statements_url, headers=headers, timeout=30)
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid authentication credentials"})
    assert response.headers["WWW-Authenticate"] == 'Basic realm="xAPI"'


@pytest.mark.xapi("XAPI-00335")
@pytest.mark.parametrize("scheme", ["Basic", "basic"])
def test_XAPI_00335_http_basic_authentication_is_supported(
    backend_lrs: LiveLRS, make_statement: Make, scheme: str
) -> None:
    def basic(credential: tuple[str, str]) -> dict[str, str]:
        token = base64.b64encode(":".join(credential).encode()).decode()
        return {"Authorization": f"{scheme} {token}", "X-Experience-API-Version": "1.0.3"}

    statement = make_statement()
    posted = requests.post(backend_lrs.statements_url, json=statement, headers=basic(backend_lrs.write), timeout=30)
    assert posted.status_code == 200
    read = requests.get(backend_lrs.statements_url, params={"statementId": statement["id"]},
                        headers=basic(backend_lrs.read), timeout=30)  # fmt: skip
    assert read.json()["id"] == statement["id"]
    wrong = basic((backend_lrs.read[0], backend_lrs.read[1] + "x"))
    assert requests.get(backend_lrs.statements_url, headers=wrong, timeout=30).status_code == 401

"""One test (or more) per row of ``shared/lrs-notes.md``: what Ralph 5.1.0 gets wrong.

The HTTP tests run on SQLite and on PostgreSQL (``backend_lrs``). Rows covered
elsewhere are named here and point to their test.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import requests

from leerpad.lrs.credentials import RALPH_AUTH_FILE
from leerpad.lrs.indexing import parse_time
from leerpad.lrs.query import StatementFilter, select_sql
from leerpad.lrs.server import lrs_environment
from leerpad.lrs.store import StatementStore
from leerpad.lrs.testing import XAPI_HEADERS, LiveLRS

from .conftest import COURSE, VERBS

Make = Callable[..., dict[str, Any]]
ROOT = Path(__file__).resolve().parents[2]


# Row 1: backends are loaded from the entry-point group `ralph.backends.lrs`.
def test_backend_is_registered_where_ralph_looks_for_it() -> None:
    from ralph.backends.loader import get_lrs_backends

    from leerpad.lrs.backend import LeerpadLRSBackend

    (entry,) = [e for e in entry_points(group="ralph.backends.lrs") if e.name == "leerpad_sql"]
    assert entry.value == "leerpad.lrs.backend:LeerpadLRSBackend"
    assert get_lrs_backends()["leerpad_sql"] is LeerpadLRSBackend
    assert lrs_environment(database="sqlite:///x", auth_file=Path("/a"))["RALPH_RUNSERVER_BACKEND"] == "leerpad_sql"


# Row 2: `ralph-malph[lrs]` does not install `requests`, which the API imports.
def test_requests_is_declared_and_pinned_by_us() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lrs_extra = project["project"]["optional-dependencies"]["lrs"]
    assert any(d.startswith("requests==") for d in lrs_extra)
    assert any(d.startswith("ralph-malph[lrs]==5.1.0") for d in lrs_extra)
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    assert any(line.startswith("requests==") for line in lock)


# Row 3: FS backend stores only the first POST; verb/activity filters never match;
# every query rescans the file. (10,000 statements and every filter: test_bulk.py.)
def test_every_post_is_stored_and_verb_and_activity_filters_match(backend_lrs: LiveLRS, make_statement: Make) -> None:
    registration = str(uuid.uuid4())
    activity = f"{COURSE}/case/{uuid.uuid4()}"
    posted = [
        make_statement(verb="experienced", activity=activity, registration=registration),
        make_statement(verb="answered", activity=activity, registration=registration),
        make_statement(verb="answered", registration=registration),
    ]
    for statement in posted:  # three separate POSTs
        assert backend_lrs.post(statement).status_code == 200
    assert len(backend_lrs.all_statements({"registration": registration})) == 3
    found = backend_lrs.all_statements({"verb": VERBS["answered"], "activity": activity})
    assert [s["id"] for s in found] == [posted[1]["id"]]
    found = backend_lrs.all_statements({"activity": activity})
    assert [s["id"] for s in found] == [posted[1]["id"], posted[0]["id"]]


def test_queries_use_indexes_not_scans(tmp_path: Path) -> None:
    store = StatementStore.open(f"sqlite://{tmp_path / 'plan.sqlite3'}")
    specs = [
        StatementFilter(verb=VERBS["answered"], activity=f"{COURSE}/quiz/q"),
        StatementFilter(verb=VERBS["answered"]),
        StatementFilter(activity=f"{COURSE}/quiz/q"),
        StatementFilter(registration=str(uuid.uuid4())),
        StatementFilter(statement_id=str(uuid.uuid4())),
        StatementFilter(agent="mbox:mailto:a@leerpad.example"),
        StatementFilter(since=1, until=2),
        StatementFilter(after=(5, 5)),
    ]
    for spec in specs:
        sql, params = select_sql(spec, 10**9, 101)
        plan = store.db.query(f"EXPLAIN QUERY PLAN {sql}", params)
        details = " | ".join(str(row[-1]) for row in plan)
        assert "USING INDEX" in details or "USING COVERING INDEX" in details, (spec, details)
        assert not re.search(r"SCAN (statements|s|t)\b(?! USING)", details), (spec, details)
    store.close()


# Row 4: an invalid statement (e.g. verb without `id`) answers 422.
def test_invalid_statement_gets_400_with_a_readable_message(backend_lrs: LiveLRS, make_statement: Make) -> None:
    statement = make_statement()
    statement["verb"] = {"display": {"nl-BE": "beantwoordde"}}
    response = backend_lrs.post(statement)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid statement, nothing of the request was stored: statement: verb.id: field required"
    }
    # Query-string errors that FastAPI reports as 422 become 400 as well.
    response = backend_lrs.get({"limit": "veel"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Invalid request: query.limit: ")
    # A PUT without the statementId parameter.
    response = requests.put(
        backend_lrs.statements_url,
        json=make_statement(),
        auth=backend_lrs.write,
        headers=XAPI_HEADERS,
        timeout=30,
    )
    assert response.status_code == 400
    assert "statementId" in response.json()["detail"]


# Row 5: only actor, verb id and object id are checked; re-serialising through the
# models drops interaction components. (score.scaled 1.5: test_faults.py.)
def test_interaction_components_survive_the_round_trip(
    backend_lrs: LiveLRS, make_statement: Make, as_sent: Callable[..., dict[str, Any]]
) -> None:
    registration = str(uuid.uuid4())
    definitions = [
        {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "interactionType": "sequencing",
            "correctResponsesPattern": ["eerst[,]dan[,]tenslotte"],
            "choices": [
                {"id": "eerst", "description": {"nl-BE": "Luisteren"}},
                {"id": "dan", "description": {"nl-BE": "Verbinden"}},
                {"id": "tenslotte", "description": {"nl-BE": "Opvolgen"}},
            ],
        },
        {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "interactionType": "matching",
            "correctResponsesPattern": ["zorg[.]sociaal"],
            "source": [{"id": "zorg", "description": {"nl-BE": "therapietrouw"}}],
            "target": [{"id": "sociaal", "description": {"nl-BE": "haalbaarheid"}}],
        },
        {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "interactionType": "likert",
            "scale": [
                {"id": "oneens", "description": {"nl-BE": "Oneens"}},
                {"id": "eens", "description": {"nl-BE": "Eens"}},
            ],
        },
    ]
    sent = []
    for definition in definitions:
        statement = make_statement(registration=registration)
        statement["object"]["definition"] = definition
        statement["result"] = {
            "score": {"scaled": 0.75, "raw": 3, "min": 0, "max": 4},
            "response": "eerst[,]dan[,]tenslotte",
        }
        sent.append(statement)
    assert backend_lrs.post(sent).status_code == 200
    stored = backend_lrs.all_statements({"registration": registration, "ascending": "true"})
    assert [as_sent(s) for s in stored] == sent  # exact: numbers stay numbers, nothing lost


# Row 6: a scope refusal answers 401 (tested in test_faults.test_credentials_and_scopes).
def test_scope_refusal_is_403(backend_lrs: LiveLRS) -> None:
    response = requests.get(backend_lrs.statements_url, auth=backend_lrs.write, headers=XAPI_HEADERS, timeout=30)
    assert response.status_code == 403


# Row 7: scopes are ignored unless both RESTRICT settings are true; a reader needs
# `statements/read` to see everyone's statements.
def test_write_only_browser_credential_and_a_read_credential_for_reports(
    backend_lrs: LiveLRS, make_statement: Make, tmp_path: Path
) -> None:
    env = lrs_environment(database="sqlite:///x", auth_file=tmp_path / RALPH_AUTH_FILE)
    assert env["RALPH_LRS_RESTRICT_BY_AUTHORITY"] == "true"
    assert env["RALPH_LRS_RESTRICT_BY_SCOPES"] == "true"
    auth_file = Path(backend_lrs.env["RALPH_AUTH_FILE"])
    scopes = {e["username"]: e["scopes"] for e in json.loads(auth_file.read_text())}
    assert scopes == {backend_lrs.write[0]: ["statements/write"], backend_lrs.read[0]: ["statements/read"]}
    statement = make_statement()
    assert backend_lrs.post(statement).status_code == 200
    # The reader sees statements whose authority is another credential (the browser's).
    found = backend_lrs.get({"statementId": statement["id"]}).json()
    assert found["id"] == statement["id"]
    assert found["authority"]["account"]["name"] == backend_lrs.write[0]


# Row 8: since/until filter on `timestamp` in Ralph's backends. (10,000: test_bulk.py.)
def test_since_and_until_use_stored(backend_lrs: LiveLRS, make_statement: Make) -> None:
    registration = str(uuid.uuid4())
    start = datetime.now(UTC) - timedelta(seconds=1)
    old = make_statement(registration=registration, timestamp="2001-01-01T00:00:00Z")
    assert backend_lrs.post(old).status_code == 200
    found = backend_lrs.all_statements({"registration": registration, "since": start.isoformat()})
    assert [s["id"] for s in found] == [old["id"]]
    found = backend_lrs.all_statements({"registration": registration, "until": "2001-06-01T00:00:00Z"})
    assert found == []
    stored = found = backend_lrs.all_statements({"registration": registration})
    moment = stored[0]["stored"]
    assert [s["id"] for s in backend_lrs.all_statements({"registration": registration, "until": moment})] == [old["id"]]
    assert backend_lrs.all_statements({"registration": registration, "since": moment}) == []
    assert parse_time(moment) > start


# Row 9: page size capped at 100; `more` is relative; an empty last page when the
# total is a multiple of the page size.
def test_more_paging_ends_without_an_empty_page(backend_lrs: LiveLRS, make_statement: Make) -> None:
    registration = str(uuid.uuid4())
    sent = [make_statement(registration=registration) for _ in range(200)]
    assert backend_lrs.post(sent).status_code == 200
    first = backend_lrs.get({"registration": registration, "limit": "0"}).json()
    assert len(first["statements"]) == 100  # limit=0: as many as the server allows
    assert first["more"].startswith("/xAPI/statements?")
    second = requests.get(
        backend_lrs.endpoint.removesuffix("/xAPI/") + first["more"],
        auth=backend_lrs.read,
        headers=XAPI_HEADERS,
        timeout=30,
    ).json()
    assert len(second["statements"]) == 100
    assert second["more"] == ""  # no third, empty page
    got = [s["id"] for s in first["statements"] + second["statements"]]
    assert got == [s["id"] for s in reversed(sent)]
    big = backend_lrs.get({"registration": registration, "limit": "500"}).json()
    assert len(big["statements"]) == 100 and big["more"]


def test_paging_is_consistent_while_statements_arrive(backend_lrs: LiveLRS, make_statement: Make) -> None:
    registration = str(uuid.uuid4())
    sent = [make_statement(registration=registration) for _ in range(150)]
    assert backend_lrs.post(sent).status_code == 200
    first = backend_lrs.get({"registration": registration, "ascending": "true"}).json()
    late = make_statement(registration=registration)
    assert backend_lrs.post(late).status_code == 200
    rest = requests.get(
        backend_lrs.endpoint.removesuffix("/xAPI/") + first["more"],
        auth=backend_lrs.read,
        headers=XAPI_HEADERS,
        timeout=30,
    ).json()
    got = [s["id"] for s in first["statements"] + rest["statements"]]
    assert got == [s["id"] for s in sent]  # the late one waits for the next query
    assert rest["more"] == ""


# Row 10: no /xAPI/about.
def test_about_answers_version_1_0_3(backend_lrs: LiveLRS) -> None:
    response = requests.get(backend_lrs.endpoint + "about", timeout=30)
    assert response.status_code == 200
    assert response.json()["version"] == ["1.0.3"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


# Row 11: CORS only with exact origins.
def test_cors_allows_the_site_origin_only(backend_lrs: LiveLRS) -> None:
    assert backend_lrs.cors_origins == ("http://127.0.0.1:8000", "http://localhost:8000")
    preflight_headers = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-experience-api-version",
    }
    for origin in backend_lrs.cors_origins:
        response = requests.options(
            backend_lrs.statements_url, headers={"Origin": origin, **preflight_headers}, timeout=30
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == origin
        response = requests.get(backend_lrs.endpoint + "about", headers={"Origin": origin}, timeout=30)
        assert response.headers["access-control-allow-origin"] == origin
    for stranger in ("http://127.0.0.1:9000", "https://evil.example"):
        response = requests.options(
            backend_lrs.statements_url,
            headers={"Origin": stranger, **preflight_headers},
            timeout=30,
        )
        assert response.status_code == 400
        assert "access-control-allow-origin" not in response.headers
        response = requests.get(
            backend_lrs.statements_url,
            auth=backend_lrs.read,
            headers={"Origin": stranger, **XAPI_HEADERS},
            timeout=30,
        )
        assert "access-control-allow-origin" not in response.headers


def test_cors_origins_are_set_at_start(lrs_factory: Callable[..., LiveLRS]) -> None:
    server = lrs_factory(cors_origins=["http://127.0.0.1:5173"])
    assert server.cors_origins == ("http://127.0.0.1:5173",)
    response = requests.get(server.endpoint + "about", headers={"Origin": "http://127.0.0.1:5173"}, timeout=30)
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:5173"


# Row 12 (identical re-post stored once; other content 409): test_faults.py.


# Beyond the notes: voiding, and statementId returning the statement itself.
def test_voided_statements_are_left_out_of_ordinary_queries(
    backend_lrs: LiveLRS, make_statement: Make, as_sent: Callable[..., dict[str, Any]]
) -> None:
    registration = str(uuid.uuid4())
    kept, voided = (make_statement(registration=registration) for _ in range(2))
    assert backend_lrs.post([kept, voided]).status_code == 200
    voiding = make_statement(
        registration=registration,
        verb="answered",
        object={"objectType": "StatementRef", "id": voided["id"]},
    )
    voiding["verb"] = {
        "id": "http://adlnet.gov/expapi/verbs/voided",
        "display": {"nl-BE": "ongeldig"},
    }
    del voiding["result"]
    del voiding["context"]["platform"]  # only allowed when the object is an activity
    # The browser's write credential may not void; the organiser's (scope all) may.
    refused = backend_lrs.post(voiding)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only a credential with scope all may void statements"}
    organiser = backend_lrs.add_credential(f"organisator-{uuid.uuid4().hex[:8]}", ["all"])
    response = requests.post(backend_lrs.statements_url, json=voiding, auth=organiser, headers=XAPI_HEADERS, timeout=30)
    assert response.status_code == 200
    ids = [s["id"] for s in backend_lrs.all_statements({"registration": registration})]
    assert ids == [voiding["id"], kept["id"]]
    assert backend_lrs.get({"statementId": voided["id"]}).status_code == 404
    response = backend_lrs.get({"voidedStatementId": voided["id"]})
    assert response.status_code == 200
    assert as_sent(response.json()) == voided
    assert backend_lrs.get({"voidedStatementId": kept["id"]}).status_code == 404
    response = backend_lrs.get({"statementId": kept["id"]})
    assert as_sent(response.json()) == kept
    assert "X-Experience-API-Consistent-Through" in response.headers
    changed = copy.deepcopy(kept)
    changed["id"] = str(uuid.uuid4()).upper()  # ids are UUIDs, stored in canonical form
    assert backend_lrs.post(changed).status_code == 200
    assert backend_lrs.get({"statementId": changed["id"]}).json()["id"] == changed["id"].lower()


def test_put_validates_fully_and_stores_the_statement(
    backend_lrs: LiveLRS, make_statement: Make, as_sent: Callable[..., dict[str, Any]]
) -> None:
    statement = make_statement()
    url = backend_lrs.statements_url

    def put(body: dict[str, Any]) -> requests.Response:
        return requests.put(
            url,
            params={"statementId": body["id"]},
            json=body,
            auth=backend_lrs.write,
            headers=XAPI_HEADERS,
            timeout=30,
        )

    invalid = copy.deepcopy(statement)
    invalid["result"]["score"] = {"scaled": -2}
    response = put(invalid)
    assert response.status_code == 400
    assert "result.score.scaled" in response.json()["detail"]
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == 404
    assert put(statement).status_code == 204
    assert as_sent(backend_lrs.get({"statementId": statement["id"]}).json()) == statement
    assert put(statement).status_code == 204
    changed = copy.deepcopy(statement)
    changed["result"]["success"] = False
    assert put(changed).status_code == 409

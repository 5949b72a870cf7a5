"""Bad input and faults: refused batches store nothing, duplicates, credentials, kill -9, a PostgreSQL crash.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import copy
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from leerpad.lrs.testing import INTERRUPTED_APP, PAUSE_FILE_ENV, XAPI_HEADERS, LiveLRS, TemporaryPostgres

from .conftest import LRSStarter

Make = Callable[..., dict[str, Any]]


def _stored(lrs: LiveLRS, registration: str) -> list[dict[str, Any]]:
    return lrs.all_statements({"registration": registration})


@pytest.mark.xapi("XAPI-00326")
def test_one_invalid_statement_refuses_the_whole_batch(backend_lrs: LiveLRS, make_statement: Make) -> None:
    registration = str(uuid.uuid4())
    batch = [make_statement(registration=registration) for _ in range(10)]
    batch[6]["result"] = {"score": {"scaled": 1.5}}
    response = backend_lrs.post(batch)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid statement, nothing of the request was stored: "
        "statement [6]: result.score.scaled: must be between -1 and 1"
    }
    assert _stored(backend_lrs, registration) == []
    for statement in batch:
        assert backend_lrs.get({"statementId": statement["id"]}).status_code == 404


def test_a_statement_ralph_finds_valid_but_xapi_does_not_is_refused(
    backend_lrs: LiveLRS, make_statement: Make
) -> None:
    registration = str(uuid.uuid4())
    cases = {
        "context.registration": ("context", {"registration": "niet-een-uuid"}),
        "result.duration": ("result", {"duration": "12 seconden"}),
        "timestamp": ("timestamp", "gisteren"),
        "gebruiker": ("gebruiker", "x"),  # a property outside xAPI
    }
    for where, (key, value) in cases.items():
        statement = make_statement(registration=registration)
        statement[key] = value
        response = backend_lrs.post([make_statement(registration=registration), statement])
        assert response.status_code == 400, where
        assert "statement [1]: " in response.json()["detail"], where
        assert where.split(".")[0] in response.json()["detail"], where
    assert _stored(backend_lrs, registration) == []


def test_identical_duplicate_is_accepted_once_different_one_is_409(
    backend_lrs: LiveLRS, make_statement: Make, as_sent: Callable[..., dict[str, Any]]
) -> None:
    registration = str(uuid.uuid4())
    statement = make_statement(registration=registration)
    assert backend_lrs.post([statement]).status_code == 200
    again = backend_lrs.post([copy.deepcopy(statement)])
    assert again.status_code == 200  # xAPI: 200 with the ids, also when nothing was new
    assert again.json() == [statement["id"]]
    stored = _stored(backend_lrs, registration)
    assert [as_sent(s) for s in stored] == [statement]

    changed = copy.deepcopy(statement)
    changed["result"]["response"] = "a"
    conflict = backend_lrs.post([make_statement(registration=registration), changed])
    assert conflict.status_code == 409
    assert statement["id"] in conflict.json()["detail"]
    assert [as_sent(s) for s in _stored(backend_lrs, registration)] == [statement]


def test_resending_a_statement_without_timestamp_is_no_conflict(backend_lrs: LiveLRS, make_statement: Make) -> None:
    registration = str(uuid.uuid4())
    statement = make_statement(registration=registration, timestamp=None)
    assert backend_lrs.post([statement]).status_code == 200
    assert backend_lrs.post([statement]).status_code == 200
    assert [s["id"] for s in _stored(backend_lrs, registration)] == [statement["id"]]


def test_the_same_id_twice_in_one_batch_is_refused(backend_lrs: LiveLRS, make_statement: Make) -> None:
    registration = str(uuid.uuid4())
    statement = make_statement(registration=registration)
    response = backend_lrs.post([statement, statement])
    assert response.status_code == 400
    assert response.json()["detail"] == "Duplicate statement IDs in the list of statements"
    assert _stored(backend_lrs, registration) == []


def test_credentials_and_scopes(backend_lrs: LiveLRS, make_statement: Make) -> None:
    url = backend_lrs.statements_url
    statement = make_statement()
    # The browser's write credential cannot read: authenticated, but without the scope.
    refused = requests.get(url, auth=backend_lrs.write, headers=XAPI_HEADERS, timeout=30)
    assert refused.status_code == 403
    assert refused.json() == {"detail": 'Access not authorized to scope: "statements/read/mine".'}
    assert "www-authenticate" not in refused.headers
    # The read credential cannot write.
    response = requests.post(url, json=[statement], auth=backend_lrs.read, headers=XAPI_HEADERS, timeout=30)
    assert response.status_code == 403
    # Unknown credentials and none at all: 401.
    wrong = (backend_lrs.write[0], "fout-wachtwoord")
    assert requests.get(url, auth=wrong, timeout=30).status_code == 401
    assert requests.post(url, json=[statement], auth=wrong, timeout=30).status_code == 401
    assert requests.get(url, timeout=30).status_code == 401
    assert backend_lrs.get({"statementId": statement["id"]}).status_code == 404


def _database_is_consistent(lrs: LiveLRS) -> None:
    """No related row without its statement, no statement without its related rows."""
    orphans = "SELECT COUNT(*) FROM related WHERE seq NOT IN (SELECT seq FROM statements)"
    bare = "SELECT COUNT(*) FROM statements WHERE seq NOT IN (SELECT seq FROM related)"
    if lrs.database.startswith("sqlite://"):
        with sqlite3.connect(lrs.database.removeprefix("sqlite://")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute(orphans).fetchone() == (0,)
            assert conn.execute(bare).fetchone() == (0,)
    else:
        with psycopg.connect(lrs.database) as conn:
            assert conn.execute(orphans).fetchone() == (0,)
            assert conn.execute(bare).fetchone() == (0,)


def test_kill_9_during_a_batch_leaves_no_half_batch(
    backend_kind: str, lrs_starter: LRSStarter, make_statement: Make, tmp_path: Path
) -> None:
    pause_file = tmp_path / "paused"
    lrs = lrs_starter.start(
        backend_kind, durable=True, app_factory=INTERRUPTED_APP, extra_env={PAUSE_FILE_ENV: str(pause_file)}
    )
    registration = str(uuid.uuid4())
    before = [make_statement(registration=registration)]
    assert lrs.post(before).status_code == 200  # a single statement does not pause
    batch = [make_statement(registration=registration) for _ in range(100)]

    def post() -> None:
        with contextlib.suppress(requests.RequestException):  # the server dies mid-request
            lrs.post(batch)

    sender = threading.Thread(target=post)
    sender.start()
    deadline = time.monotonic() + 30
    while not pause_file.exists():
        assert time.monotonic() < deadline, "the batch never reached the database"
        time.sleep(0.02)
    lrs.kill()  # 50 of 100 statements are inserted, not committed
    sender.join(30)

    lrs.env.pop(PAUSE_FILE_ENV, None)
    lrs.app_factory = "leerpad.lrs.app:create_app"  # the product, as restarted after a crash
    lrs.launch()
    stored = _stored(lrs, registration)
    assert [s["id"] for s in stored] == [before[0]["id"]]
    _database_is_consistent(lrs)
    # The client's retry of the whole batch now succeeds.
    assert lrs.post(batch).status_code == 200
    arrived = Counter(s["id"] for s in _stored(lrs, registration))
    assert arrived == Counter(s["id"] for s in before + batch)  # each client id exactly once
    _database_is_consistent(lrs)


def _settings(server: TemporaryPostgres) -> tuple[str, ...]:
    with psycopg.connect(server.url()) as conn:
        names = ("fsync", "synchronous_commit", "full_page_writes")
        return tuple(str(conn.execute(f"SHOW {name}").fetchone()[0]) for name in names)  # type: ignore[index]


def test_tests_that_claim_durability_get_a_postgresql_with_fsync_on(
    postgres: TemporaryPostgres, durable_postgres: TemporaryPostgres
) -> None:
    assert _settings(durable_postgres) == ("on", "on", "on")
    assert _settings(postgres) == ("off", "off", "off")  # the fast one: no claim about crashes


def test_statements_acknowledged_before_a_postgresql_crash_survive_it(
    make_statement: Make, tmp_path: Path, start_postgres: Callable[..., TemporaryPostgres]
) -> None:
    # Its own server, as this test crashes it. With durable=False this test fails: the last
    # acknowledged batches are lost (synchronous_commit=off), as tried when it was written.
    server = start_postgres(durable=True)
    lrs: LiveLRS | None = None
    try:
        lrs = LiveLRS.start(database=server.create_database("crash"), state_dir=tmp_path / "lrs", bcrypt_rounds=4)
        registration = str(uuid.uuid4())
        batches = [[make_statement(registration=registration) for _ in range(20)] for _ in range(10)]
        for batch in batches:
            assert lrs.post(batch).status_code == 200
        server.crash()  # right after the last acknowledgement: no checkpoint, no WAL flush of its own
        lrs.stop()
        server.restart()
        lrs.launch()
        stored = Counter(s["id"] for s in _stored(lrs, registration))
        assert stored == Counter(s["id"] for batch in batches for s in batch)
    finally:
        if lrs is not None:
            lrs.stop()
        server.stop()


@pytest.mark.parametrize("body", [b"[{", b"", b'"tekst"', b"[1, 2]"])
def test_malformed_bodies_get_400(backend_lrs: LiveLRS, body: bytes) -> None:
    response = requests.post(
        backend_lrs.statements_url,
        data=body,
        auth=backend_lrs.write,
        headers={**XAPI_HEADERS, "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["detail"]

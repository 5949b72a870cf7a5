"""The Activities resource reads each activity's canonical definition from one row (schema version 7).

``GET /xAPI/activities?activityId=…`` answers the definitions of every statement
that mentions the activity, merged in ``stored`` order (language maps and
extensions joined, the rest the latest). The merge happens as statements arrive; a
database of an older Leerpad gets the same answers after it is migrated. Runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from leerpad.lrs.dialects import open_database
from leerpad.lrs.schema import SCHEMA_VERSION, current_version
from leerpad.lrs.store import StatementStore
from leerpad.lrs.testing import LiveLRS

from .conftest import xapi

ANSWERED = "http://adlnet.gov/expapi/verbs/answered"


def _statement(activity: str, definition: dict[str, Any] | None, parent: str | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {"objectType": "Activity", "id": activity}
    if definition is not None:
        obj["definition"] = definition
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:els@leerpad.example"},
        "verb": {"id": ANSWERED},
        "object": obj,
    }
    if parent:
        statement["context"] = {"contextActivities": {"parent": [{"objectType": "Activity", "id": parent}]}}
    return statement


def _course(base: str) -> tuple[list[list[dict[str, Any]]], dict[str, Any]]:
    """Three batches about one question of a quiz, and the activities the LRS must answer."""
    question, quiz = f"{base}/quiz/toets/question/v1", f"{base}/quiz/toets"
    batches = [
        [
            _statement(question, {"name": {"nl-BE": "Vraag 1"}, "interactionType": "choice",
                                  "extensions": {"https://leerpad.test/ext/a": 1}}, parent=quiz),
            _statement(question, {"name": {"fr-BE": "Question 1"}, "interactionType": "choice"}),
        ],
        [_statement(question, None, parent=quiz)],
        [_statement(question, {"name": {"nl-BE": "Vraag één"}, "interactionType": "true-false",
                               "extensions": {"https://leerpad.test/ext/b": 2}})],
    ]  # fmt: skip
    expected = {
        question: {
            "objectType": "Activity",
            "id": question,
            "definition": {
                "name": {"nl-BE": "Vraag één", "fr-BE": "Question 1"},
                "interactionType": "true-false",
                "extensions": {"https://leerpad.test/ext/a": 1, "https://leerpad.test/ext/b": 2},
            },
        },
        quiz: {"objectType": "Activity", "id": quiz},  # only a parent: known, without definition
    }
    return batches, expected


def _activity(lrs: LiveLRS, activity_id: str) -> tuple[int, Any]:
    response = xapi(lrs, "GET", "activities?" + urlencode({"activityId": activity_id}), lrs.read)
    return response.status_code, response.json()


def test_the_canonical_definition_follows_every_batch(backend_lrs: LiveLRS) -> None:
    batches, expected = _course(f"https://leerpad.test/{uuid.uuid4()}")
    for batch in batches:
        assert backend_lrs.post(batch).status_code == 200
    for activity_id, activity in expected.items():
        assert _activity(backend_lrs, activity_id) == (200, activity)
    unknown = _activity(backend_lrs, f"https://leerpad.test/{uuid.uuid4()}")
    assert unknown == (404, {"detail": "No statement mentions this activity"})


def test_a_refused_batch_changes_no_definition(backend_lrs: LiveLRS) -> None:
    batches, expected = _course(f"https://leerpad.test/{uuid.uuid4()}")
    for batch in batches:
        assert backend_lrs.post(batch).status_code == 200
    question = next(iter(expected))
    renamed = _statement(question, {"name": {"nl-BE": "Andere naam"}})
    invalid = _statement(question, None)
    invalid["verb"] = {"id": "geen IRI"}
    assert backend_lrs.post([renamed, invalid]).status_code == 400
    assert _activity(backend_lrs, question) == (200, expected[question])


def test_a_database_of_schema_version_6_upgrades_and_answers_activities(database_url: str, tmp_path: Path) -> None:
    batches, expected = _course(f"https://leerpad.test/{uuid.uuid4()}")
    store = StatementStore.open(database_url)
    for batch in batches:
        store.write(batch)
    store.close()
    # Back to version 6 exactly, as a Leerpad before the activities table left it.
    database = open_database(database_url)
    with database.transaction() as cursor:
        cursor.execute("DROP TABLE activities")
        cursor.execute("UPDATE schema_version SET version = 6")
        assert current_version(cursor, database) == 6
    database.close()

    with LiveLRS.start(database=database_url, state_dir=tmp_path / "state", bcrypt_rounds=4) as lrs:
        for activity_id, activity in expected.items():
            assert _activity(lrs, activity_id) == (200, activity)
        # Statements after the upgrade keep folding into the migrated definitions.
        question = next(iter(expected))
        assert lrs.post(_statement(question, {"description": {"nl-BE": "Kies één antwoord"}})).status_code == 200
        definition = {**expected[question]["definition"], "description": {"nl-BE": "Kies één antwoord"}}
        assert _activity(lrs, question) == (200, {**expected[question], "definition": definition})
    database = open_database(database_url)
    with database.transaction() as cursor:
        assert current_version(cursor, database) == SCHEMA_VERSION == 7
    database.close()

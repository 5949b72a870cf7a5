"""Keyset paging of filtered queries: every match once, in order, while statements arrive.

A course is read with ``activity=<course>&related_activities=true`` following
``more``: the store reads ``related`` in page order (schema version 6), so these
tests check what a reader sees — each statement of the first page's moment exactly
once, in ``stored`` order, both directions, with other filters combined — and that
a database of schema version 5 upgrades and answers the same.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from leerpad.lrs.dialects import open_database
from leerpad.lrs.indexing import KIND_RELATED_ACTIVITY, agent_key, to_micros
from leerpad.lrs.query import StatementFilter, page_size
from leerpad.lrs.schema import SCHEMA_VERSION, current_version
from leerpad.lrs.store import StatementStore
from leerpad.lrs.testing import XAPI_HEADERS, LiveLRS

COURSE = "https://leerpad.test/paging"
OTHER = "https://leerpad.test/andere-cursus"
ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
LEARNERS = [{"objectType": "Agent", "mbox": f"mailto:leerder{n}@leerpad.test"} for n in range(3)]
REGISTRATIONS = [str(uuid.UUID(int=n + 1)) for n in range(2)]
_counter = itertools.count()


def _statement(place: str, *, course: str = COURSE) -> dict[str, Any]:
    """A statement that names ``course`` in ``place`` (object, a context activity, a SubStatement)."""
    n = next(_counter)
    learner = LEARNERS[n % 3]
    context: dict[str, Any] = {"registration": REGISTRATIONS[n % 2]}
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": learner,
        "verb": {"id": PASSED if n % 4 == 0 else ANSWERED},
        "object": {"objectType": "Activity", "id": f"https://leerpad.test/vraag/{n}"},
        "context": context,
    }
    if place == "object":
        statement["object"] = {"objectType": "Activity", "id": course}
    elif place in ("parent", "grouping", "category", "other"):
        context["contextActivities"] = {place: [{"id": course}]}
    elif place == "sub":
        statement["object"] = {
            "objectType": "SubStatement",
            "actor": LEARNERS[(n + 1) % 3],
            "verb": {"id": ANSWERED},
            "object": {"objectType": "Activity", "id": course},
        }
    elif place == "instructor":  # the course in no activity place: an agent-only match
        context["instructor"] = LEARNERS[(n + 2) % 3]
    return statement


PLACES = ("object", "parent", "grouping", "category", "other", "sub")


def _batch(count: int) -> list[dict[str, Any]]:
    """``count`` statements naming the course in every place, and others that do not."""
    batch = []
    for n in range(count):
        batch.append(_statement(PLACES[n % len(PLACES)]))
        if n % 3 == 0:
            batch.append(_statement(PLACES[n % len(PLACES)], course=OTHER))
    return batch


def _names_course(statement: dict[str, Any]) -> bool:
    obj = statement["object"]
    if obj.get("id") == COURSE or (obj.get("objectType") == "SubStatement" and obj["object"].get("id") == COURSE):
        return True
    places = statement.get("context", {}).get("contextActivities", {})
    return any(a["id"] == COURSE for activities in places.values() for a in activities)


def _mentions(statement: dict[str, Any], learner: dict[str, Any]) -> bool:
    """``related_agents``: actor, SubStatement actor, context instructor (authority left aside here)."""
    obj = statement["object"]
    agents = [statement["actor"], statement.get("context", {}).get("instructor")]
    if obj.get("objectType") == "SubStatement":
        agents.append(obj["actor"])
    return learner in agents


@pytest.fixture
def store(database_url: str) -> Iterator[StatementStore]:
    """An empty store on each database."""
    opened = StatementStore.open(database_url)
    yield opened
    opened.close()


def _read_all(
    store: StatementStore, spec: StatementFilter, between_pages: list[dict[str, Any]] | None = None
) -> list[str]:
    """Follow the pages of ``spec`` to the end; write ``between_pages`` one by one while reading."""
    found: list[str] = []
    page = store.query(spec)
    found += [s["id"] for s in page.statements]
    late = iter(between_pages or [])
    while page.has_more:
        arriving = next(late, None)
        if arriving is not None:
            store.write([arriving])
        page = store.query(replace(spec, after=page.last, snapshot=page.snapshot))
        found += [s["id"] for s in page.statements]
    return found


@pytest.mark.parametrize("ascending", [True, False], ids=["ascending", "descending"])
def test_a_course_read_page_by_page_gives_every_statement_once_in_order(
    store: StatementStore, ascending: bool
) -> None:
    sent = _batch(60)
    for start in range(0, len(sent), 25):  # several batches: several `stored` turns
        store.write(sent[start : start + 25])
    expected = [s["id"] for s in sent if _names_course(s)]
    if not ascending:
        expected.reverse()
    late = _batch(12)  # written between page reads: they wait for the next query
    spec = StatementFilter(activity=COURSE, related_activities=True, ascending=ascending, limit=7)
    assert _read_all(store, spec, late) == expected
    store.write(late)  # those not yet written (the others are stored already: skipped)
    again = _read_all(store, spec)  # a new query sees them, in their place
    everything = [s["id"] for s in sent + late if _names_course(s)]
    assert again == (everything if ascending else everything[::-1])


@pytest.mark.parametrize("ascending", [True, False], ids=["ascending", "descending"])
def test_filters_combined_with_related_activities_page_like_one_query(
    store: StatementStore, ascending: bool
) -> None:
    sent = _batch(90) + [_statement("instructor") for _ in range(6)]
    stored_at: dict[str, int] = {}
    for start in range(0, len(sent), 10):
        store.write(sent[start : start + 10])
        for s in store.by_ids([x["id"] for x in sent[start : start + 10]]):
            stored_at[s["id"]] = to_micros(s["stored"])
    since, until = stored_at[sent[20]["id"]], stored_at[sent[85]["id"]]
    learner = LEARNERS[1]
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"verb": PASSED}, lambda s: s["verb"]["id"] == PASSED),
        ({"since": since, "until": until}, lambda s: since < stored_at[s["id"]] <= until),
        ({"agent": agent_key(learner)}, lambda s: s["actor"] == learner),
        ({"agent": agent_key(learner), "related_agents": True}, lambda s: _mentions(s, learner)),
        ({"registration": REGISTRATIONS[1]}, lambda s: s["context"]["registration"] == REGISTRATIONS[1]),
        (
            {"verb": ANSWERED, "agent": agent_key(learner), "related_agents": True,
             "registration": REGISTRATIONS[0], "since": since, "until": until},
            lambda s: s["verb"]["id"] == ANSWERED and _mentions(s, learner)
            and s["context"]["registration"] == REGISTRATIONS[0] and since < stored_at[s["id"]] <= until,
        ),
    ]  # fmt: skip
    for filters, matches in cases:
        expected = [s["id"] for s in sent if _names_course(s) and matches(s)]
        assert expected, filters  # each case selects something, and leaves something out
        assert len(expected) < sum(map(_names_course, sent)), filters
        spec = StatementFilter(activity=COURSE, related_activities=True, ascending=ascending, limit=4, **filters)
        assert _read_all(store, spec) == (expected if ascending else expected[::-1]), filters


def test_a_database_of_schema_version_5_upgrades_and_answers_the_same(database_url: str) -> None:
    url = database_url
    store = StatementStore.open(url)
    sent = _batch(40)
    store.write(sent)
    spec = StatementFilter(activity=COURSE, related_activities=True, ascending=True, limit=6)
    before = _read_all(store, spec)
    store.close()
    # Back to version 5 exactly: `related` without `stored` and its ordered index, no `activities` (7).
    database = open_database(url)
    with database.transaction() as cursor:
        cursor.execute("DROP TABLE activities")
        cursor.execute("DROP INDEX related_order")
        cursor.execute("ALTER TABLE related DROP COLUMN stored")
        cursor.execute("UPDATE schema_version SET version = 5")
    database.close()

    upgraded = StatementStore.open(url)
    with upgraded.db.transaction() as cursor:
        assert current_version(cursor, upgraded.db) == SCHEMA_VERSION
    missing = upgraded.db.query("SELECT COUNT(*) FROM related WHERE stored IS NULL")
    assert missing == [(0,)]
    assert _read_all(upgraded, spec) == before == [s["id"] for s in sent if _names_course(s)]
    course_rows = upgraded.db.query(
        "SELECT COUNT(*) FROM related WHERE kind = ? AND value = ?", [KIND_RELATED_ACTIVITY, COURSE]
    )
    assert course_rows == [(len(before),)]
    upgraded.close()


def _more(lrs: LiveLRS, more: str) -> dict[str, Any]:
    response = requests.get(
        lrs.endpoint.removesuffix("/xAPI/") + more, auth=lrs.read, headers=XAPI_HEADERS, timeout=30
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.parametrize("ascending", ["true", "false"])
def test_more_links_read_a_course_once_while_statements_arrive(backend_lrs: LiveLRS, ascending: str) -> None:
    course = f"{COURSE}/{uuid.uuid4()}"
    sent = [_statement(PLACES[n % len(PLACES)], course=course) for n in range(45)]
    assert backend_lrs.post(sent).status_code == 200
    params = {"activity": course, "related_activities": "true", "ascending": ascending, "limit": "10"}
    answer = backend_lrs.get(params).json()
    found = [s["id"] for s in answer["statements"]]
    while answer["more"]:
        assert backend_lrs.post(_statement("parent", course=course)).status_code == 200
        answer = _more(backend_lrs, answer["more"])
        found += [s["id"] for s in answer["statements"]]
    expected = [s["id"] for s in sent]
    assert found == (expected if ascending == "true" else expected[::-1])
    whole = backend_lrs.get({**params, "limit": "0"}).json()  # limit=0: the server's page size
    assert len(whole["statements"]) == min(len(sent) + 4, page_size())

"""The statement store on its own: agent matching, sub-statements, voiding, times."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leerpad.lrs.backend import filter_from_params
from leerpad.lrs.indexing import to_micros
from leerpad.lrs.query import PAGE_SIZE, StatementFilter
from leerpad.lrs.store import DuplicateStatementError, StatementStore
from leerpad.lrs.testing import TemporaryPostgres

VERB = "http://adlnet.gov/expapi/verbs/answered"
ALICE = {"objectType": "Agent", "mbox": "mailto:alice@leerpad.example"}
BOB = {"objectType": "Agent", "account": {"homePage": "https://lms.example", "name": "bob"}}
TEAM = {"objectType": "Group", "name": "Team", "member": [ALICE, BOB]}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StatementStore]:
    """An empty store on each database."""
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path / 'store.sqlite3'}"
    else:
        postgres: TemporaryPostgres = request.getfixturevalue("postgres")
        url = postgres.create_database(f"store_{uuid.uuid4().hex[:12]}")
    opened = StatementStore.open(url)
    yield opened
    opened.close()


def _statement(n: int, **fields: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": ALICE,
        "verb": {"id": VERB},
        "object": {"id": f"https://leerpad.test/a/{n}"},
        "stored": f"2026-01-01T00:00:{n:02d}+00:00",
        "timestamp": "2020-01-01T00:00:00Z",
    }
    statement.update(fields)
    return statement


def _ids(store: StatementStore, **spec: Any) -> list[str]:
    return [s["id"] for s in store.query(StatementFilter(**spec)).statements]


def test_agent_matches_actor_object_and_group_members(store: StatementStore) -> None:
    by_alice = _statement(1)
    about_bob = _statement(2, actor={"mbox": "mailto:c@leerpad.example"}, object=BOB)
    by_team = _statement(3, actor=TEAM)
    taught = _statement(4, actor={"mbox": "mailto:d@leerpad.example"})
    taught["context"] = {"instructor": BOB}
    store.write([by_alice, about_bob, by_team, taught])
    bob = "account:https://lms.example|bob"
    assert _ids(store, agent=bob) == [by_team["id"], about_bob["id"]]
    assert _ids(store, agent=bob, related_agents=True) == [
        taught["id"],
        by_team["id"],
        about_bob["id"],
    ]
    assert _ids(store, agent="mbox:mailto:alice@leerpad.example") == [by_team["id"], by_alice["id"]]


def test_sub_statement_counts_for_related_activities_and_agents(store: StatementStore) -> None:
    sub = _statement(
        1,
        object={
            "objectType": "SubStatement",
            "actor": BOB,
            "verb": {"id": VERB},
            "object": {"id": "https://leerpad.test/plan"},
            "context": {"contextActivities": {"parent": {"id": "https://leerpad.test/p"}}},
        },
    )
    store.write([sub])
    assert _ids(store, activity="https://leerpad.test/plan") == []
    assert _ids(store, activity="https://leerpad.test/plan", related_activities=True) == [sub["id"]]
    assert _ids(store, activity="https://leerpad.test/p", related_activities=True) == [sub["id"]]
    bob = "account:https://lms.example|bob"
    assert _ids(store, agent=bob, related_agents=True) == [sub["id"]]


def test_voiding_in_the_same_batch_and_a_voiding_statement_cannot_be_voided(
    store: StatementStore,
) -> None:
    target = _statement(1)
    void_verb = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    voiding = _statement(2, verb=void_verb, object={"objectType": "StatementRef", "id": target["id"]})
    store.write([target, voiding])
    again = _statement(3, verb=void_verb, object={"objectType": "StatementRef", "id": voiding["id"]})
    store.write([again])
    assert _ids(store) == [again["id"], voiding["id"]]
    assert _ids(store, voided_statement_id=target["id"]) == [target["id"]]


def test_a_stored_id_with_other_content_makes_the_whole_batch_fail(store: StatementStore) -> None:
    first = _statement(1)
    store.write([first])
    changed = {**first, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    with pytest.raises(DuplicateStatementError, match=first["id"]):
        store.write([_statement(2), changed])
    assert [s["id"] for s in store.iter_all()] == [first["id"]]
    # The same content again (another writer was first) is no conflict: the rest is stored.
    second = _statement(3)
    assert store.write([dict(first), second]) == 1
    assert [s["id"] for s in store.iter_all()] == [first["id"], second["id"]]


def test_ralph_query_parameters_arrive_as_text() -> None:
    class Params:
        statement_id = None
        agent = {"account__name": "bob", "account__home_page": "https://lms.example"}
        verb = VERB
        activity = None
        registration = "0B0E0000-0000-4000-8000-000000000001"
        related_activities = "false"
        related_agents = "true"
        since = "2026-01-01T00:00:01Z"
        until = "2026-01-01T01:00:00.1234567+01:00"
        limit = 0
        ascending = "true"
        search_after = "123.45"
        pit_id = "678"
        authority = [{"mbox": "mailto:x@leerpad.example"}]

    spec = filter_from_params(Params())
    assert spec == StatementFilter(
        agent="account:https://lms.example|bob",
        verb=VERB,
        registration="0B0E0000-0000-4000-8000-000000000001",
        related_agents=True,
        since=to_micros("2026-01-01T00:00:01+00:00"),
        until=to_micros("2026-01-01T00:00:00.123456+00:00"),
        authorities=("mbox:mailto:x@leerpad.example",),
        limit=PAGE_SIZE,
        ascending=True,
        after=(123, 45),
        snapshot=678,
    )


def test_stored_follows_the_order_of_a_batch_and_of_batches(store: StatementStore) -> None:
    first = [_statement(n) for n in range(5)]
    second = [_statement(n) for n in range(3)]
    store.write(first)
    store.write(second)
    kept = list(store.iter_all())
    assert [s["id"] for s in kept] == [s["id"] for s in first + second]
    times = [to_micros(s["stored"]) for s in kept]
    assert times == sorted(set(times))  # strictly increasing: ties would lose the order sent
    assert to_micros(store.consistent_through()) >= times[-1]

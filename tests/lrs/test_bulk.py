"""10,000 statements in batches of 100 come back exactly, through every filter and paging.

Runs on SQLite and on PostgreSQL, each with a fresh database.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from leerpad.lrs.indexing import parse_time
from leerpad.lrs.testing import LiveLRS

from .conftest import COURSE, VERBS, LRSStarter

TOTAL = 10_000
BATCH = 100
VERB_NAMES = list(VERBS)
REGISTRATIONS = [str(uuid.UUID(int=n + 1)) for n in range(25)]
TRAINER = {"objectType": "Agent", "mbox": "mailto:trainer@leerpad.example"}


def _statement(i: int, make_statement: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    # Timestamps run backwards while `stored` runs forwards: since/until must use `stored`.
    timestamp = (datetime(2020, 1, 1) + timedelta(seconds=TOTAL - i)).isoformat() + "Z"
    statement = make_statement(
        verb=VERB_NAMES[i % len(VERB_NAMES)],
        learner=i % 50,
        activity=f"{COURSE}/quiz/q{i % 10}/question/v{i % 20}",
        registration=REGISTRATIONS[i % len(REGISTRATIONS)],
        timestamp=timestamp,
    )
    statement["context"]["contextActivities"]["parent"] = [{"objectType": "Activity", "id": f"{COURSE}/quiz/q{i % 10}"}]
    if i % 100 == 0:
        statement["context"]["instructor"] = TRAINER
    return statement


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(
    request: pytest.FixtureRequest,
    lrs_starter: LRSStarter,
    make_statement: Callable[..., dict[str, Any]],
) -> tuple[LiveLRS, list[dict[str, Any]]]:
    """A fresh LRS holding 10,000 statements posted in batches of 100."""
    lrs = lrs_starter.start(str(request.param))
    sent = [_statement(i, make_statement) for i in range(TOTAL)]
    for start in range(0, TOTAL, BATCH):
        response = lrs.post(sent[start : start + BATCH])
        assert response.status_code == 200, response.text
        assert response.json() == [s["id"] for s in sent[start : start + BATCH]]
    return lrs, sent


def _ids(statements: list[dict[str, Any]]) -> list[str]:
    return [s["id"] for s in statements]


def _check(
    lrs: LiveLRS,
    params: dict[str, str],
    expected: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    got = lrs.all_statements(params)
    # Every client-made id that matches arrives exactly once, and nothing else.
    assert Counter(_ids(got)) == Counter(_ids(expected)), params
    return got


def test_all_statements_come_back_exactly_newest_first(
    loaded: tuple[LiveLRS, list[dict[str, Any]]], as_sent: Callable[..., dict[str, Any]]
) -> None:
    lrs, sent = loaded
    got = lrs.all_statements()
    assert len(got) == TOTAL
    by_id = {s["id"]: s for s in sent}
    for statement in got:
        # Exactly what was sent, interaction `choices` and all, plus stored/authority.
        assert as_sent(statement) == by_id[statement["id"]]
        assert statement["authority"]["account"]["name"] == lrs.write[0]
    stored = [parse_time(s["stored"]) for s in got]
    assert stored == sorted(stored, reverse=True)
    assert _ids(got) == _ids(sent)[::-1]


def test_ascending_returns_stored_order(loaded: tuple[LiveLRS, list[dict[str, Any]]]) -> None:
    lrs, sent = loaded
    assert _ids(lrs.all_statements({"ascending": "true"})) == _ids(sent)


@pytest.mark.parametrize(
    ("name", "params", "selects"),
    [
        ("verb", {"verb": VERBS["passed"]}, lambda i: i % 6 == VERB_NAMES.index("passed")),
        ("activity", {"activity": f"{COURSE}/quiz/q3/question/v13"}, lambda i: i % 20 == 13),
        (
            "agent",
            {"agent": json.dumps({"mbox": "mailto:leerder7@leerpad.example"})},
            lambda i: i % 50 == 7,
        ),
        ("registration", {"registration": REGISTRATIONS[4]}, lambda i: i % 25 == 4),
        (
            "verb+activity",
            {"verb": VERBS["answered"], "activity": f"{COURSE}/quiz/q2/question/v2"},
            lambda i: i % 6 == VERB_NAMES.index("answered") and i % 20 == 2,
        ),
        (
            "related_activities",
            {"activity": f"{COURSE}/quiz/q3", "related_activities": "true"},
            lambda i: i % 10 == 3,
        ),
        ("activity, not related", {"activity": f"{COURSE}/quiz/q3"}, lambda i: False),
        (
            "related_agents",
            {"agent": json.dumps(TRAINER), "related_agents": "true"},
            lambda i: i % 100 == 0,
        ),
        ("agent, not related", {"agent": json.dumps(TRAINER)}, lambda i: False),
        (
            "agent+verb+registration",
            {
                "agent": json.dumps({"mbox": "mailto:leerder4@leerpad.example"}),
                "verb": VERBS["failed"],
                "registration": REGISTRATIONS[4],
            },
            lambda i: i % 50 == 4 and i % 6 == VERB_NAMES.index("failed") and i % 25 == 4,
        ),
    ],
)
def test_each_filter_returns_exactly_the_matching_statements(
    loaded: tuple[LiveLRS, list[dict[str, Any]]],
    name: str,
    params: dict[str, str],
    selects: Callable[[int], bool],
) -> None:
    lrs, sent = loaded
    expected = [s for i, s in enumerate(sent) if selects(i)]
    got = _check(lrs, params, expected)
    if expected:
        assert _ids(got) == _ids(expected)[::-1]


def test_since_until_filter_on_stored_not_timestamp(
    loaded: tuple[LiveLRS, list[dict[str, Any]]],
) -> None:
    lrs, _ = loaded
    everything = lrs.all_statements({"ascending": "true"})
    since = everything[2999]["stored"]
    until = everything[6999]["stored"]
    expected = [s for s in everything if parse_time(since) < parse_time(s["stored"]) <= parse_time(until)]
    assert 3900 <= len(expected) <= 4000
    got = _check(lrs, {"since": since, "until": until, "ascending": "true"}, expected)
    assert _ids(got) == _ids(expected)
    # Every timestamp is in 2020, before `since`: a timestamp filter would return nothing.
    assert all(parse_time(s["timestamp"]).year == 2020 for s in got)


def test_paging_with_a_small_limit_visits_every_statement_once(
    loaded: tuple[LiveLRS, list[dict[str, Any]]],
) -> None:
    lrs, sent = loaded
    expected = [s for i, s in enumerate(sent) if i % 25 == 11]  # 400 statements
    pages = 0
    seen: list[str] = []
    url_params: dict[str, str] | None = {"registration": REGISTRATIONS[11], "limit": "37"}
    response = lrs.get(url_params)
    while True:
        assert response.status_code == 200
        body = response.json()
        assert len(body["statements"]) <= 37
        seen += _ids(body["statements"])
        pages += 1
        if not body["more"]:
            break
        assert body["more"].startswith("/xAPI/statements?")
        import requests

        response = requests.get(
            lrs.endpoint.removesuffix("/xAPI/") + body["more"],
            auth=lrs.read,
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=30,
        )
    assert pages == 11  # ceil(400 / 37), no empty last page
    assert seen == _ids(expected)[::-1]

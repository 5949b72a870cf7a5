"""Several workers on one PostgreSQL database: nothing lost or doubled, Consistent-Through true.

They claim that nothing acknowledged is lost: the database runs with fsync on
(``durable=True``), as an organiser's would.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from leerpad.lrs.indexing import parse_time

from .conftest import LRSStarter

Make = Callable[..., dict[str, Any]]


def test_XAPI_00153_consistent_through_holds_with_four_workers(lrs_starter: LRSStarter, make_statement: Make) -> None:
    lrs = lrs_starter.start("postgresql", durable=True, workers=4)
    registration = str(uuid.uuid4())
    batches = [[make_statement(registration=registration) for _ in range(5)] for _ in range(20)]
    seen: list[tuple[str, set[str]]] = []
    writing = threading.Event()
    writing.set()

    def read() -> None:
        while writing.is_set():
            response = lrs.get({"registration": registration, "limit": "0"})
            assert response.status_code == 200
            through = response.headers["x-experience-api-consistent-through"]
            seen.append((through, {s["id"] for s in response.json()["statements"]}))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda batch: lrs.post(batch).status_code, batches))
    writing.clear()
    for reader in readers:
        reader.join(60)
    assert statuses == [200] * len(batches)  # no 5xx
    stored = lrs.all_statements({"registration": registration})
    assert Counter(s["id"] for s in stored) == Counter(s["id"] for batch in batches for s in batch)
    assert len(seen) > 3
    for through, ids in seen:
        # Every statement stored up to the header's time was in that answer (all 100 fit one page).
        due = {s["id"] for s in stored if parse_time(s["stored"]) <= parse_time(through)}
        assert due <= ids, (through, len(due - ids))


def test_fifty_clients_on_four_workers_lose_and_double_nothing(lrs_starter: LRSStarter, make_statement: Make) -> None:
    """The issue's load test for correctness: 50 clients post batches and read with filters."""
    lrs = lrs_starter.start("postgresql", durable=True, workers=4)
    verb = "http://adlnet.gov/expapi/verbs/answered"

    def client(number: int) -> tuple[list[int], Counter[str], list[str]]:
        registration = str(uuid.uuid4())
        sent = [[make_statement(registration=registration, learner=number) for _ in range(5)] for _ in range(4)]
        statuses = [lrs.post(batch).status_code for batch in sent]
        statuses.append(lrs.post(sent[0]).status_code)  # a retry of a batch already stored
        found = lrs.all_statements({"registration": registration, "verb": verb})
        return statuses, Counter(s["id"] for s in found), [s["id"] for batch in sent for s in batch]

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(client, range(50)))
    for statuses, found, sent in results:
        assert statuses == [200] * 5  # no 5xx, the retry accepted
        assert found == Counter(sent)  # each client-made id exactly once, nothing else

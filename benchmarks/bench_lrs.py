"""Embedded LRS: ingest rate and filtered-query latency, beside Ralph's own FS backend.

For each store — Leerpad's backend on SQLite and on PostgreSQL, and Ralph's
file-system backend as the baseline — a real LRS process (uvicorn, Ralph, the
conformance wrapper) is started and measured over HTTP on loopback:

- ingest: statements/s POSTed in batches of 1, 10 and 100 (one client, sequential);
- query: p50/p95 of ``GET /xAPI/statements?verb=…&activity=…`` (read credential,
  100 per page) once 10,000 and once 100,000 statements are stored, and of
  ``GET /xAPI/activities?activityId=…`` (the course, which every statement names,
  and a question); the stores are filled directly (not over HTTP) to keep the run short;
- workers: ingest on PostgreSQL (fsync on, as an organiser runs it) by one LRS with
  1 worker and one with 4, each on its own database, loaded in turns (1, 4, 1, 4, …)
  by the same concurrent clients posting batches of 100; the ratio per round says
  how far the workers scale on this machine's cores (printed with the load average).

The PostgreSQL of the first tables runs with fsync off (``durable=False``), as in
the earlier figures; the workers table with fsync on (``durable=True``).

Targets (design): >= 1,000 statements/s batched, p95 <= 50 ms at 100,000.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from leerpad.lrs.credentials import AUTHORITY_HOME_PAGE
from leerpad.lrs.store import StatementStore
from leerpad.lrs.testing import RALPH_APP, XAPI_HEADERS, LiveLRS

COURSE = "https://leerpad.bench/course"
VERBS = [
    f"http://adlnet.gov/expapi/verbs/{v}"
    for v in ("initialized", "experienced", "answered", "passed", "failed", "completed")
]
ACTIVITIES = [f"{COURSE}/quiz/q{n % 10}/question/v{n}" for n in range(40)]
INGEST = {1: 300, 10: 2_000, 100: 5_000}  # batch size -> statements sent
SIZES = (10_000, 100_000)
QUERIES = 200
FS_QUERIES = 10  # each FS query reads the whole file
ACTIVITY_QUERIES = 100
WORKERS = (1, 4)
WORKER_CLIENTS = 8  # concurrent clients, each posting WORKER_BATCHES batches of 100
WORKER_BATCHES = 12
WORKER_ROUNDS = 3


def statement(n: int, stored: datetime | None = None, authority: str = "") -> dict[str, Any]:
    """A course-shaped ``answered`` statement; with ``stored``, as the LRS keeps it."""
    result: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": f"mailto:leerder{n % 500}@leerpad.example"},
        "verb": {"id": VERBS[n % len(VERBS)]},
        "object": {
            "objectType": "Activity",
            "id": ACTIVITIES[n % len(ACTIVITIES)],
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "choice",
                "correctResponsesPattern": ["b"],
                "choices": [
                    {"id": "a", "description": {"nl-BE": "Betaalbaarheid"}},
                    {"id": "b", "description": {"nl-BE": "Benaderbaarheid"}},
                ],
            },
        },
        "result": {"response": "b", "success": True, "duration": "PT4S"},
        "context": {
            "registration": str(uuid.UUID(int=n % 997 + 1)),
            "language": "nl-BE",
            "contextActivities": {
                "parent": [{"objectType": "Activity", "id": f"{COURSE}/quiz/q{n % 10}"}],
                "grouping": [{"objectType": "Activity", "id": COURSE}],
            },
        },
        "timestamp": "2026-01-05T10:00:00+00:00",
    }
    if stored is not None:
        result["stored"] = stored.isoformat()
        result["authority"] = {
            "objectType": "Agent",
            "account": {"homePage": AUTHORITY_HOME_PAGE, "name": authority},
        }
    return result


@dataclass
class Row:
    """Results of one store."""

    name: str
    ingest: dict[int, str] = field(default_factory=dict)
    query: dict[int, str] = field(default_factory=dict)
    p95: dict[int, float] = field(default_factory=dict)
    activities: dict[int, str] = field(default_factory=dict)


def measure_ingest(lrs: LiveLRS, batch: int, total: int) -> str:
    """Statements/s for ``total`` statements in POSTs of ``batch``; notes failures."""
    session = requests.Session()
    session.auth = lrs.write
    session.headers.update(XAPI_HEADERS)
    batches = [[statement(n) for n in range(s, s + batch)] for s in range(0, total, batch)]
    failed = 0
    started = time.perf_counter()
    for body in batches:
        if session.post(lrs.statements_url, json=body, timeout=60).status_code != 200:
            failed += 1
    elapsed = time.perf_counter() - started
    if failed == len(batches):
        return f"— (all {failed} POSTs failed)"
    rate = f"{total / elapsed:,.0f}"
    return rate if not failed else f"{rate} ({failed}/{len(batches)} POSTs failed)"


def measure_queries(lrs: LiveLRS, count: int) -> tuple[float, float, int]:
    """p50 and p95 (ms) of verb+activity GETs, and the mean number of hits."""
    session = requests.Session()
    session.auth = lrs.read
    session.headers.update(XAPI_HEADERS)
    rng = random.Random(7)
    timings: list[float] = []
    hits = 0
    for number in range(count + 5):
        # limit=100: pages as large as before LEERPAD_LRS_PAGE_SIZE (500), so figures compare.
        params = {"verb": rng.choice(VERBS), "activity": rng.choice(ACTIVITIES), "limit": "100"}
        started = time.perf_counter()
        response = session.get(lrs.statements_url, params=params, timeout=120)
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        if number >= 5:  # warm-up
            timings.append(elapsed)
            hits += len(response.json()["statements"])
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return statistics.median(timings), p95, hits // count


def measure_activities(lrs: LiveLRS, count: int) -> str:
    """p50/p95 (ms) of ``GET /xAPI/activities`` for the course and a question, in turns."""
    session = requests.Session()
    session.auth = lrs.read
    session.headers.update(XAPI_HEADERS)
    url = lrs.endpoint + "activities"
    timings: list[float] = []
    for number in range(count + 4):
        started = time.perf_counter()
        response = session.get(url, params={"activityId": (COURSE, ACTIVITIES[7])[number % 2]}, timeout=120)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            return f"— ({response.status_code})"
        if number >= 4:  # warm-up
            timings.append(elapsed)
    timings.sort()
    return f"{statistics.median(timings):.1f} / {timings[int(len(timings) * 0.95)]:.1f}"


def fill_store(database: str, have: int, want: int, authority: str) -> None:
    """Add statements straight into Leerpad's store until it holds ``want``."""
    store = StatementStore.open(database)
    base = datetime.now(UTC) - timedelta(days=30)
    for start in range(have, want, 1000):
        chunk = [
            statement(n, base + timedelta(milliseconds=n), authority)
            for n in range(start, min(start + 1000, want))
        ]
        store.write(chunk)
    store.close()


def fill_fs(path: Path, have: int, want: int, authority: str) -> None:
    """Append statements to Ralph's FS backend file until it holds ``want``."""
    base = datetime.now(UTC) - timedelta(days=30)
    with path.open("a", encoding="utf-8") as handle:
        for n in range(have, want):
            line = statement(n, base + timedelta(milliseconds=n), authority)
            handle.write(json.dumps(line) + "\n")


def stored_count(lrs: LiveLRS, database: str | None) -> int:
    """How many statements the store holds."""
    if database is None:
        return 0
    store = StatementStore.open(database)
    try:
        return store.count()
    finally:
        store.close()


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database, or None when no server can be started."""
    try:
        from leerpad.lrs.testing import TemporaryPostgres

        server = TemporaryPostgres(durable=False).start()
    except Exception as error:  # noqa: BLE001 - reported in the table
        print(f"(PostgreSQL niet beschikbaar: {error})")
        yield None
        return
    try:
        yield server.create_database("bench")
    finally:
        server.stop()


def bench_store(name: str, lrs: LiveLRS, fill: Callable[[int, int], None], queries: int) -> Row:
    """Ingest and query measurements for one running LRS."""
    row = Row(name)
    for batch, total in INGEST.items():
        row.ingest[batch] = measure_ingest(lrs, batch, total)
        print(f"  {name}: ingest batch {batch}: {row.ingest[batch]} st/s", flush=True)
    have = sum(INGEST.values())
    for size in SIZES:
        fill(have, size)
        have = size
        p50, p95, hits = measure_queries(lrs, queries)
        row.query[size] = f"{p50:.1f} / {p95:.1f} ({hits} hits)"
        row.p95[size] = p95
        print(f"  {name}: {size:,} stored: p50/p95 {row.query[size]}", flush=True)
        if not name.startswith("Ralph"):  # Ralph has no Activities resource
            row.activities[size] = measure_activities(lrs, ACTIVITY_QUERIES)
            print(f"  {name}: {size:,} stored: activities p50/p95 {row.activities[size]}", flush=True)
    return row


def parallel_ingest(lrs: LiveLRS, batches: int = WORKER_BATCHES) -> float:
    """Statements/s of WORKER_CLIENTS clients posting ``batches`` batches of 100 each, at once."""
    bodies = [
        [json.dumps([statement(n) for n in range(100)]).encode() for _ in range(batches)]
        for _ in range(WORKER_CLIENTS)
    ]  # encoded before the clock starts (fresh ids each): the clients' own work stays small

    def client(batches: list[bytes]) -> int:
        session = requests.Session()
        session.auth = lrs.write
        session.headers.update({**XAPI_HEADERS, "Content-Type": "application/json"})
        return sum(session.post(lrs.statements_url, data=b, timeout=120).status_code != 200 for b in batches)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKER_CLIENTS) as pool:
        failed = sum(pool.map(client, bodies))
    elapsed = time.perf_counter() - started
    if failed:
        raise RuntimeError(f"{failed} POSTs failed with {lrs.workers} workers")
    return WORKER_CLIENTS * batches * 100 / elapsed


def bench_workers(root: Path) -> list[tuple[int, dict[int, float]]]:
    """Rounds of parallel ingest on PostgreSQL (fsync on) with 1 and with 4 workers, taken in turns."""
    from leerpad.lrs.testing import TemporaryPostgres

    rounds: list[tuple[int, dict[int, float]]] = []
    with TemporaryPostgres(durable=True) as server, ExitStack() as stack:
        servers = {}
        for workers in WORKERS:
            lrs = LiveLRS.start(
                database=server.create_database(f"workers_{workers}"),
                state_dir=root / f"workers-{workers}",
                bcrypt_rounds=4,
                workers=workers,
            )
            stack.callback(lrs.stop)
            parallel_ingest(lrs, batches=1)  # warm-up, not counted: every worker has imported and connected
            servers[workers] = lrs
        for number in range(WORKER_ROUNDS):
            rates = {}
            for workers, lrs in servers.items():
                rates[workers] = parallel_ingest(lrs)
                print(f"  PostgreSQL, {workers} worker(s), round {number + 1}: {rates[workers]:,.0f} st/s", flush=True)
            rounds.append((number + 1, rates))
    return rounds


def run() -> None:
    """Measure all stores and print two Markdown tables."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="leerpad-bench-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        for kind in ("sqlite", "postgresql"):
            if kind == "sqlite":
                database: str | None = f"sqlite://{root / 'bench.sqlite3'}"
            else:
                database = stack.enter_context(postgres_database())
                if database is None:
                    rows.append(Row("Leerpad, postgresql, fsync off (n/a)"))
                    continue
            lrs = LiveLRS.start(database=database, state_dir=root / kind, bcrypt_rounds=4)
            stack.callback(lrs.stop)

            def fill(have: int, want: int, db: str = database, lrs: LiveLRS = lrs) -> None:
                fill_store(db, stored_count(lrs, db), want, lrs.write[0])

            label = "postgresql, fsync off" if kind == "postgresql" else kind
            rows.append(bench_store(f"Leerpad, {label}", lrs, fill, QUERIES))
            lrs.stop()

        fs_dir = root / "fs"
        fs_dir.mkdir()
        fs = LiveLRS.start(
            database="sqlite:///dev/null",
            state_dir=root / "fs-state",
            backend="fs",
            app_factory=RALPH_APP,
            bcrypt_rounds=4,
            extra_env={"RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(fs_dir)},
        )
        stack.callback(fs.stop)
        fs_file = fs_dir / "fs_lrs.jsonl"

        def fill_fs_to(have: int, want: int) -> None:
            lines = sum(1 for _ in fs_file.open()) if fs_file.exists() else 0
            fill_fs(fs_file, lines, want, fs.write[0])

        rows.append(bench_store("Ralph FS (baseline)", fs, fill_fs_to, FS_QUERIES))
        fs.stop()
        load_before = os.getloadavg()
        try:
            worker_rounds = bench_workers(root)
        except Exception as error:  # noqa: BLE001 - reported under the table
            print(f"(workers niet gemeten: {error})")
            worker_rounds = []
        load_after = os.getloadavg()

    print("\n### Ingest (statements/s, one client, POST over loopback)\n")
    print("| store | batch 1 | batch 10 | batch 100 |")
    print("|---|---:|---:|---:|")
    for row in rows:
        cells = [row.ingest.get(b, "n/a") for b in INGEST]
        print(f"| {row.name} | {' | '.join(cells)} |")
    print("\n### GET with verb + activity filter, limit=100: p50 / p95 in ms (mean hits per page)\n")
    baseline = next((r for r in rows if r.name.startswith("Ralph FS")), None)
    print("| store | 10,000 stored | 100,000 stored | p95 vs Ralph FS (10k / 100k) |")
    print("|---|---:|---:|---:|")
    for row in rows:
        cells = [row.query.get(s, "n/a") for s in SIZES]
        ratios = [
            f"{baseline.p95[s] / row.p95[s]:.0f}× faster"
            if baseline and s in baseline.p95 and row.p95.get(s)
            else "n/a"
            for s in SIZES
        ]
        ratio = "baseline" if row is baseline else " / ".join(ratios)
        print(f"| {row.name} | {' | '.join(cells)} | {ratio} |")
    print("\n### GET /xAPI/activities (course and question in turns): p50 / p95 in ms\n")
    print("| store | 10,000 stored | 100,000 stored |")
    print("|---|---:|---:|")
    for row in rows:
        if row.activities:
            print(f"| {row.name} | {' | '.join(row.activities.get(s, 'n/a') for s in SIZES)} |")
    print(
        f"\n### Ingest with workers: PostgreSQL, fsync on, {WORKER_CLIENTS} clients at once, batches of 100 "
        f"({WORKER_CLIENTS * WORKER_BATCHES * 100:,} statements per round), statements/s\n"
    )
    print("| round | 1 worker | 4 workers | 4 vs 1 |")
    print("|---|---:|---:|---:|")
    for number, rates in worker_rounds:
        print(f"| {number} | {rates[1]:,.0f} | {rates[4]:,.0f} | {rates[4] / rates[1]:.2f}× |")
    if worker_rounds:
        median_ratio = statistics.median(rates[4] / rates[1] for _, rates in worker_rounds)
        print(
            f"\nMedian ratio 4 vs 1 workers: {median_ratio:.2f}× on {os.cpu_count()} cores "
            f"(load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; the clients, "
            "PostgreSQL and the workers share these cores)."
        )
    print(
        "\nTargets: >= 1,000 statements/s batched; p95 <= 50 ms at 100,000. "
        "Ralph FS: only the first POST is stored (later ones fail), its filters never "
        "match (0 hits) and every query reads the whole file."
    )

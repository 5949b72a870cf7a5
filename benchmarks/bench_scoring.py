"""Scoring service: attempts scored per second and latency with 100 concurrent learners.

One embedded LRS process (uvicorn, Ralph, Leerpad's SQLite backend) with the scorer
mounted for a copy of the demo course. 100 learners run at the same time on
127.0.0.1 (one asyncio client, one connection each); each does ``ROUNDS`` attempts
at ``verbondenheid-toets`` (start, then submit of both scored questions). The
baseline, measured in the same run on a plain LRS process on the same kind of
database: the same learners POST the same statements a submit stores (two
``answered`` and one ``passed``, as one batch) straight to ``/xAPI/statements``.
The loop is bounded (``LEARNERS × ROUNDS`` attempts), never timed out.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from leerpad.lrs.testing import XAPI_HEADERS, LiveLRS
from leerpad.scoring.embedded import prepare

LEARNERS = 100
ROUNDS = 5
DEMO = Path(__file__).resolve().parents[1] / "tests" / "demo"
RESPONSES = {
    "volgorde-1": "behoefte-aan-zorg[,]zorg-zoeken[,]zorg-bereiken[,]zorg-gebruiken",
    "koppel-1": "benaderbaarheid[.]vermogen-om-waar-te-nemen[,]aanvaardbaarheid[.]vermogen-om-te-zoeken"
    "[,]betaalbaarheid[.]vermogen-om-te-betalen",
}


def _actor(n: int) -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "name": f"Leerder {n}",
        "mbox": f"mailto:leerder{n}-{uuid.uuid4().hex[:6]}@bench.example",
    }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def _run_learners(
    work: Callable[[httpx.AsyncClient, int, list[float], list[float]], Awaitable[None]],
) -> tuple[float, list[float], list[float]]:
    """Run ``LEARNERS`` learners at once; return the wall time and the two latency lists (s)."""
    first: list[float] = []
    second: list[float] = []
    limits = httpx.Limits(max_connections=LEARNERS, max_keepalive_connections=LEARNERS)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        started = time.perf_counter()
        await asyncio.gather(*(work(client, n, first, second) for n in range(LEARNERS)))
        return time.perf_counter() - started, first, second


def scorer_run(lrs: LiveLRS) -> tuple[float, list[float], list[float]]:
    """Start + submit, ``ROUNDS`` times per learner."""
    root = lrs.endpoint.removesuffix("/xAPI/")
    auth = httpx.BasicAuth(*lrs.write)

    async def learner(client: httpx.AsyncClient, n: int, starts: list[float], submits: list[float]) -> None:
        actor, registration = _actor(n), str(uuid.uuid4())
        for _ in range(ROUNDS):
            body = {
                "attempt": str(uuid.uuid4()),
                "quiz": "verbondenheid-toets",
                "actor": actor,
                "registration": registration,
            }
            t0 = time.perf_counter()
            started = await client.post(root + "/leerpad/v1/attempts", json=body, auth=auth)
            t1 = time.perf_counter()
            assert started.status_code == 200, started.text
            plan = started.json()
            answer = {"responses": {q: RESPONSES[q] for q in plan["questions"]}}
            scored = await client.post(
                f"{root}/leerpad/v1/attempts/{plan['attempt']}/responses", json=answer, auth=auth
            )
            t2 = time.perf_counter()
            assert scored.status_code == 200 and scored.json()["success"], scored.text
            starts.append(t1 - t0)
            submits.append(t2 - t1)

    return asyncio.run(_run_learners(learner))


def baseline_run(lrs: LiveLRS, statements: list[dict[str, Any]]) -> tuple[float, list[float], list[float]]:
    """The same statements (fresh ids) POSTed straight to the LRS, ``ROUNDS`` times per learner."""
    auth = httpx.BasicAuth(*lrs.write)

    async def learner(client: httpx.AsyncClient, n: int, posts: list[float], _unused: list[float]) -> None:
        actor = _actor(n)
        for _ in range(ROUNDS):
            batch = [{**s, "id": str(uuid.uuid4()), "actor": actor} for s in statements]
            t0 = time.perf_counter()
            response = await client.post(lrs.statements_url, json=batch, auth=auth, headers=XAPI_HEADERS)
            posts.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.text

    return asyncio.run(_run_learners(learner))


def _cells(latencies: list[float], baseline_p95: float) -> str:
    p95 = _percentile(latencies, 0.95)
    return f"{statistics.median(latencies) * 1000:.0f} | {p95 * 1000:.0f} | {p95 / baseline_p95:.2f}×"


def run() -> None:
    """Measure the scorer and the plain-POST baseline; print a Markdown table."""
    with tempfile.TemporaryDirectory(prefix="leerpad-bench-scoring-") as tmp:
        import shutil

        course = Path(tmp) / "course"
        shutil.copytree(DEMO, course, ignore=shutil.ignore_patterns("site", ".leerpad"))
        state = course / ".leerpad"
        with LiveLRS.start(
            database=f"sqlite://{state / 'lrs.sqlite3'}", state_dir=state, bcrypt_rounds=4, extra_env=prepare(course)
        ) as lrs:
            wall, starts, submits = scorer_run(lrs)
            sample = lrs.all_statements({"limit": "10"})
        print(f"  scorer: {LEARNERS * ROUNDS} attempts in {wall:.1f} s", flush=True)
        # The same statements a submit stores, as a client would send them.
        keep = ("verb", "object", "result", "context", "timestamp")
        shapes = [
            {k: s[k] for k in keep if k in s}
            for s in sample
            if not s["object"]["id"].endswith(("/module/verbondenheid",))
        ][:3]
        plain_state = Path(tmp) / "plain"
        with LiveLRS.start(
            database=f"sqlite://{plain_state / 'lrs.sqlite3'}", state_dir=plain_state, bcrypt_rounds=4
        ) as plain:
            base_wall, posts, _ = baseline_run(plain, shapes)
        print(f"  baseline: {LEARNERS * ROUNDS} batches in {base_wall:.1f} s", flush=True)

    attempts = [a + b for a, b in zip(starts, submits, strict=True)]
    base = _percentile(posts, 0.95)
    total = LEARNERS * ROUNDS
    print(f"\n### {LEARNERS} concurrent learners, {ROUNDS} attempts each, one LRS process, SQLite, 127.0.0.1\n")
    print("| path | per second | p50 ms | p95 ms | p95 vs baseline |")
    print("|---|---:|---:|---:|---:|")
    print(f"| scorer: attempt (start + submit) | {total / wall:,.0f} attempts | {_cells(attempts, base)} |")
    print(f"| scorer: start | | {_cells(starts, base)} |")
    print(f"| scorer: submit (scores, stores 3–5 statements) | | {_cells(submits, base)} |")
    baseline = "baseline: POST /xAPI/statements, the same 3 statements"
    print(f"| {baseline} | {total / base_wall:,.0f} batches | {_cells(posts, base)} |")
    print(f"\nAttempts/s vs baseline batches/s: {(total / wall) / (total / base_wall):.2f}×")

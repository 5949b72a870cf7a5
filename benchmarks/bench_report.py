"""``leerpad report`` over a filled embedded LRS, beside paging through the same statements.

A generated cohort (the scorer's ``answered`` per question and ``passed``/``failed``
per attempt, with the scorer's authority, as in production) is written straight into
the embedded LRS's store in bulk, then read through the Statements API over HTTP on
loopback, as any organiser's LRS would be read:

- baseline: page through ``activity=<course>&related_activities=true`` to the end
  (``more`` links), decoding every page and nothing else;
- report: the same reading plus everything ``leerpad report --format csv`` does
  (aggregation, completions, five CSV files);
- report + dashboard, at the smallest size: also the HTML dashboard (item analysis, plots).

Each measurement runs in a child process of its own, so that its peak memory
(``ru_maxrss``) is its own. Within a run, the time spent waiting for the next
statement (HTTP and JSON: the paging) is told apart from the report's own work, so
that the overhead ratio does not depend on how busy the LRS was in another run.
Targets (issue 13): the report's overhead <= 20 % of the paging time; peak memory
flat in the number of statements.

The embedded LRS serves at most 100 statements per page (``leerpad.lrs.query.PAGE_SIZE``;
the report asks ``limit=0``, the most the LRS allows). Sizes: 10,000 and 20,000
statements by default, to keep the run within a few minutes;
``LEERPAD_BENCH_REPORT_SIZES=10000,100000`` for more: the embedded store answers each
``related_activities`` page in time that grows with all statements of the course, so
paging 100,000 takes minutes and a million hours (see the note printed below).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from leerpad.lrs.server import LRSServer
from leerpad.lrs.store import StatementStore

COURSE = "https://leerpad.bench/rapport"
QUIZZES = {"m1": 5, "m2": 5, "m3": 5, "slot": 8}  # module -> questions of its toets
SCORER = {
    "objectType": "Agent",
    "name": "Leerpad-scorer",
    "account": {"homePage": "https://w3id.org/leerpad", "name": "scorer"},
}
ADL = "http://adlnet.gov/expapi/verbs/"
SIZES = tuple(int(s) for s in os.environ.get("LEERPAD_BENCH_REPORT_SIZES", "10000,20000").split(","))


def course_folder(root: Path) -> Path:
    """A small course whose quizzes match the generated statements."""
    folder = root / "course"
    (folder / "quizzes").mkdir(parents=True)
    nav = []
    for module, questions in QUIZZES.items():
        (folder / "docs" / module).mkdir(parents=True)
        (folder / "docs" / module / "index.md").write_text(
            f"---\nid: {module}\ntitle: Module {module}\nminutes: 60\n---\n\n# {module}\n", encoding="utf-8"
        )
        body = [
            f"---\nid: {module}-toets\ntitle: Toets {module}\nmodule: {module}\npass_mark: 0.6\nattempts: 3\n"
            + ("final: true\n" if module == "slot" else "")
            + "---\n"
        ]
        for q in range(questions):
            body.append(f"\n/// question | Vraag {q}?\n    id: {module}-q{q}\n    type: single\n- [x] Ja\n- [ ] Nee\n"
                        "- [ ] Misschien\n///\n")
        (folder / "quizzes" / f"{module}-toets.md").write_text("".join(body), encoding="utf-8")
        nav.append(f"  - {module}:\n      - {module}/index.md\n      - toetsen/{module}-toets.md\n")
    (folder / "docs" / "index.md").write_text("# Bench\n", encoding="utf-8")
    (folder / "mkdocs.yml").write_text(
        f"site_name: Bench\nplugins:\n  - leerpad:\n      course_iri: {COURSE}\nnav:\n  - index.md\n"
        + "".join(nav),
        encoding="utf-8",
    )
    return folder


def cohort(total: int, start: datetime) -> Any:
    """Yield ``total`` statements as stored: learners taking the toetsen, in time order."""
    rng = random.Random(13)
    made = 0
    learner = 0
    moment = start
    while made < total:
        learner += 1
        number = f"1-{learner:05d}-00-{learner % 997:03d}"
        actor = {"objectType": "Agent", "name": f"Deelnemer {learner}",
                 "account": {"homePage": "https://www.riziv.fgov.be", "name": number}}
        ability = rng.random()
        for module, questions in QUIZZES.items():
            for number in (1, 2, 3):
                attempt = str(uuid.uuid4())
                quiz = f"{COURSE}/quiz/{module}-toets"
                right = 0
                ext = {
                    "https://w3id.org/leerpad/extension/identity-source": "declared",
                    "https://w3id.org/leerpad/extension/attempt": attempt,
                    "http://id.tincanapi.com/extension/attempt-id": number,
                    f"{COURSE}/extension/beroep": "huisarts",
                }
                context = {"registration": str(uuid.UUID(int=learner)), "language": "nl-BE", "extensions": ext}
                for q in range(questions):
                    ok = rng.random() < 0.35 + 0.6 * ability
                    right += ok
                    moment += timedelta(milliseconds=50)
                    yield _stored({
                        "id": str(uuid.uuid4()), "actor": actor,
                        "verb": {"id": ADL + "answered", "display": {"en-US": "answered"}},
                        "object": {"objectType": "Activity", "id": f"{quiz}/question/{module}-q{q}", "definition": {
                            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                            "interactionType": "choice", "correctResponsesPattern": ["ja"],
                            "choices": [{"id": c, "description": {"nl": c}} for c in ("ja", "nee", "misschien")],
                        }},
                        "result": {"response": "ja" if ok else rng.choice(("nee", "misschien")), "success": ok,
                                   "duration": "PT12S"},
                        "context": {**context, "contextActivities": {
                            "parent": [{"id": quiz}],
                            "grouping": [{"id": f"{COURSE}/module/{module}"}, {"id": COURSE}]}},
                        "timestamp": moment.isoformat(),
                    }, moment)
                    made += 1
                passed = right / questions >= 0.6
                moment += timedelta(milliseconds=50)
                yield _stored({
                    "id": str(uuid.uuid4()), "actor": actor,
                    "verb": {"id": ADL + ("passed" if passed else "failed")},
                    "object": {"objectType": "Activity", "id": quiz},
                    "result": {"score": {"scaled": right / questions, "raw": right, "min": 0, "max": questions},
                               "success": passed, "completion": True, "duration": "PT2M"},
                    "context": {**context, "contextActivities": {
                        "parent": [{"id": f"{COURSE}/module/{module}"}], "grouping": [{"id": COURSE}]}},
                    "timestamp": moment.isoformat(),
                }, moment)
                made += 1
                if passed or made >= total:
                    break
            if made >= total:
                return


def _stored(statement: dict[str, Any], moment: datetime) -> dict[str, Any]:
    statement["stored"] = moment.isoformat()
    statement["authority"] = SCORER
    return statement


def fill(database: str, total: int) -> float:
    """Write the cohort into the store in batches of 2,000; return the seconds it took."""
    started = time.perf_counter()
    store = StatementStore.open(database)
    batch: list[dict[str, Any]] = []
    for statement in cohort(total, datetime(2026, 1, 1, tzinfo=UTC)):
        batch.append(statement)
        if len(batch) == 2000:
            store.write(batch)
            batch = []
    if batch:
        store.write(batch)
    store.close()
    return time.perf_counter() - started


CHILD = """
import io, json, resource, sys, time
from pathlib import Path
import leerpad.report.source as source
mode, root, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
reading = 0.0
paged = source.Source.statements

def timed(self, *args, **kwargs):
    # Time spent waiting for the next statement (HTTP, JSON): the paging itself.
    global reading
    pages = paged(self, *args, **kwargs)
    while True:
        started = time.perf_counter()
        try:
            item = next(pages)
        except StopIteration:
            reading += time.perf_counter() - started
            return
        reading += time.perf_counter() - started
        yield item

source.Source.statements = timed
started = time.perf_counter()
if mode == "page":
    count = sum(1 for _ in source.Source.from_course(root).statements(sys.argv[4]))
else:
    from leerpad.report.command import ReportOptions, run_report
    formats = ["csv", "html"] if mode == "dashboard" else ["csv"]
    sink, errors = io.StringIO(), io.StringIO()
    code = run_report(ReportOptions(root=root, formats=formats, out=out, progress=False), sink, errors)
    assert code == 0, errors.getvalue()
    count = int(sink.getvalue().split(" ", 1)[0])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "reading": reading, "count": count,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(mode: str, course: Path, out: Path) -> dict[str, float]:
    """Run one measurement in a child process; its time, count and peak memory."""
    run = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(course), str(out), COURSE],
        capture_output=True, text=True, check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    result: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def run() -> None:
    """Fill, read, report; print one Markdown table."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="leerpad-bench-report-") as tmp:
        root = Path(tmp)
        course = course_folder(root)
        for size in SIZES:
            database = f"sqlite://{root / f'lrs-{size}.sqlite3'}"
            filled = fill(database, size)
            print(f"  {size:,} statements in de store geschreven in {filled:.0f} s", flush=True)
            with LRSServer.start(database=database, state_dir=root / f"state-{size}", bcrypt_rounds=4) as lrs:
                (course / ".leerpad").mkdir(exist_ok=True)
                (course / ".leerpad" / "credentials.json").write_text(json.dumps({
                    "endpoint": lrs.endpoint,
                    "write": {"username": lrs.write[0], "password": lrs.write[1]},
                    "read": {"username": lrs.read[0], "password": lrs.read[1]},
                }), encoding="utf-8")
                runs = [("paging alone (baseline)", measure("page", course, root / "out"))]
                runs.append(("report --format csv", measure("report", course, root / "out")))
                if size == min(SIZES):  # the dashboard adds plots and tables of a constant size
                    runs.append(("report --format csv --format html", measure("dashboard", course, root / "out")))
            for name, result in runs:
                rows.append((size, name, result))
                print(f"  {size:,}: {name}: {result['seconds']:.1f} s, {result['peak_mib']:.0f} MiB", flush=True)
    print("\n### Report over the Statements API (embedded LRS, SQLite, 100 statements per page)\n")
    print("| statements | run | read | total (s) | paging (s) | report's own work (s) | own work / paging "
          "| peak memory (MiB) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for size, name, result in rows:
        own = result["seconds"] - result["reading"]
        ratio = "baseline" if name.startswith("paging") else f"{own / result['reading']:.0%}"
        print(f"| {size:,} | {name} | {int(result['count']):,} | {result['seconds']:.1f} | {result['reading']:.1f} "
              f"| {own:.1f} | {ratio} | {result['peak_mib']:.0f} |")
    print("\nTargets: the report's overhead <= 20 % of the paging time; peak memory flat in the "
          "number of statements (the report keeps per attempt a score and one mark per question).")
    print("Paging time grows with the square of the statements: the embedded store sorts all of the "
          "course's related statements for every page of a related_activities query.")

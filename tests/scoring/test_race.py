"""Toetsen submitted at the same instant: each module and the course completed exactly once.

The race: each submit reads "which toetsen has this learner passed?" inside its own
transaction. On PostgreSQL (READ COMMITTED) a submit does not see the other's
uncommitted pass, so with the two last toetsen of a module submitted together neither
sees them all passed and the module's ``completed``/``passed`` is never written. The
same holds for the course when the final test (open early, ``final_lock: false``) and
the last module's toets are submitted together; and two passes of one toets, or of the
final test, at once must not write the completion twice.

The tests force that interleaving instead of hoping for it: two scorer workers (each its
own database connection, as two processes of ``leerpad serve``) share one database, and
the attempt book of each pauses a submit right after it read the learner's passed
toetsen, until the other submit has read them too — or until the other waits in the
database for a lock (then the submits take turns, and waiting longer would only stall
the test). The verdict is what the LRS holds: its Statements API, read over HTTP.

PostgreSQL sees sessions, not processes: two connections of one process race as two
worker processes do. (Unpaused, over HTTP to an LRS with two workers, the old code
lost no module in 150 rounds: the window is a millisecond, and both requests mostly
reach the same worker, whose one connection already serialises them.)
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from leerpad.lrs.dialects import Database, open_database
from leerpad.lrs.store import StatementStore
from leerpad.lrs.testing import LiveLRS, TemporaryPostgres
from leerpad.scoring.book import AttemptBook, Claim
from leerpad.scoring.course import load_scored_course
from leerpad.scoring.delivery import StoreDelivery
from leerpad.scoring.service import Scorer
from tests.scoring.conftest import COURSE, RIGHT, copy_demo, learner, start_scored_lrs
from tests.scoring.test_options import _with_options as with_options

MODULE = f"{COURSE}/module/toegang"  # holds toegang-toets and (in this copy) verbondenheid-toets
ROUNDS = 30


def two_toets_course(target: Path) -> Path:
    """The demo course in which module 'toegang' has two toetsen (verbondenheid-toets moves in)
    and the final test is open from the start (``final_lock: false``)."""
    course = copy_demo(target, draw=None)
    quiz = course / "quizzes" / "verbondenheid-toets.md"
    text = quiz.read_text(encoding="utf-8")
    quiz.write_text(text.replace("module: verbondenheid\n", "module: toegang\n", 1), encoding="utf-8")
    with_options(course, "      scorer:\n        final_lock: false\n")
    return course


# ------------------------------------------------------------- the pause (tests only)


class Rendezvous:
    """Submits meet after reading the learner's passed toetsen, before either decides.

    ``other_waits`` tells whether the other submit waits in the database for a lock the
    first one holds: then it cannot reach the meeting point before the first commits.
    ``met`` counts the rounds in which both submits read before either decided.
    """

    def __init__(self, other_waits: Callable[[Rendezvous], bool], parties: int = 2, timeout: float = 30.0) -> None:
        self.other_waits = other_waits
        self.parties = parties
        self.timeout = timeout
        self.entered = 0  # submits of this round that began their claim
        self.arrived = 0  # submits of this round that read the passed toetsen
        self.waiting = 0
        self.met = 0
        self._turn = threading.Condition()

    def enter(self) -> None:
        with self._turn:
            self.entered += 1

    def meet(self) -> None:
        with self._turn:
            self.arrived += 1
            if self.waiting:
                self.met += 1
            self._turn.notify_all()
            self.waiting += 1
            try:
                deadline = time.monotonic() + self.timeout
                while self.arrived < self.parties and not self.other_waits(self):
                    if time.monotonic() > deadline:
                        raise AssertionError("the other submit neither read the passed toetsen nor waited for a lock")
                    self._turn.wait(0.005)
            finally:
                self.waiting -= 1

    def linger(self, seconds: float) -> None:
        """Wait inside :meth:`meet` (from ``other_waits``), letting the other submit arrive."""
        self._turn.wait(seconds)

    def reset(self, parties: int = 2) -> None:
        with self._turn:
            self.entered = self.arrived = 0
            self.parties = parties


class PausingBook(AttemptBook):
    """The real attempt book, whose claimed submits pause at the :class:`Rendezvous`."""

    def __init__(self, database: Database, rendezvous: Rendezvous) -> None:
        super().__init__(database)
        self.rendezvous = rendezvous

    @contextmanager
    def claiming(self, attempt_id: str, result: dict[str, Any], passed: bool) -> Iterator[Claim | None]:
        self.rendezvous.enter()
        with super().claiming(attempt_id, result, passed) as claim:
            if claim is not None:
                read = claim.passed_quizzes

                def read_then_meet(learner: str) -> set[str]:
                    seen = read(learner)
                    self.rendezvous.meet()
                    return seen

                claim.passed_quizzes = read_then_meet
            yield claim


@dataclass
class Race:
    """Two scorer workers on one database, and the LRS (on the same database) to read from."""

    lrs: LiveLRS
    workers: tuple[Scorer, Scorer]
    rendezvous: Rendezvous
    module: str = MODULE

    def start(self, quiz: str, actor: dict[str, Any], registration: str) -> dict[str, Any]:
        body = {"attempt": str(uuid.uuid4()), "quiz": quiz, "actor": actor, "registration": registration}
        return self.workers[0].start(body)

    def submit_together(self, *started: dict[str, Any]) -> list[dict[str, Any]]:
        """Submit started attempts at once (one or two), one through each worker; all answered right."""
        self.rendezvous.reset(parties=len(started))

        def submit(worker: Scorer, started: dict[str, Any]) -> dict[str, Any]:
            responses = {q: RIGHT[q] for q in started["questions"]}
            return worker.submit(started["attempt"], {"responses": responses})

        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(submit, w, s) for w, s in zip(self.workers, started, strict=False)]
            return [f.result(timeout=60) for f in futures]

    def complete_in_browser(self, actor: dict[str, Any], registration: str, module: str) -> None:
        """The learner's browser completes a module without toetsen (the write credential may)."""
        done = self.lrs.post(
            {
                "actor": actor,
                "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                "object": {"objectType": "Activity", "id": f"{COURSE}/module/{module}"},
                "context": {"registration": registration},
            }
        )
        assert done.status_code == 200, done.text

    def verbs(self, registration: str, activity: str) -> list[str]:
        """The verbs of the stored statements about ``activity`` in this registration, sorted."""
        found = self.lrs.all_statements({"registration": registration, "activity": activity})
        return sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in found)


def _race(course: Path, database: str, other_waits: Callable[[Rendezvous], bool]) -> Iterator[Race]:
    lrs = start_scored_lrs(course, database=database)  # writes the keys; its own scorer stays idle
    rendezvous = Rendezvous(other_waits)
    workers = []
    for _ in range(2):
        db = open_database(database)
        book = PausingBook(db, rendezvous)
        workers.append(Scorer(load_scored_course(course), book, StoreDelivery(StatementStore(db))))
    try:
        yield Race(lrs, (workers[0], workers[1]), rendezvous)
    finally:
        for worker in workers:
            worker.book.close()
        lrs.stop()


def _lock_waits(database: str) -> Callable[[Rendezvous], bool]:
    """Whether a session of ``database`` waits for a lock: PostgreSQL's own view (pg_locks)."""
    import psycopg

    watcher = psycopg.connect(database, autocommit=True)

    def waits(_: Rendezvous) -> bool:
        row = watcher.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.datname = current_database()"
        ).fetchone()
        return bool(row and row[0])

    return waits


@pytest.fixture(scope="module")
def pg_race(postgres: TemporaryPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Race]:
    database = postgres.create_database("race")
    course = two_toets_course(tmp_path_factory.mktemp("race-pg") / "course")
    yield from _race(course, database, _lock_waits(database))


@pytest.fixture(scope="module")
def pg_race_repeatable_read(postgres: TemporaryPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Race]:
    """As ``pg_race``, on a database whose transactions default to REPEATABLE READ."""
    import psycopg

    database = postgres.create_database("race_rr")
    with psycopg.connect(postgres.url(), autocommit=True) as conn:
        conn.execute("ALTER DATABASE race_rr SET default_transaction_isolation = 'repeatable read'")
    course = two_toets_course(tmp_path_factory.mktemp("race-rr") / "course")
    yield from _race(course, database, _lock_waits(database))


def _busy_for_a_while(rendezvous: Rendezvous) -> bool:
    """SQLite shows no lock waits: the other submit began its claim and has not read for 0.3 s."""
    if rendezvous.entered < rendezvous.parties:
        return False
    rendezvous.linger(0.3)
    return rendezvous.arrived < rendezvous.parties


@pytest.fixture(scope="module")
def sqlite_race(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Race]:
    course = two_toets_course(tmp_path_factory.mktemp("race-sqlite") / "course")
    yield from _race(course, f"sqlite://{course / '.leerpad' / 'lrs.sqlite3'}", _busy_for_a_while)


# ------------------------------------------------------------------------- tests

Play = Callable[[Race, dict[str, Any], str], None]


def done_twice_or_never(race: Race, rounds: int, play: Play, *activities: str) -> list[str]:
    """Per round a new learner ``play``s; the rounds after which an activity lacks exactly one
    ``completed`` and one ``passed`` in the LRS."""
    wrong = []
    for n in range(rounds):
        actor, registration = learner(f"Leerder {n}"), str(uuid.uuid4())
        play(race, actor, registration)
        found = {activity: race.verbs(registration, activity) for activity in activities}
        if any(verbs != ["completed", "passed"] for verbs in found.values()):
            wrong.append(f"learner {n}: {found}")
    return wrong


def two_last_toetsen(race: Race, actor: dict[str, Any], registration: str) -> None:
    """Both toetsen of module 'toegang' submitted at once."""
    results = race.submit_together(
        race.start("toegang-toets", actor, registration), race.start("verbondenheid-toets", actor, registration)
    )
    assert [r["success"] for r in results] == [True, True]


@pytest.mark.postgres
def test_two_last_toetsen_at_once_complete_the_module_once_on_postgresql(pg_race: Race) -> None:
    before = pg_race.rendezvous.met
    wrong = done_twice_or_never(pg_race, ROUNDS, two_last_toetsen, MODULE)
    read_together = pg_race.rendezvous.met - before
    assert wrong == [], f"{len(wrong)} of {ROUNDS} learners ({read_together} read together): {wrong[:3]}"
    assert read_together == 0  # each time the second submit waited for the first one's turn


@pytest.mark.postgres
def test_a_database_defaulting_to_repeatable_read_changes_nothing(pg_race_repeatable_read: Race) -> None:
    """A snapshot taken before the learner's turn would not see the pass committed in the turn before."""
    wrong = done_twice_or_never(pg_race_repeatable_read, ROUNDS, two_last_toetsen, MODULE)
    assert wrong == [], f"{len(wrong)} of {ROUNDS} learners: {wrong[:3]}"


def test_two_last_toetsen_at_once_complete_the_module_once_on_sqlite(sqlite_race: Race) -> None:
    wrong = done_twice_or_never(sqlite_race, 10, two_last_toetsen, MODULE)
    assert wrong == [], f"{len(wrong)} of 10 learners: {wrong[:3]}"
    assert sqlite_race.rendezvous.met == 0  # BEGIN IMMEDIATE: the second submit never read alongside


@pytest.mark.postgres
def test_the_last_toets_passed_twice_at_once_completes_the_module_once(pg_race: Race) -> None:
    def play(race: Race, actor: dict[str, Any], registration: str) -> None:
        two_last_toetsen(race, actor, registration)
        # The module is done; two more attempts at a toets of it, both passed, at once.
        race.submit_together(*(race.start("toegang-toets", actor, registration) for _ in range(2)))

    assert done_twice_or_never(pg_race, 10, play, MODULE) == []


@pytest.mark.postgres
def test_the_final_test_passed_twice_at_once_completes_the_course_once(pg_race: Race) -> None:
    def play(race: Race, actor: dict[str, Any], registration: str) -> None:
        two_last_toetsen(race, actor, registration)
        race.complete_in_browser(actor, registration, "verbondenheid")  # no toets left in this copy
        race.submit_together(*(race.start("eindtoets", actor, registration) for _ in range(2)))

    assert done_twice_or_never(pg_race, 10, play, COURSE, MODULE) == []


@pytest.mark.postgres
def test_the_final_test_and_the_last_module_toets_at_once_complete_the_course_once(pg_race: Race) -> None:
    """The final test is open before the modules (``final_lock: false``): submitted together with
    the toets that completes the last module, the course is completed once, whichever goes first."""

    def play(race: Race, actor: dict[str, Any], registration: str) -> None:
        race.complete_in_browser(actor, registration, "verbondenheid")
        race.submit_together(race.start("toegang-toets", actor, registration))  # alone
        last = race.start("verbondenheid-toets", actor, registration)  # completes module 'toegang'
        race.submit_together(last, race.start("eindtoets", actor, registration))

    wrong = done_twice_or_never(pg_race, ROUNDS, play, COURSE, MODULE)
    assert wrong == [], f"{len(wrong)} of {ROUNDS} learners: {wrong[:3]}"

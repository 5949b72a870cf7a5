"""Attempts, kept in SQL: the LRS's own database (embedded) or a SQLite file of the scorer.

One row per attempt, made when the attempt starts (an attempt counts from its start,
submitted or not), unique per learner, quiz and number, so that two starts at the
same moment cannot both become attempt 2. A submit is claimed with one conditional
UPDATE (``WHERE submitted IS NULL``): of two tabs submitting the same attempt, one
wins and the other reads the winner's result. The statements a submit produces are
kept in the row until delivered (an outbox that survives a crash or an LRS that is
down). ``milestones`` remembers which module and course completions were written,
so that each is written once per learner. ``versions`` keeps each question version an
attempt drew, once, by its fingerprint (:mod:`leerpad.scoring.versions`): the plan in
``start`` names them, and a course update does not change how the attempt is scored.
A book made before it gains the table when it is opened (``CREATE TABLE IF NOT EXISTS``);
its attempts' plans name no versions.

The submits of one learner take turns (:meth:`AttemptBook.claiming`): whether a
module or the course is done depends on the learner's other passes, and a submit must
see every pass committed before it decides. Without turns, on PostgreSQL (READ
COMMITTED) the two last toetsen of a module submitted at once each miss the other's
uncommitted pass, and the module is never completed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from leerpad.lrs.dialects import Database, open_database
from leerpad.lrs.indexing import now_micros

SCHEMA = """
CREATE TABLE IF NOT EXISTS scorer_attempts (
    id TEXT PRIMARY KEY,
    learner TEXT NOT NULL,
    quiz TEXT NOT NULL,
    number INTEGER NOT NULL,
    started BIGINT NOT NULL,
    start TEXT NOT NULL,
    submitted BIGINT,
    passed SMALLINT NOT NULL DEFAULT 0,
    result TEXT,
    pending TEXT,
    UNIQUE (learner, quiz, number)
);
CREATE INDEX IF NOT EXISTS scorer_attempts_pending ON scorer_attempts (submitted) WHERE pending IS NOT NULL;
CREATE TABLE IF NOT EXISTS scorer_versions (
    fingerprint TEXT PRIMARY KEY,
    version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scorer_milestones (
    learner TEXT NOT NULL,
    activity TEXT NOT NULL,
    attempt TEXT NOT NULL,
    PRIMARY KEY (learner, activity)
)
"""


@dataclass(frozen=True)
class Attempt:
    """One attempt as stored."""

    id: str
    learner: str
    quiz: str
    number: int
    started: int
    start: dict[str, Any]  # the start request's actor and registration, and the plan
    submitted: int | None
    result: dict[str, Any] | None


def learner_lock_key(learner: str) -> int:
    """The database lock of one learner's submits: a signed 64-bit key (PostgreSQL's bigint)."""
    digest = hashlib.blake2b(learner.encode("utf-8"), digest_size=8, person=b"leerpad-submit").digest()
    return int.from_bytes(digest, "big", signed=True)


class AttemptTaken(Exception):
    """Another start took the same attempt number at the same moment: try again."""


class AttemptBook:
    """The attempts of every learner; safe to share between threads of one process."""

    def __init__(self, database: Database) -> None:
        """Use ``database``, creating the scorer's tables if they are missing."""
        self.db = database
        for attempt in range(3):
            try:
                with self.db.transaction() as cursor:
                    for sql in SCHEMA.split(";"):
                        if sql.strip():
                            cursor.execute(sql.strip())
                return
            except Exception:
                if attempt == 2:  # two processes creating the tables at once: one wins
                    raise
                time.sleep(0.2)

    @classmethod
    def open(cls, url: str) -> AttemptBook:
        """Open the book in the database at ``url`` (``sqlite:///…`` or ``postgresql://…``)."""
        return cls(open_database(url))

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    # ------------------------------------------------------------------ reading

    def get(self, attempt_id: str) -> Attempt | None:
        """The attempt with this id, if any."""
        rows = self.db.query(
            "SELECT id, learner, quiz, number, started, start, submitted, result FROM scorer_attempts WHERE id = ?",
            [attempt_id],
        )
        if not rows:
            return None
        row = rows[0]
        return Attempt(
            id=str(row[0]),
            learner=str(row[1]),
            quiz=str(row[2]),
            number=int(row[3]),
            started=int(row[4]),
            start=json.loads(row[5]),
            submitted=int(row[6]) if row[6] is not None else None,
            result=json.loads(row[7]) if row[7] is not None else None,
        )

    def count(self, learner: str, quiz: str) -> int:
        """How many attempts the learner started at this quiz."""
        rows = self.db.query("SELECT COUNT(*) FROM scorer_attempts WHERE learner = ? AND quiz = ?", [learner, quiz])
        return int(rows[0][0])

    def passed_quizzes(self, learner: str) -> set[str]:
        """The quizzes the learner passed (in any attempt)."""
        rows = self.db.query("SELECT DISTINCT quiz FROM scorer_attempts WHERE learner = ? AND passed = 1", [learner])
        return {str(r[0]) for r in rows}

    def last_plan(self, learner: str, quiz: str) -> list[str]:
        """The questions of the learner's latest attempt at this quiz (none: [])."""
        rows = self.db.query(
            "SELECT start FROM scorer_attempts WHERE learner = ? AND quiz = ? ORDER BY number DESC LIMIT 1",
            [learner, quiz],
        )
        return list(json.loads(rows[0][0])["plan"]["questions"]) if rows else []

    def versions(self, fingerprints: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The kept question versions among ``fingerprints`` (fingerprint → version)."""
        wanted = sorted(set(fingerprints))
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        rows = self.db.query(f"SELECT fingerprint, version FROM scorer_versions WHERE fingerprint IN ({marks})", wanted)
        return {str(r[0]): json.loads(r[1]) for r in rows}

    # ------------------------------------------------------------------ writing

    @staticmethod
    def _keep(cursor: Any, versions: Mapping[str, Mapping[str, Any]]) -> None:
        cursor.executemany(
            "INSERT INTO scorer_versions (fingerprint, version) VALUES (?, ?) ON CONFLICT (fingerprint) DO NOTHING",
            [[name, json.dumps(v, ensure_ascii=False)] for name, v in sorted(versions.items())],
        )

    def add(
        self,
        attempt_id: str,
        learner: str,
        quiz: str,
        number: int,
        start: dict[str, Any],
        versions: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> int:
        """Store a new attempt and the question versions it drew; return its start time (µs).

        Raises :class:`AttemptTaken`.
        """
        started = now_micros()
        try:
            with self.db.transaction() as cursor:
                cursor.execute(
                    "INSERT INTO scorer_attempts (id, learner, quiz, number, started, start) VALUES (?, ?, ?, ?, ?, ?)",
                    [attempt_id, learner, quiz, number, started, json.dumps(start, ensure_ascii=False)],
                )
                self._keep(cursor, versions or {})
        except Exception as error:
            if self.db.is_unique_violation(error):
                raise AttemptTaken(str(error)) from error
            raise
        return started

    def replan(
        self, attempt_id: str, started: int, start: dict[str, Any], versions: Mapping[str, Mapping[str, Any]]
    ) -> bool:
        """Start an open attempt again with a new plan and its versions (:meth:`Scorer.start`'s renewal).

        Only the attempt as read (its start time ``started``, not submitted): of two tabs
        renewing it at once, one does and the other reads the result. Its number and
        count stay. False when the attempt changed meanwhile.
        """
        with self.db.transaction() as cursor:
            changed = cursor.execute(
                "UPDATE scorer_attempts SET started = ?, start = ? WHERE id = ? AND started = ? AND submitted IS NULL",
                [now_micros(), json.dumps(start, ensure_ascii=False), attempt_id, started],
            ).rowcount
            if changed == 1:
                self._keep(cursor, versions)
        return bool(changed == 1)

    @contextmanager
    def claiming(self, attempt_id: str, result: dict[str, Any], passed: bool) -> Iterator[Claim | None]:
        """Claim the submit of an attempt; yields a :class:`Claim`, or None when it was already submitted.

        Everything done with the claim (milestones, statements to deliver) commits
        together with the submit, or not at all. The learner's submits take turns: the
        learner's lock comes first, before any row is written (a submit holding a row
        lock while waiting for the learner's would deadlock with a second tab of the
        same attempt), and every read after it sees the passes of earlier turns.
        On SQLite the transaction itself is the turn (``BEGIN IMMEDIATE``: one writer);
        on PostgreSQL an advisory lock held until commit, across worker processes, in
        READ COMMITTED whatever the database's default (the database layer begins every
        transaction so): a snapshot taken before the turn (REPEATABLE READ) would not
        see the pass committed in the turn before.
        """
        with self.db.transaction() as cursor:
            cursor.execute("SELECT learner FROM scorer_attempts WHERE id = ?", [attempt_id])
            row = cursor.fetchone()
            if row is not None:
                self.db.lock(cursor, learner_lock_key(str(row[0])))
            changed = cursor.execute(
                "UPDATE scorer_attempts SET submitted = ?, passed = ?, result = ? WHERE id = ? AND submitted IS NULL",
                [now_micros(), 1 if passed else 0, json.dumps(result, ensure_ascii=False), attempt_id],
            ).rowcount
            if changed != 1:
                yield None
                return
            claim = Claim(cursor, attempt_id)
            yield claim
            cursor.execute(
                "UPDATE scorer_attempts SET pending = ? WHERE id = ?",
                [json.dumps(claim.statements, ensure_ascii=False), attempt_id],
            )

    def pending(self, limit: int = 50) -> list[tuple[str, list[dict[str, Any]]]]:
        """Submitted attempts whose statements are not delivered yet, oldest first."""
        rows = self.db.query(
            "SELECT id, pending FROM scorer_attempts WHERE pending IS NOT NULL ORDER BY submitted LIMIT ?",
            [limit],
        )
        return [(str(r[0]), json.loads(r[1])) for r in rows]

    def delivered(self, attempt_id: str) -> None:
        """The attempt's statements are in the LRS."""
        with self.db.transaction() as cursor:
            cursor.execute("UPDATE scorer_attempts SET pending = NULL WHERE id = ?", [attempt_id])


class Claim:
    """A submit being committed: its milestones and the statements to deliver."""

    def __init__(self, cursor: Any, attempt_id: str) -> None:
        """Work inside the claiming transaction."""
        self.cursor = cursor
        self.attempt_id = attempt_id
        self.statements: list[dict[str, Any]] = []

    def passed_quizzes(self, learner: str) -> set[str]:
        """The quizzes the learner passed, this submit included."""
        self.cursor.execute("SELECT DISTINCT quiz FROM scorer_attempts WHERE learner = ? AND passed = 1", [learner])
        return {str(r[0]) for r in self.cursor.fetchall()}

    def first_time(self, learner: str, activity: str) -> bool:
        """Record a milestone; True only the first time for this learner."""
        self.cursor.execute(
            "INSERT INTO scorer_milestones (learner, activity, attempt) VALUES (?, ?, ?) "
            "ON CONFLICT (learner, activity) DO NOTHING",
            [learner, activity, self.attempt_id],
        )
        self.cursor.execute(
            "SELECT attempt FROM scorer_milestones WHERE learner = ? AND activity = ?", [learner, activity]
        )
        row = self.cursor.fetchone()
        return row is not None and str(row[0]) == self.attempt_id

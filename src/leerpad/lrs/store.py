"""The statement store: xAPI statements in SQLite or PostgreSQL, on top of the layers below.

- :mod:`leerpad.lrs.indexing` — what a statement is filed under;
- :mod:`leerpad.lrs.dialects` — one interface over SQLite and PostgreSQL;
- :mod:`leerpad.lrs.schema` — the tables, their version and migrations;
- :mod:`leerpad.lrs.query` — filters, the SELECT they become, paging.

One table holds each statement once, as the JSON text it was received in (so that no
property is lost or reordered), beside the columns the Statements API filters on;
a side table, ``related``, lists every agent and activity a statement mentions,
with the statement's ``stored``, so that a filter on one reads an index in page order;
``activities`` holds each activity's canonical definition, merged as statements arrive.

Each batch is written in one transaction: stored entirely or not at all, also when
the process is killed in the middle of it. Writers take turns (SQLite's write lock,
a PostgreSQL advisory lock) and ``stored`` is set inside that turn, never earlier
than the newest ``stored`` already there: so statements become visible in
``stored`` order, and a time read in such a turn is one through which every reader
is consistent (``X-Experience-API-Consistent-Through``), however many workers write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from leerpad.lrs.dialects import Cursor, Database, StoreError, open_database
from leerpad.lrs.indexing import (
    VOIDED_VERB,
    IndexedStatement,
    index_statement,
    micros_to_iso,
    normalise_uuid,
    now_micros,
    statements_are_equivalent,
)
from leerpad.lrs.query import StatementFilter, StatementPage, select_sql
from leerpad.lrs.schema import merge_activities, migrate

_COLUMNS = "id, stored, timestamp, verb, activity, agent, registration, ref, body"
_CHUNK = 500  # ids per `IN (…)`: far below every database's parameter limit
_RACES = 5  # lost races with other writers of the same ids before giving up
# Any constant shared by all writers of the same PostgreSQL database.
_WRITE_LOCK_KEY = 0x1EE2_9AD1


class DuplicateStatementError(StoreError):
    """A statement id is already stored with other content (xAPI: 409 Conflict)."""

    def __init__(self, statement_id: str) -> None:
        """Name the conflicting id."""
        super().__init__(f"Differing statements already exist with the same ID: {statement_id}")
        self.statement_id = statement_id


class StatementStore:
    """Statements in one SQL database; safe to share between threads of one process."""

    def __init__(self, database: Database) -> None:
        """Use ``database``, migrating its schema to this version first."""
        self.db = database
        migrate(database)

    @classmethod
    def open(cls, url: str) -> StatementStore:
        """Open the store at a database URL (see :func:`leerpad.lrs.dialects.open_database`)."""
        return cls(open_database(url))

    # ------------------------------------------------------------------ writing

    def write(
        self, statements: Iterable[Mapping[str, Any]], attachments: Mapping[str, tuple[str, bytes]] | None = None
    ) -> int:
        """Store a batch of statements in one transaction and return how many were new.

        Voiding statements mark their target as voided in the same transaction, and
        ``attachments`` (SHA-2 → content type, bytes) are kept in it too. A
        statement whose id is already stored with equivalent content is skipped
        (another writer stored it first); with other content,
        :class:`DuplicateStatementError` is raised and nothing of the batch is stored.
        """
        pending = {normalise_uuid(s["id"]): s for s in statements if "id" in s}
        if not pending:
            return 0
        for attempt in range(_RACES):
            existing = {normalise_uuid(s["id"]): s for s in self.by_ids(list(pending))}
            for statement_id, stored in existing.items():
                if not statements_are_equivalent(pending[statement_id], stored):
                    raise DuplicateStatementError(statement_id)
            rows = [index_statement(s) for key, s in pending.items() if key not in existing]
            if not rows:
                return 0
            try:
                self._insert(rows, attachments or {})
            except Exception as error:
                if self.db.is_unique_violation(error) and attempt + 1 < _RACES:
                    continue  # a concurrent writer stored one of them: compare again
                raise
            return len(rows)
        raise StoreError("unreachable: every attempt either returns or raises")

    def _insert(self, rows: Sequence[IndexedStatement], attachments: Mapping[str, tuple[str, bytes]]) -> None:
        with self.db.transaction() as cursor:
            for sha2, (content_type, content) in attachments.items():
                cursor.execute(
                    "INSERT INTO attachments (sha2, content_type, content) VALUES (?, ?, ?) "
                    "ON CONFLICT (sha2) DO NOTHING",
                    (sha2, content_type, content),
                )
            first = self._next_stored(cursor)
            values = []
            # One microsecond apart, in the batch's order: `stored` keeps the order sent.
            for stored, row in enumerate(rows, start=first):
                values.append(
                    (row.id, stored, stored if row.timestamp_is_stored else row.timestamp, row.verb,
                     row.activity, row.agent, row.registration, row.ref,
                     row.body_with_stored(micros_to_iso(stored)))
                )  # fmt: skip
            cursor.executemany(
                f"INSERT INTO statements ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values
            )
            seqs: dict[str, int] = {}
            for start in range(0, len(rows), _CHUNK):
                ids = [r.id for r in rows[start : start + _CHUNK]]
                marks = ", ".join("?" for _ in ids)
                cursor.execute(f"SELECT id, seq FROM statements WHERE id IN ({marks})", ids)
                seqs.update((str(i), int(q)) for i, q in cursor.fetchall())
            # `stored` beside `seq`: a filter on an agent or activity reads its rows in page order.
            cursor.executemany(
                "INSERT INTO related (kind, value, seq, stored) VALUES (?, ?, ?, ?)",
                [
                    (kind, value, seqs[r.id], stored)
                    for stored, r in enumerate(rows, start=first)
                    for kind, value in sorted(r.related)
                ],
            )
            # In the writers' turn: each activity's definition is folded in `stored` order.
            merge_activities(cursor, (d for row in rows for d in row.definitions))
            for target in (row.voids for row in rows if row.voids):
                # A voiding statement cannot itself be voided.
                cursor.execute(
                    "UPDATE statements SET voided = 1 WHERE id = ? AND verb <> ?",
                    (target, VOIDED_VERB),
                )

    def _next_stored(self, cursor: Cursor) -> int:
        """``stored`` of the batch being written: now, but never before the newest one."""
        self.db.lock(cursor, _WRITE_LOCK_KEY)
        cursor.execute("SELECT MAX(stored) FROM statements")
        row = cursor.fetchone()
        newest = int(row[0]) if row and row[0] is not None else 0
        return max(now_micros(), newest + 1)

    # ------------------------------------------------------------------ reading

    def consistent_through(self) -> str:
        """A time through which every stored statement is visible (ISO 8601, UTC).

        Read in the writers' turn: every batch that took its turn before has
        committed, and every later one gets a ``stored`` after this moment.
        """
        with self.db.transaction() as cursor:
            moment = self._next_stored(cursor) - 1
        return micros_to_iso(moment)

    def by_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Return the stored statements with these ids (voided ones included)."""
        found: list[dict[str, Any]] = []
        wanted = [normalise_uuid(i) for i in ids]
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows = self.db.query(f"SELECT body FROM statements WHERE id IN ({marks})", chunk)
            found.extend(json.loads(body) for (body,) in rows)
        return found

    def query(self, spec: StatementFilter) -> StatementPage:
        """Return one page of the statements matching ``spec``, newest first by default."""
        snapshot = spec.snapshot
        if snapshot is None:
            rows = self.db.query("SELECT COALESCE(MAX(seq), 0) FROM statements")
            snapshot = int(rows[0][0])
        limit = max(spec.limit, 1)
        sql, params = select_sql(spec, snapshot, limit + 1)
        rows = self.db.query(sql, params)
        has_more = len(rows) > limit
        rows = rows[:limit]
        last = (int(rows[-1][0]), int(rows[-1][1])) if rows else None
        return StatementPage(
            statements=[json.loads(body) for _, _, body in rows],
            last=last,
            has_more=has_more,
            snapshot=snapshot,
        )

    def iter_all(self, chunk: int = _CHUNK) -> Iterator[dict[str, Any]]:
        """Yield every stored statement (voided ones included), oldest first."""
        after = (-1, -1)
        while True:
            rows = self.db.query(
                "SELECT stored, seq, body FROM statements WHERE (stored, seq) > (?, ?) "
                "ORDER BY stored, seq LIMIT ?",
                [*after, chunk],
            )
            if not rows:
                return
            for _, _, body in rows:
                yield json.loads(body)
            after = (int(rows[-1][0]), int(rows[-1][1]))

    def activity(self, activity_id: str) -> dict[str, Any] | None:
        """The Activity object of ``activity_id`` with its canonical definition (None: never mentioned).

        One row of ``activities``, kept up to date by every write (schema version 7).
        """
        rows = self.db.query("SELECT definition FROM activities WHERE id = ?", [activity_id])
        if not rows:
            return None
        activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
        definition = json.loads(rows[0][0])
        if definition:
            activity["definition"] = definition
        return activity

    def attachments(self, hashes: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        """The stored attachments with these SHA-2 hashes: content type and bytes."""
        found: dict[str, tuple[str, bytes]] = {}
        for start in range(0, len(hashes), _CHUNK):
            chunk = list(hashes[start : start + _CHUNK])
            marks = ", ".join("?" for _ in chunk)
            rows = self.db.query(f"SELECT sha2, content_type, content FROM attachments WHERE sha2 IN ({marks})", chunk)
            found.update((str(h), (str(t), bytes(c))) for h, t, c in rows)
        return found

    def count(self) -> int:
        """Number of stored statements (voided ones included)."""
        return int(self.db.query("SELECT COUNT(*) FROM statements")[0][0])

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

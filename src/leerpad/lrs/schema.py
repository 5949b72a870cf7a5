"""The store's tables, their version, and the migrations between versions.

Organisers keep their database across Leerpad upgrades, so the schema is never
created "as the code wants it now": every change is a numbered migration, applied
in order, once, in one transaction with the version bump. ``schema_version`` holds
the version a database is at. A database of Leerpad 0.1 has no such table: it is
recognised by its ``statements`` table and counts as version 1.

Several processes may open the same database at once (``--workers`` on
PostgreSQL): the dialect serialises them (:meth:`Database.lock`), and the
version is read again inside the lock, so each migration runs exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from leerpad.lrs.dialects import Cursor, Database, StoreError
from leerpad.lrs.indexing import activity_definitions, merge_definitions, normalise_uuid

# Any constant shared by all processes migrating the same PostgreSQL database.
_SCHEMA_LOCK_KEY = 0x1EE2_9AD0


def _fill_refs(cursor: Cursor) -> None:
    """Version 5: the StatementRef target of statements stored before the column existed."""
    cursor.execute("SELECT seq, body FROM statements WHERE body LIKE ?", ("%StatementRef%",))
    for seq, body in cursor.fetchall():
        obj = json.loads(body).get("object")
        if isinstance(obj, dict) and obj.get("objectType") == "StatementRef" and isinstance(obj.get("id"), str):
            cursor.execute("UPDATE statements SET ref = ? WHERE seq = ?", (normalise_uuid(obj["id"]), seq))


_CHUNK = 500  # ids per `IN (…)`, statements per read while filling


@lru_cache(maxsize=4096)
def _definition(text: str) -> Mapping[str, Any]:
    """A stored definition, parsed once per text: a course's activities recur in every batch.

    Keyed by the text read in the writer's turn, so never stale; read-only (merging
    builds new mappings).
    """
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def merge_activities(cursor: Cursor, definitions: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
    """Fold activity definitions, in ``stored`` order, into each activity's canonical definition.

    The canonical definition is what ``GET /xAPI/activities`` answers: every
    definition a statement gave merged as :func:`merge_definitions` says. Writers
    call this in their turn (after the write lock), so the fold follows ``stored``.
    A row exists for every activity some statement mentions, with or without a
    definition; only rows whose definition changes are written.
    """
    pending: dict[str, list[Mapping[str, Any]]] = {}
    for activity_id, definition in definitions:
        pending.setdefault(activity_id, []).append(definition)
    ids = list(pending)
    current: dict[str, Mapping[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        cursor.execute(f"SELECT id, definition FROM activities WHERE id IN ({marks})", chunk)
        current.update((str(i), _definition(d)) for i, d in cursor.fetchall())
    changed = []
    for activity_id, found in pending.items():
        merged = merge_definitions([current.get(activity_id, {}), *found])
        if activity_id not in current or merged != current[activity_id]:
            changed.append((activity_id, json.dumps(merged, ensure_ascii=False, separators=(",", ":"))))
    cursor.executemany(
        "INSERT INTO activities (id, definition) VALUES (?, ?) "
        "ON CONFLICT (id) DO UPDATE SET definition = excluded.definition",
        changed,
    )


def _fill_activities(cursor: Cursor) -> None:
    """Version 7: the canonical definitions of the activities of statements already stored."""
    after = (-1, -1)
    while True:
        cursor.execute(
            "SELECT stored, seq, body FROM statements WHERE (stored, seq) > (?, ?) ORDER BY stored, seq LIMIT ?",
            (*after, _CHUNK),
        )
        rows = cursor.fetchall()
        if not rows:
            return
        merge_activities(cursor, (d for _, _, body in rows for d in activity_definitions(json.loads(body))))
        after = (int(rows[-1][0]), int(rows[-1][1]))


@dataclass(frozen=True)
class Migration:
    """One step from ``version - 1`` to ``version``: SQL with ``{serial}``/``{binary}``, then ``fill``."""

    version: int
    summary: str
    sql: str
    fill: Callable[[Cursor], None] | None = None

    def statements(self, database: Database) -> list[str]:
        """The SQL statements of this step in ``database``'s dialect."""
        text = self.sql.format(serial=database.serial, binary=database.binary)
        return [part.strip() for part in text.split(";") if part.strip()]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "statements and the agents/activities they mention (Leerpad 0.1)",
        """
        CREATE TABLE statements (
            seq {serial},
            id TEXT NOT NULL UNIQUE,
            stored BIGINT NOT NULL,
            timestamp BIGINT NOT NULL,
            verb TEXT NOT NULL,
            activity TEXT,
            agent TEXT,
            registration TEXT,
            voided SMALLINT NOT NULL DEFAULT 0,
            body TEXT NOT NULL
        );
        CREATE TABLE related (
            kind SMALLINT NOT NULL,
            value TEXT NOT NULL,
            seq BIGINT NOT NULL REFERENCES statements (seq),
            PRIMARY KEY (kind, value, seq)
        );
        CREATE INDEX statements_stored ON statements (stored, seq);
        CREATE INDEX statements_timestamp ON statements (timestamp);
        CREATE INDEX statements_verb ON statements (verb, stored, seq);
        CREATE INDEX statements_activity ON statements (activity, stored, seq);
        CREATE INDEX statements_verb_activity ON statements (verb, activity, stored, seq);
        CREATE INDEX statements_agent ON statements (agent, stored, seq);
        CREATE INDEX statements_registration ON statements (registration, stored, seq);
        CREATE INDEX related_seq ON related (seq)
        """,
    ),
    Migration(
        2,
        "the schema version is recorded",
        """
        CREATE TABLE schema_version (
            version INTEGER NOT NULL
        );
        INSERT INTO schema_version (version) VALUES (1)
        """,
    ),
    Migration(
        3,
        "documents: State, Activity Profile and Agent Profile",
        """
        CREATE TABLE documents (
            kind SMALLINT NOT NULL,
            activity TEXT NOT NULL,
            agent TEXT NOT NULL,
            registration TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            content_type TEXT NOT NULL,
            content {binary} NOT NULL,
            etag TEXT NOT NULL,
            updated BIGINT NOT NULL,
            PRIMARY KEY (kind, activity, agent, registration, doc_id)
        );
        CREATE INDEX documents_updated ON documents (kind, activity, agent, registration, updated)
        """,
    ),
    Migration(
        4,
        "attachments sent with statements (multipart/mixed), by their SHA-2",
        """
        CREATE TABLE attachments (
            sha2 TEXT PRIMARY KEY,
            content_type TEXT NOT NULL,
            content {binary} NOT NULL
        )
        """,
    ),
    Migration(
        5,
        "the statement a StatementRef points to: filters also match statements about a match",
        """
        ALTER TABLE statements ADD COLUMN ref TEXT;
        CREATE INDEX statements_ref ON statements (ref)
        """,
        fill=_fill_refs,
    ),
    Migration(
        6,
        "`related` rows carry their statement's `stored`: filters on an agent or activity read "
        "one index in page order (keyset paging) instead of sorting all matches for every page",
        """
        ALTER TABLE related ADD COLUMN stored BIGINT;
        UPDATE related SET stored = (SELECT s.stored FROM statements s WHERE s.seq = related.seq);
        CREATE INDEX related_order ON related (kind, value, stored, seq)
        """,
    ),
    Migration(
        7,
        "each activity's canonical definition, merged as statements arrive: GET /xAPI/activities "
        "reads one row instead of every statement that mentions the activity",
        """
        CREATE TABLE activities (
            id TEXT PRIMARY KEY,
            definition TEXT NOT NULL
        )
        """,
        fill=_fill_activities,
    ),
)

#: The version this code reads and writes.
SCHEMA_VERSION = MIGRATIONS[-1].version


def _table_exists(cursor: Cursor, database: Database, table: str) -> bool:
    if database.name == "sqlite":
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
    else:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()",
            (table,),
        )
    return cursor.fetchone() is not None


def current_version(cursor: Cursor, database: Database) -> int:
    """The version of the database's schema: 0 when empty, 1 for Leerpad 0.1."""
    if _table_exists(cursor, database, "schema_version"):
        cursor.execute("SELECT MAX(version) FROM schema_version")
        row = cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0
    if _table_exists(cursor, database, "statements"):
        return 1
    return 0


def migrate(
    database: Database,
    target: int = SCHEMA_VERSION,
    migrations: Sequence[Migration] = MIGRATIONS,
    on_step: Callable[[Migration], None] | None = None,
) -> int:
    """Bring the database to ``target``; return the version it was at before.

    A database newer than this code is refused (an older Leerpad must not write
    into tables it does not know).
    """
    with database.transaction() as cursor:
        database.lock(cursor, _SCHEMA_LOCK_KEY)
        before = current_version(cursor, database)
        if before > max(m.version for m in migrations):
            raise StoreError(
                f"the database has schema version {before}, newer than this Leerpad "
                f"({SCHEMA_VERSION}): upgrade Leerpad"
            )
        for migration in migrations:
            if before < migration.version <= target:
                for sql in migration.statements(database):
                    cursor.execute(sql)
                if migration.fill is not None:
                    migration.fill(cursor)
                if migration.version >= 2:
                    cursor.execute("UPDATE schema_version SET version = ?", (migration.version,))
                if on_step is not None:
                    on_step(migration)
    return before

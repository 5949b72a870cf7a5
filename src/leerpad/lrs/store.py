"""The statement store: xAPI statements in SQLite or PostgreSQL, indexed for the Statements API.

One table holds each statement once, as the JSON text it was received in (so that no
property is lost or reordered), beside the columns the Statements API filters on.
A side table, ``related``, lists every agent and activity a statement mentions, for the
``agent``, ``related_agents``, ``related_activities`` and authority filters.

The same SQL runs on both databases; a :class:`Database` hides the few differences
(placeholders, auto-increment, transactions). Each batch is written in one
transaction: a batch is stored entirely or not at all, also when the process is
killed in the middle of it.

Times (``stored``, ``timestamp``) are kept as integer microseconds since the epoch,
UTC, which sort and compare the same way on both databases.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

# Kinds of rows in the `related` side table.
KIND_AGENT = 1  # actor or object of the statement, or a member of such a group
KIND_RELATED_AGENT = 2  # any agent anywhere: actor, object, authority, instructor, team, …
KIND_RELATED_ACTIVITY = 3  # object, context activities, and those of a sub-statement
KIND_AUTHORITY = 4  # the authority, or a member of an authority group

# Test-only fault injection: when this variable names a file, a batch of more than one
# statement is interrupted half-way through its transaction: the file is created and
# the writer sleeps, so that a test can kill the process at exactly that moment.
FAULT_PAUSE_ENV = "LEERPAD_LRS_FAULT_PAUSE_FILE"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class StoreError(Exception):
    """A statement could not be written or read."""


class DuplicateStatementError(StoreError):
    """A statement id is already stored (a race between two writers of the same id)."""


# --------------------------------------------------------------------------- times


def parse_time(value: object) -> datetime:
    """Parse an ISO 8601 time (``str`` or ``datetime``); a time without zone is UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            # More than 6 fractional digits or other rarer shapes: let pydantic try.
            from pydantic import TypeAdapter

            moment = TypeAdapter(datetime).validate_python(text)
    else:
        raise ValueError(f"not a time: {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def to_micros(value: object) -> int:
    """Return a time as integer microseconds since the epoch (UTC)."""
    delta = parse_time(value) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def now_micros() -> int:
    """Return the current time as integer microseconds since the epoch."""
    return time.time_ns() // 1000


# ------------------------------------------------------------------ identifiers


def normalise_uuid(value: object) -> str:
    """Return a UUID in canonical lower-case form; other text unchanged."""
    text = str(value)
    try:
        return str(UUID(text))
    except ValueError:
        return text


def agent_key(agent: Mapping[str, Any]) -> str | None:
    """Return one text key for an agent's or identified group's inverse functional id.

    Accepts both a statement's agent object and the flat parameters Ralph passes for
    the ``agent`` filter (``account__name``, ``account__home_page``).
    """
    if agent.get("mbox"):
        return f"mbox:{agent['mbox']}"
    if agent.get("mbox_sha1sum"):
        return f"mbox_sha1sum:{agent['mbox_sha1sum']}"
    if agent.get("openid"):
        return f"openid:{agent['openid']}"
    account = agent.get("account")
    if isinstance(account, Mapping) and account.get("name"):
        return f"account:{account.get('homePage')}|{account['name']}"
    if agent.get("account__name"):
        return f"account:{agent.get('account__home_page')}|{agent['account__name']}"
    return None


def _agent_keys(agent: object) -> set[str]:
    """Keys of an agent or group and of all its members."""
    keys: set[str] = set()
    if not isinstance(agent, Mapping):
        return keys
    own = agent_key(agent)
    if own:
        keys.add(own)
    members = agent.get("member")
    if isinstance(members, list):
        for member in members:
            if isinstance(member, Mapping):
                key = agent_key(member)
                if key:
                    keys.add(key)
    return keys


def _is_agent(obj: Mapping[str, Any]) -> bool:
    return obj.get("objectType") in ("Agent", "Group")


def _is_activity(obj: Mapping[str, Any]) -> bool:
    return obj.get("objectType", "Activity") == "Activity" and isinstance(obj.get("id"), str)


def _context_activity_ids(context: object) -> set[str]:
    ids: set[str] = set()
    if not isinstance(context, Mapping):
        return ids
    activities = context.get("contextActivities")
    if not isinstance(activities, Mapping):
        return ids
    for value in activities.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                ids.add(item["id"])
    return ids


def _context_agent_keys(context: object) -> set[str]:
    if not isinstance(context, Mapping):
        return set()
    return _agent_keys(context.get("instructor")) | _agent_keys(context.get("team"))


# --------------------------------------------------------------------- indexing


@dataclass(frozen=True)
class IndexedStatement:
    """A statement with the values the store filters on."""

    id: str
    stored: int
    timestamp: int
    verb: str
    activity: str | None
    agent: str | None
    registration: str | None
    voids: str | None
    body: str
    related: frozenset[tuple[int, str]]


def index_statement(statement: Mapping[str, Any]) -> IndexedStatement:
    """Extract the filter values of a (validated, enriched) statement."""
    if "id" not in statement:
        raise StoreError("statement without id")
    actor = statement.get("actor", {})
    obj = statement.get("object", {})
    if not isinstance(obj, Mapping):
        obj = {}
    context = statement.get("context")
    stored = to_micros(statement["stored"]) if "stored" in statement else now_micros()
    timestamp = to_micros(statement["timestamp"]) if "timestamp" in statement else stored

    direct_agents = _agent_keys(actor)
    if _is_agent(obj):
        direct_agents |= _agent_keys(obj)
    related_agents = set(direct_agents)
    related_agents |= _agent_keys(statement.get("authority"))
    related_agents |= _context_agent_keys(context)

    activity = obj["id"] if _is_activity(obj) else None
    related_activities = {activity} if activity else set()
    related_activities |= _context_activity_ids(context)

    if obj.get("objectType") == "SubStatement":
        sub_object = obj.get("object", {})
        related_agents |= _agent_keys(obj.get("actor"))
        if isinstance(sub_object, Mapping):
            if _is_agent(sub_object):
                related_agents |= _agent_keys(sub_object)
            elif _is_activity(sub_object):
                related_activities.add(sub_object["id"])
        related_agents |= _context_agent_keys(obj.get("context"))
        related_activities |= _context_activity_ids(obj.get("context"))

    registration = None
    if isinstance(context, Mapping) and context.get("registration"):
        registration = normalise_uuid(context["registration"])
    verb = statement.get("verb", {})
    verb_id = verb.get("id", "") if isinstance(verb, Mapping) else ""
    voids = None
    if verb_id == VOIDED_VERB and obj.get("objectType") == "StatementRef":
        voids = normalise_uuid(obj.get("id", ""))

    related: set[tuple[int, str]] = set()
    related.update((KIND_AGENT, key) for key in direct_agents)
    related.update((KIND_RELATED_AGENT, key) for key in related_agents)
    related.update((KIND_RELATED_ACTIVITY, key) for key in related_activities)
    related.update((KIND_AUTHORITY, key) for key in _agent_keys(statement.get("authority")))
    return IndexedStatement(
        id=normalise_uuid(statement["id"]),
        stored=stored,
        timestamp=timestamp,
        verb=verb_id,
        activity=activity,
        agent=agent_key(actor) if isinstance(actor, Mapping) else None,
        registration=registration,
        voids=voids,
        body=json.dumps(statement, ensure_ascii=False, separators=(",", ":")),
        related=frozenset(related),
    )


# -------------------------------------------------------------------- databases


class Cursor(Protocol):
    """The part of a DB-API cursor the store uses."""

    def execute(self, sql: str, params: Sequence[object] = ...) -> Any: ...  # noqa: D102
    def executemany(self, sql: str, params: Iterable[Sequence[object]]) -> Any: ...  # noqa: D102
    def fetchall(self) -> list[Any]: ...  # noqa: D102
    def fetchone(self) -> Any: ...  # noqa: D102


class Database(ABC):
    """A connection to SQLite or PostgreSQL; SQL is written with ``?`` placeholders."""

    #: SQL type of the auto-increment primary key column.
    serial: str

    @abstractmethod
    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run a read query outside any write transaction and return its rows."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Cursor]:
        """Open one transaction: committed when the block ends, rolled back on error."""

    @abstractmethod
    def is_unique_violation(self, error: BaseException) -> bool:
        """Tell whether ``error`` is a unique-constraint violation."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def alive(self) -> bool:
        """Tell whether the database answers."""
        try:
            self.query("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means "not alive"
            return False
        return True


class SQLiteDatabase(Database):
    """SQLite in WAL mode; one connection shared by the threads of one process."""

    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: Path) -> None:
        """Open (and create) the database file at ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=30.0
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a crash of the process loses nothing committed; only a
        # power cut may lose the last transactions, never half of one.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=30000")

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run a read query and return its rows."""
        with self._lock:
            return list(self._conn.execute(sql, tuple(params)).fetchall())

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One ``BEGIN IMMEDIATE`` … ``COMMIT`` transaction."""
        with self._lock:
            cursor = self._conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            else:
                cursor.execute("COMMIT")
            finally:
                cursor.close()

    def is_unique_violation(self, error: BaseException) -> bool:
        """SQLite reports it as an IntegrityError."""
        return isinstance(error, sqlite3.IntegrityError)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


class PostgresDatabase(Database):
    """PostgreSQL through psycopg 3; one connection per store, reconnected when broken."""

    serial = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"

    def __init__(self, url: str) -> None:
        """Connect to the database at ``url`` (``postgresql://…``)."""
        self.url = url
        self._lock = threading.RLock()
        self._conn: Any = None
        self._connect()

    def _connect(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self.url, autocommit=True)
        return self._conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run a read query (autocommit) and return its rows."""
        with self._lock:
            conn = self._connect()
            with conn.cursor() as cursor:
                cursor.execute(self._sql(sql), tuple(params))
                return list(cursor.fetchall()) if cursor.description else []

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One transaction on the connection."""
        with self._lock:
            conn = self._connect()
            with conn.transaction(), conn.cursor() as cursor:
                yield _PostgresCursor(cursor)

    def is_unique_violation(self, error: BaseException) -> bool:
        """psycopg raises UniqueViolation."""
        import psycopg.errors

        return isinstance(error, psycopg.errors.UniqueViolation)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()


class _PostgresCursor:
    """Translates ``?`` placeholders for a psycopg cursor."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self._cursor.execute(sql.replace("?", "%s"), tuple(params))

    def executemany(self, sql: str, params: Iterable[Sequence[object]]) -> Any:
        return self._cursor.executemany(sql.replace("?", "%s"), [tuple(p) for p in params])

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())

    def fetchone(self) -> Any:
        return self._cursor.fetchone()


def open_database(url: str) -> Database:
    """Open the database named by ``url``: ``sqlite:///abs/path.db`` or ``postgresql://…``."""
    if url.startswith("sqlite://"):
        path = url[len("sqlite://") :]
        if not path:
            raise StoreError("sqlite:// needs a file path, e.g. sqlite:///var/lrs.sqlite3")
        return SQLiteDatabase(Path(path))
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url)
    raise StoreError(f"unknown database URL {url!r}: use sqlite:///… or postgresql://…")


# ------------------------------------------------------------------------ query


@dataclass(frozen=True)
class StatementFilter:
    """A Statements API query, in the store's terms (see :meth:`StatementStore.query`)."""

    statement_id: str | None = None
    voided_statement_id: str | None = None
    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: int | None = None
    until: int | None = None
    authorities: tuple[str, ...] = ()
    limit: int = 100
    ascending: bool = False
    after: tuple[int, int] | None = None
    snapshot: int | None = None


@dataclass
class StatementPage:
    """One page of statements, with where to continue."""

    statements: list[dict[str, Any]]
    last: tuple[int, int] | None
    has_more: bool
    snapshot: int
    extra: dict[str, Any] = field(default_factory=dict)


SCHEMA = """
CREATE TABLE IF NOT EXISTS statements (
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
CREATE TABLE IF NOT EXISTS related (
    kind SMALLINT NOT NULL,
    value TEXT NOT NULL,
    seq BIGINT NOT NULL REFERENCES statements (seq),
    PRIMARY KEY (kind, value, seq)
);
CREATE INDEX IF NOT EXISTS statements_stored ON statements (stored, seq);
CREATE INDEX IF NOT EXISTS statements_timestamp ON statements (timestamp);
CREATE INDEX IF NOT EXISTS statements_verb ON statements (verb, stored, seq);
CREATE INDEX IF NOT EXISTS statements_activity ON statements (activity, stored, seq);
CREATE INDEX IF NOT EXISTS statements_verb_activity
    ON statements (verb, activity, stored, seq);
CREATE INDEX IF NOT EXISTS statements_agent ON statements (agent, stored, seq);
CREATE INDEX IF NOT EXISTS statements_registration ON statements (registration, stored, seq);
CREATE INDEX IF NOT EXISTS related_seq ON related (seq)
"""

_COLUMNS = "id, stored, timestamp, verb, activity, agent, registration, body"


class StatementStore:
    """Statements in one SQL database; safe to share between threads of one process."""

    def __init__(self, database: Database) -> None:
        """Use ``database``, creating the tables and indexes if they are missing."""
        self.db = database
        self._create_schema()

    @classmethod
    def open(cls, url: str) -> StatementStore:
        """Open the store at a database URL (see :func:`open_database`)."""
        return cls(open_database(url))

    def _create_schema(self) -> None:
        statements = [s.strip() for s in SCHEMA.format(serial=self.db.serial).split(";")]
        for attempt in range(3):
            try:
                with self.db.transaction() as cursor:
                    for sql in statements:
                        if sql:
                            cursor.execute(sql)
                return
            except Exception:
                # Two workers creating the schema at once on PostgreSQL: one wins.
                if attempt == 2:
                    raise
                time.sleep(0.2)

    # ------------------------------------------------------------------ writing

    def write(self, statements: Iterable[Mapping[str, Any]]) -> int:
        """Store a batch of statements in one transaction and return how many.

        Voiding statements mark their target as voided in the same transaction.
        Raises :class:`DuplicateStatementError` if an id is already stored, and then
        nothing of the batch is stored.
        """
        rows = [index_statement(s) for s in statements]
        if not rows:
            return 0
        pause_file = os.environ.get(FAULT_PAUSE_ENV)
        insert = f"INSERT INTO statements ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        values = [
            (r.id, r.stored, r.timestamp, r.verb, r.activity, r.agent, r.registration, r.body)
            for r in rows
        ]
        try:
            with self.db.transaction() as cursor:
                if pause_file and len(rows) > 1:
                    half = len(rows) // 2
                    cursor.executemany(insert, values[:half])
                    Path(pause_file).write_text(str(os.getpid()))
                    time.sleep(120)
                    cursor.executemany(insert, values[half:])
                else:
                    cursor.executemany(insert, values)
                seqs: dict[str, int] = {}
                for start in range(0, len(rows), 500):
                    ids = [r.id for r in rows[start : start + 500]]
                    marks = ", ".join("?" for _ in ids)
                    cursor.execute(f"SELECT id, seq FROM statements WHERE id IN ({marks})", ids)
                    seqs.update((str(i), int(q)) for i, q in cursor.fetchall())
                cursor.executemany(
                    "INSERT INTO related (kind, value, seq) VALUES (?, ?, ?)",
                    [(kind, value, seqs[r.id]) for r in rows for kind, value in sorted(r.related)],
                )
                for target in (row.voids for row in rows if row.voids):
                    # A voiding statement cannot itself be voided.
                    cursor.execute(
                        "UPDATE statements SET voided = 1 WHERE id = ? AND verb <> ?",
                        (target, VOIDED_VERB),
                    )
        except Exception as error:
            if self.db.is_unique_violation(error):
                raise DuplicateStatementError(str(error)) from error
            raise
        return len(rows)

    # ------------------------------------------------------------------ reading

    def by_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Return the stored statements with these ids (voided ones included)."""
        found: list[dict[str, Any]] = []
        wanted = [normalise_uuid(i) for i in ids]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self.db.query(f"SELECT body FROM statements WHERE id IN ({marks})", chunk)
            found.extend(json.loads(body) for (body,) in rows)
        return found

    def query(self, spec: StatementFilter) -> StatementPage:
        """Return one page of the statements matching ``spec``, newest first by default.

        Voided statements are left out unless asked for by ``voided_statement_id``.
        Paging is keyed on ``(stored, seq)``; ``snapshot`` (the highest ``seq`` when
        the first page was read) keeps later pages consistent with the first.
        """
        snapshot = spec.snapshot
        if snapshot is None:
            rows = self.db.query("SELECT COALESCE(MAX(seq), 0) FROM statements")
            snapshot = int(rows[0][0])
        sql, params = self.select_sql(spec, snapshot)
        limit = max(spec.limit, 1)
        rows = self.db.query(sql, [*params, limit + 1])
        has_more = len(rows) > limit
        rows = rows[:limit]
        last = (int(rows[-1][0]), int(rows[-1][1])) if rows else None
        return StatementPage(
            statements=[json.loads(body) for _, _, body in rows],
            last=last,
            has_more=has_more,
            snapshot=snapshot,
        )

    @staticmethod
    def select_sql(spec: StatementFilter, snapshot: int) -> tuple[str, list[object]]:
        """The SELECT for ``spec`` and its parameters; the LIMIT value is left to add."""
        where: list[str] = []
        params: list[object] = []
        if spec.voided_statement_id is not None:
            where.append("id = ? AND voided = 1")
            params.append(normalise_uuid(spec.voided_statement_id))
        else:
            where.append("voided = 0")
            if spec.statement_id is not None:
                where.append("id = ?")
                params.append(normalise_uuid(spec.statement_id))
        related = "seq IN (SELECT seq FROM related WHERE kind = ? AND value = ?)"
        if spec.agent is not None:
            where.append(related)
            params += [KIND_RELATED_AGENT if spec.related_agents else KIND_AGENT, spec.agent]
        if spec.verb is not None:
            where.append("verb = ?")
            params.append(spec.verb)
        if spec.activity is not None:
            if spec.related_activities:
                where.append(related)
                params += [KIND_RELATED_ACTIVITY, spec.activity]
            else:
                where.append("activity = ?")
                params.append(spec.activity)
        if spec.registration is not None:
            where.append("registration = ?")
            params.append(normalise_uuid(spec.registration))
        if spec.since is not None:
            where.append("stored > ?")
            params.append(spec.since)
        if spec.until is not None:
            where.append("stored <= ?")
            params.append(spec.until)
        if spec.authorities:
            marks = ", ".join("?" for _ in spec.authorities)
            where.append(f"seq IN (SELECT seq FROM related WHERE kind = ? AND value IN ({marks}))")
            params += [KIND_AUTHORITY, *spec.authorities]
        where.append("seq <= ?")
        params.append(snapshot)
        if spec.after is not None:
            where.append("(stored, seq) > (?, ?)" if spec.ascending else "(stored, seq) < (?, ?)")
            params += list(spec.after)
        order = "ASC" if spec.ascending else "DESC"
        sql = (
            f"SELECT stored, seq, body FROM statements WHERE {' AND '.join(where)} "
            f"ORDER BY stored {order}, seq {order} LIMIT ?"
        )
        return sql, params

    def iter_all(self, chunk: int = 500) -> Iterator[dict[str, Any]]:
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

    def count(self) -> int:
        """Number of stored statements (voided ones included)."""
        return int(self.db.query("SELECT COUNT(*) FROM statements")[0][0])

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

"""SQL dialects: one :class:`Database` interface over SQLite and PostgreSQL.

The store writes its SQL once, with ``?`` placeholders; a dialect translates the
few differences (placeholders, the auto-increment column, transactions, how a
unique-constraint violation is reported, how concurrent schema migrations are
serialised). Nothing here knows what a statement is.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol


class StoreError(Exception):
    """A statement or document could not be written or read."""


class Cursor(Protocol):
    """The part of a DB-API cursor the store uses."""

    def execute(self, sql: str, params: Sequence[object] = ...) -> Any: ...  # noqa: D102
    def executemany(self, sql: str, params: Iterable[Sequence[object]]) -> Any: ...  # noqa: D102
    def fetchall(self) -> list[Any]: ...  # noqa: D102
    def fetchone(self) -> Any: ...  # noqa: D102


class Database(ABC):
    """A connection to SQLite or PostgreSQL; SQL is written with ``?`` placeholders."""

    #: Name of the dialect (``sqlite``, ``postgresql``).
    name: str
    #: SQL type of the auto-increment primary key column.
    serial: str
    #: SQL type of a column holding bytes.
    binary: str

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

    @abstractmethod
    def lock(self, cursor: Cursor, key: int) -> None:
        """Hold ``key`` until the transaction ends: processes doing the same take turns."""

    def alive(self) -> bool:
        """Tell whether the database answers."""
        try:
            self.query("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means "not alive"
            return False
        return True


class SQLiteDatabase(Database):
    """SQLite in WAL mode; one connection shared by the threads of one process."""

    name = "sqlite"
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"
    binary = "BLOB"

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

    def lock(self, cursor: Cursor, key: int) -> None:
        """Nothing to do: SQLite's write transactions (``BEGIN IMMEDIATE``) take turns."""

    def is_unique_violation(self, error: BaseException) -> bool:
        """SQLite reports it as an IntegrityError."""
        return isinstance(error, sqlite3.IntegrityError)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


class PostgresDatabase(Database):
    """PostgreSQL through psycopg 3; one connection per store, reconnected when broken."""

    name = "postgresql"
    serial = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    binary = "BYTEA"

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
            # Every transaction in READ COMMITTED, whatever the database's default: the
            # writers' turns (advisory locks) rely on each read seeing the turn before,
            # and a REPEATABLE READ default would fail concurrent updates instead.
            self._conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
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

    def lock(self, cursor: Cursor, key: int) -> None:
        """A transaction-scoped advisory lock (several workers, one database)."""
        cursor.execute("SELECT pg_advisory_xact_lock(?)", (key,))

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



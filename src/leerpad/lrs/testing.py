"""Testing aids for the embedded LRS: never imported by the product (a test checks).

Tests and benchmarks use them:

- :class:`LiveLRS` — an :class:`~leerpad.lrs.server.LRSServer` with a small
  HTTP client (``post``, ``get``, ``all_statements`` following ``more``);
- :class:`TemporaryPostgres` — a throw-away PostgreSQL server on loopback, durable
  (``fsync`` on: for tests that claim what survives a crash) or not (faster);
- :func:`create_interrupted_app` — the LRS app whose multi-statement batches stop
  half-way through their transaction, so that a test can kill the process at
  exactly that moment (``LiveLRS.start(..., app_factory=INTERRUPTED_APP,
  extra_env={PAUSE_FILE_ENV: path})``).

The PostgreSQL server uses Debian's binaries (``/usr/lib/postgresql/<version>/bin``):
``initdb`` into a temporary directory, ``pg_ctl start`` on 127.0.0.1 with a free port
and the socket in that directory. PostgreSQL refuses to run as root, so as root the
server runs as the ``postgres`` user (``runuser``).

Durability is chosen by every caller (``TemporaryPostgres(durable=…)``, no default):
``durable=True`` keeps PostgreSQL's own settings (``fsync``, ``synchronous_commit``,
``full_page_writes`` on), so a commit it acknowledged survives a crash of the
server (:meth:`TemporaryPostgres.crash`) or of the machine. ``durable=False`` turns
the three off: a test or benchmark that claims nothing about crashes runs faster,
but a crash of the server may lose the last acknowledged commits.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

from leerpad.lrs.dialects import Cursor, Database
from leerpad.lrs.server import LRSServer, free_port

XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}


class LiveLRS(LRSServer):
    """A running LRS with a client using its read and write credentials."""

    @property
    def statements_url(self) -> str:
        """``<endpoint>statements``."""
        return urljoin(self.endpoint, "statements")

    def post(self, statements: Sequence[dict[str, Any]] | dict[str, Any]) -> Any:
        """POST statements with the write credential; return the ``requests`` response."""
        import requests

        return requests.post(
            self.statements_url, json=statements, auth=self.write, headers=XAPI_HEADERS, timeout=60
        )

    def get(self, params: dict[str, str] | None = None, auth: tuple[str, str] | None = None) -> Any:
        """GET statements (read credential unless ``auth``); return the response."""
        import requests

        return requests.get(
            self.statements_url,
            params=params,
            auth=auth or self.read,
            headers=XAPI_HEADERS,
            timeout=60,
        )

    def iter_statements(self, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Yield the statements matching ``params``, following ``more`` to the end."""
        import requests

        session = requests.Session()
        session.auth = self.read
        session.headers.update(XAPI_HEADERS)
        url: str | None = self.statements_url
        query: dict[str, str] | None = params
        while url:
            response = session.get(url, params=query, timeout=60)
            response.raise_for_status()
            result = response.json()
            yield from result["statements"]
            more = result.get("more")
            url = urljoin(self.endpoint, more) if more else None
            query = None

    def all_statements(self, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """All statements matching ``params`` (read credential, ``more`` followed)."""
        return list(self.iter_statements(params))

    def add_credential(self, name: str, scopes: list[str]) -> tuple[str, str]:
        """Add a credential as ``leerpad lrs credential add`` does; ``(username, password)``."""
        from leerpad.lrs.credentials import add_credential

        assert self.state_dir is not None, "started without a state directory"
        return add_credential(self.state_dir, name, scopes, rounds=4).as_tuple()


#: The uvicorn factory of Ralph's own app, unwrapped (the benchmarks' baseline on its FS backend).
RALPH_APP = "leerpad.lrs.testing:create_ralph_app"


def create_ralph_app() -> Any:
    """Ralph's app as Ralph ships it, without Leerpad's front (uvicorn factory)."""
    from ralph.api import app  # type: ignore[import-untyped]

    return app


# ------------------------------------------------------- an interrupted batch

#: Names the file an interrupted batch creates when it pauses (environment).
PAUSE_FILE_ENV = "LEERPAD_TEST_PAUSE_FILE"
#: The uvicorn factory of :func:`create_interrupted_app`.
INTERRUPTED_APP = "leerpad.lrs.testing:create_interrupted_app"


class _PausingCursor:
    """Inserts half of a multi-statement batch, then announces it and sleeps."""

    def __init__(self, cursor: Cursor, pause_file: Path) -> None:
        self._cursor = cursor
        self._pause_file = pause_file

    def execute(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self._cursor.execute(sql, params)

    def executemany(self, sql: str, params: Iterable[Sequence[object]]) -> Any:
        rows = list(params)
        if not sql.startswith("INSERT INTO statements") or len(rows) < 2:
            return self._cursor.executemany(sql, rows)
        half = len(rows) // 2
        self._cursor.executemany(sql, rows[:half])
        self._pause_file.write_text(str(os.getpid()))
        time.sleep(120)  # the test kills the process now
        return self._cursor.executemany(sql, rows[half:])

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def fetchone(self) -> Any:
        return self._cursor.fetchone()


def _pausing(database: Database, pause_file: Path) -> None:
    original = database.transaction

    @contextmanager
    def transaction() -> Iterator[Cursor]:
        with original() as cursor:
            yield _PausingCursor(cursor, pause_file)

    database.transaction = transaction  # type: ignore[method-assign]


def create_interrupted_app() -> Any:
    """The LRS app whose batches pause half-stored (uvicorn factory; tests only)."""
    from ralph.api.routers import statements as ralph_statements  # type: ignore[import-untyped]

    from leerpad.lrs.app import create_app

    app = create_app()
    _pausing(ralph_statements.BACKEND_CLIENT.store.db, Path(os.environ[PAUSE_FILE_ENV]))
    return app


# ----------------------------------------------------------------- PostgreSQL

DEBIAN_POSTGRES = Path("/usr/lib/postgresql")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries were found, or the server did not start."""


def find_bin_dir() -> Path:
    """The newest Debian PostgreSQL ``bin`` directory (or the one holding ``pg_ctl`` on PATH)."""
    if DEBIAN_POSTGRES.is_dir():
        versions = sorted(
            (p for p in DEBIAN_POSTGRES.iterdir() if (p / "bin" / "pg_ctl").exists()),
            key=lambda p: int(p.name) if p.name.isdigit() else 0,
        )
        if versions:
            return versions[-1] / "bin"
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise PostgresUnavailable("PostgreSQL is not installed (apt-get install postgresql)")


class TemporaryPostgres:
    """A PostgreSQL cluster in a temporary directory, trust authentication, loopback only."""

    #: Server settings of a cluster that is not durable (all three are on by default).
    FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")

    def __init__(self, *, durable: bool, user: str = "postgres") -> None:
        """Prepare (not start) a cluster; ``user`` runs the server when we are root.

        ``durable``: whether an acknowledged commit must survive a crash (see the
        module's docstring); a test that claims so needs ``True``.
        """
        self.durable = durable
        self.bin_dir = find_bin_dir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="leerpad-pg-"))
        self.data_dir = self.dir / "data"
        self.log_file = self.dir / "postgres.log"
        self._run_as: str | None = None
        if os.geteuid() == 0:
            self._run_as = user
            entry = pwd.getpwnam(user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self._databases = 0

    def _command(self, *args: str) -> list[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._run_as:
            return ["runuser", "-u", self._run_as, "--", *command]
        return command

    def _run(self, command: list[str]) -> None:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise PostgresUnavailable(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}{log}")

    def _pg_ctl_start(self) -> None:
        options = f"-k {self.dir} -h 127.0.0.1 -p {self.port}"
        if not self.durable:
            options += "".join(f" -c {setting}" for setting in self.FAST_SETTINGS)
        self._run(self._command(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60", "-o", options, "start"
        ))  # fmt: skip

    def start(self) -> TemporaryPostgres:
        """``initdb`` and start the server; raise :class:`PostgresUnavailable` on failure."""
        self._run(self._command(
            "initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
            *([] if self.durable else ["--no-sync"]),
        ))  # fmt: skip
        self._pg_ctl_start()
        return self

    def crash(self) -> None:
        """Stop the server as a crash would (``pg_ctl stop -m immediate``: no checkpoint, no flush)."""
        self._run(self._command("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"))

    def restart(self) -> None:
        """Start the stopped server again on the same port (it recovers from its WAL)."""
        self._pg_ctl_start()

    def url(self, database: str = "postgres") -> str:
        """Connection URL of ``database`` on this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """Create a new, empty database and return its URL."""
        import psycopg

        self._databases += 1
        name = name or f"lrs_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        if self.data_dir.exists():
            subprocess.run(
                self._command("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> TemporaryPostgres:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

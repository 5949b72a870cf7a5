"""Start and stop the embedded LRS (Ralph + Leerpad's backend under uvicorn).

Used by ``leerpad serve``/``leerpad lrs``, by the tests' ``lrs`` fixture and by the
benchmarks, so that all run the same server. The LRS runs in a child process
(Ralph reads its settings from the environment when it is imported), bound to
127.0.0.1 only. A client for tests and benchmarks is in :mod:`leerpad.lrs.testing`.

Example::

    with LRSServer.start(database="sqlite:////tmp/lrs.sqlite3", state_dir=Path("/tmp/s")) as lrs:
        print(lrs.endpoint, lrs.write)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from leerpad.lrs.credentials import RALPH_AUTH_FILE, Credentials, ensure_credentials
from leerpad.lrs.query import PAGE_SIZE

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8100
SITE_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")
BACKEND_NAME = "leerpad_sql"
APP_FACTORY = "leerpad.lrs.app:create_app"


class LRSStartError(RuntimeError):
    """The LRS process did not come up."""


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def lrs_environment(
    *,
    database: str,
    auth_file: Path,
    cors_origins: Sequence[str] = (),
    backend: str = BACKEND_NAME,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment variables that configure Ralph and Leerpad's backend."""
    env = {
        "RALPH_RUNSERVER_BACKEND": backend,
        "LEERPAD_LRS_DATABASE": database,
        "RALPH_AUTH_FILE": str(auth_file),
        "RALPH_RUNSERVER_AUTH_BACKENDS": "basic",
        "RALPH_LRS_RESTRICT_BY_AUTHORITY": "true",
        "RALPH_LRS_RESTRICT_BY_SCOPES": "true",
        "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": str(PAGE_SIZE),
        "RALPH_RUNSERVER_CORS_ALLOW_ORIGINS": json.dumps(list(cors_origins)),
        # Ralph reads `.env` from the working directory and its app dir from HOME.
        "RALPH_APP_DIR": str(auth_file.parent / "ralph"),
    }
    env.update(extra or {})
    return env


@dataclass
class LRSServer:
    """A running LRS child process and the credentials to use it.

    Attributes:
        endpoint: the xAPI endpoint, ending in ``/xAPI/``.
        write: ``(username, password)`` of the write-only (browser) credential.
        read: ``(username, password)`` of the read (reports) credential.
        cors_origins: the origins allowed by CORS.
        database: the database URL the backend stores into.
    """

    endpoint: str
    write: tuple[str, str]
    read: tuple[str, str]
    cors_origins: tuple[str, ...]
    database: str
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    port: int = DEFAULT_PORT
    host: str = DEFAULT_HOST
    app_factory: str = APP_FACTORY
    state_dir: Path | None = None
    workers: int = 1

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def start(
        cls,
        *,
        database: str,
        state_dir: Path,
        host: str = DEFAULT_HOST,
        port: int | None = None,
        cors_origins: Sequence[str] = SITE_ORIGINS,
        backend: str = BACKEND_NAME,
        extra_env: dict[str, str] | None = None,
        bcrypt_rounds: int = 12,
        timeout: float = 60.0,
        log_to_console: bool = False,
        app_factory: str = APP_FACTORY,
        workers: int = 1,
    ) -> Self:
        """Start an LRS process and wait until it answers.

        Credentials come from ``state_dir/credentials.json`` (created if missing).
        ``port=None`` takes a free port. Logs go to ``state_dir/lrs.log`` unless
        ``log_to_console``. ``app_factory`` is the uvicorn factory of the app;
        ``workers`` > 1 runs that many processes (PostgreSQL: SQLite has one writer).
        """
        port = port if port is not None else free_port(host)
        endpoint = f"http://{host}:{port}/xAPI/"
        credentials = ensure_credentials(state_dir, endpoint, rounds=bcrypt_rounds)
        server = cls.from_credentials(credentials, database, tuple(cors_origins))
        server.host, server.port, server.app_factory = host, port, app_factory
        server.state_dir = state_dir
        server.workers = workers
        server.env = lrs_environment(
            database=database,
            auth_file=state_dir / RALPH_AUTH_FILE,
            cors_origins=cors_origins,
            backend=backend,
            extra=extra_env,
        )
        server.log_path = None if log_to_console else state_dir / "lrs.log"
        server.launch(timeout=timeout)
        return server

    @classmethod
    def from_credentials(
        cls, credentials: Credentials, database: str, cors_origins: tuple[str, ...]
    ) -> Self:
        """A (not started) server description for existing credentials."""
        return cls(
            endpoint=credentials.endpoint,
            write=credentials.write.as_tuple(),
            read=credentials.read.as_tuple(),
            cors_origins=cors_origins,
            database=database,
        )

    def launch(self, timeout: float = 60.0, extra_env: dict[str, str] | None = None) -> None:
        """Start (or restart) the child process with this server's settings."""
        env = {**os.environ, **self.env, **(extra_env or {})}
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            self.app_factory,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
            *(["--workers", str(self.workers)] if self.workers > 1 else []),
        ]
        output: Any = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            output = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                command, env=env, stdout=output, stderr=subprocess.STDOUT if output else None
            )
        finally:
            if output is not None:
                output.close()
        self.wait_until_up(timeout)

    def wait_until_up(self, timeout: float = 60.0) -> None:
        """Wait until the heartbeat answers; raise :class:`LRSStartError` if it does not."""
        import requests

        deadline = time.monotonic() + timeout
        url = f"http://{self.host}:{self.port}/__heartbeat__"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise LRSStartError(
                    f"LRS stopped at start (exit {self.process.returncode}){self._log_tail()}"
                )
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise LRSStartError(f"LRS did not answer within {timeout:.0f} s{self._log_tail()}")

    def _log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n" + "\n".join(lines[-20:])

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the process (SIGTERM, then SIGKILL after ``timeout``)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """Kill the process at once (SIGKILL), as a crash would."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def __enter__(self) -> Self:
        """Use as a context manager: stopped at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the process."""
        self.stop()

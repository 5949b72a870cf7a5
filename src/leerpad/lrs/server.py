"""Start and stop the embedded LRS (Ralph + Leerpad's backend under uvicorn).

Used by ``leerpad serve``/``leerpad lrs``, by the tests' ``lrs`` fixture and by the
benchmarks, so that all run the same server. The LRS runs in a child process
(Ralph reads its settings from the environment when it is imported), bound to
127.0.0.1 only.

Example::

    with LRSServer.start(database="sqlite:////tmp/lrs.sqlite3", state_dir=Path("/tmp/s")) as lrs:
        lrs.post([statement])
        print(lrs.all_statements())
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urljoin

from leerpad.lrs.credentials import RALPH_AUTH_FILE, Credentials, ensure_credentials

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8100
SITE_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")
BACKEND_NAME = "leerpad_sql"
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}


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
    max_page_size: int = 100,
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
        "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": str(max_page_size),
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
    ) -> LRSServer:
        """Start an LRS process and wait until it answers.

        Credentials come from ``state_dir/credentials.json`` (created if missing).
        ``port=None`` takes a free port. Logs go to ``state_dir/lrs.log`` unless
        ``log_to_console``.
        """
        port = port if port is not None else free_port(host)
        endpoint = f"http://{host}:{port}/xAPI/"
        credentials = ensure_credentials(state_dir, endpoint, rounds=bcrypt_rounds)
        server = cls.from_credentials(credentials, database, tuple(cors_origins))
        server.host, server.port = host, port
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
    ) -> LRSServer:
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
            "leerpad.lrs.app:create_app",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
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

    def __enter__(self) -> LRSServer:
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

    # --------------------------------------------------------------------- client

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

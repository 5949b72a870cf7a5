"""A throw-away PostgreSQL server on loopback, for tests and benchmarks.

Uses Debian's server binaries (``/usr/lib/postgresql/<version>/bin``): ``initdb`` into
a temporary directory, ``pg_ctl start`` on 127.0.0.1 with a free port and the socket
in that directory, ``pg_ctl stop`` at the end. PostgreSQL refuses to run as root, so
as root the server runs as the ``postgres`` user (``runuser``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from leerpad.lrs.server import free_port

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

    def __init__(self, user: str = "postgres") -> None:
        """Prepare (not start) a cluster; ``user`` runs the server when we are root."""
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

    def start(self) -> TemporaryPostgres:
        """``initdb`` and start the server; raise :class:`PostgresUnavailable` on failure."""
        steps = [
            self._command(
                "initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "postgres",
                "-E", "UTF8", "--no-sync", "--locale=C",
            ),
            self._command(
                "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60",
                "-o", f"-k {self.dir} -h 127.0.0.1 -p {self.port} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off",
                "start",
            ),
        ]  # fmt: skip
        for command in steps:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                log = self.log_file.read_text() if self.log_file.exists() else ""
                raise PostgresUnavailable(
                    f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}{log}"
                )
        return self

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

"""The embedded LRS's two credentials and Ralph's auth file made from them.

``credentials.json`` (readable by the course organiser, mode 0600)::

    {"endpoint": "http://127.0.0.1:8100/xAPI/",
     "write": {"username": "…", "password": "…"},
     "read": {"username": "…", "password": "…"}}

The write credential goes into the site for browsers: scope ``statements/write``
only, so it cannot read anyone's statements. The read credential (scope
``statements/read``) is for reports. Ralph enforces scopes only with
``RALPH_LRS_RESTRICT_BY_AUTHORITY=true`` and ``RALPH_LRS_RESTRICT_BY_SCOPES=true``,
which :func:`leerpad.lrs.server.lrs_environment` sets. Ralph's own auth file
(``ralph-auth.json``) holds bcrypt hashes, never the passwords.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt

CREDENTIALS_FILE = "credentials.json"
RALPH_AUTH_FILE = "ralph-auth.json"
# Agents that appear as `authority` of the statements each credential stores.
AUTHORITY_HOME_PAGE = "https://leerpad.invalid/lrs"


@dataclass(frozen=True)
class Credential:
    """A username and password for HTTP Basic authentication."""

    username: str
    password: str

    def as_tuple(self) -> tuple[str, str]:
        """``(username, password)``, as ``requests`` takes it."""
        return (self.username, self.password)


@dataclass(frozen=True)
class Credentials:
    """The LRS endpoint with its write (browser) and read (reports) credentials."""

    endpoint: str
    write: Credential
    read: Credential

    def to_json(self) -> dict[str, Any]:
        """The ``credentials.json`` content."""
        return {
            "endpoint": self.endpoint,
            "write": {"username": self.write.username, "password": self.write.password},
            "read": {"username": self.read.username, "password": self.read.password},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Credentials:
        """Read the ``credentials.json`` content."""
        return cls(
            endpoint=str(data["endpoint"]),
            write=Credential(str(data["write"]["username"]), str(data["write"]["password"])),
            read=Credential(str(data["read"]["username"]), str(data["read"]["password"])),
        )


def new_credentials(endpoint: str) -> Credentials:
    """Fresh random credentials for ``endpoint``."""
    return Credentials(
        endpoint=endpoint,
        write=Credential("leerpad-write-" + secrets.token_hex(4), secrets.token_urlsafe(24)),
        read=Credential("leerpad-read-" + secrets.token_hex(4), secrets.token_urlsafe(24)),
    )


def ralph_auth_entries(credentials: Credentials, rounds: int = 12) -> list[dict[str, Any]]:
    """Ralph's auth file entries: bcrypt hash, scopes and agent per credential."""

    def entry(credential: Credential, scopes: list[str]) -> dict[str, Any]:
        hashed = bcrypt.hashpw(credential.password.encode(), bcrypt.gensalt(rounds))
        return {
            "username": credential.username,
            "hash": hashed.decode(),
            "scopes": scopes,
            "agent": {
                "objectType": "Agent",
                "account": {"homePage": AUTHORITY_HOME_PAGE, "name": credential.username},
            },
        }

    return [
        entry(credentials.write, ["statements/write"]),
        entry(credentials.read, ["statements/read"]),
    ]


def _write_private(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.replace(temporary, path)


def ensure_credentials(state_dir: Path, endpoint: str, rounds: int = 12) -> Credentials:
    """Load ``state_dir/credentials.json``, creating it (and Ralph's auth file) if missing.

    An existing file keeps its passwords (sites already built carry the write one);
    only its endpoint is updated when it changed. Ralph's auth file is rewritten when
    it is missing or older than the credentials.
    """
    path = state_dir / CREDENTIALS_FILE
    auth_path = state_dir / RALPH_AUTH_FILE
    if path.exists():
        credentials = Credentials.from_json(json.loads(path.read_text(encoding="utf-8")))
        if credentials.endpoint != endpoint:
            credentials = Credentials(endpoint, credentials.write, credentials.read)
            _write_private(path, credentials.to_json())
    else:
        credentials = new_credentials(endpoint)
        _write_private(path, credentials.to_json())
    stale = not auth_path.exists() or auth_path.stat().st_mtime < path.stat().st_mtime
    if stale or not _auth_file_matches(auth_path, credentials):
        _write_private(auth_path, ralph_auth_entries(credentials, rounds))
    return credentials


def _auth_file_matches(auth_path: Path, credentials: Credentials) -> bool:
    try:
        entries = json.loads(auth_path.read_text(encoding="utf-8"))
        names = {entry["username"] for entry in entries}
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return names == {credentials.write.username, credentials.read.username}

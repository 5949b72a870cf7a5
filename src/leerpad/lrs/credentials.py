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

The organiser adds more credentials (``leerpad lrs credential add NAME --scope …``):
they live beside it in ``lrs-credentials.json`` (name, bcrypt hash, scopes; the
password is printed once and never stored) and are written into Ralph's auth file
at once, which a running LRS reads again when it changes (no restart). A later
``leerpad lrs`` start keeps them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt

CREDENTIALS_FILE = "credentials.json"
RALPH_AUTH_FILE = "ralph-auth.json"
ADDED_FILE = "lrs-credentials.json"
#: What ``--scope`` accepts, and the Ralph scopes each stands for.
SCOPES = {
    "statements/write": ["statements/write"],
    "statements/read": ["statements/read"],
    "state": ["state/read", "state/write"],
    "profile": ["profile/read", "profile/write"],
    "all": ["all"],
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
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


def _entry(username: str, hashed: str, scopes: list[str]) -> dict[str, Any]:
    return {
        "username": username,
        "hash": hashed,
        "scopes": scopes,
        "agent": {"objectType": "Agent", "account": {"homePage": AUTHORITY_HOME_PAGE, "name": username}},
    }


def _hash(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def ralph_auth_entries(credentials: Credentials, rounds: int = 12) -> list[dict[str, Any]]:
    """Ralph's auth file entries of the two standing credentials: bcrypt hash, scopes, agent."""
    return [
        _entry(credentials.write.username, _hash(credentials.write.password, rounds), ["statements/write"]),
        _entry(credentials.read.username, _hash(credentials.read.password, rounds), ["statements/read"]),
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
    added = _added(state_dir)
    wanted = {credentials.write.username, credentials.read.username} | {e["username"] for e in added}
    if stale or _auth_names(auth_path) != wanted:
        _write_private(auth_path, ralph_auth_entries(credentials, rounds) + added)
    return credentials


def _auth_names(auth_path: Path) -> set[str] | None:
    try:
        entries = json.loads(auth_path.read_text(encoding="utf-8"))
        return {str(entry["username"]) for entry in entries}
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ---------------------------------------------------- credentials the organiser adds


class CredentialError(ValueError):
    """A credential cannot be added or revoked (the message says why, in Dutch)."""


def _added(state_dir: Path) -> list[dict[str, Any]]:
    path = state_dir / ADDED_FILE
    if not path.exists():
        return []
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [e for e in entries if isinstance(e, dict) and "username" in e]


def _save_added(state_dir: Path, entries: list[dict[str, Any]]) -> None:
    """Keep the added credentials and write them into Ralph's auth file at once."""
    _write_private(state_dir / ADDED_FILE, entries)
    auth_path = state_dir / RALPH_AUTH_FILE
    standing = json.loads((state_dir / CREDENTIALS_FILE).read_text(encoding="utf-8"))
    names = {standing["write"]["username"], standing["read"]["username"]}
    try:
        current = [e for e in json.loads(auth_path.read_text(encoding="utf-8")) if e.get("username") in names]
    except (OSError, ValueError):
        current = []
    _write_private(auth_path, current + entries)


def add_credential(state_dir: Path, name: str, scopes: list[str], rounds: int = 12) -> Credential:
    """Add a credential ``name`` with ``scopes`` (keys of :data:`SCOPES`); return it with its password.

    The LRS's credentials must exist (``leerpad lrs`` ran once).
    """
    if not (state_dir / CREDENTIALS_FILE).exists():
        raise CredentialError(f"Geen {CREDENTIALS_FILE} in {state_dir}: start eerst 'leerpad lrs'.")
    if not _NAME.match(name):
        raise CredentialError(f"Ongeldige naam '{name}': kleine letters, cijfers, '.', '_' en '-'.")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise CredentialError(f"Onbekende scope {', '.join(unknown) or '(geen)'}: kies uit {', '.join(SCOPES)}.")
    standing = json.loads((state_dir / CREDENTIALS_FILE).read_text(encoding="utf-8"))
    entries = _added(state_dir)
    taken = {e["username"] for e in entries} | {standing["write"]["username"], standing["read"]["username"]}
    if name in taken:
        raise CredentialError(f"Er bestaat al een sleutel '{name}'.")
    credential = Credential(name, secrets.token_urlsafe(24))
    ralph_scopes = sorted({r for s in scopes for r in SCOPES[s]})
    _save_added(state_dir, [*entries, _entry(name, _hash(credential.password, rounds), ralph_scopes)])
    return credential


def list_credentials(state_dir: Path) -> list[tuple[str, list[str]]]:
    """The added credentials: ``(name, Ralph scopes)``."""
    return [(str(e["username"]), [str(s) for s in e.get("scopes", [])]) for e in _added(state_dir)]


def revoke_credential(state_dir: Path, name: str) -> None:
    """Remove an added credential; the running LRS refuses it from its next request."""
    entries = _added(state_dir)
    kept = [e for e in entries if e["username"] != name]
    if len(kept) == len(entries):
        raise CredentialError(f"Geen toegevoegde sleutel '{name}' (de schrijf- en leessleutel blijven altijd).")
    _save_added(state_dir, kept)

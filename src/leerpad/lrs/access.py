"""Who is asking, and what they may do: HTTP Basic credentials checked before anything else.

The LRS checks the ``Authorization`` header before it reads a body or validates a
parameter: a request without a known credential gets 401 and costs a bcrypt check
at most (results are cached per credential, so a browser's many POSTs cost one).

Credentials come from Ralph's auth file (``ralph-auth.json``: username, bcrypt hash,
scopes, authority agent). The file is read again when it changes, so that
``leerpad lrs credential add|revoke`` takes effect without a restart; Ralph is told
to forget its own cached copy at the same moment.

Scopes are Ralph's spelling of xAPI's (Communication 4.2): ``all`` may do
everything; ``all/read`` reads everything; ``statements/write``,
``statements/read``, ``state/read``, ``state/write``, ``profile/read``,
``profile/write`` each open one resource.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt

SCOPE_ALL = "all"
SCOPE_ALL_READ = "all/read"


@dataclass(frozen=True)
class Caller:
    """An authenticated credential."""

    username: str
    scopes: frozenset[str]
    agent: Mapping[str, Any] = field(default_factory=dict)

    def may(self, scope: str) -> bool:
        """Whether the credential has ``scope`` (e.g. ``state/write``) or one that includes it."""
        if SCOPE_ALL in self.scopes or scope in self.scopes:
            return True
        return scope.endswith("/read") and SCOPE_ALL_READ in self.scopes


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``(username, password)`` of a ``Basic`` Authorization header, or None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


class Gate:
    """Checks credentials against Ralph's auth file, read again whenever it changes."""

    def __init__(self, auth_file: Path, on_reload: Callable[[], None] | None = None) -> None:
        """Use ``auth_file``; ``on_reload`` is called after each re-read (Ralph's cache)."""
        self.auth_file = auth_file
        self.on_reload = on_reload
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._entries: dict[str, dict[str, Any]] = {}
        self._verified: dict[tuple[str, str], Caller] = {}

    def _current_entries(self) -> dict[str, dict[str, Any]]:
        try:
            status = self.auth_file.stat()
            stamp = (status.st_mtime_ns, status.st_size)
        except OSError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                try:
                    entries = json.loads(self.auth_file.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    entries = []
                self._entries = {str(e["username"]): e for e in entries if isinstance(e, dict) and "username" in e}
                self._verified = {}
                self._stamp = stamp
                if self.on_reload is not None:
                    self.on_reload()
            return self._entries

    def authenticate(self, header: str | None) -> Caller | None:
        """The caller named by an Authorization header, or None (answer 401).

        Blocking (bcrypt on a cache miss): call it from a worker thread.
        """
        pair = basic_credentials(header)
        if pair is None:
            return None
        username, password = pair
        entries = self._current_entries()
        cache_key = (username, hashlib.sha256(password.encode()).hexdigest())
        with self._lock:
            known = self._verified.get(cache_key)
        if known is not None:
            return known
        entry = entries.get(username)
        if entry is None:
            return None
        try:
            valid = bcrypt.checkpw(password.encode(), str(entry["hash"]).encode())
        except (KeyError, ValueError):
            valid = False
        if not valid:
            return None
        caller = Caller(username, frozenset(str(s) for s in entry.get("scopes", [])), entry.get("agent") or {})
        with self._lock:
            self._verified[cache_key] = caller
        return caller

"""Fixtures shared by every test folder: a real LRS, and headless Debian chromium.

``lrs`` and ``lrs_factory`` start Ralph with Leerpad's SQLite backend under uvicorn
(:class:`leerpad.lrs.testing.LiveLRS`: the server ``leerpad serve`` runs, plus a client) in a
child process on a free 127.0.0.1 port, with fresh credentials and database, once
per test session. They are stopped at the end of the session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from leerpad.lrs.testing import LiveLRS

DEFAULT_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")
CHROMIUM = os.environ.get("LEERPAD_CHROMIUM", "/usr/bin/chromium")
# Debian's chromium, never a downloaded browser; no background traffic to any host.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium per session (Playwright's sync API allows one per thread)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no chromium at {CHROMIUM}: ./scripts/test installs Debian's package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def lrs_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., LiveLRS]]:
    """Start an LRS on demand: ``lrs_factory(cors_origins=["http://127.0.0.1:5173"])``.

    Keyword arguments:
        cors_origins: origins CORS allows (default: the site on 127.0.0.1:8000 and
            localhost:8000). Pass the origin your test serves the site from.
        database: a database URL (default: a new SQLite file for this server).

    Servers with the same arguments are started once per session and shared: use
    fresh statement ids / registrations per test. Each returned
    :class:`~leerpad.lrs.testing.LiveLRS` has:

    - ``.endpoint``: the xAPI endpoint, ``http://127.0.0.1:<port>/xAPI/``;
    - ``.write``: ``(username, password)`` of the write-only browser credential
      (``statements/write``; GET answers 403);
    - ``.read``: ``(username, password)`` of the read credential (``statements/read``);
    - ``.cors_origins``: the allowed origins;
    - ``.post(statements)``: POST with the write credential (a ``requests`` response);
    - ``.get(params)``: GET with the read credential (a ``requests`` response);
    - ``.all_statements(params=None)``: every matching statement, newest first,
      GET with the read credential following ``more`` to the end.
    """
    from leerpad.lrs.testing import LiveLRS

    servers: dict[tuple[tuple[str, ...], str | None], LiveLRS] = {}

    def start(cors_origins: Sequence[str] = DEFAULT_ORIGINS, database: str | None = None) -> LiveLRS:
        key = (tuple(cors_origins), database)
        if key not in servers:
            state_dir = tmp_path_factory.mktemp("lrs")
            servers[key] = LiveLRS.start(
                database=database or f"sqlite://{state_dir / 'lrs.sqlite3'}",
                state_dir=state_dir,
                cors_origins=tuple(cors_origins),
                bcrypt_rounds=4,  # fast test credentials; `leerpad serve` uses 12
            )
        return servers[key]

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def lrs(lrs_factory: Callable[..., LiveLRS]) -> LiveLRS:
    """A running LRS (SQLite) for the session; see ``lrs_factory`` for its attributes.

    Example::

        def test_sends(lrs):
            response = lrs.post([statement])
            assert response.status_code == 200
            assert lrs.all_statements({"registration": registration}) == [...]
    """
    return lrs_factory()

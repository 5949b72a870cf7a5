"""Root pytest configuration: options and PostgreSQL servers shared by every test folder.

PostgreSQL is Debian's server, started in a temporary directory on loopback
(``./scripts/test`` installs it); when it cannot start, the tests that need it fail:
they are never skipped. ``postgres`` runs with fsync off (for tests that claim nothing
about crashes), ``durable_postgres`` with PostgreSQL's durable defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the lrs extra: imported only by the tests that start a server
    from leerpad.lrs.testing import TemporaryPostgres


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update",
        action="store_true",
        default=False,
        help="rewrite golden files (tests/golden/*.html) from the current output; review the diff",
    )


def _started_postgres(*, durable: bool) -> TemporaryPostgres:
    """A started PostgreSQL server; the test fails (never skips) when it cannot start."""
    from leerpad.lrs.testing import TemporaryPostgres

    server = TemporaryPostgres(durable=durable)
    try:
        server.start()
    except Exception as error:
        server.stop()
        pytest.fail(f"PostgreSQL did not start: {error}", pytrace=False)
    return server


@pytest.fixture(scope="session")
def start_postgres() -> Callable[..., TemporaryPostgres]:
    """Starts a server of its own (a test that crashes it); the caller stops it."""
    return _started_postgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[TemporaryPostgres]:
    """A PostgreSQL server for the session, fsync off: for tests that claim nothing about crashes."""
    server = _started_postgres(durable=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def durable_postgres() -> Iterator[TemporaryPostgres]:
    """A PostgreSQL server for the session with fsync on: for tests that claim durability."""
    server = _started_postgres(durable=True)
    yield server
    server.stop()

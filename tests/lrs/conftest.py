"""Fixtures of the LRS tests: the same LRS on SQLite and on PostgreSQL, and statements.

``backend_lrs`` is parametrised over both databases, so every test that uses it runs
twice. The PostgreSQL servers come from the root conftest.py: ``postgres`` runs with
``fsync`` off (fast; for tests that claim nothing about crashes) and
``durable_postgres`` with PostgreSQL's durable defaults, for tests that claim what
survives a crash or a load (``LRSStarter.start(kind,
durable=True)``: kill -9, the workers' load test).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from leerpad.lrs.testing import LiveLRS, TemporaryPostgres

COURSE = "https://leerpad.test/course"
VERBS = {
    name: f"http://adlnet.gov/expapi/verbs/{name}"
    for name in ("initialized", "experienced", "answered", "passed", "failed", "completed")
}
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database of each kind (no LRS: for the store on its own)."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'store.sqlite3'}"
    postgres: TemporaryPostgres = request.getfixturevalue("postgres")
    return postgres.create_database(f"store_{uuid.uuid4().hex[:12]}")


class LRSStarter:
    """Starts LRS servers on a chosen database kind; stops them all at the end."""

    def __init__(self, tmp: pytest.TempPathFactory, request: pytest.FixtureRequest) -> None:
        self.tmp = tmp
        self.request = request
        self.servers: list[LiveLRS] = []

    def database(self, kind: str, state_dir: Path, durable: bool = False) -> str:
        """A fresh, empty database of ``kind`` (PostgreSQL: with fsync on when ``durable``)."""
        if kind == "sqlite":
            return f"sqlite://{state_dir / 'lrs.sqlite3'}"
        pg: TemporaryPostgres = self.request.getfixturevalue("durable_postgres" if durable else "postgres")
        return pg.create_database(f"lrs_{uuid.uuid4().hex[:12]}")

    def start(self, kind: str, durable: bool = False, **options: Any) -> LiveLRS:
        """Start a new LRS on a fresh database of ``kind``; ``durable`` for tests that claim durability.

        SQLite is always durable (WAL, ``synchronous=NORMAL``: a crash of the process
        loses nothing committed); ``durable`` chooses the PostgreSQL server.
        """
        state_dir = self.tmp.mktemp(f"lrs-{kind}")
        server = LiveLRS.start(
            database=self.database(kind, state_dir, durable),
            state_dir=state_dir,
            bcrypt_rounds=4,
            **options,
        )
        self.servers.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture(scope="session")
def lrs_starter(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[LRSStarter]:
    """Start extra LRS servers (fresh databases) in a test; all stopped at session end."""
    starter = LRSStarter(tmp_path_factory, request)
    yield starter
    starter.stop_all()


@pytest.fixture(scope="session", params=BACKENDS)
def backend_lrs(request: pytest.FixtureRequest, lrs_starter: LRSStarter) -> LiveLRS:
    """One LRS per database kind, shared by the tests of the session."""
    return lrs_starter.start(str(request.param))


@pytest.fixture(params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    """The database kind, for tests that start their own server."""
    return str(request.param)


class StatementMaker:
    """Valid statements of the course's shape, with fresh ids."""

    def __init__(self) -> None:
        self._numbers = itertools.count()

    def __call__(
        self,
        *,
        verb: str = "answered",
        learner: int = 0,
        activity: str | None = None,
        registration: str | None = None,
        timestamp: str | None = "2024-03-01T09:00:00+00:00",
        **overrides: Any,
    ) -> dict[str, Any]:
        """An ``answered`` statement with a choice interaction (``choices`` included)."""
        number = next(self._numbers)
        statement: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "actor": {
                "objectType": "Agent",
                "name": f"Leerder {learner}",
                "mbox": f"mailto:leerder{learner}@leerpad.example",
            },
            "verb": {"id": VERBS[verb], "display": {"nl-BE": verb}},
            "object": {
                "objectType": "Activity",
                "id": activity or f"{COURSE}/quiz/toets/question/vraag-{number % 7}",
                "definition": {
                    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                    "name": {"nl-BE": f"Vraag {number % 7}"},
                    "interactionType": "choice",
                    "correctResponsesPattern": ["b"],
                    "choices": [
                        {"id": "a", "description": {"nl-BE": "Betaalbaarheid"}},
                        {"id": "b", "description": {"nl-BE": "Benaderbaarheid"}},
                    ],
                },
            },
            "result": {"response": "b", "success": True, "duration": "PT4.2S"},
            "context": {
                "registration": registration or str(uuid.uuid4()),
                "language": "nl-BE",
                "platform": "Leerpad 0.1.0",
                "contextActivities": {
                    "parent": [{"objectType": "Activity", "id": f"{COURSE}/quiz/toets"}],
                    "grouping": [{"objectType": "Activity", "id": COURSE}],
                },
            },
        }
        if timestamp is not None:
            statement["timestamp"] = timestamp
        statement.update(overrides)
        return statement


@pytest.fixture(scope="session")
def make_statement() -> Callable[..., dict[str, Any]]:
    """Build a valid statement: ``make_statement(verb="passed", learner=3, …)``."""
    return StatementMaker()


def without_lrs_fields(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement as the client sent it: without the LRS's ``stored``/``authority``."""
    return {k: v for k, v in statement.items() if k not in ("stored", "authority")}


@pytest.fixture(scope="session")
def as_sent() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Strip ``stored`` and ``authority`` from a returned statement."""
    return without_lrs_fields


_ORGANISERS: dict[str, tuple[str, str]] = {}


@pytest.fixture
def organiser(backend_lrs: LiveLRS) -> tuple[str, str]:
    """A credential with scope ``all`` on ``backend_lrs`` (as ``leerpad lrs credential add``)."""
    if backend_lrs.endpoint not in _ORGANISERS:
        _ORGANISERS[backend_lrs.endpoint] = backend_lrs.add_credential("organisator", ["all"])
    return _ORGANISERS[backend_lrs.endpoint]


def xapi(
    lrs: LiveLRS,
    method: str,
    resource: str,
    auth: tuple[str, str] | None,
    *,
    headers: dict[str, str] | None = None,
    version: bool = True,
    **options: Any,
) -> Any:
    """One request to ``<endpoint><resource>`` with the xAPI version header (unless ``version=False``)."""
    import requests

    sent = {**({"X-Experience-API-Version": "1.0.3"} if version else {}), **(headers or {})}
    return requests.request(method, lrs.endpoint + resource, auth=auth, headers=sent, timeout=60, **options)

"""The LRS's rooms: schema migrations, the Ralph corrections' checks, testing code apart."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
import types
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from leerpad.lrs import ralph_patches
from leerpad.lrs.dialects import Database, StoreError, open_database
from leerpad.lrs.query import StatementFilter
from leerpad.lrs.schema import SCHEMA_VERSION, current_version, migrate
from leerpad.lrs.store import StatementStore
from leerpad.lrs.testing import TemporaryPostgres

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "leerpad"
TESTING = "leerpad.lrs.testing"

# The schema exactly as Leerpad 0.1 (commit 757d2c6) created it, without a version table.
LEERPAD_0_1_SCHEMA = """
CREATE TABLE IF NOT EXISTS statements (
    seq {serial}, id TEXT NOT NULL UNIQUE, stored BIGINT NOT NULL, timestamp BIGINT NOT NULL,
    verb TEXT NOT NULL, activity TEXT, agent TEXT, registration TEXT,
    voided SMALLINT NOT NULL DEFAULT 0, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS related (
    kind SMALLINT NOT NULL, value TEXT NOT NULL, seq BIGINT NOT NULL REFERENCES statements (seq),
    PRIMARY KEY (kind, value, seq)
);
CREATE INDEX IF NOT EXISTS statements_stored ON statements (stored, seq);
CREATE INDEX IF NOT EXISTS statements_timestamp ON statements (timestamp);
CREATE INDEX IF NOT EXISTS statements_verb ON statements (verb, stored, seq);
CREATE INDEX IF NOT EXISTS statements_activity ON statements (activity, stored, seq);
CREATE INDEX IF NOT EXISTS statements_verb_activity ON statements (verb, activity, stored, seq);
CREATE INDEX IF NOT EXISTS statements_agent ON statements (agent, stored, seq);
CREATE INDEX IF NOT EXISTS statements_registration ON statements (registration, stored, seq);
CREATE INDEX IF NOT EXISTS related_seq ON related (seq)
"""
VERB = "http://adlnet.gov/expapi/verbs/answered"
AGENT = "mbox:mailto:oud@leerpad.example"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'old.sqlite3'}"
    postgres: TemporaryPostgres = request.getfixturevalue("postgres")
    return postgres.create_database(f"old_{uuid.uuid4().hex[:12]}")


def _leerpad_0_1_database(database: Database, count: int) -> list[dict[str, object]]:
    """Fill ``database`` as Leerpad 0.1 did: its tables, its rows; return the statements."""
    statements = []
    with database.transaction() as cursor:
        for sql in LEERPAD_0_1_SCHEMA.format(serial=database.serial).split(";"):
            cursor.execute(sql)
        for n in range(count):
            stored = 1_767_225_600_000_000 + n  # 2026-01-01, one microsecond apart
            statement = {
                "id": str(uuid.uuid4()),
                "actor": {"mbox": "mailto:oud@leerpad.example"},
                "verb": {"id": VERB},
                "object": {"id": f"https://leerpad.test/oud/{n % 3}"},
                "timestamp": "2025-12-31T23:00:00+00:00",
                "stored": f"2026-01-01T00:00:00.{n:06d}+00:00",
            }
            statements.append(statement)
            cursor.execute(
                "INSERT INTO statements (id, stored, timestamp, verb, activity, agent, registration, body) "
                "VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                (statement["id"], stored, stored - 3_600_000_000, VERB, statement["object"]["id"],  # type: ignore[index]
                 AGENT, json.dumps(statement)),
            )  # fmt: skip
            cursor.execute(
                "INSERT INTO related (kind, value, seq) SELECT 1, ?, seq FROM statements WHERE id = ?",
                (AGENT, statement["id"]),
            )
    return statements


def test_a_database_of_the_previous_schema_version_keeps_every_statement(database_url: str) -> None:
    database = open_database(database_url)
    old = _leerpad_0_1_database(database, 250)
    with database.transaction() as cursor:
        assert current_version(cursor, database) == 1
    database.close()

    store = StatementStore.open(database_url)  # migrates on open
    with store.db.transaction() as cursor:
        assert current_version(cursor, store.db) == SCHEMA_VERSION
    assert store.count() == 250
    assert {s["id"]: s for s in store.by_ids([str(s["id"]) for s in old])} == {s["id"]: s for s in old}
    found: list[str] = []
    spec = StatementFilter(agent=AGENT, ascending=True)
    page = store.query(spec)
    found += [s["id"] for s in page.statements]
    while page.has_more:
        page = store.query(StatementFilter(agent=AGENT, ascending=True, after=page.last, snapshot=page.snapshot))
        found += [s["id"] for s in page.statements]
    assert found == [s["id"] for s in old]  # in stored order, each once
    # New statements go after the old ones, and a second open migrates nothing.
    new = {**old[0], "id": str(uuid.uuid4())}
    del new["stored"]
    assert store.write([new]) == 1
    store.close()
    again = StatementStore.open(database_url)
    assert migrate(again.db) == SCHEMA_VERSION
    assert [s["id"] for s in again.iter_all()] == [s["id"] for s in old] + [new["id"]]
    again.close()


def test_a_database_newer_than_this_leerpad_is_refused(database_url: str) -> None:
    StatementStore.open(database_url).close()
    database = open_database(database_url)
    with database.transaction() as cursor:
        cursor.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}, newer than this Leerpad"):
        StatementStore(database)
    database.close()


# ------------------------------------------------------------ testing code apart


def _imported_modules(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_product_never_imports_the_testing_module() -> None:
    importers = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "testing.py" and TESTING in set(_imported_modules(path))
    ]
    assert importers == []
    # Nor indirectly: the command, the app and the backend load without it.
    check = (
        "import sys, leerpad.cli, leerpad.lrs.app, leerpad.lrs.serve, leerpad.lrs.backend; "
        f"print({TESTING!r} in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# ----------------------------------------------------- Ralph's corrections checked


def test_ralph_is_pinned_in_one_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = [d for d in project["project"]["optional-dependencies"]["lrs"] if d.startswith("ralph-malph")]
    assert pins == [f"ralph-malph[lrs]=={ralph_patches.RALPH_VERSION}"]
    assert f"ralph-malph=={ralph_patches.RALPH_VERSION}" in (ROOT / "requirements.lock").read_text().splitlines()


def _mismatch(check: object, *args: object) -> str:
    with pytest.raises(ralph_patches.RalphMismatch) as caught:
        check(*args)  # type: ignore[operator]
    return str(caught.value)


def test_each_correction_of_ralph_fails_loudly_when_its_target_changed() -> None:
    prefix = f"Leerpad's LRS corrections are written for Ralph {ralph_patches.RALPH_VERSION} (installed: ralph-malph "

    def get() -> None:
        """A router whose GET builds no `more` link."""

    messages = [
        _mismatch(ralph_patches.check_version, "5.2.0"),
        _mismatch(ralph_patches.check_middleware_target, types.SimpleNamespace(user_middleware=None), object),
        _mismatch(
            ralph_patches.check_middleware_target,
            types.SimpleNamespace(user_middleware=[], middleware_stack=object()),
            object,
        ),
        _mismatch(ralph_patches.check_scope_refusal, json),
        _mismatch(ralph_patches.check_more_sentinel, types.SimpleNamespace(get=get)),
        _mismatch(ralph_patches.check_auth_cache, get),
    ]
    assert all(m.startswith(prefix) for m in messages), messages
    assert messages[0].endswith(": ralph-malph 5.2.0 is installed")
    assert messages[3].endswith(": the scope refusal no longer reads 'Access not authorized to scope'")

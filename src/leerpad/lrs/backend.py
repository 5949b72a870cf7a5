"""Ralph LRS backend on Leerpad's statement store (SQLite or PostgreSQL).

Registered in the ``ralph.backends.lrs`` entry-point group as ``leerpad_sql``; Ralph
uses it with ``RALPH_RUNSERVER_BACKEND=leerpad_sql``. The database comes from
``LEERPAD_LRS_DATABASE`` (``sqlite:///abs/path.sqlite3`` or ``postgresql://…``).

Ralph hands the query parameters over as it received them (``model_construct`` of
the raw query string: booleans arrive as ``"true"``/``"false"``, times as text), so
every parameter is normalised here. Paging: ``search_after`` is ``"<stored>.<seq>"``
of the last statement returned, or ``"end"`` when nothing follows (the LRS app drops
the ``more`` link then); ``pit_id`` is the highest ``seq`` at the first page, so that
later pages do not shift when statements arrive meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from fastapi import HTTPException
from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict
from ralph.backends.data.base import (  # type: ignore[import-untyped]
    BaseOperationType,
    DataBackendStatus,
    Writable,
)
from ralph.backends.lrs.base import (  # type: ignore[import-untyped]
    BaseLRSBackend,
    BaseLRSBackendSettings,
    RalphStatementsQuery,
    StatementQueryResult,
)
from ralph.conf import BASE_SETTINGS_CONFIG  # type: ignore[import-untyped]
from ralph.exceptions import BackendException  # type: ignore[import-untyped]

from leerpad.lrs.dialects import StoreError
from leerpad.lrs.indexing import agent_key, to_micros
from leerpad.lrs.query import PAGE_SIZE, StatementFilter
from leerpad.lrs.store import DuplicateStatementError, StatementStore

logger = logging.getLogger(__name__)

#: ``search_after`` value meaning "no statement follows".
END_OF_RESULTS = "end"

_TRUE = {"true", "1", "yes", "on", "t", "y"}


class LeerpadLRSBackendSettings(BaseLRSBackendSettings):  # type: ignore[misc]
    """Settings of the Leerpad SQL backend, read from the environment."""

    model_config = {
        **BASE_SETTINGS_CONFIG,
        **SettingsConfigDict(env_prefix="RALPH_BACKENDS__LRS__LEERPAD_SQL__"),
    }

    #: Database URL: ``sqlite:///abs/path.sqlite3`` or ``postgresql://user@host:port/db``.
    DATABASE: str = Field(
        default="sqlite:///.leerpad/lrs.sqlite3",
        validation_alias=AliasChoices(
            "LEERPAD_LRS_DATABASE", "RALPH_BACKENDS__LRS__LEERPAD_SQL__DATABASE", "DATABASE"
        ),
    )


def _flag(value: object) -> bool:
    """A query flag as Ralph passes it: bool, or its text form."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def _agent_params_key(value: object) -> str | None:
    """Key of an ``agent``/``authority`` parameter (dict or AgentParameters)."""
    if value is None:
        return None
    if hasattr(value, "model_dump"):
        value = value.model_dump()
    if isinstance(value, Mapping):
        return agent_key(value)
    return None


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    root = getattr(value, "root", None)  # pydantic RootModel, e.g. Ralph's IRI
    return str(root if root is not None else value)


def filter_from_params(params: Any) -> StatementFilter:
    """Translate Ralph's statements query into a :class:`StatementFilter`."""
    authorities_param = getattr(params, "authority", None)
    items = authorities_param if isinstance(authorities_param, list) else [authorities_param]
    authorities = tuple(key for key in (_agent_params_key(a) for a in items) if key)

    after: tuple[int, int] | None = None
    search_after = _text(getattr(params, "search_after", None))
    if search_after:
        stored, _, seq = search_after.partition(".")
        after = (int(stored), int(seq))
    snapshot_text = _text(getattr(params, "pit_id", None))
    snapshot = int(snapshot_text) if snapshot_text and snapshot_text.isdigit() else None

    since = getattr(params, "since", None)
    until = getattr(params, "until", None)
    registration = getattr(params, "registration", None)
    limit = min(int(getattr(params, "limit", 0) or 0) or PAGE_SIZE, PAGE_SIZE)
    return StatementFilter(
        statement_id=_text(getattr(params, "statement_id", None)),
        voided_statement_id=_text(getattr(params, "voided_statement_id", None)),
        agent=_agent_params_key(getattr(params, "agent", None)),
        verb=_text(getattr(params, "verb", None)),
        activity=_text(getattr(params, "activity", None)),
        registration=_text(registration),
        related_activities=_flag(getattr(params, "related_activities", False)),
        related_agents=_flag(getattr(params, "related_agents", False)),
        since=to_micros(since) if since else None,
        until=to_micros(until) if until else None,
        authorities=authorities,
        limit=limit,
        ascending=_flag(getattr(params, "ascending", False)),
        after=after,
        snapshot=snapshot,
    )


class LeerpadLRSBackend(BaseLRSBackend[LeerpadLRSBackendSettings], Writable):  # type: ignore[misc]
    """Ralph LRS backend storing statements in SQLite or PostgreSQL, indexed."""

    name = "leerpad_sql"
    query_class = RalphStatementsQuery
    settings_class = LeerpadLRSBackendSettings

    def __init__(self, settings: LeerpadLRSBackendSettings | None = None) -> None:
        """Open the database named by the settings (created on first use)."""
        super().__init__(settings)
        try:
            self.store = StatementStore.open(self.settings.DATABASE)
        except Exception as error:
            msg = f"Cannot open the statement database {self.settings.DATABASE!r}: {error}"
            logger.error(msg)
            raise BackendException(msg) from error

    # ------------------------------------------------------- data backend interface

    def status(self) -> Any:
        """``ok`` when the database answers."""
        return DataBackendStatus.OK if self.store.db.alive() else DataBackendStatus.ERROR

    def _read_dicts(
        self, query: Any, target: str | None, chunk_size: int, ignore_errors: bool
    ) -> Iterator[dict[str, Any]]:
        """Yield every stored statement, oldest first (the query is not used)."""
        yield from self.store.iter_all(chunk=chunk_size)

    def _write_dicts(
        self,
        data: Iterable[dict[str, Any]],
        target: str | None,
        chunk_size: int,
        ignore_errors: bool,
        operation_type: Any,
    ) -> int:
        """Store all statements of one request in one transaction (never in chunks)."""
        if operation_type not in (BaseOperationType.INDEX, BaseOperationType.CREATE):
            raise BackendException(f"{operation_type.value} is not supported")
        try:
            return self.store.write(list(data))
        except DuplicateStatementError as error:
            # Another writer stored other content under this id meanwhile: the same
            # 409 Ralph answers when it finds the conflict itself.
            raise HTTPException(status_code=409, detail=str(error)) from error
        except (StoreError, ValueError, KeyError, TypeError) as error:
            raise BackendException(f"Failed to store statements: {error}") from error

    def close(self) -> None:
        """Close the database connection."""
        self.store.close()

    # --------------------------------------------------------- LRS backend interface

    def query_statements(self, params: Any, target: str | None = None) -> StatementQueryResult:
        """Return one page of statements for the Statements API query ``params``."""
        search_after = _text(getattr(params, "search_after", None))
        if search_after == END_OF_RESULTS:
            return StatementQueryResult(statements=[], pit_id="", search_after=END_OF_RESULTS)
        try:
            spec = filter_from_params(params)
            page = self.store.query(spec)
        except (ValueError, TypeError) as error:
            raise BackendException(f"Invalid statements query: {error}") from error
        next_key = END_OF_RESULTS
        if page.has_more and page.last is not None:
            next_key = f"{page.last[0]}.{page.last[1]}"
        return StatementQueryResult(
            statements=page.statements, pit_id=str(page.snapshot), search_after=next_key
        )

    def query_statements_by_ids(
        self, ids: list[str], target: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield the stored statements with these ids (voided ones included)."""
        yield from self.store.by_ids(ids)

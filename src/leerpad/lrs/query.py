"""Statements API queries: the filter, the SELECT it becomes, and keyset paging.

A query is a :class:`StatementFilter` in the store's terms (agent keys, times in
microseconds, see :mod:`leerpad.lrs.indexing`). Pages are keyed on
``(stored, seq)`` of the last statement returned; ``snapshot`` (the highest
``seq`` when the first page was read) keeps later pages consistent with the first
while statements keep arriving.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leerpad.lrs.indexing import KIND_AGENT, KIND_AUTHORITY, KIND_RELATED_ACTIVITY, KIND_RELATED_AGENT, normalise_uuid

#: The most statements one page holds: also the page of ``limit=0`` ("as many as
#: the server allows") and Ralph's ``RUNSERVER_MAX_SEARCH_HITS_COUNT``.
PAGE_SIZE = 100


@dataclass(frozen=True)
class StatementFilter:
    """A Statements API query, in the store's terms (see :meth:`StatementStore.query`)."""

    statement_id: str | None = None
    voided_statement_id: str | None = None
    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: int | None = None
    until: int | None = None
    authorities: tuple[str, ...] = ()
    limit: int = PAGE_SIZE
    ascending: bool = False
    after: tuple[int, int] | None = None
    snapshot: int | None = None


@dataclass
class StatementPage:
    """One page of statements, with where to continue."""

    statements: list[dict[str, Any]]
    last: tuple[int, int] | None
    has_more: bool
    snapshot: int


_RELATED = "seq IN (SELECT seq FROM related WHERE kind = ? AND value = ?)"


def select_sql(spec: StatementFilter, snapshot: int) -> tuple[str, list[object]]:
    """The SELECT for ``spec`` and its parameters; the LIMIT value is left to add.

    Voided statements are left out unless asked for by ``voided_statement_id``.
    """
    where: list[str] = []
    params: list[object] = []
    if spec.voided_statement_id is not None:
        where.append("id = ? AND voided = 1")
        params.append(normalise_uuid(spec.voided_statement_id))
    else:
        where.append("voided = 0")
        if spec.statement_id is not None:
            where.append("id = ?")
            params.append(normalise_uuid(spec.statement_id))
    if spec.agent is not None:
        where.append(_RELATED)
        params += [KIND_RELATED_AGENT if spec.related_agents else KIND_AGENT, spec.agent]
    if spec.verb is not None:
        where.append("verb = ?")
        params.append(spec.verb)
    if spec.activity is not None:
        if spec.related_activities:
            where.append(_RELATED)
            params += [KIND_RELATED_ACTIVITY, spec.activity]
        else:
            where.append("activity = ?")
            params.append(spec.activity)
    if spec.registration is not None:
        where.append("registration = ?")
        params.append(normalise_uuid(spec.registration))
    if spec.since is not None:
        where.append("stored > ?")
        params.append(spec.since)
    if spec.until is not None:
        where.append("stored <= ?")
        params.append(spec.until)
    if spec.authorities:
        marks = ", ".join("?" for _ in spec.authorities)
        where.append(f"seq IN (SELECT seq FROM related WHERE kind = ? AND value IN ({marks}))")
        params += [KIND_AUTHORITY, *spec.authorities]
    where.append("seq <= ?")
    params.append(snapshot)
    if spec.after is not None:
        where.append("(stored, seq) > (?, ?)" if spec.ascending else "(stored, seq) < (?, ?)")
        params += list(spec.after)
    order = "ASC" if spec.ascending else "DESC"
    sql = (
        f"SELECT stored, seq, body FROM statements WHERE {' AND '.join(where)} "
        f"ORDER BY stored {order}, seq {order} LIMIT ?"
    )
    return sql, params

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


def _content_conditions(spec: StatementFilter, alias: str) -> tuple[list[str], list[object]]:
    """The conditions on what a statement says (agent, verb, activity, registration)."""
    where: list[str] = []
    params: list[object] = []
    related = f"{alias}.seq IN (SELECT seq FROM related WHERE kind = ? AND value = ?)"
    if spec.agent is not None:
        where.append(related)
        params += [KIND_RELATED_AGENT if spec.related_agents else KIND_AGENT, spec.agent]
    if spec.verb is not None:
        where.append(f"{alias}.verb = ?")
        params.append(spec.verb)
    if spec.activity is not None:
        if spec.related_activities:
            where.append(related)
            params += [KIND_RELATED_ACTIVITY, spec.activity]
        else:
            where.append(f"{alias}.activity = ?")
            params.append(spec.activity)
    if spec.registration is not None:
        where.append(f"{alias}.registration = ?")
        params.append(normalise_uuid(spec.registration))
    return where, params


def _own_conditions(spec: StatementFilter, snapshot: int, plus: str = "") -> tuple[list[str], list[object]]:
    """Conditions on the returned statement itself: voided, id, times, authority, snapshot, page.

    ``plus="+"`` keeps a planner from using the stored/seq indexes for them (SQLite).
    """
    where: list[str] = []
    params: list[object] = []
    if spec.voided_statement_id is not None:
        where.append("s.id = ? AND s.voided = 1")
        params.append(normalise_uuid(spec.voided_statement_id))
    else:
        where.append("s.voided = 0")
        if spec.statement_id is not None:
            where.append("s.id = ?")
            params.append(normalise_uuid(spec.statement_id))
    if spec.since is not None:
        where.append(f"{plus}s.stored > ?")
        params.append(spec.since)
    if spec.until is not None:
        where.append(f"{plus}s.stored <= ?")
        params.append(spec.until)
    if spec.authorities:
        marks = ", ".join("?" for _ in spec.authorities)
        where.append(f"s.seq IN (SELECT seq FROM related WHERE kind = ? AND value IN ({marks}))")
        params += [KIND_AUTHORITY, *spec.authorities]
    where.append(f"{plus}s.seq <= ?")
    params.append(snapshot)
    if spec.after is not None:
        comparison = ">" if spec.ascending else "<"
        where.append(f"({plus}s.stored, {plus}s.seq) {comparison} (?, ?)")
        params += list(spec.after)
    return where, params


def select_sql(spec: StatementFilter, snapshot: int, limit: int) -> tuple[str, list[object]]:
    """The SELECT for ``spec`` and its parameters, ``limit`` rows at most.

    Voided statements are left out unless asked for by ``voidedStatementId``. A
    statement also matches the content filters (agent, verb, activity, registration)
    when the statement its StatementRef points to matches them (Communication 2.1.4):
    e.g. the voiding statement of a matching statement. Those are gathered apart,
    from the ref index (statements with a StatementRef are few), so that the main
    branch still reads its index in order and stops at ``limit``.
    """
    where, params = _own_conditions(spec, snapshot)
    order = "ASC" if spec.ascending else "DESC"
    columns, ordering = "s.stored, s.seq, s.body", f"ORDER BY s.stored {order}, s.seq {order} LIMIT ?"
    own, own_params = _content_conditions(spec, "s")
    if not own:
        return f"SELECT {columns} FROM statements s WHERE {' AND '.join(where)} {ordering}", [*params, limit]
    target, target_params = _content_conditions(spec, "t")
    ref_where, ref_params = _own_conditions(spec, snapshot, plus="+")
    referring = (
        "WITH referring AS MATERIALIZED ("
        f"SELECT {columns} FROM statements s CROSS JOIN statements t "
        f"WHERE s.ref > '' AND t.id = s.ref AND {' AND '.join(ref_where + target)}) "
    )
    direct = f"SELECT {columns} FROM statements s WHERE {' AND '.join(where + own)} {ordering}"
    sql = (
        f"{referring}SELECT stored, seq, body FROM ({direct}) AS direct UNION "
        f"SELECT stored, seq, body FROM referring ORDER BY stored {order}, seq {order} LIMIT ?"
    )
    return sql, [*ref_params, *target_params, *params, *own_params, limit, limit]

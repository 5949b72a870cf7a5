"""Statements API queries: the filter, the SELECT it becomes, and keyset paging.

A query is a :class:`StatementFilter` in the store's terms (agent keys, times in
microseconds, see :mod:`leerpad.lrs.indexing`). Pages are keyed on
``(stored, seq)`` of the last statement returned; ``snapshot`` (the highest
``seq`` when the first page was read) keeps later pages consistent with the first
while statements keep arriving.

A filter on an agent or a related activity reads ``related`` through its index on
``(kind, value, stored, seq)``: the rows come in page order, starting right after
the last statement of the previous page, and the read stops when the page is full.
So each page costs its own size, not the size of everything that matches, and
reading a whole course is linear in its statements.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from leerpad.lrs.indexing import KIND_AGENT, KIND_AUTHORITY, KIND_RELATED_ACTIVITY, KIND_RELATED_AGENT, normalise_uuid

#: Environment variable: the most statements one page holds.
PAGE_SIZE_ENV = "LEERPAD_LRS_PAGE_SIZE"
#: The page size when ``LEERPAD_LRS_PAGE_SIZE`` is not set.
DEFAULT_PAGE_SIZE = 500


def page_size() -> int:
    """The most statements one page holds: also the page of ``limit=0`` ("as many as the
    server allows") and Ralph's ``RUNSERVER_MAX_SEARCH_HITS_COUNT``.

    ``LEERPAD_LRS_PAGE_SIZE`` (a positive whole number), else 500.
    """
    value = os.environ.get(PAGE_SIZE_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_PAGE_SIZE


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
    limit: int = field(default_factory=page_size)
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


def _driver(spec: StatementFilter) -> tuple[int, str] | None:
    """The ``related`` row kind and value whose index a query reads in page order, if any.

    The agent first (one learner's statements are fewer than a course's), else a
    related activity. A plain ``activity`` or ``verb`` has its own ordered index.
    """
    if spec.agent is not None:
        return (KIND_RELATED_AGENT if spec.related_agents else KIND_AGENT, spec.agent)
    if spec.activity is not None and spec.related_activities:
        return (KIND_RELATED_ACTIVITY, spec.activity)
    return None


def _content_conditions(
    spec: StatementFilter, alias: str, driven: tuple[int, str] | None = None
) -> tuple[list[str], list[object]]:
    """The conditions on what a statement says (agent, verb, activity, registration).

    ``driven``: the ``related`` row the query already joins on (its condition is left out).
    """
    where: list[str] = []
    params: list[object] = []
    # One primary-key lookup per candidate: `seq IN (SELECT …)` would list every row
    # of the value (all of a course's statements) for every page.
    related = f"EXISTS (SELECT 1 FROM related x WHERE x.kind = ? AND x.value = ? AND x.seq = {alias}.seq)"
    if spec.agent is not None:
        agent = (KIND_RELATED_AGENT if spec.related_agents else KIND_AGENT, spec.agent)
        if agent != driven:
            where.append(related)
            params += list(agent)
    if spec.verb is not None:
        where.append(f"{alias}.verb = ?")
        params.append(spec.verb)
    if spec.activity is not None:
        if spec.related_activities:
            if (KIND_RELATED_ACTIVITY, spec.activity) != driven:
                where.append(related)
                params += [KIND_RELATED_ACTIVITY, spec.activity]
        else:
            where.append(f"{alias}.activity = ?")
            params.append(spec.activity)
    if spec.registration is not None:
        where.append(f"{alias}.registration = ?")
        params.append(normalise_uuid(spec.registration))
    return where, params


def _own_conditions(
    spec: StatementFilter, snapshot: int, plus: str = "", order: str = "s"
) -> tuple[list[str], list[object]]:
    """Conditions on the returned statement itself: voided, id, times, authority, snapshot, page.

    ``order`` is the alias whose ``stored`` and ``seq`` columns are compared (``r``
    when the query reads ``related`` in page order). ``plus="+"`` keeps a planner
    from using the stored/seq indexes for them (SQLite).
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
    stored, seq = f"{plus}{order}.stored", f"{plus}{order}.seq"
    if spec.since is not None:
        where.append(f"{stored} > ?")
        params.append(spec.since)
    if spec.until is not None:
        where.append(f"{stored} <= ?")
        params.append(spec.until)
    if spec.authorities:
        marks = ", ".join("?" for _ in spec.authorities)
        where.append(f"EXISTS (SELECT 1 FROM related x WHERE x.kind = ? AND x.value IN ({marks}) AND x.seq = s.seq)")
        params += [KIND_AUTHORITY, *spec.authorities]
    where.append(f"{seq} <= ?")
    params.append(snapshot)
    if spec.after is not None:
        comparison = ">" if spec.ascending else "<"
        where.append(f"({stored}, {seq}) {comparison} (?, ?)")
        params += list(spec.after)
    return where, params


def _direct_sql(spec: StatementFilter, snapshot: int, columns: str, limit: int) -> tuple[str, list[object]]:
    """The statements that match ``spec`` themselves, in page order, ``limit`` at most.

    With an agent or related activity, ``related`` is read first (``CROSS JOIN`` keeps
    SQLite from choosing another order) through its ``(kind, value, stored, seq)``
    index, from the page's start on: no sort, and the read stops at ``limit``.
    """
    direction = "ASC" if spec.ascending else "DESC"
    driver = _driver(spec)
    if driver is None:
        where, params = _own_conditions(spec, snapshot)
        content, content_params = _content_conditions(spec, "s")
        return (
            f"SELECT {columns} FROM statements s WHERE {' AND '.join(where + content)} "
            f"ORDER BY s.stored {direction}, s.seq {direction} LIMIT ?",
            [*params, *content_params, limit],
        )
    where, params = _own_conditions(spec, snapshot, order="r")
    content, content_params = _content_conditions(spec, "s", driven=driver)
    return (
        f"SELECT {columns} FROM related r CROSS JOIN statements s "
        f"WHERE r.kind = ? AND r.value = ? AND s.seq = r.seq AND {' AND '.join(where + content)} "
        f"ORDER BY r.stored {direction}, r.seq {direction} LIMIT ?",
        [*driver, *params, *content_params, limit],
    )


def select_sql(spec: StatementFilter, snapshot: int, limit: int) -> tuple[str, list[object]]:
    """The SELECT for ``spec`` and its parameters, ``limit`` rows at most.

    Voided statements are left out unless asked for by ``voidedStatementId``. A
    statement also matches the content filters (agent, verb, activity, registration)
    when the statement its StatementRef points to matches them (Communication 2.1.4):
    e.g. the voiding statement of a matching statement. Those are gathered apart,
    from the ref index (statements with a StatementRef are few), so that the main
    branch still reads its index in order and stops at ``limit``.
    """
    order = "ASC" if spec.ascending else "DESC"
    columns = "s.stored, s.seq, s.body"
    direct, direct_params = _direct_sql(spec, snapshot, columns, limit)
    target, target_params = _content_conditions(spec, "t")
    if not target:
        return direct, direct_params
    ref_where, ref_params = _own_conditions(spec, snapshot, plus="+")
    referring = (
        "WITH referring AS MATERIALIZED ("
        f"SELECT {columns} FROM statements s CROSS JOIN statements t "
        f"WHERE s.ref > '' AND t.id = s.ref AND {' AND '.join(ref_where + target)}) "
    )
    sql = (
        f"{referring}SELECT stored, seq, body FROM ({direct}) AS direct UNION "
        f"SELECT stored, seq, body FROM referring ORDER BY stored {order}, seq {order} LIMIT ?"
    )
    return sql, [*ref_params, *target_params, *direct_params, limit]

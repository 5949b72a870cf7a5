"""Statement indexing: the values a statement is filed and found under.

Pure functions, no database: a statement's id in canonical form, its times as
integer microseconds since the epoch (UTC; they sort and compare the same way on
SQLite and PostgreSQL), one text key per agent, and the agents and activities a
statement mentions (for the ``agent``, ``related_agents``, ``related_activities``
and authority filters). Also when two statements with the same id are the same
(xAPI 1.0.3 Data 2.3.1), which the store needs when two writers race.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

# Kinds of rows in the `related` side table.
KIND_AGENT = 1  # actor or object of the statement, or a member of such a group
KIND_RELATED_AGENT = 2  # any agent anywhere: actor, object, authority, instructor, team, …
KIND_RELATED_ACTIVITY = 3  # object, context activities, and those of a sub-statement
KIND_AUTHORITY = 4  # the authority, or a member of an authority group

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- times


def parse_time(value: object) -> datetime:
    """Parse an ISO 8601 time (``str`` or ``datetime``); a time without zone is UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            # More than 6 fractional digits or other rarer shapes: let pydantic try.
            from pydantic import TypeAdapter

            moment = TypeAdapter(datetime).validate_python(text)
    else:
        raise ValueError(f"not a time: {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def to_micros(value: object) -> int:
    """Return a time as integer microseconds since the epoch (UTC)."""
    delta = parse_time(value) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def micros_to_datetime(micros: int) -> datetime:
    """An integer microsecond time as an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=micros)


def micros_to_iso(micros: int) -> str:
    """An integer microsecond time as ISO 8601 text in UTC."""
    return micros_to_datetime(micros).isoformat(timespec="microseconds")  # always 6 decimals (XAPI-00122)


def now_micros() -> int:
    """Return the current time as integer microseconds since the epoch."""
    return time.time_ns() // 1000


# ------------------------------------------------------------------ identifiers


def normalise_uuid(value: object) -> str:
    """Return a UUID in canonical lower-case form; other text unchanged."""
    text = str(value)
    try:
        return str(UUID(text))
    except ValueError:
        return text


def agent_key(agent: Mapping[str, Any]) -> str | None:
    """Return one text key for an agent's or identified group's inverse functional id.

    Accepts both a statement's agent object and the flat parameters Ralph passes for
    the ``agent`` filter (``account__name``, ``account__home_page``).
    """
    if agent.get("mbox"):
        return f"mbox:{agent['mbox']}"
    if agent.get("mbox_sha1sum"):
        return f"mbox_sha1sum:{agent['mbox_sha1sum']}"
    if agent.get("openid"):
        return f"openid:{agent['openid']}"
    account = agent.get("account")
    if isinstance(account, Mapping) and account.get("name"):
        return f"account:{account.get('homePage')}|{account['name']}"
    if agent.get("account__name"):
        return f"account:{agent.get('account__home_page')}|{agent['account__name']}"
    return None


def _agent_keys(agent: object) -> set[str]:
    """Keys of an agent or group and of all its members."""
    keys: set[str] = set()
    if not isinstance(agent, Mapping):
        return keys
    own = agent_key(agent)
    if own:
        keys.add(own)
    members = agent.get("member")
    if isinstance(members, list):
        for member in members:
            if isinstance(member, Mapping):
                key = agent_key(member)
                if key:
                    keys.add(key)
    return keys


def _is_agent(obj: Mapping[str, Any]) -> bool:
    return obj.get("objectType") in ("Agent", "Group")


def _is_activity(obj: Mapping[str, Any]) -> bool:
    return obj.get("objectType", "Activity") == "Activity" and isinstance(obj.get("id"), str)


def _context_activity_ids(context: object) -> set[str]:
    ids: set[str] = set()
    if not isinstance(context, Mapping):
        return ids
    activities = context.get("contextActivities")
    if not isinstance(activities, Mapping):
        return ids
    for value in activities.values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                ids.add(item["id"])
    return ids


def _context_agent_keys(context: object) -> set[str]:
    if not isinstance(context, Mapping):
        return set()
    return _agent_keys(context.get("instructor")) | _agent_keys(context.get("team"))


# --------------------------------------------------------------------- indexing


@dataclass(frozen=True)
class IndexedStatement:
    """A statement with the values the store filters on; ``stored`` is set when written."""

    id: str
    timestamp: int
    timestamp_is_stored: bool  # no timestamp of its own: the LRS's ``stored`` stands in
    verb: str
    activity: str | None
    agent: str | None
    registration: str | None
    voids: str | None
    ref: str | None  # the statement a StatementRef object points to (voiding or not)
    body_start: str  # the JSON text without ``stored`` (and the LRS's timestamp), unclosed
    related: frozenset[tuple[int, str]]

    def body_with_stored(self, stored: str) -> str:
        """The JSON text to store, with ``stored`` (and the LRS's ``timestamp``) set."""
        tail = f',"stored":"{stored}"}}'
        if self.timestamp_is_stored:
            tail = f',"timestamp":"{stored}"' + tail
        return self.body_start + tail


def index_statement(statement: Mapping[str, Any]) -> IndexedStatement:
    """Extract the filter values of a (validated, enriched) statement."""
    if "id" not in statement:
        raise ValueError("statement without id")
    actor = statement.get("actor", {})
    obj = statement.get("object", {})
    if not isinstance(obj, Mapping):
        obj = {}
    context = statement.get("context")
    timestamp_is_stored = "timestamp" not in statement or statement["timestamp"] == statement.get("stored")
    timestamp = 0 if timestamp_is_stored else to_micros(statement["timestamp"])

    direct_agents = _agent_keys(actor)
    if _is_agent(obj):
        direct_agents |= _agent_keys(obj)
    related_agents = set(direct_agents)
    related_agents |= _agent_keys(statement.get("authority"))
    related_agents |= _context_agent_keys(context)

    activity = obj["id"] if _is_activity(obj) else None
    related_activities = {activity} if activity else set()
    related_activities |= _context_activity_ids(context)

    if obj.get("objectType") == "SubStatement":
        sub_object = obj.get("object", {})
        related_agents |= _agent_keys(obj.get("actor"))
        if isinstance(sub_object, Mapping):
            if _is_agent(sub_object):
                related_agents |= _agent_keys(sub_object)
            elif _is_activity(sub_object):
                related_activities.add(sub_object["id"])
        related_agents |= _context_agent_keys(obj.get("context"))
        related_activities |= _context_activity_ids(obj.get("context"))

    registration = None
    if isinstance(context, Mapping) and context.get("registration"):
        registration = normalise_uuid(context["registration"])
    verb = statement.get("verb", {})
    verb_id = verb.get("id", "") if isinstance(verb, Mapping) else ""
    ref = normalise_uuid(obj.get("id", "")) if obj.get("objectType") == "StatementRef" else None
    voids = ref if verb_id == VOIDED_VERB else None

    related: set[tuple[int, str]] = set()
    related.update((KIND_AGENT, key) for key in direct_agents)
    related.update((KIND_RELATED_AGENT, key) for key in related_agents)
    related.update((KIND_RELATED_ACTIVITY, key) for key in related_activities)
    related.update((KIND_AUTHORITY, key) for key in _agent_keys(statement.get("authority")))
    return IndexedStatement(
        id=normalise_uuid(statement["id"]),
        timestamp=timestamp,
        timestamp_is_stored=timestamp_is_stored,
        verb=verb_id,
        activity=activity,
        agent=agent_key(actor) if isinstance(actor, Mapping) else None,
        registration=registration,
        voids=voids,
        ref=ref,
        body_start=json.dumps(
            {k: v for k, v in statement.items() if k != "stored" and (k != "timestamp" or not timestamp_is_stored)},
            ensure_ascii=False,
            separators=(",", ":"),
        )[:-1],
        related=frozenset(related),
    )




def statements_are_equivalent(new: Mapping[str, Any], existing: Mapping[str, Any]) -> bool:
    """Compare two statements with the same id as xAPI 1.0.3 (Data 2.3.1) asks.

    Differences the LRS itself may have caused are ignored: ``stored``,
    ``authority``, and ``timestamp`` where the LRS filled it in (Ralph sets a missing
    timestamp to the ``stored`` time).
    """
    fields = ["actor", "verb", "object", "id", "result", "context", "attachments"]
    lrs_timestamp = any(s.get("timestamp") == s.get("stored") for s in (new, existing))
    if not lrs_timestamp:
        fields.append("timestamp")
    if "version" in new and "version" in existing:
        fields.append("version")
    return all(new.get(name) == existing.get(name) for name in fields)


def activity_objects(statement: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every Activity object in a statement: its object, context activities, a sub-statement's."""
    for part in (statement, statement.get("object")):
        if not isinstance(part, Mapping):
            continue
        obj = part.get("object")
        if isinstance(obj, Mapping) and _is_activity(obj):
            yield obj
        context = part.get("context")
        activities = context.get("contextActivities") if isinstance(context, Mapping) else None
        if isinstance(activities, Mapping):
            for value in activities.values():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                        yield item
        if part is statement and not (isinstance(obj, Mapping) and obj.get("objectType") == "SubStatement"):
            break


def merge_definitions(definitions: Iterator[Mapping[str, Any]]) -> dict[str, Any]:
    """One activity definition from several: language maps and extensions merged, the rest the latest."""
    merged: dict[str, Any] = {}
    for definition in definitions:
        for name, value in definition.items():
            if name in ("name", "description", "extensions") and isinstance(value, Mapping):
                merged[name] = {**merged.get(name, {}), **value}
            else:
                merged[name] = value
    return merged

"""The document resources and the Agents and Activities resources (xAPI 1.0.3, Communication 2.2-2.7).

Each handler takes one request, already authenticated (:mod:`leerpad.lrs.access`)
and with its body read within the size limit, and returns an :class:`Answer`.
Parameters are checked first: a missing or malformed one is a 400 that names it,
and nothing is stored then.

| resource | path | key |
|---|---|---|
| State | ``/xAPI/activities/state`` | activityId, agent, registration?, stateId |
| Activity Profile | ``/xAPI/activities/profile`` | activityId, profileId |
| Agent Profile | ``/xAPI/agents/profile`` | agent, profileId |
| Agents | ``/xAPI/agents`` | agent → a Person object |
| Activities | ``/xAPI/activities`` | activityId → the Activity, definitions merged |
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from leerpad.lrs.access import Caller
from leerpad.lrs.documents import (
    JSON_TYPE,
    DocumentKey,
    DocumentRefused,
    DocumentStore,
    Kind,
    Preconditions,
)
from leerpad.lrs.indexing import agent_key, micros_to_datetime, to_micros
from leerpad.lrs.store import StatementStore

STATE_PATH = "/xAPI/activities/state"
ACTIVITY_PROFILE_PATH = "/xAPI/activities/profile"
AGENT_PROFILE_PATH = "/xAPI/agents/profile"
AGENTS_PATH = "/xAPI/agents"
ACTIVITIES_PATH = "/xAPI/activities"

_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


@dataclass
class Answer:
    """An HTTP answer: status, body, headers (lower-case names)."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, payload: object, headers: list[tuple[str, str]] | None = None) -> Answer:
        """A JSON answer."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        return cls(status, body, [("content-type", JSON_TYPE), *(headers or [])])

    @classmethod
    def error(cls, status: int, message: str) -> Answer:
        """An error answer: ``{"detail": message}``."""
        return cls.json(status, {"detail": message})


@dataclass(frozen=True)
class Request:
    """What a handler needs of a request."""

    method: str
    params: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    caller: Caller


class BadRequest(ValueError):
    """A parameter is missing or malformed (400)."""


# ---------------------------------------------------------------- parameters


def check_known(params: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    """Refuse a parameter the resource does not define (a typo must not pass silently)."""
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise BadRequest(f"The parameter {unknown[0]} is not allowed here (allowed: {', '.join(allowed)})")


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise BadRequest(f"The {name} parameter is required")
    return value


def parse_iri(value: str, name: str) -> str:
    """An absolute IRI parameter (scheme and something after it)."""
    parts = urlsplit(value)
    if not parts.scheme or not (parts.netloc or parts.path) or any(c.isspace() for c in value):
        raise BadRequest(f"The {name} parameter is not an IRI: {value!r}")
    return value


def validate_agent(agent: object, name: str = "agent") -> dict[str, Any]:
    """An Agent (or identified Group) object: exactly one inverse functional identifier."""
    if not isinstance(agent, dict):
        raise BadRequest(f"The {name} parameter is not a JSON object")
    if agent.get("objectType", "Agent") not in ("Agent", "Group"):
        raise BadRequest(f"The {name}'s objectType must be Agent or Group")
    present = [k for k in _IFIS if k in agent]
    if len(present) != 1:
        raise BadRequest(f"The {name} needs exactly one of mbox, mbox_sha1sum, openid, account")
    value = agent[present[0]]
    if present[0] == "mbox" and not (isinstance(value, str) and value.startswith("mailto:") and "@" in value):
        raise BadRequest(f"The {name}'s mbox must be a mailto: IRI")
    if present[0] == "account" and not (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and isinstance(value.get("homePage"), str)
        and urlsplit(value["homePage"]).scheme
    ):
        raise BadRequest(f"The {name}'s account needs a homePage IRI and a name")
    if present[0] in ("mbox_sha1sum", "openid") and not isinstance(value, str):
        raise BadRequest(f"The {name}'s {present[0]} must be a string")
    if "name" in agent and not isinstance(agent["name"], str):
        raise BadRequest(f"The {name}'s name must be a string")
    return agent


def parse_agent(params: Mapping[str, str], name: str = "agent") -> tuple[str, dict[str, Any]]:
    """The ``agent`` parameter: its key in the store and the agent object."""
    text = _required(params, name)
    try:
        agent = json.loads(text)
    except ValueError as error:
        raise BadRequest(f"The {name} parameter is not valid JSON: {error}") from error
    agent = validate_agent(agent, name)
    key = agent_key(agent)
    if key is None:
        raise BadRequest(f"The {name} parameter identifies no agent")
    return key, agent


def parse_registration(params: Mapping[str, str]) -> str:
    """The optional ``registration`` parameter, a UUID in canonical form ('' when absent)."""
    value = params.get("registration")
    if value is None:
        return ""
    try:
        return str(UUID(value))
    except ValueError as error:
        raise BadRequest(f"The registration parameter is not a UUID: {value!r}") from error


def parse_since(params: Mapping[str, str]) -> int | None:
    """The optional ``since`` parameter, a timestamp."""
    value = params.get("since")
    if value is None:
        return None
    try:
        return to_micros(value)
    except (ValueError, TypeError) as error:
        raise BadRequest(f"The since parameter is not a timestamp: {value!r}") from error


# ----------------------------------------------------------------- documents


@dataclass(frozen=True)
class _DocumentResource:
    kind: Kind
    scope: str
    id_name: str  # stateId or profileId
    activity: bool
    agent: bool
    registration: bool
    needs_precondition: bool  # profiles: PUT over an existing document needs If-Match/If-None-Match


DOCUMENT_RESOURCES = {
    STATE_PATH: _DocumentResource(Kind.STATE, "state", "stateId", True, True, True, False),
    ACTIVITY_PROFILE_PATH: _DocumentResource(Kind.ACTIVITY_PROFILE, "profile", "profileId", True, False, False, True),
    AGENT_PROFILE_PATH: _DocumentResource(Kind.AGENT_PROFILE, "profile", "profileId", False, True, False, True),
}


def _document_key(resource: _DocumentResource, params: Mapping[str, str]) -> DocumentKey:
    allowed = (*("activityId",) * resource.activity, *("agent",) * resource.agent,
               *("registration",) * resource.registration, resource.id_name, "since")  # fmt: skip
    check_known(params, allowed)
    activity = parse_iri(_required(params, "activityId"), "activityId") if resource.activity else ""
    agent = parse_agent(params)[0] if resource.agent else ""
    registration = parse_registration(params) if resource.registration else ""
    return DocumentKey(resource.kind, activity, agent, registration, params.get(resource.id_name, ""))


def _conditions(request: Request, resource: _DocumentResource) -> Preconditions:
    return Preconditions(
        if_match=request.headers.get("if-match"),
        if_none_match=request.headers.get("if-none-match"),
        required=resource.needs_precondition and request.method == "PUT",
    )


def handle_document(documents: DocumentStore, path: str, request: Request) -> Answer:
    """State, Activity Profile or Agent Profile: GET, PUT, POST, DELETE."""
    resource = DOCUMENT_RESOURCES[path]
    scope = f"{resource.scope}/{'read' if request.method == 'GET' else 'write'}"
    if not request.caller.may(scope):
        return Answer.error(403, f"This credential has no {scope} scope")
    key = _document_key(resource, request.params)
    if request.method == "GET":
        if key.doc_id:
            document = documents.get(key)
            if document is None:
                return Answer.error(404, f"No document with this {resource.id_name}")
            modified = format_datetime(micros_to_datetime(document.updated), usegmt=True)
            return Answer(
                200,
                document.content,
                [("content-type", document.content_type), ("etag", f'"{document.etag}"'), ("last-modified", modified)],
            )
        return Answer.json(200, documents.ids(key, parse_since(request.params)))
    if request.method == "DELETE":
        if not key.doc_id and resource.kind is not Kind.STATE:
            raise BadRequest(f"The {resource.id_name} parameter is required")
        # A malformed since must not widen a DELETE to every document (400 instead).
        documents.delete(key, _conditions(request, resource), since=parse_since(request.params))
        return Answer(204)
    if request.method not in ("PUT", "POST"):
        return Answer.error(405, f"{request.method} is not allowed here")
    if not key.doc_id:
        raise BadRequest(f"The {resource.id_name} parameter is required")
    content_type = request.headers.get("content-type", "application/octet-stream")
    if request.method == "PUT":
        documents.put(key, request.body, content_type, _conditions(request, resource))
    else:
        documents.merge(key, request.body, content_type, _conditions(request, resource))
    return Answer(204)


# -------------------------------------------------------- agents, activities


def handle_agents(request: Request) -> Answer:
    """``GET /xAPI/agents?agent=…``: the Person object of that agent."""
    if not any(request.caller.may(scope) for scope in ("profile/read", "state/read", "statements/read")):
        return Answer.error(403, "This credential may not read agents")
    check_known(request.params, ("agent",))
    _, agent = parse_agent(request.params)
    person: dict[str, Any] = {"objectType": "Person"}
    if isinstance(agent.get("name"), str):
        person["name"] = [agent["name"]]
    for ifi in _IFIS:
        if ifi in agent:
            person[ifi] = [agent[ifi]]
    return Answer.json(200, person)


def handle_activities(statements: StatementStore, request: Request) -> Answer:
    """``GET /xAPI/activities?activityId=…``: the Activity with every definition merged."""
    if not any(request.caller.may(scope) for scope in ("profile/read", "state/read", "statements/read")):
        return Answer.error(403, "This credential may not read activities")
    check_known(request.params, ("activityId",))
    activity_id = parse_iri(_required(request.params, "activityId"), "activityId")
    activity = statements.activity(activity_id)
    if activity is None:
        return Answer.error(404, "No statement mentions this activity")
    return Answer.json(200, activity)


# ------------------------------------------------------------------ dispatch

Handler = Callable[[Request], Answer]


def route(path: str, statements: StatementStore, documents: DocumentStore) -> Handler | None:
    """The handler of a resource path, or None when it is not one of these resources."""
    if path in DOCUMENT_RESOURCES:
        return lambda request: handle_document(documents, path, request)
    if path == AGENTS_PATH:
        return handle_agents
    if path == ACTIVITIES_PATH:
        return lambda request: handle_activities(statements, request)
    return None


def answer(handler: Handler, request: Request) -> Answer:
    """Run a handler; a refused parameter or document becomes its 400/409/412."""
    try:
        return handler(request)
    except BadRequest as error:
        return Answer.error(400, str(error))
    except DocumentRefused as error:
        return Answer.error(error.status, str(error))

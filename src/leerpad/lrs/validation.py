"""Full validation of incoming statements, as xAPI 1.0.3 (Data 2-4) defines them.

Ralph's API checks only actor, verb id and object id, and its pydantic models both
refuse valid statements (parts of a SubStatement, identified Groups in a context)
and let invalid ones through (strings that hold numbers). So statements are
checked here, property by property, and the original JSON goes on unchanged.

Each problem is one line: the JSON path and what is wrong, e.g.
``result.score.scaled: must be between -1 and 1``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

_MAX_MESSAGES = 3
_NOISE = {"missing", "extra_forbidden", "literal_error", "union_tag_invalid"}

_LANGUAGE = re.compile(
    r"^(?:(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?"
    r"(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*(?:-[\da-wy-z](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?"
    r"|x(?:-[a-z\d]{1,8})+)$",
    re.IGNORECASE,
)
# RFC 5646 section 2.2.8: grandfathered tags that do not fit the syntax above, yet are valid.
_IRREGULAR_TAGS = frozenset({
    "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
    "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl", "sgn-ch-de",
})  # fmt: skip
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?$", re.IGNORECASE
)
_DURATION = re.compile(
    r"^P(?:\d+(?:\.\d+)?W|(?=\d|T\d)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?)$"
)
_SHA1 = re.compile(r"^[0-9a-f]{40}$", re.IGNORECASE)
_SHA2 = re.compile(r"^[0-9a-f]{56}$|^[0-9a-f]{64}$|^[0-9a-f]{96}$|^[0-9a-f]{128}$", re.IGNORECASE)
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_VERSION = re.compile(r"^1\.0(\.\d+)?$")
# The standard string form of RFC 4122 (8-4-4-4-12 hex digits, either case); Python's UUID()
# also takes braces, a urn:uuid: prefix and 32 bare digits, which xAPI refuses (XAPI-00029).
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_INTERACTION_TYPES = {
    "true-false": (),
    "choice": ("choices",),
    "fill-in": (),
    "long-fill-in": (),
    "matching": ("source", "target"),
    "performance": ("steps",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "numeric": (),
    "other": (),
}
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


class _Problems:
    """Collects the problems of one statement as ``path: message`` lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._paths: set[str] = set()

    def add(self, path: str, message: str) -> None:
        """One problem per path: the first found (e.g. null) says it best."""
        if path not in self._paths:
            self._paths.add(path)
            self.lines.append(f"{path or '(statement)'}: {message}")


def _join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


# ------------------------------------------------------------------ values


def is_iri(value: object) -> bool:
    """An absolute IRI: a scheme and something after it, no spaces."""
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and parts.scheme.isascii()


def is_uuid(value: object) -> bool:
    """A UUID in its standard string form (``xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx``)."""
    return isinstance(value, str) and bool(_UUID.match(value))


class DuplicateKeyError(ValueError):
    """A JSON object of the request names the same key twice (xAPI: 400, XAPI-00021)."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for ``json.loads``: the object, or DuplicateKeyError on a repeated key.

    Python's json keeps the last of two equal keys without a word; xAPI refuses the statement.
    """
    obj = dict(pairs)
    if len(obj) != len(pairs):
        repeated = next(key for key, count in Counter(key for key, _ in pairs).items() if count > 1)
        raise DuplicateKeyError(f"The request body has the key {repeated!r} twice in one JSON object")
    return obj


def is_timestamp(value: object) -> bool:
    """An ISO 8601 date and time; the offsets -00, -0000, -00:00 are refused (RFC 3339)."""
    if not isinstance(value, str):
        return False
    match = _TIMESTAMP.match(value)
    if match is None:
        return False
    zone = match.group("zone") or ""
    if zone.startswith("-") and not zone.strip("-:0"):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return True


def is_language_tag(value: object) -> bool:
    """An RFC 5646 language tag (the irregular grandfathered tags included)."""
    return isinstance(value, str) and (bool(_LANGUAGE.match(value)) or value.lower() in _IRREGULAR_TAGS)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# ---------------------------------------------------------------- checking

Check = Callable[[Any, str, _Problems], None]


def _object(
    value: object, path: str, problems: _Problems, allowed: Sequence[str], required: Sequence[str] = ()
) -> bool:
    """A JSON object with only ``allowed`` properties, none null, all ``required`` present."""
    if not isinstance(value, Mapping):
        problems.add(path, "must be a JSON object")
        return False
    for name, item in value.items():
        if name not in allowed:
            problems.add(_join(path, name), "is not a property xAPI allows here")
        elif item is None:
            problems.add(_join(path, name), "must not be null")
    for name in required:
        if name not in value:
            problems.add(_join(path, name), "field required")
    return True


def _string(value: object, path: str, problems: _Problems) -> None:
    if not isinstance(value, str):
        problems.add(path, "must be a string")


def _iri(value: object, path: str, problems: _Problems) -> None:
    if not is_iri(value):
        problems.add(path, "must be an IRI")


def _uuid(value: object, path: str, problems: _Problems) -> None:
    if not is_uuid(value):
        problems.add(path, "must be a UUID")


def _language_map(value: object, path: str, problems: _Problems) -> None:
    if not isinstance(value, Mapping):
        problems.add(path, "must be a language map")
        return
    for tag, text in value.items():
        if not is_language_tag(tag):
            problems.add(_join(path, tag), "is not an RFC 5646 language tag")
        elif not isinstance(text, str):
            problems.add(_join(path, tag), "must be a string")


def _extensions(value: object, path: str, problems: _Problems) -> None:
    if not isinstance(value, Mapping):
        problems.add(path, "must be a JSON object")
        return
    for key in value:
        if not is_iri(key):
            problems.add(_join(path, key), "extension keys must be IRIs")


def _agent(value: object, path: str, problems: _Problems, *, group_allowed: bool = True) -> None:
    if not isinstance(value, Mapping):
        problems.add(path, "must be an Agent or Group object")
        return
    if value.get("objectType") == "Group":
        if not group_allowed:
            problems.add(_join(path, "objectType"), "must be Agent here")
            return
        _group(value, path, problems)
        return
    if not _object(value, path, problems, ("objectType", "name", *_IFIS)):
        return
    if value.get("objectType", "Agent") != "Agent":
        problems.add(_join(path, "objectType"), "must be Agent or Group")
    _ifi(value, path, problems, required=True)


def _group(value: Mapping[str, Any], path: str, problems: _Problems) -> None:
    if not _object(value, path, problems, ("objectType", "name", "member", *_IFIS)):
        return
    identified = _ifi(value, path, problems, required=False)
    members = value.get("member")
    if members is None:
        if not identified:
            problems.add(_join(path, "member"), "an anonymous Group needs members")
        return
    if not isinstance(members, list):
        problems.add(_join(path, "member"), "must be an array of Agents")
        return
    if not identified and not members:
        problems.add(_join(path, "member"), "an anonymous Group needs members")
    for index, member in enumerate(members):
        _agent(member, _join(_join(path, "member"), index), problems, group_allowed=False)


def _ifi(value: Mapping[str, Any], path: str, problems: _Problems, *, required: bool) -> bool:
    """Check the inverse functional identifier; tell whether there is one."""
    present = [name for name in _IFIS if name in value]
    if len(present) > 1:
        problems.add(path, f"has more than one identifier ({', '.join(present)})")
    elif not present:
        if required:
            problems.add(path, "needs one of mbox, mbox_sha1sum, openid, account")
        return False
    if "name" in value:
        _string(value["name"], _join(path, "name"), problems)
    if "mbox" in value and not (isinstance(value["mbox"], str) and _MAILTO.match(value["mbox"])):
        problems.add(_join(path, "mbox"), "must be a mailto: IRI")
    if "mbox_sha1sum" in value and not (isinstance(value["mbox_sha1sum"], str) and _SHA1.match(value["mbox_sha1sum"])):
        problems.add(_join(path, "mbox_sha1sum"), "must be a SHA-1 in hexadecimal")
    if "openid" in value:
        _iri(value["openid"], _join(path, "openid"), problems)
    if "account" in value:
        account = value["account"]
        where = _join(path, "account")
        if _object(account, where, problems, ("homePage", "name"), ("homePage", "name")):
            if "homePage" in account:
                _iri(account["homePage"], _join(where, "homePage"), problems)
            if "name" in account:
                _string(account["name"], _join(where, "name"), problems)
    return True


def _verb(value: object, path: str, problems: _Problems) -> None:
    if _object(value, path, problems, ("id", "display"), ("id",)):
        assert isinstance(value, Mapping)
        if "id" in value:
            _iri(value["id"], _join(path, "id"), problems)
        if "display" in value:
            _language_map(value["display"], _join(path, "display"), problems)


def _activity(value: object, path: str, problems: _Problems) -> None:
    if not _object(value, path, problems, ("objectType", "id", "definition"), ("id",)):
        return
    assert isinstance(value, Mapping)
    if value.get("objectType", "Activity") != "Activity":
        problems.add(_join(path, "objectType"), "must be Activity")
    if "id" in value:
        _iri(value["id"], _join(path, "id"), problems)
    if "definition" in value:
        _definition(value["definition"], _join(path, "definition"), problems)


def _definition(value: object, path: str, problems: _Problems) -> None:
    allowed = ("name", "description", "type", "moreInfo", "extensions", "interactionType",
               "correctResponsesPattern", *_COMPONENT_LISTS)  # fmt: skip
    if not _object(value, path, problems, allowed):
        return
    assert isinstance(value, Mapping)
    for name in ("name", "description"):
        if name in value:
            _language_map(value[name], _join(path, name), problems)
    for name in ("type", "moreInfo"):
        if name in value:
            _iri(value[name], _join(path, name), problems)
    if "extensions" in value:
        _extensions(value["extensions"], _join(path, "extensions"), problems)
    interaction = value.get("interactionType")
    if interaction is not None and not (isinstance(interaction, str) and interaction in _INTERACTION_TYPES):
        problems.add(_join(path, "interactionType"), f"must be one of {', '.join(_INTERACTION_TYPES)}")
    if interaction is None and any(name in value for name in ("correctResponsesPattern", *_COMPONENT_LISTS)):
        problems.add(_join(path, "interactionType"), "is required with correctResponsesPattern or components")
    pattern = value.get("correctResponsesPattern")
    if pattern is not None and not (isinstance(pattern, list) and all(isinstance(p, str) for p in pattern)):
        problems.add(_join(path, "correctResponsesPattern"), "must be an array of strings")
    for name in _COMPONENT_LISTS:
        if name not in value:
            continue
        where = _join(path, name)
        if isinstance(interaction, str) and name not in _INTERACTION_TYPES.get(interaction, ()):
            problems.add(where, f"is not a component of the {interaction!r} interaction type")
        components = value[name]
        if not isinstance(components, list):
            problems.add(where, "must be an array")
            continue
        ids: set[str] = set()
        for index, component in enumerate(components):
            at = _join(where, index)
            if _object(component, at, problems, ("id", "description"), ("id",)):
                _string(component.get("id"), _join(at, "id"), problems)
                if component.get("id") in ids:
                    problems.add(_join(at, "id"), "is used twice")
                ids.add(str(component.get("id")))
                if "description" in component:
                    _language_map(component["description"], _join(at, "description"), problems)


def _statement_ref(value: object, path: str, problems: _Problems) -> None:
    if _object(value, path, problems, ("objectType", "id"), ("objectType", "id")):
        assert isinstance(value, Mapping)
        if value.get("objectType") != "StatementRef":
            problems.add(_join(path, "objectType"), "must be StatementRef")
        if "id" in value:
            _uuid(value["id"], _join(path, "id"), problems)


def _object_property(value: object, path: str, problems: _Problems, *, in_sub_statement: bool) -> None:
    kind = value.get("objectType", "Activity") if isinstance(value, Mapping) else None
    if kind == "Activity":
        _activity(value, path, problems)
    elif kind in ("Agent", "Group"):
        _agent(value, path, problems)
    elif kind == "StatementRef":
        _statement_ref(value, path, problems)
    elif kind == "SubStatement" and not in_sub_statement:
        _statement_parts(value, path, problems, sub_statement=True)
    elif kind == "SubStatement":
        problems.add(_join(path, "objectType"), "a SubStatement cannot hold another SubStatement")
    elif isinstance(value, Mapping):
        problems.add(_join(path, "objectType"), "must be Activity, Agent, Group, StatementRef or SubStatement")
    else:
        problems.add(path, "must be a JSON object")


def _result(value: object, path: str, problems: _Problems) -> None:
    allowed = ("score", "success", "completion", "response", "duration", "extensions")
    if not _object(value, path, problems, allowed):
        return
    assert isinstance(value, Mapping)
    for name in ("success", "completion"):
        if name in value and not isinstance(value[name], bool):
            problems.add(_join(path, name), "must be true or false")
    if "response" in value:
        _string(value["response"], _join(path, "response"), problems)
    if "duration" in value and not (isinstance(value["duration"], str) and _DURATION.match(value["duration"])):
        problems.add(_join(path, "duration"), "must be an ISO 8601 duration")
    if "extensions" in value:
        _extensions(value["extensions"], _join(path, "extensions"), problems)
    if "score" in value:
        _score(value["score"], _join(path, "score"), problems)


def _score(value: object, path: str, problems: _Problems) -> None:
    if not _object(value, path, problems, ("scaled", "raw", "min", "max")):
        return
    assert isinstance(value, Mapping)
    numbers = {}
    for name in ("scaled", "raw", "min", "max"):
        if name in value:
            if _is_number(value[name]):
                numbers[name] = value[name]
            else:
                problems.add(_join(path, name), "must be a number")
    if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
        problems.add(_join(path, "scaled"), "must be between -1 and 1")
    low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
    if low is not None and high is not None and low >= high:
        problems.add(_join(path, "max"), "must be greater than min")
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        problems.add(_join(path, "raw"), "must be between min and max")


def _context(value: object, path: str, problems: _Problems, object_is_activity: bool) -> None:
    allowed = ("registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
               "statement", "extensions")  # fmt: skip
    if not _object(value, path, problems, allowed):
        return
    assert isinstance(value, Mapping)
    if "registration" in value:
        _uuid(value["registration"], _join(path, "registration"), problems)
    if "instructor" in value:
        _agent(value["instructor"], _join(path, "instructor"), problems)
    if "team" in value:
        team = value["team"]
        if isinstance(team, Mapping) and team.get("objectType") != "Group":
            problems.add(_join(path, "team"), "must be a Group")
        else:
            _agent(team, _join(path, "team"), problems)
    for name in ("revision", "platform"):
        if name in value:
            _string(value[name], _join(path, name), problems)
            if not object_is_activity:
                problems.add(_join(path, name), "is only allowed when the object is an Activity")
    if "language" in value and not is_language_tag(value["language"]):
        problems.add(_join(path, "language"), "is not an RFC 5646 language tag")
    if "statement" in value:
        _statement_ref(value["statement"], _join(path, "statement"), problems)
    if "extensions" in value:
        _extensions(value["extensions"], _join(path, "extensions"), problems)
    if "contextActivities" in value:
        where = _join(path, "contextActivities")
        activities = value["contextActivities"]
        if _object(activities, where, problems, _CONTEXT_ACTIVITY_KINDS):
            assert isinstance(activities, Mapping)
            for kind, items in activities.items():
                if kind not in _CONTEXT_ACTIVITY_KINDS or items is None:
                    continue
                listed = items if isinstance(items, list) else [items]
                for index, item in enumerate(listed):
                    _activity(item, _join(_join(where, kind), index) if isinstance(items, list) else
                              _join(where, kind), problems)  # fmt: skip


def _attachments(value: object, path: str, problems: _Problems) -> None:
    if not isinstance(value, list):
        problems.add(path, "must be an array")
        return
    allowed = ("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl")
    for index, item in enumerate(value):
        at = _join(path, index)
        if not _object(item, at, problems, allowed, ("usageType", "display", "contentType", "length", "sha2")):
            continue
        assert isinstance(item, Mapping)
        if "usageType" in item:
            _iri(item["usageType"], _join(at, "usageType"), problems)
        for name in ("display", "description"):
            if name in item:
                _language_map(item[name], _join(at, name), problems)
        if "contentType" in item:
            _string(item["contentType"], _join(at, "contentType"), problems)
        if "length" in item and not (isinstance(item["length"], int) and not isinstance(item["length"], bool)):
            problems.add(_join(at, "length"), "must be an integer")
        if "sha2" in item and not (isinstance(item["sha2"], str) and _SHA2.match(item["sha2"])):
            problems.add(_join(at, "sha2"), "must be a SHA-2 hash in hexadecimal")
        if "fileUrl" in item:
            _iri(item["fileUrl"], _join(at, "fileUrl"), problems)


def _authority(value: object, path: str, problems: _Problems) -> None:
    if isinstance(value, Mapping) and value.get("objectType") == "Group":
        members = value.get("member")
        if any(name in value for name in _IFIS) or not isinstance(members, list) or len(members) != 2:
            problems.add(path, "an authority Group must be anonymous with exactly two Agents (OAuth)")
            return
    _agent(value, path, problems)


def _statement_parts(value: object, path: str, problems: _Problems, *, sub_statement: bool) -> None:
    if sub_statement:
        allowed: tuple[str, ...] = ("objectType", "actor", "verb", "object", "result", "context", "timestamp",
                                    "attachments")  # fmt: skip
    else:
        allowed = ("id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                   "version", "attachments", "objectType")  # fmt: skip
    if not _object(value, path, problems, allowed, ("actor", "verb", "object")):
        return
    assert isinstance(value, Mapping)
    if not sub_statement and "objectType" in value:
        problems.add(_join(path, "objectType"), "is not a property of a Statement")
    if "id" in value:
        _uuid(value["id"], _join(path, "id"), problems)
    if "actor" in value:
        _agent(value["actor"], _join(path, "actor"), problems)
    if "verb" in value:
        _verb(value["verb"], _join(path, "verb"), problems)
    obj = value.get("object")
    if "object" in value:
        _object_property(obj, _join(path, "object"), problems, in_sub_statement=sub_statement)
    if "result" in value:
        _result(value["result"], _join(path, "result"), problems)
    if "context" in value:
        is_activity = isinstance(obj, Mapping) and obj.get("objectType", "Activity") == "Activity"
        _context(value["context"], _join(path, "context"), problems, is_activity)
    for name in ("timestamp", "stored"):
        if name in value and not is_timestamp(value[name]):
            problems.add(_join(path, name), "must be an ISO 8601 timestamp")
    if "authority" in value:
        _authority(value["authority"], _join(path, "authority"), problems)
    if "version" in value and not (isinstance(value["version"], str) and _VERSION.match(value["version"])):
        problems.add(_join(path, "version"), "must be 1.0 or 1.0.x")
    if "attachments" in value:
        _attachments(value["attachments"], _join(path, "attachments"), problems)
    verb = value.get("verb")
    voiding = isinstance(verb, Mapping) and verb.get("id") == "http://adlnet.gov/expapi/verbs/voided"
    if voiding and not (isinstance(obj, Mapping) and obj.get("objectType") == "StatementRef"):
        problems.add(_join(path, "object"), "a voiding statement's object must be a StatementRef")


def statement_problems(statement: object) -> list[str]:
    """Every problem of one statement, as ``path: message`` lines (empty when valid)."""
    problems = _Problems()
    _statement_parts(statement, "", problems, sub_statement=False)
    return problems.lines


def statement_errors(body: object) -> list[str]:
    """Validate a POST/PUT body (one statement or a list); return one message per invalid statement.

    An empty list means every statement is valid.
    """
    single = not isinstance(body, list)
    items: list[Any] = list(body) if isinstance(body, list) else [body]
    messages: list[str] = []
    for index, item in enumerate(items):
        where = "statement" if single else f"statement [{index}]"
        if not isinstance(item, dict):
            messages.append(f"{where}: not a JSON object")
            continue
        lines = statement_problems(item)
        if lines:
            text = "; ".join(lines[:_MAX_MESSAGES])
            if len(lines) > _MAX_MESSAGES:
                text += f" (and {len(lines) - _MAX_MESSAGES} more)"
            messages.append(f"{where}: {text}")
    return messages


# ------------------------------------------------- Ralph's request errors (422)


def _clean_loc(loc: Sequence[int | str]) -> str:
    """A JSON path without pydantic's union branch labels (``BaseXapiAgentWithMbox``)."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
            continue
        if part[:1].isupper() or "[" in part:
            continue
        parts.append(f".{part}" if parts else part)
    return "".join(parts) or "(statement)"


def describe_errors(errors: Sequence[Any]) -> str:
    """One readable line for a list of pydantic/FastAPI error dicts (Ralph's 422 answers)."""
    cleaned = [(_clean_loc(e.get("loc", ())), str(e.get("type", "")), e.get("msg", "")) for e in errors]
    relevant = [c for c in cleaned if c[1] not in _NOISE] or cleaned
    seen: dict[tuple[str, str], None] = {}
    for loc, _, msg in relevant:
        seen.setdefault((loc, msg), None)
    messages = [f"{loc}: {msg}" for loc, msg in seen]
    text = "; ".join(messages[:_MAX_MESSAGES])
    if len(messages) > _MAX_MESSAGES:
        text += f" (and {len(messages) - _MAX_MESSAGES} more)"
    return text

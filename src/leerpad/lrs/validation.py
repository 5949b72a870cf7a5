"""Full validation of incoming statements with Ralph's xAPI models.

Ralph's API checks only actor, verb id and object id; its complete models
(:class:`ralph.models.xapi.base.statements.BaseXapiStatement`, ``extra="forbid"``)
check everything else, but re-serialising through them drops interaction
components such as ``choices``. So statements are validated here and the original
JSON goes on to be stored unchanged.

Pydantic reports every branch of a union it tried (``actor`` alone gives a dozen
lines); :func:`describe_errors` keeps the few that say what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

_NOISE = {"missing", "extra_forbidden", "literal_error", "union_tag_invalid"}
_MAX_MESSAGES = 3


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
    """One readable line for a list of pydantic/FastAPI error dicts."""
    cleaned = [
        (_clean_loc(e.get("loc", ())), str(e.get("type", "")), e.get("msg", "")) for e in errors
    ]
    relevant = [c for c in cleaned if c[1] not in _NOISE] or cleaned
    if relevant and all(kind == "missing" for _, kind, _ in relevant):
        parents: dict[str, list[str]] = {}
        for loc, _, _ in relevant:
            parent, _, leaf = loc.rpartition(".")
            parents.setdefault(parent, []).append(leaf)
        parts = []
        for parent, leaves in parents.items():
            unique = list(dict.fromkeys(leaves))
            if len(unique) == 1:
                parts.append(f"{parent + '.' if parent else ''}{unique[0]}: field required")
            else:
                parts.append(f"{parent or '(statement)'}: needs one of {', '.join(unique)}")
        return "; ".join(parts[:_MAX_MESSAGES])
    seen: dict[tuple[str, str], None] = {}
    for loc, _, msg in relevant:
        seen.setdefault((loc, msg), None)
    messages = [f"{loc}: {msg}" for loc, msg in seen]
    text = "; ".join(messages[:_MAX_MESSAGES])
    if len(messages) > _MAX_MESSAGES:
        text += f" (and {len(messages) - _MAX_MESSAGES} more)"
    return text


def statement_errors(body: object) -> list[str]:
    """Validate a POST/PUT body (one statement or a list); return one message per problem.

    An empty list means every statement is valid.
    """
    from ralph.models.xapi.base.statements import (  # type: ignore[import-untyped]
        BaseXapiStatement,
    )

    single = not isinstance(body, list)
    items: list[Any] = list(body) if isinstance(body, list) else [body]
    problems: list[str] = []
    for index, item in enumerate(items):
        where = "statement" if single else f"statement [{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        try:
            BaseXapiStatement.model_validate(item)
        except ValidationError as error:
            problems.append(f"{where}: {describe_errors(error.errors())}")
    return problems

"""The Statements resource: writes by Leerpad, queries by Ralph corrected around it.

The request reaches this point authenticated, with a known version header and a
body within the size limit (:mod:`leerpad.lrs.app`).

Writes (POST, PUT) do not go through Ralph: its request model refuses valid
statements (any object without ``id``: Agents, SubStatements) and re-serialises
them. Here every statement is validated completely (:mod:`~leerpad.lrs.validation`),
the statement policies run (who may void, the scorer's refusals), the LRS adds
``id`` and ``authority`` (the credential's agent; only scope ``all`` may name
another), and the batch is stored in one transaction, original JSON unchanged.

Queries (GET) are Ralph's, corrected:

- 422 becomes 400 with a readable message; a refused scope of a known credential
  becomes 403 instead of 401;
- ``limit=0`` means "as many as the server allows" instead of an endless empty page;
- no ``more`` link when nothing follows (Ralph adds one whenever a page is full);
- ``statementId``/``voidedStatementId`` return the statement itself, or 404;
- statement queries carry ``X-Experience-API-Consistent-Through``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode
from uuid import uuid4

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope

from leerpad.lrs.access import SCOPE_ALL, Caller
from leerpad.lrs.attachments import (
    AttachmentError,
    attachment_hashes,
    check_attachments,
    multipart_answer,
    read_upload,
)
from leerpad.lrs.backend import END_OF_RESULTS
from leerpad.lrs.indexing import VOIDED_VERB, normalise_uuid
from leerpad.lrs.query import page_size
from leerpad.lrs.ralph_patches import SCOPE_REFUSAL
from leerpad.lrs.resources import Answer
from leerpad.lrs.store import DuplicateStatementError, StatementStore
from leerpad.lrs.validation import DuplicateKeyError, describe_errors, is_uuid, statement_errors, unique_keys

STATEMENTS_PATH = "/xAPI/statements"

#: A check every statement write passes after validation: a refusal (403) or None.
StatementPolicy = Callable[[Sequence[Mapping[str, Any]], Caller], str | None]


def voiding_needs_all(statements: Sequence[Mapping[str, Any]], caller: Caller) -> str | None:
    """Only the organiser's credential (scope ``all``) may void statements."""
    if SCOPE_ALL in caller.scopes:
        return None
    for statement in statements:
        verb = statement.get("verb")
        if isinstance(verb, Mapping) and verb.get("id") == VOIDED_VERB:
            return "Only a credential with scope all may void statements"
    return None


# Query parameters answered here rather than by Ralph.
_OWN_PARAMS = ("format", "attachments")
_BY_ID_COMPANIONS = {"statementId", "voidedStatementId", "format", "attachments"}
_FORMATS = ("exact", "ids", "canonical")


def _query_refusal(params: Mapping[str, str]) -> str | None:
    """Why a statements query is malformed (400), or None."""
    if "statementId" in params and "voidedStatementId" in params:
        return "statementId and voidedStatementId cannot be used together"
    if "statementId" in params or "voidedStatementId" in params:
        others = sorted(set(params) - _BY_ID_COMPANIONS)
        if others:
            return f"With statementId or voidedStatementId only format and attachments may be given, not {others[0]}"
        for name in ("statementId", "voidedStatementId"):
            if name in params and not is_uuid(params[name]):
                # Held to the rule for ids in statements (XAPI-00012): 400, not "no such statement".
                return f"{name} must be a UUID, not {params[name]!r}"
    if params.get("format", "exact") not in _FORMATS:
        return f"format must be one of {', '.join(_FORMATS)}"
    if params.get("attachments", "false") not in ("true", "false"):
        return "attachments must be true or false"
    return None


def _accepted_languages(scope: Scope) -> list[str]:
    """The languages of the request's Accept-Language header, most wanted first."""
    header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"accept-language"), "")
    ranked = []
    for index, part in enumerate(header.split(",")):
        tag, _, quality = part.strip().partition(";q=")
        if tag:
            try:
                weight = float(quality) if quality else 1.0
            except ValueError:
                weight = 0.0
            ranked.append((-weight, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


# ------------------------------------------------------------ returned shape


def _ids_only(value: Any) -> Any:
    """An Agent, Group, Activity or Verb with only what identifies it (``format=ids``)."""
    if not isinstance(value, dict):
        return value
    kind = value.get("objectType")
    if kind in ("Agent", "Group") or any(k in value for k in ("mbox", "mbox_sha1sum", "openid", "account")):
        kept = {k: v for k, v in value.items() if k in ("objectType", "mbox", "mbox_sha1sum", "openid", "account")}
        if kind == "Group" and "member" in value and len(kept) <= 1:
            kept["member"] = [_ids_only(m) for m in value["member"]]
        return kept
    if kind in (None, "Activity") and "id" in value:
        return {"id": value["id"]}
    return value


def _one_language(value: Any, languages: Sequence[str]) -> Any:
    """Language maps reduced to the best accepted language (``format=canonical``)."""
    if isinstance(value, list):
        return [_one_language(v, languages) for v in value]
    if not isinstance(value, dict):
        return value
    shaped: dict[str, Any] = {}
    for key, item in value.items():
        if key == "extensions":
            shaped[key] = item
        elif key in ("display", "name", "description") and isinstance(item, dict) and item:
            lowered = {tag.lower(): tag for tag in item}
            chosen = next((lowered[tag] for tag in languages if tag in lowered), None)
            chosen = chosen or next(
                (tag for tag in item for want in languages if tag.lower().split("-")[0] == want.split("-")[0]),
                next(iter(item)),
            )
            shaped[key] = {chosen: item[chosen]}
        else:
            shaped[key] = _one_language(item, languages)
    return shaped


def _arrays_of_context_activities(part: dict[str, Any]) -> None:
    context = part.get("context")
    activities = context.get("contextActivities") if isinstance(context, dict) else None
    if isinstance(activities, dict):
        for kind, value in list(activities.items()):
            if isinstance(value, dict):
                activities[kind] = [value]


def shape_statement(statement: dict[str, Any], form: str, languages: Sequence[str]) -> dict[str, Any]:
    """A stored statement as returned: context activities always arrays (xAPI Data 2.4.6.2),
    then ``format=ids`` or ``canonical`` applied."""
    parts = [statement]
    if isinstance(statement.get("object"), dict) and statement["object"].get("objectType") == "SubStatement":
        parts.append(statement["object"])
    for part in parts:
        _arrays_of_context_activities(part)
        if form == "ids":
            for name in ("actor", "object", "authority"):
                if name in part:
                    part[name] = _ids_only(part[name])
            if isinstance(part.get("verb"), dict):
                part["verb"] = {"id": part["verb"].get("id")}
            context = part.get("context")
            if isinstance(context, dict):
                for name in ("instructor", "team"):
                    if name in context:
                        context[name] = _ids_only(context[name])
                for kind, items in (context.get("contextActivities") or {}).items():
                    context["contextActivities"][kind] = [_ids_only(i) for i in items]
    if form == "canonical":
        return dict(_one_language(statement, languages))
    return statement


def _replay(body: bytes) -> Receive:
    """A ``receive`` that hands over an already-read body once."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


class StatementsResource:
    """Ralph's statements API, corrected; see the module docstring."""

    def __init__(
        self,
        ralph: ASGIApp,
        store: StatementStore,
        policies: Sequence[StatementPolicy],
        max_batch: int,
    ) -> None:
        """Ralph's app, the store its backend writes to, the write policies, the batch limit."""
        self.ralph = ralph
        self.store = store
        self.policies = list(policies)
        self.max_batch = max_batch

    async def handle(self, scope: Scope, params: Mapping[str, str], body: bytes, caller: Caller) -> Answer:
        """Answer one request to the Statements resource (HEAD already turned into GET)."""
        method = scope["method"]
        if method in ("POST", "PUT"):
            if not caller.may("statements/write"):
                return Answer.error(403, 'Access not authorized to scope: "statements/write".')
            content_type = next(
                (v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"content-type"), ""
            )
            return await to_thread.run_sync(self._write, method, params, content_type, body, caller)
        if method != "GET":
            return Answer.error(405, f"The Statements resource does not answer {method}")
        # Read before the query: everything stored until then is in the answer.
        consistent = await to_thread.run_sync(self.store.consistent_through)
        refusal = _query_refusal(params)
        if refusal is not None:
            result = Answer.error(400, refusal)
        else:
            scope, by_id = self._normalise_query(scope)
            status, headers, payload_bytes = await self._call_ralph(scope, body)
            result = self._correct(by_id, status, headers, payload_bytes, params, scope)
        result.headers.append(("x-experience-api-consistent-through", consistent))
        return result

    def _write(
        self, method: str, params: Mapping[str, str], content_type: str, body: bytes, caller: Caller
    ) -> Answer:
        """POST (a statement or a list; answers their ids) or PUT (one statement, ``statementId``)."""
        unknown = sorted(set(params) - ({"statementId"} if method == "PUT" else set()))
        if unknown:  # as Ralph answers a GET (XAPI-00324): nothing is stored under a parameter we ignore
            return Answer.error(400, f"The following parameter is not allowed: `{unknown[0]}`")
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type not in ("", "application/json", "multipart/mixed"):
            return Answer.error(400, f"Statements are sent as application/json or multipart/mixed, not {media_type}")
        try:
            upload = read_upload(content_type, body)
            parsed = json.loads(upload.body, object_pairs_hook=unique_keys)
        except (AttachmentError, DuplicateKeyError) as error:
            return Answer.error(400, str(error))
        except (ValueError, UnicodeDecodeError) as error:
            return Answer.error(400, f"The request body is not valid JSON: {error}")
        if method == "PUT" and not isinstance(parsed, dict):
            return Answer.error(400, "PUT takes one statement (a JSON object)")
        statements = parsed if isinstance(parsed, list) else [parsed]
        if not statements:
            return Answer.error(400, "The list of statements cannot be empty")
        if len(statements) > self.max_batch:
            return Answer.error(413, f"At most {self.max_batch} statements per request; this one has {len(statements)}")
        problems = statement_errors(parsed)
        if problems:
            text = "Invalid statement, nothing of the request was stored: " + problems[0]
            if len(problems) > 1:
                text += f" (and {len(problems) - 1} more invalid statements)"
            return Answer.error(400, text)
        if method == "PUT":
            statement_id = params.get("statementId")
            if not statement_id or not is_uuid(statement_id):
                return Answer.error(400, "PUT needs the statementId parameter (a UUID)")
            if "id" in parsed and normalise_uuid(parsed["id"]) != normalise_uuid(statement_id):
                return Answer.error(400, "The statement's id differs from the statementId parameter")
            parsed["id"] = statement_id
        try:
            check_attachments(statements, upload, content_type)
        except AttachmentError as error:
            return Answer.error(400, str(error))
        for policy in self.policies:
            refusal = policy(statements, caller)
            if refusal is not None:
                return Answer.error(403, refusal)
        prepared = [self._enrich(s, caller) for s in statements]
        ids = [normalise_uuid(s["id"]) for s in prepared]
        if len(set(ids)) != len(ids):
            return Answer.error(400, "Duplicate statement IDs in the list of statements")
        try:
            self.store.write(prepared, upload.parts)
        except DuplicateStatementError as error:
            return Answer.error(409, str(error))
        return Answer(204) if method == "PUT" else Answer.json(200, ids)

    @staticmethod
    def _enrich(statement: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """The statement as stored: an id, the caller as authority (unless scope ``all`` named one)."""
        enriched = {k: v for k, v in statement.items() if k != "stored"}
        enriched["id"] = normalise_uuid(enriched.get("id") or uuid4())
        if SCOPE_ALL not in caller.scopes or "authority" not in enriched:
            enriched["authority"] = dict(caller.agent)
        return enriched

    @staticmethod
    def _normalise_query(scope: Scope) -> tuple[Scope, bool]:
        """``limit=0`` or none → the server's maximum (``query.page_size``); ``format`` and
        ``attachments`` are answered here, not by Ralph; tell whether one statement is asked by id."""
        pairs = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
        by_id = any(k in ("statementId", "voidedStatementId") for k, _ in pairs)
        most = str(page_size())
        pairs = [(k, most if k == "limit" and v.strip() == "0" else v) for k, v in pairs]
        if not any(k == "limit" for k, _ in pairs):
            pairs.append(("limit", most))  # Ralph's default was fixed when it was imported
        pairs = [(k, v) for k, v in pairs if k not in _OWN_PARAMS]
        return {**scope, "query_string": urlencode(pairs).encode()}, by_id

    async def _call_ralph(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        start: MutableMapping[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.ralph(scope, _replay(body), capture)
        return int(start.get("status", 500)), list(start.get("headers", [])), b"".join(chunks)

    def _correct(
        self,
        by_id: bool,
        status: int,
        raw_headers: list[tuple[bytes, bytes]],
        body: bytes,
        params: Mapping[str, str],
        scope: Scope,
    ) -> Answer:
        payload: Any = None
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        detail = payload.get("detail") if isinstance(payload, dict) else None
        headers = [
            (k.decode("latin-1").lower(), v.decode("latin-1"))
            for k, v in raw_headers
            if k.lower() not in (b"content-length", b"x-experience-api-version", b"www-authenticate")
        ]
        if status == 422:
            reason = describe_errors(detail) if isinstance(detail, list) else str(detail)
            return Answer.error(400, f"Invalid request: {reason}")
        if status == 401 and isinstance(detail, str) and detail.startswith(SCOPE_REFUSAL):
            return Answer(403, body, headers)
        if status != 200:
            return Answer(status, body, headers)
        if isinstance(payload, dict):
            languages = _accepted_languages(scope)
            payload["statements"] = [
                shape_statement(s, params.get("format", "exact"), languages) for s in payload.get("statements") or []
            ]
            more = payload.get("more")
            if isinstance(more, str) and f"search_after={END_OF_RESULTS}" in more:
                payload.pop("more")
            payload.setdefault("more", "")
            if by_id:
                found = payload.get("statements") or []
                if not found:
                    return Answer.error(404, "No statement with this id")
                payload = found[0]
            body = json.dumps(payload, ensure_ascii=False).encode()
            if params.get("attachments") == "true":
                returned = payload.get("statements") if "statements" in payload else [payload]
                stored = self.store.attachments(attachment_hashes(returned))
                body, multipart_type = multipart_answer(payload, stored)
                headers = [(k, v) for k, v in headers if k != "content-type"] + [("content-type", multipart_type)]
        return Answer(status, body, headers)

"""The LRS as an ASGI app: Ralph's API, wrapped to behave as xAPI 1.0.3 says.

Run it with ``uvicorn --factory leerpad.lrs.app:create_app`` and Ralph's settings in
the environment (see :func:`leerpad.lrs.server.lrs_environment`). What the wrapper
corrects (``shared/lrs-notes.md``):

- every POSTed or PUT statement is validated completely before Ralph sees it
  (Ralph checks only actor, verb id and object id); the original JSON is passed on;
- 422 becomes 400 with a readable message; a refused scope of a known credential
  becomes 403 instead of 401;
- ``GET /xAPI/about`` answers ``{"version": ["1.0.3"]}``;
- ``limit=0`` means "as many as the server allows" instead of an endless empty page;
- no ``more`` link when nothing follows (Ralph adds one whenever a page is full);
- ``statementId``/``voidedStatementId`` return the statement itself, or 404;
- every xAPI response carries ``X-Experience-API-Version: 1.0.3``, and statement
  queries ``X-Experience-API-Consistent-Through``;
- a re-sent statement that had no ``timestamp`` is not a conflict (Ralph fills in
  ``timestamp`` anew on each POST and then compared it: a spurious 409);
- CORS is answered once, outside, for the origins in
  ``RALPH_RUNSERVER_CORS_ALLOW_ORIGINS`` (also for ``/xAPI/about`` and errors).
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leerpad.lrs.backend import END_OF_RESULTS
from leerpad.lrs.validation import describe_errors, statement_errors

XAPI_VERSION = "1.0.3"
STATEMENTS_PATH = "/xAPI/statements"
ABOUT_PATH = "/xAPI/about"
_SCOPE_REFUSAL = "Access not authorized to scope"


def _json_message(
    status: int, payload: object, headers: list[tuple[bytes, bytes]]
) -> list[Message]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return [
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *headers,
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        },
        {"type": "http.response.body", "body": body, "more_body": False},
    ]


def _version_header() -> tuple[bytes, bytes]:
    return (b"x-experience-api-version", XAPI_VERSION.encode())


async def _send_all(send: Send, messages: list[Message]) -> None:
    for message in messages:
        await send(message)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


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


class XapiConformance:
    """ASGI middleware around Ralph's app; see the module docstring for what it corrects."""

    def __init__(self, app: ASGIApp, max_page_size: int = 100) -> None:
        """Wrap ``app`` (Ralph's FastAPI app); ``max_page_size`` = Ralph's page cap."""
        self.app = app
        self.max_page_size = max_page_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one request."""
        if scope["type"] != "http" or not scope["path"].startswith("/xAPI"):
            await self.app(scope, receive, send)
            return
        path = scope["path"].rstrip("/")
        method = scope["method"]
        if path == ABOUT_PATH:
            await self._about(method, send)
            return
        if path == STATEMENTS_PATH and method in ("POST", "PUT"):
            body = await _read_body(receive)
            refusal = self._check_statements(body)
            if refusal is not None:
                await _send_all(send, _json_message(400, {"detail": refusal}, [_version_header()]))
                return
            receive = _replay(body)
        by_id = False
        if path == STATEMENTS_PATH and method == "GET":
            scope, by_id = self._normalise_query(scope)
        status, headers, body = await self._call_captured(scope, receive)
        status, headers, body = self._correct(path, method, by_id, status, headers, body)
        await _send_all(
            send,
            [
                {"type": "http.response.start", "status": status, "headers": headers},
                {"type": "http.response.body", "body": body, "more_body": False},
            ],
        )

    async def _about(self, method: str, send: Send) -> None:
        if method not in ("GET", "HEAD"):
            await _send_all(send, _json_message(405, {"detail": "Method not allowed"}, []))
            return
        payload = {"version": [XAPI_VERSION], "extensions": {}}
        await _send_all(send, _json_message(200, payload, [_version_header()]))

    @staticmethod
    def _check_statements(body: bytes) -> str | None:
        """A readable reason to refuse the body, or None when every statement is valid."""
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            return f"The request body is not valid JSON: {error}"
        if isinstance(parsed, list) and not parsed:
            return None  # Ralph answers 400 "cannot be empty" itself.
        problems = statement_errors(parsed)
        if not problems:
            return None
        text = "Invalid statement, nothing of the request was stored: " + problems[0]
        if len(problems) > 1:
            text += f" (and {len(problems) - 1} more invalid statements)"
        return text

    def _normalise_query(self, scope: Scope) -> tuple[Scope, bool]:
        """``limit=0`` → the server's maximum; tell whether one statement is asked by id."""
        pairs = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
        by_id = any(k in ("statementId", "voidedStatementId") for k, _ in pairs)
        if any(k == "limit" and v.strip() == "0" for k, v in pairs):
            pairs = [(k, str(self.max_page_size) if k == "limit" else v) for k, v in pairs]
            scope = {**scope, "query_string": urlencode(pairs).encode()}
        return scope, by_id

    async def _call_captured(
        self, scope: Scope, receive: Receive
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        start: MutableMapping[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        return int(start.get("status", 500)), list(start.get("headers", [])), b"".join(chunks)

    def _correct(
        self,
        path: str,
        method: str,
        by_id: bool,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        payload: Any = None
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        detail = payload.get("detail") if isinstance(payload, dict) else None
        changed = False
        if status == 422:
            status = 400
            reason = describe_errors(detail) if isinstance(detail, list) else str(detail)
            payload = {"detail": f"Invalid request: {reason}"}
            changed = True
        elif status == 401 and isinstance(detail, str) and detail.startswith(_SCOPE_REFUSAL):
            status = 403
            headers = [(k, v) for k, v in headers if k.lower() != b"www-authenticate"]
        elif path == STATEMENTS_PATH and method == "GET" and status == 200:
            headers = [*headers, (b"x-experience-api-consistent-through", _now().encode())]
            if isinstance(payload, dict):
                more = payload.get("more")
                if isinstance(more, str) and f"search_after={END_OF_RESULTS}" in more:
                    payload.pop("more")
                    changed = True
                if "more" not in payload:
                    payload["more"] = ""
                    changed = True
                if by_id:
                    found = payload.get("statements") or []
                    if found:
                        payload = found[0]
                    else:
                        status, payload = 404, {"detail": "No statement with this id"}
                    changed = True
        if changed:
            body = json.dumps(payload, ensure_ascii=False).encode()
        headers = [
            (k, v)
            for k, v in headers
            if k.lower() not in (b"content-length", b"x-experience-api-version")
        ]
        headers += [(b"content-length", str(len(body)).encode()), _version_header()]
        return status, headers, body


def _now() -> str:
    return datetime.now(tz=UTC).isoformat()


def statements_are_equivalent(new: dict[str, Any], existing: dict[str, Any]) -> bool:
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


#: ``module:function`` wrapping the LRS app before CORS (``leerpad serve`` mounts the scorer).
MOUNT_ENV = "LEERPAD_LRS_MOUNT"


def mounted(app: ASGIApp) -> ASGIApp:
    """``app`` wrapped by the function ``$LEERPAD_LRS_MOUNT`` names, if any."""
    target = os.environ.get(MOUNT_ENV, "")
    if not target:
        return app
    module, _, name = target.partition(":")
    wrap = getattr(importlib.import_module(module), name)
    wrapped: ASGIApp = wrap(app)
    return wrapped


def create_app() -> ASGIApp:
    """Build the LRS app from Ralph's, configured by the environment (uvicorn factory)."""
    from ralph.api import app as ralph_app  # type: ignore[import-untyped]
    from ralph.api.routers import statements as ralph_statements  # type: ignore[import-untyped]
    from ralph.conf import settings  # type: ignore[import-untyped]

    ralph_statements.statements_are_equivalent = statements_are_equivalent

    # CORS is answered outside the wrapper (also for /xAPI/about and corrected errors),
    # so Ralph's own CORS layer would only add duplicate headers.
    ralph_app.user_middleware = [
        m for m in ralph_app.user_middleware if m.cls is not CORSMiddleware
    ]
    app: ASGIApp = mounted(XapiConformance(ralph_app, settings.RUNSERVER_MAX_SEARCH_HITS_COUNT))
    origins = [str(o) for o in settings.RUNSERVER_CORS_ALLOW_ORIGINS]
    if origins:
        app = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "HEAD"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "X-Experience-API-Version",
            ],
            expose_headers=["X-Experience-API-Version", "X-Experience-API-Consistent-Through"],
            max_age=600,
        )
    return app

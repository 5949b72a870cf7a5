"""The LRS as an ASGI app: Ralph's Statements API and Leerpad's own resources behind one front.

Run it with ``uvicorn --factory leerpad.lrs.app:create_app`` and the settings in
the environment (see :func:`leerpad.lrs.server.lrs_environment`).

Every request to ``/xAPI/…`` passes the front (:class:`XapiFront`) in this order:

1. the alternate request syntax (``POST …?method=PUT`` with a form body) becomes
   the request it stands for;
2. ``/xAPI/about`` answers without credentials;
3. **authentication first**: without a known credential, 401 — before any body is
   read or any parameter validated;
4. ``X-Experience-API-Version`` must be ``1.0`` or ``1.0.x`` (400 otherwise);
5. a body above the limit is refused with 413 (``LEERPAD_LRS_MAX_BODY_BYTES``,
   10 MB by default; statements per request: ``LEERPAD_LRS_MAX_BATCH``);
6. HEAD is answered as GET without the body, on every resource;
7. the resource: Statements (:mod:`~leerpad.lrs.statements_api`, Ralph inside),
   State, Activity Profile, Agent Profile, Agents, Activities
   (:mod:`~leerpad.lrs.resources`).

Every xAPI answer carries ``X-Experience-API-Version: 1.0.3``, errors included: a
failure of the server itself (a database error, an exception in Ralph) is logged
with its traceback and answered 500 ``{"detail": …}`` without it. CORS is answered
outside everything, for the origins in ``RALPH_RUNSERVER_CORS_ALLOW_ORIGINS``.

Extending the LRS (e.g. the scorer): :func:`root_mounts` lists apps mounted at the
server root beside ``/xAPI/`` (``/leerpad/v1``), and :func:`statement_policies` the
checks every statement write passes after validation (a refusal is a 403).
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from anyio import to_thread
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leerpad.lrs.access import Gate
from leerpad.lrs.documents import DocumentStore
from leerpad.lrs.query import page_size
from leerpad.lrs.ralph_patches import forget_credentials, patch_ralph
from leerpad.lrs.resources import Answer, Request, answer, route
from leerpad.lrs.statements_api import STATEMENTS_PATH, StatementPolicy, StatementsResource, voiding_needs_all
from leerpad.lrs.store import StatementStore

XAPI_VERSION = "1.0.3"
ABOUT_PATH = "/xAPI/about"
MAX_BODY_ENV = "LEERPAD_LRS_MAX_BODY_BYTES"
MAX_BATCH_ENV = "LEERPAD_LRS_MAX_BATCH"
DEFAULT_MAX_BODY = 10 * 1024 * 1024
DEFAULT_MAX_BATCH = 1000
_VERSION = re.compile(r"^1\.0(\.\d+)?$")
# Form fields of the alternate request syntax that are headers (Communication 1.3).
_FORM_HEADERS = ("authorization", "x-experience-api-version", "content-type", "if-match", "if-none-match")
SERVER_FAILURE = "The LRS could not carry out the request because of an error on the server; its log says why"
_log = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    """The request body is above the limit."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body; :class:`BodyTooLarge` as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_answer(send: Send, result: Answer, head: bool = False) -> None:
    """Send an answer (without its body for HEAD), with the xAPI version header."""
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in result.headers]
    headers += [
        (b"content-length", str(len(result.body)).encode()),
        (b"x-experience-api-version", XAPI_VERSION.encode()),
    ]
    start: Message = {"type": "http.response.start", "status": result.status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": b"" if head else result.body, "more_body": False})


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _params(query_string: bytes) -> dict[str, str] | None:
    """Query parameters, or None when one is given twice (a malformed request)."""
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    params = dict(pairs)
    return params if len(params) == len(pairs) else None


class XapiFront:
    """The front of the LRS; see the module docstring for its order of checks."""

    def __init__(
        self,
        ralph: ASGIApp,
        statements: StatementsResource,
        store: StatementStore,
        documents: DocumentStore,
        gate: Gate,
        mounts: Sequence[tuple[str, ASGIApp]] = (),
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        """Ralph's app, the resources, the credential gate, root mounts and the body limit."""
        self.ralph = ralph
        self.statements = statements
        self.store = store
        self.documents = documents
        self.gate = gate
        self.mounts = list(mounts)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one request (or pass lifespan and non-xAPI paths to Ralph)."""
        if scope["type"] != "http":
            await self.ralph(scope, receive, send)
            return
        for prefix, app in self.mounts:
            if scope["path"] == prefix or scope["path"].startswith(prefix + "/"):
                await app(scope, receive, send)
                return
        if not scope["path"].startswith("/xAPI"):
            await self.ralph(scope, receive, send)  # /__heartbeat__, /whoami
            return
        head = scope["method"] == "HEAD"
        try:
            result = await self._answer(scope, receive)
        except BodyTooLarge:
            result = Answer.error(413, f"The request body is larger than {self.max_body} bytes")
        except Exception:  # noqa: BLE001 - the server's fault: the log keeps the traceback, the client gets xAPI
            _log.exception("%s %s failed", scope["method"], scope["path"])
            result = Answer.error(500, SERVER_FAILURE)
        await send_answer(send, result, head=head)

    async def _answer(self, scope: Scope, receive: Receive) -> Answer:
        path = scope["path"].rstrip("/")
        headers = _headers(scope)
        body: bytes | None = None
        params = _params(scope.get("query_string", b""))
        if params is None:
            return Answer.error(400, "A query parameter is given more than once")
        if scope["method"] == "POST" and "method" in params:
            rewritten = await self._alternate_syntax(scope, receive, params)
            if isinstance(rewritten, Answer):
                return rewritten
            scope, body = rewritten
            headers, params = _headers(scope), _params(scope["query_string"]) or {}
        if path == ABOUT_PATH:
            if scope["method"] not in ("GET", "HEAD"):
                return Answer.error(405, "The About resource answers GET only")
            return Answer.json(200, {"version": [XAPI_VERSION], "extensions": {}})

        caller = await to_thread.run_sync(self.gate.authenticate, headers.get("authorization"))
        if caller is None:
            refused = Answer.error(401, "Invalid authentication credentials")
            refused.headers.append(("www-authenticate", 'Basic realm="xAPI"'))
            return refused
        version = headers.get("x-experience-api-version")
        if version is None or not _VERSION.match(version.strip()):
            return Answer.error(400, f"X-Experience-API-Version must be 1.0.x, not {version!r}")
        declared = headers.get("content-length", "0")
        if declared.isdigit() and int(declared) > self.max_body:
            raise BodyTooLarge
        if body is None:
            body = await read_body(receive, self.max_body)
        if scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}

        handler = route(path, self.store, self.documents)
        if handler is not None:
            request = Request(scope["method"], params, headers, body, caller)
            return await to_thread.run_sync(answer, handler, request)
        if path == STATEMENTS_PATH:
            return await self.statements.handle(scope, params, body, caller)
        return Answer.error(404, f"No xAPI resource at {path}")

    async def _alternate_syntax(
        self, scope: Scope, receive: Receive, params: Mapping[str, str]
    ) -> tuple[Scope, bytes] | Answer:
        """``POST …?method=X`` with a form body → the request X it stands for."""
        method = params["method"].upper()
        if len(params) > 1:
            return Answer.error(400, "Alternate request syntax: every parameter goes into the form body")
        if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
            return Answer.error(400, f"Alternate request syntax: unknown method {params['method']!r}")
        headers = _headers(scope)
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return Answer.error(400, "Alternate request syntax needs Content-Type application/x-www-form-urlencoded")
        form_body = await read_body(receive, self.max_body)
        form = dict(parse_qsl(form_body.decode("utf-8", "replace"), keep_blank_values=True))
        for name in list(form):
            if name.lower() in _FORM_HEADERS:
                headers[name.lower()] = form.pop(name)
        content = form.pop("content", "").encode()
        headers["content-length"] = str(len(content))
        if "content-type" in headers and headers["content-type"].startswith("application/x-www-form-urlencoded"):
            headers["content-type"] = "application/json"
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        rewritten = {**scope, "method": method, "headers": raw_headers, "query_string": urlencode(form).encode()}
        return rewritten, content


# ---------------------------------------------------------------- composition


#: ``module:function`` returning an LRS extension (``leerpad serve``: the scorer), an object
#: with ``mounts`` (``[(path prefix, app)]``) and ``policies`` (statement policies).
EXTENSION_ENV = "LEERPAD_LRS_EXTENSION"


@functools.cache
def _extension() -> Any:
    """The extension ``$LEERPAD_LRS_EXTENSION`` names (made once per process), or None."""
    target = os.environ.get(EXTENSION_ENV, "")
    if not target:
        return None
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)()


def root_mounts() -> list[tuple[str, ASGIApp]]:
    """Apps served at the server root beside ``/xAPI/``, as ``(path prefix, app)``.

    The place for Leerpad services that share the LRS's process and credentials
    (e.g. the scorer at ``/leerpad/v1``), brought by the extension.
    """
    extension = _extension()
    return list(extension.mounts) if extension is not None else []


def statement_policies() -> list[StatementPolicy]:
    """The checks every statement write passes after validation, in order (a refusal is a 403).

    The extension's first (the scorer's rule on what the browser's write credential
    may store, in Dutch), then who may void.
    """
    extension = _extension()
    return [*(extension.policies if extension is not None else []), voiding_needs_all]


def _limit(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else default


def create_app() -> ASGIApp:
    """Build the LRS app from Ralph's, configured by the environment (uvicorn factory)."""
    from ralph.api.routers import statements as ralph_statements  # type: ignore[import-untyped]
    from ralph.conf import settings  # type: ignore[import-untyped]

    # One page size for Ralph's limit check and the store, also under plain uvicorn.
    settings.RUNSERVER_MAX_SEARCH_HITS_COUNT = page_size()
    # Every place Leerpad reaches into Ralph is checked there first (fails loudly).
    ralph = patch_ralph(CORSMiddleware)
    store: StatementStore = ralph_statements.BACKEND_CLIENT.store
    statements = StatementsResource(ralph, store, statement_policies(), _limit(MAX_BATCH_ENV, DEFAULT_MAX_BATCH))
    app: ASGIApp = XapiFront(
        ralph,
        statements,
        store,
        DocumentStore(store.db),
        Gate(Path(str(settings.AUTH_FILE)), on_reload=forget_credentials),
        mounts=root_mounts(),
        max_body=_limit(MAX_BODY_ENV, DEFAULT_MAX_BODY),
    )
    origins = [str(o) for o in settings.RUNSERVER_CORS_ALLOW_ORIGINS]
    if origins:
        app = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "DELETE", "HEAD"],
            allow_headers=["Authorization", "Content-Type", "X-Experience-API-Version", "If-Match", "If-None-Match"],
            expose_headers=["X-Experience-API-Version", "X-Experience-API-Consistent-Through", "ETag", "Last-Modified"],
            max_age=600,
        )
    return app


"""The scoring service over HTTP: ``/leerpad/v1/…`` at the server's root, beside ``/xAPI/``.

- ``POST /leerpad/v1/attempts`` — start an attempt (see :meth:`Scorer.start`);
- ``POST /leerpad/v1/attempts/<attempt UUID>/responses`` — submit it (:meth:`Scorer.submit`).

HTTP Basic with the browser's write credential, as the LRS asks: no or a wrong
credential → 401, a credential without write access → 403. Errors are JSON
``{"detail": "<message in Dutch>"}``, as the LRS answers them. CORS is answered by
whatever serves this app (the LRS's own CORS layer when mounted in it).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from leerpad.scoring.service import Refusal, Scorer

PREFIX = "/leerpad/v1"
#: ``(username, password)`` → True (may use the scorer), False (known, no write access), None (unknown).
Authenticator = Callable[[str, str], bool | None]


def credential_check(allowed: tuple[str, str], known: dict[str, str] | None = None) -> Authenticator:
    """An authenticator accepting ``allowed``; ``known`` (username → password) answer 403."""
    others = dict(known or {})

    def check(username: str, password: str) -> bool | None:
        if hmac.compare_digest(username.encode(), allowed[0].encode()) and hmac.compare_digest(
            password.encode(), allowed[1].encode()
        ):
            return True
        expected = others.get(username)
        if expected is not None and hmac.compare_digest(password.encode(), expected.encode()):
            return False
        return None

    return check


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        username, sep, password = base64.b64decode(token.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if sep else None


def scoring_app(scorer: Scorer, authenticate: Authenticator) -> Starlette:
    """The ASGI app of the scoring service."""

    def refused(request: Request) -> JSONResponse | None:
        credential = _basic(request)
        verdict = authenticate(*credential) if credential else None
        if verdict is None:
            return _error(
                401,
                "Niet aangemeld: gebruik de schrijfsleutel van de LRS (HTTP Basic).",
                {"WWW-Authenticate": 'Basic realm="leerpad"'},
            )
        if verdict is False:
            return _error(403, "Deze sleutel mag geen toetsen starten of indienen.")
        return None

    async def body(request: Request) -> Any:
        raw = await request.body()
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise Refusal(400, f"de aanvraag is geen geldige JSON: {error}") from None

    async def start(request: Request) -> JSONResponse:
        if (refusal := refused(request)) is not None:
            return refusal
        try:
            data = await body(request)
            return JSONResponse(await run_in_threadpool(scorer.start, data))
        except Refusal as refusal_:
            return _error(refusal_.status, refusal_.message)

    async def submit(request: Request) -> JSONResponse:
        if (refusal := refused(request)) is not None:
            return refusal
        try:
            data = await body(request)
            answer = await run_in_threadpool(scorer.submit, request.path_params["attempt"], data)
            return JSONResponse(answer)
        except Refusal as refusal_:
            return _error(refusal_.status, refusal_.message)

    return Starlette(
        routes=[
            Route(f"{PREFIX}/attempts", start, methods=["POST"]),
            Route(f"{PREFIX}/attempts/{{attempt}}/responses", submit, methods=["POST"]),
        ]
    )
